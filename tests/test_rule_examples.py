"""Every example of every check in rules/*.yaml is its own pytest case.

The example's text becomes a document of the kind the check reads (or the kinds the
example names) and goes through the engine; the check must give the example's status.
"""
from __future__ import annotations

import datetime as dt

import pytest

from checker.engine import evaluate
from checker.examples import DEFAULT_AS_OF, example_case
from checker.rulebook import load_rulebook

BOOK = load_rulebook()


def _params():
    out = []
    for rule in BOOK.rules:
        for check in rule.checks:
            for i, ex in enumerate(check.examples):
                out.append(pytest.param(check.id, i, id=f"{check.id}#{i + 1}-{ex.status}"))
    return out


@pytest.mark.parametrize("check_id, index", _params())
def test_rule_example(check_id: str, index: int) -> None:
    check = BOOK.check(check_id)
    ex = check.examples[index]
    case = example_case(check, ex, name=f"{check_id}-{index + 1}")
    result = evaluate(case, BOOK, ex.as_of or DEFAULT_AS_OF)
    got = result.checks[check_id].value
    text = ex.text if ex.text is not None else "\n".join(d.text for d in ex.docs)
    msg = next((f.message for f in result.findings if f.check == check_id), "")
    assert got == ex.status, f"{check_id} example {index + 1} ({ex.note or ''}): expected {ex.status}, got {got}\n{text}\n{msg}"
    if ex.says:
        assert ex.says in msg, f"{check_id} example {index + 1}: the message should say 「{ex.says}」\n{text}\n{msg}"


def test_every_check_has_passing_and_failing_examples() -> None:
    for rule in BOOK.rules:
        for check in rule.checks:
            statuses = {e.status for e in check.examples}
            assert statuses & {"ok", "not_applicable"}, check.id  # n/a where SPEC gives the check no ok
            assert statuses & {"missing", "violation", "needs_review"}, check.id
