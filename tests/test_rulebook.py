"""Loading and validating rule files: unknown keys and matchers are rejected with file:line;
duplicate ids across folders are rejected; the Rulebook API returns new rulebooks."""
from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from checker.rulebook import RulebookError, load_rulebook

GOOD = textwrap.dedent("""\
    id: demo
    title: デモ
    summary: 要約
    rationale: 理由
    checks:
      - id: demo.clause
        title: 条項
        reads: [contract]
        severity: high
        topic: {regex: 再委託}
        outcomes:
          - id: approval
            status: ok
            when: {regex: 承諾}
        otherwise: violation
        messages: {ok: よい, violation: だめ, missing: ない}
        rationale: 理由
        examples:
          - {status: ok, text: 乙は、甲の承諾を得て再委託できる。}
          - {status: violation, text: 乙は、自由に再委託できる。}
    """)


def write(tmp_path: Path, text: str, name: str = "demo.yaml") -> Path:
    d = tmp_path / "rules"
    d.mkdir(exist_ok=True)
    (d / name).write_text(text, encoding="utf-8")
    return d


def test_shipped_rules_load_with_all_17_core_checks() -> None:
    book = load_rulebook()
    ids = [c.id for c in book.checks()]
    for cid in ("subcontracting.clause", "subcontracting.flow-down", "subcontracting.subcontractor",
                "subcontracting.inspection", "data-return-deletion.clause", "data-return-deletion.method",
                "data-return-deletion.certificate", "data-return-deletion.tooling", "data-return-deletion.retention",
                "password-handling.protection", "password-handling.holders", "privacy-mark-validity.contractor",
                "privacy-mark-validity.expiry", "privacy-mark-validity.number", "privacy-mark-validity.subcontractor",
                "post-employment-nda.clause", "post-employment-nda.pledge"):
        assert cid in ids


def test_valid_file_loads(tmp_path: Path) -> None:
    book = load_rulebook([write(tmp_path, GOOD)])
    assert [r.id for r in book.rules] == ["demo"]
    assert book.check("demo.clause").severity == "high"


def test_unknown_key_names_file_and_line(tmp_path: Path) -> None:
    bad = GOOD.replace("    severity: high\n", "    severity: high\n    sevrity: low\n")
    with pytest.raises(RulebookError) as exc:
        load_rulebook([write(tmp_path, bad)])
    msg = str(exc.value)
    assert "demo.yaml:10:" in msg and "sevrity" in msg


def test_unknown_matcher_names_file_and_line(tmp_path: Path) -> None:
    bad = GOOD.replace("when: {regex: 承諾}", "when: {regx: 承諾}")
    with pytest.raises(RulebookError) as exc:
        load_rulebook([write(tmp_path, bad)])
    assert "demo.yaml:14:" in str(exc.value) and "regx" in str(exc.value)


def test_bad_regex_is_rejected(tmp_path: Path) -> None:
    bad = GOOD.replace("topic: {regex: 再委託}", "topic: {regex: '再委託('}")
    with pytest.raises(RulebookError, match=r"demo.yaml:10:"):
        load_rulebook([write(tmp_path, bad)])


def test_check_without_failing_example_is_rejected(tmp_path: Path) -> None:
    bad = GOOD.replace("      - {status: violation, text: 乙は、自由に再委託できる。}\n", "")
    with pytest.raises(RulebookError, match="例には"):
        load_rulebook([write(tmp_path, bad)])


def test_unknown_fact_is_rejected(tmp_path: Path) -> None:
    bad = GOOD.replace("    topic: {regex: 再委託}\n", "    topic: {regex: 再委託}\n    applies: {fact: nothing-like-this}\n")
    with pytest.raises(RulebookError, match="nothing-like-this"):
        load_rulebook([write(tmp_path, bad)])


def test_duplicate_check_id_across_folders_is_rejected(tmp_path: Path) -> None:
    a = write(tmp_path, GOOD)
    b = tmp_path / "more"
    b.mkdir()
    (b / "demo2.yaml").write_text(GOOD.replace("id: demo\n", "id: demo2\n"), encoding="utf-8")
    with pytest.raises(RulebookError):  # demo2's check id must start with demo2.
        load_rulebook([a, b])
    (b / "demo2.yaml").write_text(GOOD.replace("id: demo\n", "id: demo2\n").replace("demo.clause", "demo2.clause"), encoding="utf-8")
    assert len(load_rulebook([a, b]).rules) == 2
    shutil.copy(a / "demo.yaml", b / "demo.yaml")
    with pytest.raises(RulebookError, match="重複"):
        load_rulebook([a, b])


def test_select_and_with_severity_return_new_rulebooks() -> None:
    book = load_rulebook()
    sub = book.select(["password-handling"])
    assert [r.id for r in sub.rules] == ["password-handling"]
    assert len(book.rules) >= 5
    louder = book.with_severity("password-handling.holders", "high")
    assert louder.severity("password-handling.holders") == "high"
    assert book.severity("password-handling.holders") == "medium"
    with pytest.raises(KeyError):
        book.select(["no-such-rule"])
    with pytest.raises(ValueError):
        book.with_severity("password-handling.holders", "urgent")
