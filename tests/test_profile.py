"""Profiles (TOML): bundled names, rule selection, severities, local rule folders,
the municipality's standard, vocabulary; ``itaku rules`` and ``itaku check`` with them."""
from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from checker.api import check_case, load_case
from checker.examples import simple_document
from checker.engine import evaluate
from checker.model import Case
from checker.profile import bundled_profiles, load_profile, load_profile_toml

ROOT = Path(__file__).resolve().parent.parent
AS_OF = dt.date(2027, 3, 1)


def _toml(tmp_path: Path, body: str, name: str = "city.toml") -> Path:
    p = tmp_path / name
    p.write_text(textwrap.dedent(body), encoding="utf-8")
    return p


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(Path(sys.executable).parent / "itaku"), *args], capture_output=True, text=True, cwd=ROOT)


def test_default_profile_runs_every_shipped_rule() -> None:
    prof = load_profile(None)
    assert prof.name == "default"
    shipped = sorted(p.stem for p in (ROOT / "rules").glob("*.yaml"))
    assert sorted(r.id for r in prof.rulebook.rules) == shipped
    assert prof.standard is None
    assert load_profile("default").rulebook is prof.rulebook  # cached


def test_bundled_profiles_are_listed_and_load() -> None:
    names = bundled_profiles()
    assert {"default", "sakuragaoka"} <= set(names)
    prof = load_profile("sakuragaoka")
    assert prof.name == "桜ケ丘市"
    assert prof.standard is not None and prof.standard.is_file()
    assert prof.rulebook.severity("media-handover.confirmation") == "high"
    assert prof.vocabulary["個人情報取扱責任者"] == ("個人情報管理責任者",)


def test_select_ignore_and_severity(tmp_path: Path) -> None:
    p = _toml(tmp_path, """
        name = "試験市"
        [rules]
        select = ["subcontracting", "media-handover", "inspection"]
        ignore = ["inspection"]
        [severity]
        "subcontracting.clause" = "low"
        "media-handover" = "info"
    """)
    prof = load_profile(str(p))
    assert prof.name == "試験市"
    assert [r.id for r in prof.rulebook.rules] == ["media-handover", "subcontracting"]
    assert prof.rulebook.severity("subcontracting.clause") == "low"
    assert {prof.rulebook.severity(c.id) for c in prof.rulebook.rule("media-handover").checks} == {"info"}
    case = load_case(ROOT / "fixtures" / "cases" / "seed-2017-cancer-screening")
    result = check_case(case, dt.date(2017, 5, 10), prof)
    assert set(result.rules) == {"media-handover", "subcontracting"}
    f = next(f for f in result.findings if f.check == "media-handover.confirmation")
    assert f.severity == "info" and f.status.value == "violation"  # severity never changes a status


@pytest.mark.parametrize("body, words", [
    ('[rules]\nselect = ["no-such-rule"]\n', ["no-such-rule", "未知のルール"]),
    ('colour = "red"\n', ["colour", "未知のキー"]),
    ('[severity]\n"subcontracting.clause" = "urgent"\n', ["urgent"]),
    ('[severity]\n"nope.check" = "high"\n', ["nope.check"]),
    ('[standard]\npath = "missing.pdf"\n', ["missing.pdf", "標準特記事項"]),
    ('[rules]\nlocal = "no-folder"\n', ["no-folder"]),
    ('name = \n', ["TOML"]),
])
def test_bad_profiles_name_the_file_and_the_problem(tmp_path: Path, body: str, words: list[str]) -> None:
    p = _toml(tmp_path, body)
    with pytest.raises(ValueError) as exc:
        load_profile_toml(p)
    msg = str(exc.value)
    assert str(p) in msg
    for w in words:
        assert w in msg


def test_unknown_profile_is_a_usage_error_in_japanese() -> None:
    with pytest.raises(ValueError, match="プロファイルが見つかりません"):
        load_profile("no-such-profile")
    out = _cli("rules", "--profile", "no-such-profile")
    assert out.returncode == 2 and "プロファイル" in out.stderr


LOCAL_RULE = """\
id: local-shredder
title: 細断機の型式の記載（市独自）
summary: 紙の廃棄に用いる細断機の細断の大きさを記載させる。
rationale: 市の情報セキュリティ基準が細断の大きさを定めているため。
checks:
  - id: local-shredder.size
    title: 細断の大きさ
    reads: all
    severity: low
    scope: sentence
    topic: {regex: 'シュレッダー|細断'}
    outcomes:
      - id: size
        status: ok
        when: {regex: '\\\\d+\\\\s*mm|ミリ'}
    otherwise: needs_review
    absent: not_applicable
    messages:
      size: 細断の大きさが書かれています（{where}「{quote}」）。
      otherwise: 細断の大きさが書かれていません（{where}「{quote}」）。
    fix: 紙の資料は、クロスカット方式で4mm×40mm以下に細断する。
    rationale: 市独自の基準。
    examples:
      - status: ok
        text: 紙の資料は、シュレッダーにより4mm×40mm以下に細断する。
      - status: needs_review
        text: 紙の資料は、シュレッダーにより細断する。
"""


