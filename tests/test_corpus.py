"""The labelled fixture corpus: every case gives exactly the statuses its labeller expected.

``fixtures/cases/<case>/`` holds the documents of one case (neutral file names; kinds are
detected from content) and ``expected.yaml`` (the form of ``../shared/examples``): the
status of each of the 17 checks of the five core rules, and optionally ``wider_checks``
with the council-comment checks of the wider rulebook (SPEC.md "The wider rulebook").
``fixtures/cases_pdf/<case>/`` (when present) holds a PDF rendering of the same case; it
is expected to give the same statuses (its ``expected.yaml`` if it has one, else the
text case's).

Each case is loaded and checked once (module cache); each (case, check) pair is its own
pytest case so a failure names the case, the check, the expected and the actual status.
The corpus is labelled independently of the engine: never edit a label to make a test pass
without re-reading SPEC.md and the case's note.
"""
from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path

import pytest
import yaml
from spec_statuses import COUNCIL_STATUSES

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "fixtures" / "cases"
CASES_PDF = ROOT / "fixtures" / "cases_pdf"

STATUSES = ("ok", "missing", "violation", "needs_review", "not_applicable")
RANK = {"not_applicable": 0, "ok": 1, "needs_review": 2, "missing": 3, "violation": 4}

CORE_RULES = {
    "subcontracting": ("clause", "flow-down", "subcontractor", "inspection"),
    "data-return-deletion": ("clause", "method", "certificate", "tooling", "retention"),
    "password-handling": ("protection", "holders"),
    "privacy-mark-validity": ("contractor", "expiry", "number", "subcontractor"),
    "post-employment-nda": ("clause", "pledge"),
}
CORE_CHECKS = tuple(f"{r}.{c}" for r, cs in CORE_RULES.items() for c in cs)

# The statuses SPEC.md ("The five core rules", "Edge cases of the core rules") gives each
# check. ALLOWED: a label outside it is a labelling error. REQUIRED: the corpus must show
# each of these at least once (SPEC.md names them, or they follow directly from the
# "which documents a check reads" edge case).
ALLOWED = {
    "subcontracting.clause": {"ok", "missing", "violation", "needs_review", "not_applicable"},
    "subcontracting.flow-down": {"ok", "missing", "not_applicable"},
    "subcontracting.subcontractor": {"ok", "needs_review", "not_applicable"},
    "subcontracting.inspection": {"ok", "needs_review", "not_applicable"},
    "data-return-deletion.clause": {"ok", "missing", "violation", "not_applicable"},
    "data-return-deletion.method": {"ok", "missing", "violation", "not_applicable"},
    "data-return-deletion.certificate": {"ok", "missing", "not_applicable"},
    "data-return-deletion.tooling": {"ok", "needs_review", "not_applicable"},
    "data-return-deletion.retention": {"ok", "missing", "not_applicable"},
    "password-handling.protection": {"ok", "missing", "violation", "not_applicable"},
    "password-handling.holders": {"ok", "violation", "needs_review", "not_applicable"},
    "privacy-mark-validity.contractor": {"ok", "missing", "needs_review", "not_applicable"},
    "privacy-mark-validity.expiry": {"ok", "violation", "needs_review", "not_applicable"},
    "privacy-mark-validity.number": {"ok", "needs_review", "not_applicable"},
    "privacy-mark-validity.subcontractor": {"ok", "needs_review", "not_applicable"},
    "post-employment-nda.clause": {"ok", "missing", "violation", "not_applicable"},
    "post-employment-nda.pledge": {"ok", "missing", "needs_review", "not_applicable"},
}
# certificate: SPEC.md gives no situation in which a case with a contract or consultation
# makes it not_applicable, so the corpus is not required to show one.
REQUIRED = {k: set(v) for k, v in ALLOWED.items()}
REQUIRED["data-return-deletion.certificate"] = {"ok", "missing"}

WIDER_ALLOWED = COUNCIL_STATUSES

MIN_CASES = 22


# --------------------------------------------------------------------------- corpus
def _case_dirs(base: Path) -> list[Path]:
    if not base.is_dir():
        return []
    return sorted(p for p in base.iterdir() if p.is_dir() and not p.name.startswith("."))


def _expected_path(case_dir: Path) -> Path:
    own = case_dir / "expected.yaml"
    if own.exists():
        return own
    return CASES / case_dir.name / "expected.yaml"  # a PDF rendering of a text case


@lru_cache(maxsize=None)
def _expected(case_dir: Path) -> dict:
    with open(_expected_path(case_dir), encoding="utf-8") as f:
        return yaml.safe_load(f)


def _as_of(exp: dict) -> dt.date:
    v = exp["as_of"]
    return v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v))


def _all_case_dirs() -> list[Path]:
    return _case_dirs(CASES) + [d for d in _case_dirs(CASES_PDF) if _expected_path(d).exists()]


def _case_id(case_dir: Path) -> str:
    return f"{case_dir.parent.name}/{case_dir.name}"


def _params() -> list:
    out = []
    for d in _all_case_dirs():
        exp = _expected(d)
        for check in CORE_CHECKS:
            out.append(pytest.param(d, check, exp.get("checks", {}).get(check), False,
                                    id=f"{_case_id(d)}::{check}"))
        for check, status in (exp.get("wider_checks") or {}).items():
            out.append(pytest.param(d, check, status, True, id=f"{_case_id(d)}::{check}"))
    return out


# --------------------------------------------------------------------------- engine run
@lru_cache(maxsize=None)
def _result(case_dir: Path):
    """load_case + check_case once per case directory (shared by all its checks)."""
    from checker.api import check_case, load_case

    exp = _expected(case_dir)
    return check_case(load_case(case_dir), _as_of(exp))


