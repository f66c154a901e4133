"""The wider rulebook (SPEC.md "The wider rulebook"): the fourteen rules, the council's
seven check ids with their statuses, model wording on every failing check, examples in
several wordings, and the core rules' results unchanged by the wider ones."""
from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from pathlib import Path

import pytest
import yaml

from checker.engine import evaluate
from checker.rulebook import load_rulebook
from spec_statuses import COUNCIL_STATUSES

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "fixtures" / "cases"
BOOK = load_rulebook()

WIDER = ("confidentiality", "purpose-limitation", "third-party-provision", "copy-restriction",
         "take-out-restriction", "security-measures", "media-handover", "incident-reporting", "inspection",
         "training-supervision", "termination-damages", "data-minimization", "contractor-termination-right",
         "collection-limitation")
CORE = ("subcontracting", "data-return-deletion", "password-handling", "privacy-mark-validity", "post-employment-nda")

# SPEC.md: the council-comment checks keep these ids and exactly these statuses
COUNCIL = COUNCIL_STATUSES
PARTY_WORDS = ("乙", "受託者", "受注者", "委託先", "事業者", "再委託先")


def possible_statuses(check) -> set[str]:
    """Every status the rule file lets the check reach (outcomes, otherwise, absent,
    requires, overrides, applies_else)."""
    out = {o.status for o in check.outcomes}
    if check.otherwise:
        out.add(check.otherwise)
    if isinstance(check.absent, str):
        out.add(check.absent)
    else:
        out.update(a.status for a in check.absent)
    if check.requires:
        out.add(check.requires_status)
    out.update(o.status for o in check.overrides)
    if check.applies is not None:
        out.add(check.applies_else)
    out.add("not_applicable")  # no document of the kinds it reads
    return out


def test_the_fourteen_wider_rules_are_in_the_rulebook() -> None:
    ids = {r.id for r in BOOK.rules}
    assert set(WIDER) <= ids
    assert set(CORE) <= ids
    for rid in WIDER:
        rule = BOOK.rule(rid)
        assert rule.title and rule.summary and rule.rationale and rule.references, rid
        assert rule.checks, rid


@pytest.mark.parametrize("check_id", sorted(COUNCIL))
def test_council_checks_keep_their_ids_and_statuses(check_id: str) -> None:
    check = BOOK.check(check_id)
    reachable = possible_statuses(check)
    if check.reads != "all":  # a check that reads every document is never n/a for lack of one
        assert reachable <= COUNCIL[check_id], f"{check_id} can give {reachable - COUNCIL[check_id]}"
    else:
        assert reachable - {"not_applicable"} <= COUNCIL[check_id]
    # the statuses SPEC names (other than n/a) are reachable
    assert COUNCIL[check_id] - {"not_applicable"} <= reachable
    # and the examples show them
    shown = {e.status for e in check.examples}
    assert COUNCIL[check_id] - {"not_applicable", "ok"} <= shown


@pytest.mark.parametrize("check_id", [c.id for r in WIDER for c in BOOK.rule(r).checks])
def test_every_failing_check_offers_model_wording_and_a_message(check_id: str) -> None:
    check = BOOK.check(check_id)
    failing = possible_statuses(check) & {"missing", "violation", "needs_review"}
    assert failing, f"{check_id} can never fail"
    assert check.fix and len(check.fix) >= 20 and check.fix.endswith(("。", "）")), check_id
    # a message for every way the check can fail: by outcome id or by status
    keys = set(check.messages)
    for o in check.outcomes:
        if o.status in failing:
            assert o.id in keys or o.status in keys, f"{check_id}: no message for outcome {o.id}"
    for st in failing:
        assert st in keys or any(o.status == st and o.id in keys for o in check.outcomes) \
            or (check.otherwise == st and "otherwise" in keys) or (st == check.requires_status and "requires" in keys), \
            f"{check_id}: no message for {st}"


