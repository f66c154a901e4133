"""``itaku check`` and ``itaku rules`` end to end: exit statuses, --out, formats, errors.

The pipeline runs for real (reader, structure, engine, shipped rules); GiNZA, when a rule
needs it, loads once for the session because everything but the fast usage-error test
runs in this process through ``checker.cli.main``.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from checker.cli import main
from checker.commands import exit_status
from checker.model import CaseResult, DocError, Document, Finding, Status

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = Path("/work/shared/examples")
FIXTURE_CASES = ROOT / "fixtures" / "cases"
CONTRACT = (
    "# 業務委託契約書\n"
    "第1条（目的）甲は、乙に対し、住民情報の入力業務を委託し、乙はこれを受託する。\n"
    "第2条（再委託の禁止）乙は、あらかじめ甲の書面による承諾を得なければ、業務を第三者に委託してはならない。\n"
)

pipeline = pytest.mark.skipif(
    not all((ROOT / "checker" / m).is_file() for m in ("engine.py", "structure.py", "profile.py", "rulebook.py")),
    reason="the engine and structure modules have not landed yet")


def run(argv, capsys):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def _implied_exit(obj: dict) -> int:
    """The exit status SPEC.md implies for a JSON report."""
    docs = [d for c in obj["cases"] for d in c["documents"]]
    if not docs or all(d["error"] for d in docs):
        return 2
    flagged = any(f["status"] in ("missing", "violation", "needs_review") and "accepted" not in f
                  for c in obj["cases"] for f in c["findings"])
    unread = any(d["error"] for d in docs)
    return 1 if flagged or unread else 0


# --------------------------------------------------------------------------- no pipeline needed
def test_missing_path_is_a_usage_error_with_a_clear_message(tmp_path):
    out_file = tmp_path / "report.txt"
    out_file.write_text("previous report", encoding="utf-8")
    itaku = Path(sys.executable).parent / "itaku"  # the installed console script
    proc = subprocess.run([str(itaku), "check", str(tmp_path / "nope"),
                           "--out", str(out_file)], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 2
    assert "nope: ファイル又はフォルダが見つかりません" in proc.stderr
    assert proc.stdout == ""
    assert out_file.read_text(encoding="utf-8") == "previous report"  # untouched


def test_out_pointing_at_a_folder_is_a_usage_error(tmp_path, capsys):
    (tmp_path / "a.txt").write_text(CONTRACT, encoding="utf-8")
    code, out, err = run(["check", tmp_path / "a.txt", "--out", tmp_path], capsys)
    assert code == 2 and "フォルダです" in err and out == ""


def _doc(path, error=None):
    return Document(path=path, format="txt", sha256="", pages=1, kinds=("contract",),
                    error=DocError(error, "読めません") if error else None)


def _result(docs, statuses=()):
    findings = tuple(Finding("r", f"r.c{i}", s, "high", "m") for i, s in enumerate(statuses))
    return CaseResult(case="c", documents=tuple(docs), rules={"r": Status.worst(list(statuses))}, findings=findings)


@pytest.mark.parametrize("results, expected", [
    ([_result([_doc("a")], [Status.OK])], 0),
    ([_result([_doc("a")], [])], 0),
    ([_result([_doc("a")], [Status.OK]), _result([_doc("b")], [Status.NEEDS_REVIEW])], 1),
    ([_result([_doc("a")], [Status.MISSING])], 1),
    ([_result([_doc("a")], [Status.VIOLATION])], 1),
    ([_result([_doc("a"), _doc("b", "image_only")], [Status.OK])], 1),
    ([_result([_doc("a", "empty")], [])], 2),
    ([_result([_doc("a", "empty")]), _result([_doc("b", "encrypted")])], 2),
    ([_result([], [])], 2),
    ([_result([_doc("a")], [Status.OK]), _result([], [])], 1),  # an empty case folder was not read
])
def test_exit_status_follows_the_spec(results, expected):
    assert exit_status(results) == expected


def test_accepted_findings_do_not_count_for_the_exit_status():
    r = _result([_doc("a")], [Status.VIOLATION])
    accepted = CaseResult(case="c", documents=r.documents, rules=r.rules,
                          findings=(Finding("r", "r.c0", Status.VIOLATION, "high", "m", accepted={"reason": "x"}),))
    assert exit_status([r]) == 1 and exit_status([accepted]) == 0


# --------------------------------------------------------------------------- the whole pipeline
@pipeline
def test_nothing_readable_exits_2_and_reports_why(tmp_path, capsys):
    case = tmp_path / "case"
    case.mkdir()
    (case / "empty.txt").write_bytes(b"")
    (case / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really")
    code, out, err = run(["check", case, "--format", "json", "--as-of", "2027-03-01"], capsys)
    assert code == 2
    assert "読み込めた文書が一つもありません" in err
    docs = {Path(d["path"]).name: d for d in json.loads(out)["cases"][0]["documents"]}
    assert docs["empty.txt"]["error"]["code"] == "empty"
    assert docs["photo.jpg"]["error"]["code"] == "unsupported_type"


@pipeline
def test_one_unreadable_document_makes_exit_1(tmp_path, capsys):
    case = tmp_path / "case"
    case.mkdir()
    (case / "contract.txt").write_text(CONTRACT, encoding="utf-8")
    (case / "empty.txt").write_bytes(b"")
    code, out, err = run(["check", case, "--as-of", "2027-03-01"], capsys)
    assert code == 1
    assert "empty.txt" in out and "内容が空です" in out
    assert "contract.txt" in out


def _cases():
    cases = sorted(p for p in EXAMPLES.glob("p0*") if p.is_dir())
    cases += sorted(p for p in FIXTURE_CASES.iterdir() if p.is_dir())[:3] if FIXTURE_CASES.is_dir() else []
    return cases


@pipeline
@pytest.mark.parametrize("case", _cases(), ids=lambda p: p.name)
def test_exit_status_matches_the_json_report(case, capsys):
    code, out, _ = run(["check", case, "--format", "json", "--as-of", "2027-03-01"], capsys)
    obj = json.loads(out)
    assert obj["schema"] == "itaku-check/1" and obj["as_of"] == "2027-03-01"
    assert code == _implied_exit(obj)
    c = obj["cases"][0]
    assert c["case"] == str(case)
    assert all(s in ("ok", "missing", "violation", "needs_review", "not_applicable") for s in c["rules"].values())
    assert all(f["status"] != "not_applicable" for f in c["findings"])


@pipeline
def test_all_rules_of_the_profile_are_in_every_case(tmp_path, capsys):
    from checker.profile import load_profile

    (tmp_path / "contract.txt").write_text(CONTRACT, encoding="utf-8")
    code, out, _ = run(["check", tmp_path / "contract.txt", "--format", "json"], capsys)
    ids = [r.id for r in load_profile(None).rulebook.rules]
    assert list(json.loads(out)["cases"][0]["rules"]) == ids


@pipeline
@pytest.mark.parametrize("fmt, start", [("text", "案件: "), ("json", "{"), ("html", "<!DOCTYPE html>"),
                                        ("md", "# 個人情報取扱事務委託 点検結果")])
def test_out_file_is_written_atomically_with_the_same_report(tmp_path, capsys, fmt, start):
    src = tmp_path / "contract.txt"
    src.write_text(CONTRACT, encoding="utf-8")
    target = tmp_path / "reports" / f"report.{fmt}"
    target.parent.mkdir()
    target.write_text("old", encoding="utf-8")
    code_stdout, stdout, _ = run(["check", src, "--format", fmt, "--as-of", "2027-03-01"], capsys)
    code, out, err = run(["check", src, "--format", fmt, "--as-of", "2027-03-01", "--out", target], capsys)
    assert code == code_stdout and out == ""
    written = target.read_text(encoding="utf-8")
    assert written.startswith(start) and written == stdout
    assert sorted(p.name for p in target.parent.iterdir()) == [target.name]  # no temporary file left


@pipeline
def test_several_paths_are_several_cases(tmp_path, capsys):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text(CONTRACT, encoding="utf-8")
    b.write_text(CONTRACT.replace("あらかじめ甲の書面による承諾を得なければ、", ""), encoding="utf-8")
    code, out, _ = run(["check", a, b, "--format", "json", "--as-of", "2027-03-01"], capsys)
    obj = json.loads(out)
    assert [c["case"] for c in obj["cases"]] == [str(a), str(b)]
    assert code == _implied_exit(obj)


@pipeline
def test_redact_without_the_redaction_module_is_a_usage_error(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "checker.redact", None)
    (tmp_path / "contract.txt").write_text(CONTRACT, encoding="utf-8")
    code, out, err = run(["check", tmp_path / "contract.txt", "--redact"], capsys)
    assert code == 2 and "--redact" in err and out == ""


@pipeline
def test_unknown_profile_is_a_usage_error(tmp_path, capsys):
    (tmp_path / "contract.txt").write_text(CONTRACT, encoding="utf-8")
    code, out, err = run(["check", tmp_path / "contract.txt", "--profile", tmp_path / "no-such-profile"], capsys)
    assert code == 2 and "no-such-profile" in err


# --------------------------------------------------------------------------- itaku rules
@pipeline
def test_rules_lists_every_rule_of_the_profile(capsys):
    from checker.profile import load_profile

    rules = load_profile(None).rulebook.rules
    code, out, _ = run(["rules"], capsys)
    assert code == 0
    for r in rules:
        line = next(ln for ln in out.splitlines() if ln.startswith(r.id + " "))
        assert r.title in line and f"チェック {len(r.checks)} 件" in line


@pipeline
def test_rules_shows_one_rule_or_check_and_rejects_unknown_ids(capsys):
    from checker.profile import load_profile

    rules = load_profile(None).rulebook.rules
    if not rules:
        pytest.skip("no rule files yet")
    rule = rules[0]
    code, out, _ = run(["rules", rule.id], capsys)
    assert code == 0 and out.startswith(f"{rule.id}: {rule.title}")
    assert all(c.id in out for c in rule.checks)
    check = rule.checks[-1]
    code, out, _ = run(["rules", check.id, "--format", "md"], capsys)
    assert code == 0 and f"`{check.id}`" in out and "## 修正文例" in out
    code, out, err = run(["rules", "no-such-rule"], capsys)
    assert code == 2 and "no-such-rule" in err and "itaku rules" in err


@pipeline
def test_unwritable_out_is_a_usage_error(tmp_path, capsys):
    (tmp_path / "contract.txt").write_text(CONTRACT, encoding="utf-8")
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder should be", encoding="utf-8")
    code, out, err = run(["check", tmp_path / "contract.txt", "--out", blocker / "report.txt"], capsys)
    assert code == 2 and "レポートを書き出せませんでした" in err and out == ""


def test_python_dash_m_checker_gives_usage_errors_exit_2(tmp_path):
    """``python -m checker`` is the same command: a missing path is a usage error (2), not a crash."""
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "checker", "check", str(tmp_path / "nothing-here")],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "見つかりません" in proc.stderr and "Traceback" not in proc.stderr


def test_python_dash_m_checker_cli_is_the_same_command(tmp_path):
    """``python -m checker.cli`` (used by scripts) runs the command and keeps exit 2 for usage errors."""
    import subprocess
    import sys

    ok = subprocess.run([sys.executable, "-m", "checker.cli", "rules"], capture_output=True, text=True)
    assert ok.returncode == 0 and "subcontracting" in ok.stdout
    bad = subprocess.run([sys.executable, "-m", "checker.cli", "check", str(tmp_path / "nothing-here")],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
