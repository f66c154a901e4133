"""Negation scope by the dependency tree (``negated: {syntax: true}``): the words are
governed by a negated predicate however far it stands, and a duty (なければならない) is no
negation. GiNZA is loaded once for the module (cached per process in checker.nlp)."""
from __future__ import annotations

import pytest

from checker import matchers as M
from checker.examples import document_from_text

CASES = [
    # far negation across 、: the workers are excluded, the manager is not
    ("乙は、個人情報取扱責任者を除き、作業従事者その他いかなる者に対しても、パスワードを知らせてはならない。", "作業従事者", True),
    ("乙は、個人情報取扱責任者を除き、作業従事者その他いかなる者に対しても、パスワードを知らせてはならない。", "個人情報取扱責任者", False),
    ("受託者は、作業従事者には、いかなる場合もパスワードを教えないものとする。", "作業従事者", True),
    ("パスワードは当該管理者に限り口頭で伝え、作業を行う従業員には伝えない。", "従業員", True),
    ("パスワードは当該管理者に限り口頭で伝え、作業を行う従業員には伝えない。", "管理者", False),
    # a nominalised predicate passes the question up: 知らせることを禁止する
    ("パスワードは、責任者以外の者に知らせることを禁止する。", "責任者以外の者", True),
    # duties and permissions are not negations
    ("乙は、パスワードを作業従事者に知らせなければならない。", "作業従事者", False),
    ("受託者は、作業員にパスワードを通知するものとする。", "作業員", False),
    ("乙は、甲の承認を得て、本業務を第三者に委託することができる。", "承認", False),
    ("乙は、甲の承認を得ないで、本業務を第三者に委託してはならない。", "承認", True),
    ("受託者は、作業従事者には、いかなる場合も、パスワードを教えないものとする。", "作業従事者", True),
    ("受託者は、作業従事者には、必要な場合も、パスワードを伝えるものとする。", "作業従事者", False),
]


@pytest.mark.parametrize("text,word,expected", CASES)
def test_negated_in_parse(text: str, word: str, expected: bool) -> None:
    from checker import nlp

    i = text.index(word)
    assert M.negated_in_parse(nlp.parse(text), i, i + len(word)) is expected


def _match(spec, text: str) -> bool:
    doc = document_from_text(text, ("contract",))
    return M.compile(spec)(M.Unit(doc, doc.sentences), M.Ctx())


def test_syntax_option_finds_what_the_lexical_window_misses() -> None:
    text = "受託者は、作業従事者には、いかなる場合も、パスワードを教えないものとする。"
    assert not _match({"negated": {"pattern": "作業従事者"}}, text)
    assert _match({"negated": {"pattern": "作業従事者", "syntax": True}}, text)
    assert not _match({"negated": {"pattern": "作業従事者", "syntax": True}},
                      "受託者は、作業従事者に、パスワードを通知しなければならない。")


def test_syntax_option_must_be_a_boolean() -> None:
    with pytest.raises(M.MatcherError):
        M.compile({"negated": {"pattern": "x", "syntax": "yes"}})