@pytest.mark.parametrize("rule_id", WIDER)
def test_examples_come_in_several_wordings(rule_id: str) -> None:
    rule = BOOK.rule(rule_id)
    for c in rule.checks:
        assert len(c.examples) >= 3, f"{c.id}: at least three examples"
        assert len({e.status for e in c.examples}) >= 2, c.id
    texts = [e.text or "\n".join(d.text for d in e.docs) for c in rule.checks for e in c.examples]
    parties = {w for w in PARTY_WORDS if any(w in t for t in texts)}
    assert len(parties) >= 2, f"{rule_id}: examples name the parties only as {parties}"


# --------------------------------------------------------------------------- on the corpus
def _case_dirs():
    return sorted(p for p in CASES.iterdir() if p.is_dir() and (p / "expected.yaml").exists())


@lru_cache(maxsize=None)
def _case(case_dir: Path):
    from checker.api import load_case

    exp = yaml.safe_load((case_dir / "expected.yaml").read_text(encoding="utf-8"))
    as_of = exp["as_of"] if isinstance(exp["as_of"], dt.date) else dt.date.fromisoformat(str(exp["as_of"]))
    return load_case(case_dir), as_of


@pytest.mark.parametrize("case_dir", _case_dirs(), ids=lambda p: p.name)
def test_wider_rules_leave_the_core_results_unchanged(case_dir: Path) -> None:
    case, as_of = _case(case_dir)
    full = evaluate(case, BOOK, as_of)
    core_only = evaluate(case, load_rulebook_core(), as_of)
    for cid, st in core_only.checks.items():
        assert full.checks[cid] == st, f"{case_dir.name} {cid}"
    core_findings = {f.check: f.message for f in core_only.findings}
    assert {f.check: f.message for f in full.findings if f.rule in CORE} == core_findings


@lru_cache(maxsize=1)
def load_rulebook_core():
    """Only the five core rule files, loaded on their own (no wider fact or check exists)."""
    import shutil
    import tempfile

    d = Path(tempfile.mkdtemp(prefix="itaku-core-"))
    for rid in CORE:
        shutil.copy(ROOT / "rules" / f"{rid}.yaml", d / f"{rid}.yaml")
    return load_rulebook([d])


@pytest.mark.parametrize("case_dir", _case_dirs(), ids=lambda p: p.name)
def test_failing_findings_carry_model_wording(case_dir: Path) -> None:
    case, as_of = _case(case_dir)
    result = evaluate(case, BOOK, as_of)
    for f in result.findings:
        if f.status.value in ("missing", "violation"):
            assert f.fix, f"{case_dir.name} {f.check}: {f.status.value} without 修正文例"
            assert f.fix == BOOK.check(f.check).fix


def test_seed_case_raises_every_council_comment_a_document_can_show() -> None:
    case, as_of = _case(CASES / "seed-2017-cancer-screening")
    result = evaluate(case, BOOK, as_of)
    by_check = {f.check: f for f in result.findings}
    f = by_check["media-handover.confirmation"]
    assert f.status.value == "violation" and "係長" in f.evidence[0].text and "課長" in f.message
    f = by_check["media-handover.key-ledger"]
    assert f.status.value == "missing" and "鍵の管理台帳" in f.message and "鍵の管理台帳" in f.fix
    f = by_check["security-measures.access-records"]
    assert f.status.value == "missing" and "入退室" in f.fix and "ログ" in f.fix
    f = by_check["security-measures.misprint-disposal"]
    assert f.status.value == "needs_review" and "再委託先" in f.message
    f = by_check["data-minimization.label-id-number"]
    assert f.status.value == "needs_review" and "宛名ラベル" in f.message
    assert result.checks["data-minimization.my-number"].value == "not_applicable"
    f = by_check["contractor-termination-right.clause"]
    assert f.status.value == "needs_review" and "第18条" in (f.evidence[0].clause or "") and "契約課" in f.message
    # every message is Japanese and says where
    for f in result.findings:
        assert re.search(r"[ぁ-んァ-ン一-龥]", f.message), f.check
