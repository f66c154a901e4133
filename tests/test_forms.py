"""Form marks: a ticked box or a circled option is what the form says."""
from __future__ import annotations

import datetime as dt

import pytest

from checker.engine import evaluate
from checker.examples import document_from_text
from checker.forms import resolve_boxes, resolve_choices, resolve_circled
from checker.model import Case, Status
from checker.rulebook import load_rulebook


@pytest.mark.parametrize("text, chosen", [
    ("プライバシーマーク　○取得済み　・　未取得", "プライバシーマーク　取得済み"),
    ("○しない　・　する", "しない"),
    ("有・◯無", "無"),
    ("（する・〇しない）", "（しない）"),
    ("● 有 ／ 無", "有"),
])
def test_a_circled_option_is_the_choice(text, chosen):
    assert resolve_circled(text) == chosen


@pytest.mark.parametrize("text", [
    "○○市・○○町",             # name placeholders
    "氏名・住所・電話番号",       # a plain list
    "○有・○無",                # two circles: no single choice
    "○○課・桜台係",
])
def test_lists_without_a_single_circle_are_left_alone(text):
    assert resolve_circled(text) == text


def test_boxes_still_read_by_the_ticked_one():
    assert resolve_boxes("□有　■無") == "無"
    assert resolve_boxes("□有　□無") == ""
    assert resolve_choices("再委託 □有 ■無 | ○要・不要") == "再委託 無 | 要"


BOOK = load_rulebook()


def _consultation(rows: str) -> Case:
    text = "# 個人情報取扱業務の委託について（諮問）\n下記のとおり諮問します。\n| 事項 | 内容 |\n| 委託先 | 株式会社ミナト |\n" + rows
    return Case("t", (document_from_text(text, ("consultation",), "c.txt"),))


def test_circled_answers_decide_the_checks():
    no_sub = evaluate(_consultation("| 再委託 | ○しない　・　する |\n"), BOOK, dt.date(2027, 3, 1))
    assert no_sub.checks["subcontracting.subcontractor"] is Status.NOT_APPLICABLE
    sub = evaluate(_consultation("| 再委託 | しない　・　○する |\n"), BOOK, dt.date(2027, 3, 1))
    assert sub.checks["subcontracting.subcontractor"] is Status.NEEDS_REVIEW
    held = evaluate(_consultation("| 認証 | プライバシーマーク　○取得済み　・　未取得 |\n"), BOOK, dt.date(2027, 3, 1))
    not_held = evaluate(_consultation("| 認証 | プライバシーマーク　取得済み　・　○未取得 |\n"), BOOK, dt.date(2027, 3, 1))
    assert held.checks["privacy-mark-validity.contractor"] is not Status.MISSING
    assert not_held.checks["privacy-mark-validity.contractor"] is Status.MISSING
