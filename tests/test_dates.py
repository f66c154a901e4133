"""Dates and periods: every form SPEC.md lists, with offsets that quote the original text."""
from __future__ import annotations

import datetime as dt

import pytest

from checker.dates import find_dates, find_periods, kanji_to_int, parse_date

D = dt.date


@pytest.mark.parametrize("text, expected", [
    ("令和８年４月１日", D(2026, 4, 1)),
    ("令和8年4月1日", D(2026, 4, 1)),
    ("令和 ８ 年 ４ 月 １ 日", D(2026, 4, 1)),
    ("令和　８年　４月　１日", D(2026, 4, 1)),
    ("令和元年5月1日", D(2019, 5, 1)),
    ("平成元年1月8日", D(1989, 1, 8)),
    ("平成31年4月30日", D(2019, 4, 30)),
    ("昭和64年1月7日", D(1989, 1, 7)),
    ("令和九年三月三十一日", D(2027, 3, 31)),
    ("令和十年十二月一日", D(2028, 12, 1)),
    ("R9.3.31", D(2027, 3, 31)),
    ("Ｒ９．３．３１", D(2027, 3, 31)),
    ("H29.7.31", D(2017, 7, 31)),
    ("S63.12.1", D(1988, 12, 1)),
    ("R9/4/1", D(2027, 4, 1)),
    ("2027年3月31日", D(2027, 3, 31)),
    ("２０２７年３月３１日", D(2027, 3, 31)),
    ("2027/03/31", D(2027, 3, 31)),
    ("2027-03-31", D(2027, 3, 31)),
    ("2027.3.31", D(2027, 3, 31)),
    ("二〇二七年三月三十一日", D(2027, 3, 31)),
    ("㋿9年3月31日", D(2027, 3, 31)),
])
def test_parse_date_forms(text, expected):
    assert parse_date(text) == expected
    (m,) = find_dates(text)
    assert m.precision == "day"
    assert text[m.start:m.end].strip() == text.strip()


def test_month_alone_is_a_span_ending_on_its_last_day():
    (m,) = find_dates("平成29年7月")
    assert m.precision == "month"
    assert m.date == D(2017, 7, 1)
    assert m.end_date == D(2017, 7, 31)
    (m,) = find_dates("令和10年2月")
    assert m.end_date == D(2028, 2, 29)  # leap year


def test_year_alone_has_year_precision_but_fiscal_years_are_not_dates():
    (m,) = find_dates("令和9年")
    assert (m.precision, m.date, m.end_date) == ("year", D(2027, 1, 1), D(2027, 12, 31))
    assert find_dates("令和７年度の受診率") == []
    assert find_dates("3年間の長期継続契約") == []


def test_year_without_era_takes_the_hint_or_the_texts_era():
    assert parse_date("29年7月31日", era_hint="平成") == D(2017, 7, 31)
    assert parse_date("9年3月31日", era_hint="令和") == D(2027, 3, 31)
    assert parse_date("29年7月31日") is None  # no era anywhere: not guessed
    ms = find_dates("有効期間：平成27年8月1日～29年7月31日")
    assert [m.date for m in ms] == [D(2015, 8, 1), D(2017, 7, 31)]
    (m,) = find_dates("29年7月", era_hint="H")
    assert m.end_date == D(2017, 7, 31)


def test_same_year_refers_to_previous_date():
    ms = find_dates("令和８年４月１日から同年９月３０日まで")
    assert [m.date for m in ms] == [D(2026, 4, 1), D(2026, 9, 30)]


def test_offsets_quote_original_text():
    text = "契約期間は、令和９年４月１日から令和１０年３月３１日までとする。"
    ms = find_dates(text)
    assert [text[m.start:m.end] for m in ms] == ["令和９年４月１日", "令和１０年３月３１日"]


