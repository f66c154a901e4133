"""ISMS scope coverage (SPEC Privacy Mark: scope not covering the work -> needs_review)."""
import datetime as dt

from checker.api import check_case, load_case


def _contractor_status(tmp_path, scope: str) -> str:
    (tmp_path / "c.txt").write_text(
        "# 防災センター無線設備保守業務仕様書\n"
        "| 件名 | 防災センター無線設備保守業務 |\n"
        f"| 受注者の要件 | 受注者は、ISO/IEC 27001（ISMS）の認証を取得している（認証範囲「{scope}」）。 |\n",
        encoding="utf-8")
    res = check_case(load_case(tmp_path), as_of=dt.date(2027, 3, 1), profile=None)
    return res.checks["privacy-mark-validity.contractor"].value


def test_scope_naming_a_site_and_other_work_needs_review(tmp_path):
    # the site words (…センターにおける) are no overlap with the work
    assert _contractor_status(tmp_path, "本社技術センターにおける会計ソフトウェアの開発") == "needs_review"


def test_scope_covering_the_work_is_ok(tmp_path):
    assert _contractor_status(tmp_path, "本社技術センターにおける無線設備の保守") == "ok"


# ---- validity and number read from the mark's own words (SPEC Privacy Mark)
import pytest

from checker.evaluators import _mark_number, _validity


@pytest.mark.parametrize("text, end", [
    # a grant date in parentheses after the labelled end is not the end
    ("有効期限 2028年8月31日(初回登録2025年9月1日)", dt.date(2028, 8, 31)),
    ("有効期限:令和10年6月30日(登録証交付日:令和8年7月1日)", dt.date(2028, 6, 30)),
    # the grant date first, the labelled end after it
    ("登録日 令和6年4月1日、有効期限 令和8年3月31日", dt.date(2026, 3, 31)),
    ("認証日:2025年4月1日 有効期限:2028年3月31日", dt.date(2028, 3, 31)),
    # a period still wins
    ("有効期間:令和8年7月15日から令和10年7月14日まで", dt.date(2028, 7, 14)),
])
def test_labelled_end_wins_over_grant_dates(text, end):
    assert _validity(text, None)[1] == end


def test_grant_date_alone_is_no_end():
    assert _validity("プライバシーマーク(初回登録日 2019年10月1日)", None) == (None, None)


@pytest.mark.parametrize("text, number", [
    ("登録番号:第10823456(03)号", "10823456"),
    ("プライバシーマーク取得(第10840077号)", "10840077"),
    ("プライバシーマーク取得済み(契約番号 第20270012号)", None),
    ("プライバシーマーク(管理番号:第30001234号)", None),
    ("葵総第20270012号に係るプライバシーマーク第10812345(02)号", "10812345"),
    ("受付番号:第12345678号 登録番号 10812345", "10812345"),
])
def test_registration_number_not_another_number(text, number):
    m = _mark_number(text)
    assert (m.group(1) if m else None) == number


def _expiry(tmp_path, line: str) -> str:
    (tmp_path / "c.txt").write_text(
        "# 諮問書\n| 委託期間 | 令和9年4月1日から令和10年3月31日まで |\n" + line + "\n", encoding="utf-8")
    res = check_case(load_case(tmp_path), as_of=dt.date(2027, 3, 1), profile=None)
    return res.checks["privacy-mark-validity.expiry"].value


def test_isms_end_after_contract_with_initial_registration_is_ok(tmp_path):
    assert _expiry(tmp_path, "| 委託先の体制 | ＩＳＭＳ認証取得。有効期限　２０２８年８月３１日（初回登録２０２５年９月１日）。 |") == "ok"