def _local_profile(tmp_path: Path) -> Path:
    rules = tmp_path / "local-rules"
    rules.mkdir()
    (rules / "local-shredder.yaml").write_text(LOCAL_RULE, encoding="utf-8")
    return _toml(tmp_path, """
        name = "独自ルールの市"
        [rules]
        select = ["data-return-deletion"]
        local = "local-rules"
    """)


def test_a_local_rule_file_runs_without_python(tmp_path: Path) -> None:
    prof = load_profile(str(_local_profile(tmp_path)))
    assert [r.id for r in prof.rulebook.rules] == ["data-return-deletion", "local-shredder"]
    case = load_case(ROOT / "fixtures" / "cases" / "seed-2017-cancer-screening")  # 「シュレッダーにより裁断する」
    result = check_case(case, dt.date(2017, 5, 10), prof)
    f = next(f for f in result.findings if f.check == "local-shredder.size")
    assert f.status.value == "needs_review" and "細断の大きさ" in f.message
    assert f.fix.startswith("紙の資料は")
    assert result.rules["local-shredder"].value == "needs_review"


def test_a_local_rule_through_the_cli(tmp_path: Path) -> None:
    p = _local_profile(tmp_path)
    out = _cli("check", str(ROOT / "fixtures" / "cases" / "seed-2017-cancer-screening"), "--profile", str(p),
               "--format", "json", "--as-of", "2017-05-10")
    assert out.returncode == 1, out.stderr
    case = json.loads(out.stdout)["cases"][0]
    assert set(case["rules"]) == {"data-return-deletion", "local-shredder"}
    assert any(f["check"] == "local-shredder.size" and f["status"] == "needs_review" for f in case["findings"])
    listed = _cli("rules", "--profile", str(p))
    assert listed.returncode == 0, listed.stderr
    assert "local-shredder" in listed.stdout and "subcontracting" not in listed.stdout


def test_a_broken_local_rule_names_its_file_and_line(tmp_path: Path) -> None:
    p = _local_profile(tmp_path)
    bad = LOCAL_RULE.replace("regex: 'シュレッダー|細断'", "regx: 'シュレッダー'")
    (tmp_path / "local-rules" / "local-shredder.yaml").write_text(bad, encoding="utf-8")
    with pytest.raises(ValueError, match=r"local-shredder\.yaml:\d+"):
        load_profile_toml(p)


def test_itaku_rules_shows_the_active_profile() -> None:
    out = _cli("rules", "--profile", "sakuragaoka")
    assert out.returncode == 0, out.stderr
    for rid in ("media-handover", "contractor-termination-right", "subcontracting"):
        assert rid in out.stdout


def test_vocabulary_adds_the_organisations_title_to_the_matchers(tmp_path: Path) -> None:
    text = "第５条　受注者の個人情報管理責任者は、作業の状況を毎月発注者に報告する。"
    case = Case(name="vocab", documents=(simple_document(text, kinds=("special_provisions",)),))
    plain = evaluate(case, load_profile(None).rulebook, AS_OF)
    assert plain.checks["security-measures.responsible-person"].value == "missing"
    p = _toml(tmp_path, """
        [vocabulary]
        "個人情報取扱責任者" = ["個人情報管理責任者"]
    """)
    prof = load_profile(str(p))
    local = evaluate(case, prof.rulebook, AS_OF)
    assert local.checks["security-measures.responsible-person"].value == "ok"
    # model wording and messages speak the organisation's word; the rule files are untouched
    assert "個人情報管理責任者" in prof.rulebook.check("media-handover.key-ledger").fix
    assert "個人情報取扱責任者" in load_profile(None).rulebook.check("media-handover.key-ledger").fix
    assert "個人情報取扱責任者" in (ROOT / "rules" / "media-handover.yaml").read_text(encoding="utf-8")


def test_vocabulary_reaches_local_rules(tmp_path: Path) -> None:
    rules = tmp_path / "local-rules"
    rules.mkdir()
    (rules / "local-title.yaml").write_text(LOCAL_RULE.replace("local-shredder", "local-title")
                                            .replace("'シュレッダー|細断'", "'個人情報取扱責任者'"), encoding="utf-8")
    p = _toml(tmp_path, """
        [rules]
        select = []
        local = "local-rules"
        [vocabulary]
        "個人情報取扱責任者" = ["個人情報管理責任者"]
    """)
    prof = load_profile(str(p))
    case = Case(name="v", documents=(simple_document("個人情報管理責任者が保管する。", kinds=("consultation",)),))
    assert evaluate(case, prof.rulebook, AS_OF).checks["local-title.size"].value == "needs_review"


def test_a_folder_of_rules_is_still_a_profile(tmp_path: Path) -> None:
    rules = tmp_path / "extra"
    rules.mkdir()
    (rules / "local-shredder.yaml").write_text(LOCAL_RULE, encoding="utf-8")
    prof = load_profile(str(rules))
    assert "local-shredder" in {r.id for r in prof.rulebook.rules} and "subcontracting" in {r.id for r in prof.rulebook.rules}