def _status_value(s) -> str:
    return getattr(s, "value", s)


def _actual_statuses(result) -> dict[str, str]:
    """Every check the engine evaluated: ``result.checks`` (n/a included), completed by the
    findings (which hold every check that is not not_applicable)."""
    out = {k: _status_value(v) for k, v in (getattr(result, "checks", None) or {}).items()}
    for f in result.findings:
        out.setdefault(f.check, _status_value(f.status))
    return out


def _finding_text(result, check: str) -> str:
    lines = []
    for f in result.findings:
        if f.check == check:
            lines.append(f"  message: {f.message}")
            for e in f.evidence:
                lines.append(f"  evidence: {Path(e.path).name} p.{e.page} {e.clause or ''}: {e.text[:120]}")
    return "\n".join(lines)


@pytest.mark.parametrize("case_dir, check, expected, wider", _params())
def test_case_check_status(case_dir: Path, check: str, expected: str, wider: bool) -> None:
    result = _result(case_dir)
    actual = _actual_statuses(result)
    if wider and check not in actual:
        pytest.skip(f"the rulebook has no check {check} yet")
    assert check in actual, f"{_case_id(case_dir)}: the engine did not evaluate {check}"
    note = ""
    notes = _expected(case_dir).get("notes") or {}
    for key in (check, check.split(".")[0]):
        if key in notes:
            note = f"\nlabeller's note ({key}): {notes[key]}"
            break
    assert actual[check] == expected, (
        f"{_case_id(case_dir)} {check}: expected {expected}, got {actual[check]}"
        f"{note}\nengine said:\n{_finding_text(result, check)}"
    )


@pytest.mark.parametrize("case_dir", _all_case_dirs(), ids=_case_id)
def test_case_rule_status(case_dir: Path) -> None:
    """The case-level status of each core rule (SPEC.md "Statuses")."""
    result = _result(case_dir)
    expected = _expected(case_dir)["rules"]
    actual = {r: _status_value(s) for r, s in result.rules.items() if r in CORE_RULES}
    assert actual == expected


# --------------------------------------------------------------------------- the corpus itself
def test_corpus_has_enough_cases() -> None:
    assert len(_case_dirs(CASES)) >= MIN_CASES


@pytest.mark.parametrize("case_dir", _case_dirs(CASES), ids=lambda d: d.name)
def test_case_is_well_formed(case_dir: Path) -> None:
    exp = _expected(case_dir)
    assert set(exp) <= {"as_of", "description", "rules", "checks", "notes", "wider_checks"}, set(exp)
    _as_of(exp)
    assert isinstance(exp.get("description"), str) and exp["description"].strip()
    checks = exp["checks"]
    assert tuple(checks) == CORE_CHECKS, "all 17 core checks, in SPEC.md order"
    for check, status in checks.items():
        assert status in ALLOWED[check], f"{check}: {status} is not a status SPEC.md gives this check"
    assert set(exp["rules"]) == set(CORE_RULES)
    for rule, names in CORE_RULES.items():
        worst = max((checks[f"{rule}.{n}"] for n in names), key=RANK.__getitem__)
        assert exp["rules"][rule] == worst, f"{rule}: rules says {exp['rules'][rule]}, worst check is {worst}"
    for check, status in (exp.get("wider_checks") or {}).items():
        assert check in WIDER_ALLOWED, f"unknown wider check {check}"
        assert status in WIDER_ALLOWED[check], f"{check}: {status}"
    # every check that is not ok has a note (per check, or per rule as in p01)
    notes = exp.get("notes") or {}
    for check, status in checks.items():
        if status != "ok":
            assert check in notes or check.split(".")[0] in notes, f"no note for {check} ({status})"
    # documents: neutral names, the shared markup, never the kind in the file name
    docs = [p for p in case_dir.iterdir() if p.is_file() and p.name != "expected.yaml"]
    assert docs, "a case needs documents"
    for p in docs:
        low = p.name.lower()
        for word in ("consult", "contract", "special", "provision", "spec", "certif", "shimon", "keiyaku"):
            assert word not in low, f"{p.name}: the file name gives the kind away"
        p.read_text(encoding="utf-8")


def test_every_status_of_every_check_is_covered() -> None:
    seen: dict[str, set[str]] = {c: set() for c in CORE_CHECKS}
    for d in _case_dirs(CASES):
        for check, status in _expected(d)["checks"].items():
            seen[check].add(status)
    lacking = {c: sorted(REQUIRED[c] - seen[c]) for c in CORE_CHECKS if REQUIRED[c] - seen[c]}
    assert not lacking, f"statuses never labelled in the corpus: {lacking}"


def test_seed_case_carries_the_council_comments() -> None:
    """The reconstruction of the 2017 consultation (minutes section (7)) is in the corpus
    with the statuses SPEC.md gives the council's comments."""
    exp = _expected(CASES / "seed-2017-cancer-screening")
    assert _as_of(exp) == dt.date(2017, 5, 10)
    want = {
        "password-handling.holders": "violation",
        "data-return-deletion.tooling": "needs_review",
        "privacy-mark-validity.expiry": "needs_review",
        "privacy-mark-validity.subcontractor": "needs_review",
        "post-employment-nda.pledge": "needs_review",
        "subcontracting.subcontractor": "needs_review",
    }
    assert {k: exp["checks"][k] for k in want} == want
    assert exp["wider_checks"] == {
        "media-handover.confirmation": "violation",
        "media-handover.key-ledger": "missing",
        "security-measures.access-records": "missing",
        "security-measures.misprint-disposal": "needs_review",
        "data-minimization.label-id-number": "needs_review",
        "data-minimization.my-number": "not_applicable",
        "contractor-termination-right.clause": "needs_review",
    }
