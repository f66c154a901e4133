"""The wider rules on the fixture cases, beyond the seven council checks that
tests/test_corpus.py reads: labels in fixtures/wider_labels.yaml (reasons in each case's
expected.yaml notes)."""
from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "fixtures" / "cases"
LABELS = yaml.safe_load((ROOT / "fixtures" / "wider_labels.yaml").read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def _result(name: str):
    from checker.api import check_case, load_case

    exp = yaml.safe_load((CASES / name / "expected.yaml").read_text(encoding="utf-8"))
    as_of = exp["as_of"] if isinstance(exp["as_of"], dt.date) else dt.date.fromisoformat(str(exp["as_of"]))
    return check_case(load_case(CASES / name), as_of)


@pytest.mark.parametrize("case, check, expected",
                         [(c, k, v) for c, labels in LABELS.items() for k, v in labels.items()],
                         ids=lambda x: str(x))
def test_wider_label(case: str, check: str, expected: str) -> None:
    r = _result(case)
    got = r.checks[check].value
    msg = "\n".join(f.message for f in r.findings if f.check == check)
    assert got == expected, f"{case} {check}: expected {expected}, got {got}\n{msg}"


def test_every_label_has_a_reason() -> None:
    for case, labels in LABELS.items():
        notes = yaml.safe_load((CASES / case / "expected.yaml").read_text(encoding="utf-8")).get("notes") or {}
        for check, status in labels.items():
            if status != "ok" and case.startswith("wider-"):
                assert check in notes or check.split(".")[0] in notes or status == "not_applicable", (case, check)


def test_wider_cases_cover_passing_and_failing_statuses_of_the_council_checks() -> None:
    seen: dict[str, set] = {}
    for d in sorted(CASES.glob("wider-*")):
        exp = yaml.safe_load((d / "expected.yaml").read_text(encoding="utf-8"))
        for k, v in (exp.get("wider_checks") or {}).items():
            seen.setdefault(k, set()).add(v)
    assert {"ok", "violation", "not_applicable"} <= seen["media-handover.confirmation"]
    assert {"ok", "missing"} <= seen["media-handover.key-ledger"]
    assert {"ok", "missing"} <= seen["security-measures.access-records"]
    assert {"needs_review", "not_applicable"} <= seen["contractor-termination-right.clause"]
