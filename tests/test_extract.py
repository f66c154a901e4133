"""``itaku extract``: what a user reads when a finding surprises them."""
from __future__ import annotations

import json
import subprocess
import sys
from argparse import Namespace

import pytest

from checker.extract import run_extract

CONTRACT = """# 業務委託契約書

| 履行期間 | 令和８年４月１日から令和９年３月３１日まで |

委託者東雲市（以下「甲」という。）と受託者株式会社ライフログ（以下「乙」という。）とは、次のとおり契約を締結する。

（再委託の禁止）
第５条　乙は、あらかじめ甲の書面による承諾を得なければ、本業務を第三者に委託してはならない。
２　乙は、再委託先に同等の義務を負わせなければならない。

甲乙記名押印の上、各自１通を保有する。

===page===

# 別記　個人情報取扱特記事項

（秘密の保持）
第１　乙は、個人情報を他に漏らしてはならない。
"""


@pytest.fixture
def contract(tmp_path):
    p = tmp_path / "a.txt"
    p.write_text(CONTRACT, encoding="utf-8")
    return p


def run(capsys, path, fmt="text"):
    code = run_extract(Namespace(file=str(path), format=fmt))
    return code, capsys.readouterr().out


def test_text_output_shows_kinds_parties_period_articles_fields_dates(contract, capsys):
    code, out = run(capsys, contract)
    assert code == 0
    assert "委託契約書（contract）" in out and "special_provisions" in out
    assert "表題: 業務委託契約書" in out
    assert "甲: 東雲市" in out and "市（委託者）" in out
    assert "乙: 株式会社ライフログ" in out
    assert "履行期間: 2026-04-01 ～ 2027-03-31" in out
    assert "p.1 第5条（再委託の禁止）" in out
    assert "p.2 別記第1（秘密の保持）" in out
    assert "p.1 履行期間: 令和8年4月1日から令和9年3月31日まで" in out
    assert "令和9年3月31日 → 2027-03-31" in out


def test_json_output_has_the_same_and_every_sentence(contract, capsys):
    code, out = run(capsys, contract, "json")
    assert code == 0
    data = json.loads(out)
    assert data["schema"] == "itaku-extract/1"
    assert data["kind"] == ["contract", "special_provisions"]
    assert data["parties"] == {"甲": "東雲市", "乙": "株式会社ライフログ"}
    assert data["roles"]["甲"] == "city"
    assert data["period"] == {"start": "2026-04-01", "end": "2027-03-31", "text": "令和8年4月1日から令和9年3月31日まで",
                              "page": 1, "source": "履行期間"}
    assert [a["label"] for a in data["articles"]] == ["第5条", "別記第1"]
    assert data["articles"][0]["caption"] == "再委託の禁止"
    s = next(s for s in data["sentences"] if "同等の義務" in s["text"])
    assert s["clause"] == "第5条第2項" and s["page"] == 1 and s["where"] == "p.1 第5条第2項"
    assert s["raw"].startswith("乙は、再委託先に")
    assert {"text": "令和9年3月31日", "date": "2027-03-31", "end_date": "2027-03-31", "precision": "day",
            "page": 1, "sentence": 0} in data["dates"]


def test_unreadable_file_shows_the_error_and_exits_1(tmp_path, capsys):
    p = tmp_path / "scan.xyz"
    p.write_bytes(b"\x00\x01binary")
    code, out = run(capsys, p)
    assert code == 1
    assert "エラー [unsupported_type]" in out
    code, out = run(capsys, p, "json")
    assert json.loads(out)["error"]["code"] == "unsupported_type"


def test_missing_file_is_a_usage_error(tmp_path):
    from checker.cli import UsageError

    with pytest.raises(UsageError):
        run_extract(Namespace(file=str(tmp_path / "nope.pdf"), format="text"))


def test_cli_extract_command(contract):
    r = subprocess.run([sys.executable, "-m", "checker.cli", "extract", str(contract), "--format", "json"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["title"] == "業務委託契約書"