def test_invalid_dates_and_numbers_are_not_dates():
    assert find_dates("令和9年2月30日") == []
    assert find_dates("第10820123(01)号") == []
    assert find_dates("36.8%") == []
    assert find_dates("電話 03-1234-5678") == []


def test_kanji_numerals():
    assert kanji_to_int("三十一") == 31
    assert kanji_to_int("十") == 10
    assert kanji_to_int("二〇二七") == 2027
    assert kanji_to_int("元") == 1
    assert kanji_to_int("百二十") == 120


@pytest.mark.parametrize("text, start, end", [
    ("令和８年４月１日から令和１０年３月３１日まで", D(2026, 4, 1), D(2028, 3, 31)),
    ("2026年11月1日から2028年10月31日まで", D(2026, 11, 1), D(2028, 10, 31)),
    ("R9.4.1～R12.3.31", D(2027, 4, 1), D(2030, 3, 31)),
    ("R9.4.1〜R12.3.31", D(2027, 4, 1), D(2030, 3, 31)),
    ("2027/4/1－2028/3/31", D(2027, 4, 1), D(2028, 3, 31)),
    ("自 令和8年4月1日 至 令和9年3月31日", D(2026, 4, 1), D(2027, 3, 31)),
    ("自令和８年４月１日\u3000至令和９年３月３１日", D(2026, 4, 1), D(2027, 3, 31)),
    ("令和8年4月1日 至 令和9年3月31日", D(2026, 4, 1), D(2027, 3, 31)),
    ("平成27年8月1日より平成29年7月まで", D(2015, 8, 1), D(2017, 7, 31)),
])
def test_periods(text, start, end):
    (p,) = find_periods(text)
    assert (p.start, p.end) == (start, end)
    assert text[p.span_start:p.span_end] == p.text


def test_period_end_only_month():
    (p,) = find_periods("有効期限は平成29年7月までとする。")
    assert p.start is None and p.end == D(2017, 7, 31)
    assert p.text == "平成29年7月まで"


def test_period_unknown_start():
    (p,) = find_periods("契約締結日から令和９年３月３１日まで")
    assert p.start is None and p.end == D(2027, 3, 31)
    assert p.start_label == "契約締結日"


def test_two_unrelated_dates_are_not_a_period():
    assert find_periods("令和９年２月１０日　令和９年２月１７日") == []


def test_matsujitsu_is_the_months_last_day():
    assert parse_date("令和10年2月末日") == D(2028, 2, 29)
    (p,) = find_periods("令和9年4月1日から令和10年3月末日まで")
    assert p.end == D(2028, 3, 31)


@pytest.mark.parametrize("text, end", [
    ("令和9年4月1日から1年間", D(2028, 3, 31)),
    ("令和9年4月1日から6か月間", D(2027, 9, 30)),
    ("令和9年4月1日から起算して3年間", D(2030, 3, 31)),
    ("2027年10月15日から30日間", D(2027, 11, 13)),
])
def test_period_as_start_and_duration(text, end):
    (p,) = find_periods(text)
    assert p.start == parse_date(text) and p.end == end


@pytest.mark.parametrize("text", ["令和　　年　　月　　日", "令和〇〇年〇月〇日", "令和○年○月○日", "平成　年　月　日まで"])
def test_blank_date_placeholders_are_not_dates(text):
    assert find_dates(text, era_hint="令和") == []
    assert find_periods(text) == []


from hypothesis import given, settings, strategies as st  # noqa: E402


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="令和平成昭和元年月日末度間RHS.-/～〜から至自まで0123456789０１２３４５一二三十〇 　同", max_size=40))
def test_matches_and_periods_always_index_the_text(text):
    for m in find_dates(text, era_hint="令和"):
        assert 0 <= m.start < m.end <= len(text) and text[m.start:m.end] == m.text
        assert m.date <= m.end_date
    for p in find_periods(text, era_hint="令和"):
        assert text[p.span_start:p.span_end] == p.text
