"""Suppression with a reason: itaku-accept.yaml beside the case, applied after evaluation
(SPEC.md "Statuses": the finding keeps its status, carries accepted.reason, stays in every
report and no longer counts for the exit status); never a silent drop."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from checker.waivers import WaiverError, accept_findings, parse_waivers

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "fixtures" / "cases" / "seed-2017-cancer-screening"
ITAKU = str(Path(sys.executable).parent / "itaku")


def _case(tmp_path: Path, waivers: str | None) -> Path:
    d = tmp_path / "seed"
    shutil.copytree(SEED, d)
    (d / "expected.yaml").unlink()
    if waivers is not None:
        (d / "itaku-accept.yaml").write_text(textwrap.dedent(waivers), encoding="utf-8")
    return d


def _check(case: Path, fmt: str = "json", *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([ITAKU, "check", str(case), "--as-of", "2017-05-10", "--format", fmt, *extra],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)


@pytest.fixture(scope="module")
def baseline(tmp_path_factory) -> dict:
    out = _check(_case(tmp_path_factory.mktemp("base"), None))
    assert out.returncode == 1, out.stderr
    return json.loads(out.stdout)["cases"][0]


def _flagged(case: dict) -> list[dict]:
    return [f for f in case["findings"] if f["status"] in ("missing", "violation", "needs_review")]


def test_accepted_finding_keeps_its_status_and_stays_in_the_report(tmp_path: Path, baseline: dict) -> None:
    case = _case(tmp_path, """
        - check: contractor-termination-right.clause
          reason: 契約課の標準約款であることを確認済み（契約課 5/12）
    """)
    out = _check(case)
    assert out.returncode == 1  # other findings still count
    got = json.loads(out.stdout)["cases"][0]
    assert len(got["findings"]) == len(baseline["findings"])  # nothing dropped
    f = next(f for f in got["findings"] if f["check"] == "contractor-termination-right.clause")
    assert f["status"] == "needs_review"
    assert f["accepted"]["reason"] == "契約課の標準約款であることを確認済み（契約課 5/12）"
    assert got["rules"] == baseline["rules"]  # rule statuses keep the status too
    others = [f for f in got["findings"] if f["check"] != "contractor-termination-right.clause"]
    assert not any("accepted" in f for f in others)


def test_accepting_every_flagged_finding_gives_exit_status_0(tmp_path: Path, baseline: dict) -> None:
    entries = "".join(f"- check: {f['check']}\n  reason: 所管課で対応方針を決定済み（{f['check']}）\n"
                      for f in _flagged(baseline))
    case = _case(tmp_path, entries)
    out = _check(case)
    assert out.returncode == 0, out.stdout[-2000:]
    got = json.loads(out.stdout)["cases"][0]
    assert len(_flagged(got)) == len(_flagged(baseline))  # still there, with their statuses
    assert all(f.get("accepted", {}).get("reason") for f in _flagged(got))
    assert not any("accepted" in f for f in got["findings"] if f["status"] == "ok")
    # every other format shows them as accepted
    text = _check(case, "text")
    assert text.returncode == 0 and "承認済み" in text.stdout
    md = _check(case, "md")
    assert "承認済み" in md.stdout and "所管課で対応方針を決定済み" in md.stdout
    html = _check(case, "html")
    assert "承認済み" in html.stdout


def test_match_and_clause_narrow_a_waiver(tmp_path: Path) -> None:
    case = _case(tmp_path, """
        - check: media-handover.confirmation
          reason: 係長確認は暫定、課長確認に改める
          match: 係長
        - check: contractor-termination-right.clause
          reason: 別の条項のつもり
          clause: 第１３条
    """)
    got = json.loads(_check(case).stdout)["cases"][0]
    by = {f["check"]: f for f in got["findings"]}
    assert by["media-handover.confirmation"]["accepted"]["reason"].startswith("係長確認")
    assert "accepted" not in by["contractor-termination-right.clause"]  # cites 第18条, not 第13条
    notes = [n for n in got["notes"] if n["code"] == "waiver.unused"]
    assert len(notes) == 1 and "contractor-termination-right.clause" in notes[0]["message"]


def test_a_waiver_for_an_ok_check_or_an_unknown_check_is_reported_not_applied(tmp_path: Path) -> None:
    case = _case(tmp_path, """
        - check: confidentiality.clause
          reason: 念のため
        - check: no-such.check
          reason: 綴り違い
    """)
    out = _check(case)
    got = json.loads(out.stdout)["cases"][0]
    assert not any("accepted" in f for f in got["findings"])
    msgs = [n["message"] for n in got["notes"] if n["code"] == "waiver.unused"]
    assert len(msgs) == 2
    assert any("confidentiality.clause" in m and "ok" in m for m in msgs)
    assert any("no-such.check" in m and "itaku rules" in m for m in msgs)
    assert all("itaku-accept.yaml" in m for m in msgs)


@pytest.mark.parametrize("content, words", [
    ("- check: media-handover.confirmation\n", ["reason", "理由"]),
    ("- reason: 理由だけ\n", ["check"]),
    ("- check: x\n  reason: y\n  extra: z\n", ["extra"]),
    ("- check: [unclosed\n", ["YAML"]),
    ("just text\n", ["承認の一覧"]),
])
def test_an_invalid_waiver_file_accepts_nothing_and_says_why(tmp_path: Path, content: str, words: list[str]) -> None:
    case = _case(tmp_path, content)
    out = _check(case)
    assert out.returncode == 1
    got = json.loads(out.stdout)["cases"][0]
    assert not any("accepted" in f for f in got["findings"])
    (note,) = [n for n in got["notes"] if n["code"] == "waiver.invalid"]
    assert "itaku-accept.yaml" in note["message"]
    for w in words:
        assert w in note["message"]


def test_the_waiver_file_is_not_read_as_a_document(tmp_path: Path) -> None:
    case = _case(tmp_path, "- check: inspection.clause\n  reason: 不要\n")
    got = json.loads(_check(case).stdout)["cases"][0]
    assert all(not d["path"].endswith("itaku-accept.yaml") for d in got["documents"])


def test_rule_level_waiver_and_the_python_api() -> None:
    import datetime as dt

    from checker.api import check_case, load_case

    result = check_case(load_case(SEED), dt.date(2017, 5, 10))
    accepted = accept_findings(result, [{"check": "media-handover", "reason": "媒体の授受は次回契約で見直す"}])
    marked = [f for f in accepted.findings if f.accepted]
    assert {f.check for f in marked} == {"media-handover.confirmation", "media-handover.key-ledger"}
    assert all(f.accepted["source"] == "history" for f in marked)
    assert [f.status for f in accepted.findings] == [f.status for f in result.findings]
    assert accepted.exit_flagged  # other findings remain
    everything = accept_findings(result, [{"check": f.check, "reason": "確認済み"} for f in result.findings
                                          if f.status.flagged])
    assert not everything.exit_flagged and result.exit_flagged
    with pytest.raises(WaiverError, match="reason"):
        accept_findings(result, [{"check": "media-handover.confirmation", "reason": "  "}])


def test_accept_key_and_empty_file() -> None:
    assert parse_waivers({"accept": [{"check": "a.b", "reason": "r"}]})[0].check == "a.b"
    assert parse_waivers(None) == []
