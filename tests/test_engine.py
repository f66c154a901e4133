"""The engine on the three worked examples of ../shared/examples (exact statuses) and its
contract: pure, every check in ``checks``, findings for every non-n/a check with evidence,
bundle notes once, rule status = worst check."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from checker.engine import evaluate
from checker.examples import document_from_text
from checker.model import Case, Status
from checker.rulebook import load_rulebook

SHARED = Path(__file__).resolve().parents[2] / "shared" / "examples"
if not SHARED.is_dir():
    SHARED = Path("/work/shared/examples")
BOOK = load_rulebook()
EXAMPLES = ["p01", "p02", "p03"]


def _load(name: str):
    from checker.api import load_case

    exp = yaml.safe_load((SHARED / name / "expected.yaml").read_text(encoding="utf-8"))
    as_of = exp["as_of"] if isinstance(exp["as_of"], dt.date) else dt.date.fromisoformat(str(exp["as_of"]))
    return load_case(SHARED / name), exp, as_of


@pytest.mark.skipif(not SHARED.is_dir(), reason="shared examples not present")
@pytest.mark.parametrize("name", EXAMPLES)
def test_worked_example_statuses(name: str) -> None:
    case, exp, as_of = _load(name)
    res = evaluate(case, BOOK, as_of)
    got = {k: res.checks[k].value for k in exp["checks"]}
    assert got == exp["checks"]
    assert {r: res.rules[r].value for r in exp["rules"]} == exp["rules"]


@pytest.mark.skipif(not SHARED.is_dir(), reason="shared examples not present")
def test_result_shape_and_purity() -> None:
    case, exp, as_of = _load("p02")
    a = evaluate(case, BOOK, as_of)
    b = evaluate(case, BOOK, as_of)
    assert a.checks == b.checks and [f.message for f in a.findings] == [f.message for f in b.findings]
    # every check of the rulebook, n/a included; findings = the non-n/a checks
    assert set(a.checks) == {c.id for c in BOOK.checks()}
    assert {f.check for f in a.findings} == {k for k, v in a.checks.items() if v is not Status.NOT_APPLICABLE}
    # the rule status is the worst of its checks
    for rule in BOOK.rules:
        assert a.rules[rule.id] == Status.worst([a.checks[c.id] for c in rule.checks])
    # notes: the consultation is missing (once), the contract is not
    assert [n.code for n in a.notes] == ["bundle.consultation-missing"]
    assert all(n.severity == "info" for n in a.notes)
    # ordered by severity, then the most serious status first
    order = {"high": 0, "medium": 1, "low": 2, "info": 3}
    keys = [(order[f.severity], -f.status.rank) for f in a.findings]
    assert keys == sorted(keys)
    # ok findings cite evidence too; evidence quotes the original sentence with its place
    ok = next(f for f in a.findings if f.check == "password-handling.protection")
    assert ok.status is Status.OK and ok.evidence
    assert "暗号化" in ok.evidence[0].text and ok.evidence[0].page >= 1 and ok.evidence[0].clause


@pytest.mark.skipif(not SHARED.is_dir(), reason="shared examples not present")
def test_failing_finding_says_where_and_what_to_do() -> None:
    case, exp, as_of = _load("p01")
    res = evaluate(case, BOOK, as_of)
    f = next(f for f in res.findings if f.check == "password-handling.holders")
    assert f.status is Status.VIOLATION
    assert "作業担当者" in f.message and "個人情報取扱責任者のみ" in f.message and "こと。" in f.message
    assert f.evidence[0].path.endswith("consultation.txt")
    assert f.fix


def _case(*docs) -> Case:
    return Case("t", tuple(document_from_text(t, k, f"d{i}.txt") for i, (t, k) in enumerate(docs)))


def test_contract_only_case_makes_consultation_checks_not_applicable() -> None:
    res = evaluate(_case(("第５条　受注者は、委託業務の全部又は一部を第三者に委託してはならない。", ("contract",))),
                   BOOK, dt.date(2027, 3, 1))
    assert res.checks["subcontracting.clause"] is Status.OK
    assert res.checks["subcontracting.flow-down"] is Status.NOT_APPLICABLE
    assert res.checks["post-employment-nda.pledge"] is Status.NOT_APPLICABLE
    assert [n.code for n in res.notes] == ["bundle.consultation-missing"]


def test_documents_that_disagree_give_the_more_serious_status_citing_both() -> None:
    res = evaluate(_case(
        ("第９　乙は、本業務の完了後、提供資料を直ちに甲に返還しなければならない。", ("special_provisions",)),
        ("受託者は、契約終了後も、自社の統計分析に活用するため、集計データを継続して保有する。", ("consultation",)),
    ), BOOK, dt.date(2027, 3, 1))
    f = next(f for f in res.findings if f.check == "data-return-deletion.clause")
    assert f.status is Status.VIOLATION
    assert {Path(e.path).name for e in f.evidence} == {"d0.txt", "d1.txt"}


def test_privacy_mark_dates_against_reference_date() -> None:
    text = ("| 委託期間 | 令和９年４月１日から令和１０年３月３１日まで |\n"
            "| 委託先の個人情報保護体制 | プライバシーマーク取得。登録番号：第１０８２３４５６（０１）号、有効期間：令和８年７月１５日から令和９年７月１４日まで。 |")
    case = _case((text, ("consultation",)))
    assert evaluate(case, BOOK, dt.date(2027, 3, 1)).checks["privacy-mark-validity.expiry"] is Status.NEEDS_REVIEW
    assert evaluate(case, BOOK, dt.date(2027, 8, 1)).checks["privacy-mark-validity.expiry"] is Status.VIOLATION
    res = evaluate(case, BOOK, dt.date(2027, 3, 1))
    number = next(f for f in res.findings if f.check == "privacy-mark-validity.number")
    assert number.status is Status.OK and "(01)" in number.message


def test_language_matcher_parses_only_prefiltered_sentences() -> None:
    """``lemma`` uses GiNZA, but only on sentences that pass the lexical prefilter."""
    from checker import matchers as M

    parsed: list[str] = []

    def fake_parse(text):
        parsed.append(text)
        from checker import nlp

        return nlp.parse(text)

    pred = M.compile({"lemma": {"any": ["漏らす"], "prefilter": "漏"}})
    doc = document_from_text("乙は、個人情報を他に漏らさない。\n乙は、報告書を提出する。", ("contract",))
    ctx = M.Ctx(parse=fake_parse)
    units = [M.Unit(doc, (s,)) for s in doc.sentences]
    assert [pred(u, ctx) for u in units] == [True, False]
    assert parsed == [doc.sentences[0].text]


def test_unmet_requirement_cites_the_closest_sentences_not_topic_distractors() -> None:
    # an acceptance inspection (完了検査) shares the word 検査 with an inspection right; the finding
    # that the right does not reach the subcontractor must cite the inspection right itself
    res = evaluate(_case(
        ("第３条　乙は、あらかじめ甲の承諾を得て、株式会社ひがし印刷に封入作業を再委託することができる。\n"
         "第６条　甲は、乙から完了の通知を受けたときは、１４日以内に完了検査を行う。\n"
         "第９条　甲は、必要があると認めるときは、乙の作業場所に立ち入り、個人情報の管理状況を調査することができる。",
         ("contract",)),
        ("| 再委託の有無 | 有（株式会社ひがし印刷、封入作業） |", ("consultation",)),
    ), BOOK, dt.date(2027, 3, 1))
    f = next(f for f in res.findings if f.check == "subcontracting.inspection")
    assert f.status is Status.NEEDS_REVIEW
    assert [e.clause for e in f.evidence] == ["第9条"]
    assert "完了検査" not in f.message


def test_lacking_elements_cite_the_sentence_stating_most_of_them() -> None:
    res = evaluate(_case(
        ("第２条　乙は、あらかじめ甲の承諾を得なければ、本業務を第三者に委託してはならない。", ("contract",)),
        ("## ３　パスワード\nパスワードは、受託者及び再委託先の個人情報取扱責任者のみが知るものとする。\n"
         "## ４　再委託\n封筒の印刷を株式会社にしき印刷に再委託する。", ("consultation",)),
    ), BOOK, dt.date(2027, 3, 1))
    f = next(f for f in res.findings if f.check == "subcontracting.subcontractor")
    assert f.status is Status.NEEDS_REVIEW
    assert "にしき印刷" in f.evidence[0].text
    assert all("パスワード" not in e.text for e in f.evidence)


def test_proviso_on_its_own_line_joins_the_provision_it_qualifies() -> None:
    from checker.engine import build_units

    text = ("第３条　乙は、本業務の処理を他の者に委ねてはならない。\n"
            "ただし、甲が文書により承認したときは、この限りでない。\n"
            "２　乙は、前項ただし書により処理を委ねるときは、相手方に同等の義務を負わせる。\n"
            "第４条　乙は、資料を甲に返還しなければならない。")
    doc = document_from_text(text, ("contract",), "d0.txt")
    for scope in ("sentence", "paragraph"):
        units = build_units(doc, scope)
        joined = [u for u in units if any(s.text.startswith("ただし") for s in u.sentences)]
        assert len(joined) == 1 and joined[0].sentences[0].text.startswith("乙は、本業務"), scope
        # 「前項ただし書により」 is a reference, not a proviso: it keeps its own unit
        assert not any("前項ただし書" in s.text for s in joined[0].sentences), scope
    # a proviso never reaches back across an article boundary
    other = document_from_text("第３条　乙は、資料を甲に返還しなければならない。\n第４条　ただし、この限りでない。",
                               ("contract",), "d1.txt")
    assert len(build_units(other, "sentence")) == 2


def test_reference_to_a_proviso_is_not_itself_a_proviso() -> None:
    from checker import matchers as M

    doc = document_from_text("第５条　乙は、前項ただし書により再委託するときは、甲に報告する。", ("contract",), "d0.txt")
    unit = M.Unit(doc, tuple(doc.sentences), "")
    assert M.compile({"proviso": {"regex": "再委託"}})(unit, M.Ctx()) is False
    assert M.compile({"main": {"regex": "再委託するとき"}})(unit, M.Ctx()) is True


def test_a_full_stop_inside_an_aside_does_not_end_a_pattern_window() -> None:
    from checker import matchers as M

    doc = document_from_text("パスワードは、再委託先の個人情報取扱責任者（再委託先に引き渡すデータに限る。）のみが知り得るものとする。",
                             ("consultation",))
    pred = M.compile({"regex": "責任者[^。]{0,40}のみが知り得る"})
    assert pred(M.Unit(doc, doc.sentences), M.Ctx())
    doc2 = document_from_text("パスワードは、責任者が管理する。作業員のみが知り得るものとする。", ("consultation",))
    assert not pred(M.Unit(doc2, doc2.sentences), M.Ctx())
