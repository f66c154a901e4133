"""Japanese and Western dates and periods, read into real dates.

Forms read (full-width or half-width digits, spaces anywhere between the parts):

* era dates: 令和８年４月１日, 令和元年５月１日, 平成29年7月 (month), 令和9年 (year),
  令和九年三月三十一日 (kanji numerals), ㋿/㍻/㍼ ligatures;
* abbreviated era dates: R9.3.31, H29.7.31, R9/3/31, R9年3月31日, Ｒ９．３．３１;
* Western dates: 2027年3月31日, 2027年3月, 2027/03/31, 2027-03-31, 2027.3.31, 二〇二七年三月三十一日;
* a year without an era (29年7月31日) takes ``era_hint`` or else the era of the other
  era dates of the same text; 同年／同月 take the previous date's year / month.

A month alone is a span: :attr:`DateMatch.date` is its first day and
:attr:`DateMatch.end_date` its last day (a validity period "平成29年7月まで" ends on
2017-07-31). Offsets (``start``/``end``) index the text as given, so callers can quote it.

Periods (:func:`find_periods`): 「AからBまで」「A～B」「A－B」「A 至 B」「自A 至B」, end only
(「平成29年7月まで」) and unknown start (「契約締結日から令和９年３月３１日まで」).
Pure Python; regexes compiled once.
"""
from __future__ import annotations

import calendar
import datetime as _dt
import re
from collections import Counter
from dataclasses import dataclass

__all__ = [
    "DateMatch", "DatePeriod", "ERAS", "parse_date", "find_dates", "find_periods",
    "dominant_era", "to_halfwidth", "kanji_to_int",
]

# --------------------------------------------------------------------------- eras
ERAS: dict[str, int] = {"明治": 1868, "大正": 1912, "昭和": 1926, "平成": 1989, "令和": 2019}
_ERA_ALIASES = {
    "M": "明治", "T": "大正", "S": "昭和", "H": "平成", "R": "令和",
    "㍾": "明治", "㍽": "大正", "㍼": "昭和", "㍻": "平成", "㋿": "令和",
}


def _era_name(token: str) -> str:
    token = token.strip()
    return _ERA_ALIASES.get(token.upper(), _ERA_ALIASES.get(token, token))


# --------------------------------------------------------------------------- characters
def _build_halfwidth_table() -> dict[int, str]:
    t: dict[int, str] = {}
    for i in range(10):
        t[0xFF10 + i] = str(i)
    for i in range(26):
        t[0xFF21 + i] = chr(ord("A") + i)
        t[0xFF41 + i] = chr(ord("a") + i)
    for ch in "‐‑‒–—―−－﹣":
        t[ord(ch)] = "-"
    for ch in "〜～∼〰":
        t[ord(ch)] = "~"
    t.update({ord("．"): ".", ord("／"): "/", ord("，"): ",", ord("（"): "(", ord("）"): ")",
              ord("　"): " ", ord("："): ":", ord("・"): "・", ord("\u00a0"): " "})
    return t


_HALF = _build_halfwidth_table()


def to_halfwidth(text: str) -> str:
    """Full-width digits/letters/punctuation, dashes and tildes to one ASCII form, keeping
    the length (one character for one), so offsets into the result index ``text`` too."""
    return text.translate(_HALF)


_KANJI_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6,
                 "七": 7, "八": 8, "九": 9}
_KANJI_UNITS = {"十": 10, "百": 100, "千": 1000}


def kanji_to_int(s: str) -> int | None:
    """"三十一" -> 31, "二〇二七" -> 2027, "十" -> 10, "元" -> 1; ASCII digits pass through."""
    s = s.strip()
    if not s:
        return None
    if s.isdigit() and s.isascii():
        return int(s)
    if s == "元":
        return 1
    if all(c in _KANJI_DIGITS for c in s):
        return int("".join(str(_KANJI_DIGITS[c]) for c in s))
    total, cur = 0, 0
    for c in s:
        if c in _KANJI_DIGITS:
            cur = _KANJI_DIGITS[c]
        elif c in _KANJI_UNITS:
            total += (cur or 1) * _KANJI_UNITS[c]
            cur = 0
        else:
            return None
    return total + cur


# --------------------------------------------------------------------------- patterns
_KNUM = "[〇零一二三四五六七八九十百千]"
_NUM = rf"(?:\d{{1,4}}|{_KNUM}{{1,6}})"
_S = r"[ \t]*"  # spaces inside a date ("令和 ８ 年 ４ 月 １ 日")
_ERA_TOK = r"(?:令和|平成|昭和|大正|明治|[㋿㍻㍼㍽㍾])"

_ERA_DATE = re.compile(
    rf"(?P<era>{_ERA_TOK}){_S}(?P<y>{_NUM}|元){_S}年(?!{_S}度|間)"
    rf"(?:{_S}(?P<m>{_NUM}){_S}月(?!間)(?:{_S}(?P<d>{_NUM}|末){_S}日)?)?"
)
_ABBR_DATE = re.compile(
    rf"(?<![A-Za-z0-9])(?P<era>[RHSrhs]){_S}\.?{_S}(?P<y>\d{{1,2}}|元){_S}(?P<sep>[./\-年]){_S}"
    rf"(?P<m>\d{{1,2}}){_S}[./\-月]{_S}(?P<d>\d{{1,2}})(?:{_S}日)?(?![0-9])"
)
_WEST_DATE = re.compile(
    rf"(?<![0-9])(?P<y>(?:1[89]|2[01])\d\d|[一二]〇[〇一二三四五六七八九]{{2}}){_S}年(?!{_S}度|間)"
    rf"(?:{_S}(?P<m>{_NUM}){_S}月(?!間)(?:{_S}(?P<d>{_NUM}|末){_S}日)?)?"
)
_WEST_NUMERIC = re.compile(
    r"(?<![0-9./])(?P<y>(?:19|20)\d\d)(?P<sep>[/.\-])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})(?![0-9]|\.\d)"
)
# year without era: "29年7月31日", "29年7月" (never a bare "29年": too ambiguous)
_BARE_DATE = re.compile(
    rf"(?<![0-9〇一二三四五六七八九十年度第])(?P<y>\d{{1,2}}|{_KNUM}{{1,3}}){_S}年{_S}(?P<m>{_NUM}){_S}月(?!間)"
    rf"(?:{_S}(?P<d>{_NUM}|末){_S}日)?"
)
_SAME_YEAR = re.compile(rf"同{_S}年{_S}(?P<m>{_NUM}){_S}月(?:{_S}(?P<d>{_NUM}){_S}日)?")
_SAME_MONTH = re.compile(rf"同{_S}月{_S}(?P<d>{_NUM}){_S}日")


# --------------------------------------------------------------------------- values
@dataclass(frozen=True)
class DateMatch:
    """A date found in a text. ``date`` is the first day of what was written (the day, the
    month's first day, the year's 1 January); ``end_date`` its last day."""

    start: int
    end: int
    date: _dt.date
    precision: str  # "day" | "month" | "year"
    text: str = ""
    era: str | None = None  # the era written or assumed ("令和"), None for Western dates

    @property
    def end_date(self) -> _dt.date:
        if self.precision == "day":
            return self.date
        if self.precision == "month":
            last = calendar.monthrange(self.date.year, self.date.month)[1]
            return self.date.replace(day=last)
        return _dt.date(self.date.year, 12, 31)

    def as_end(self) -> _dt.date:
        """The date when this mention ends a span (a month alone = its last day)."""
        return self.end_date

    def as_start(self) -> _dt.date:
        return self.date


@dataclass(frozen=True)
class DatePeriod:
    """A span of dates. ``start``/``end`` are None when not stated; ``start_label`` names an
    unknown start written in words ("契約締結日")."""

    start: _dt.date | None
    end: _dt.date | None
    text: str
    span_start: int
    span_end: int
    start_match: DateMatch | None = None
    end_match: DateMatch | None = None
    start_label: str | None = None


# --------------------------------------------------------------------------- parsing
def _mk(y: int, m: int | None, d: int | None) -> tuple[_dt.date, str] | None:
    if d == _LAST and m is not None and 1 <= m <= 12:
        d = calendar.monthrange(y, m)[1]
    try:
        if m is None:
            return _dt.date(y, 1, 1), "year"
        if d is None:
            return _dt.date(y, m, 1), "month"
        return _dt.date(y, m, d), "day"
    except ValueError:
        return None


_LAST = 99  # 「末日」: the month's last day


def _int(s: str | None) -> int | None:
    if s == "末":
        return _LAST
    return None if s is None else kanji_to_int(s)


def _era_year(era: str, y: int) -> int | None:
    base = ERAS.get(era)
    if base is None or y < 1 or y > 99:
        return None
    return base + y - 1


def dominant_era(text: str) -> str | None:
    """The era most used by the explicit era dates of ``text`` (for years written without one)."""
    h = to_halfwidth(text)
    eras = Counter(_era_name(m.group("era")) for m in _ERA_DATE.finditer(h))
    eras.update(_era_name(m.group("era")) for m in _ABBR_DATE.finditer(h))
    return eras.most_common(1)[0][0] if eras else None


def find_dates(text: str, era_hint: str | None = None) -> list[DateMatch]:
    """Every date in ``text``, in order, without overlaps. Offsets index ``text``."""
    h = to_halfwidth(text)
    hint = _era_name(era_hint) if era_hint else None
    if hint is None:
        hint = dominant_era(text)
    found: list[DateMatch] = []
    taken: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e in taken)

    def add(m: re.Match, y: int | None, mo: int | None, d: int | None, era: str | None) -> None:
        if y is None or not free(m.start(), m.end()):
            return
        made = _mk(y, mo, d)
        if made is None:
            return
        found.append(DateMatch(m.start(), m.end(), made[0], made[1], text[m.start():m.end()], era))
        taken.append((m.start(), m.end()))

    for m in _ERA_DATE.finditer(h):
        era = _era_name(m.group("era"))
        y = _int(m.group("y"))
        add(m, _era_year(era, y) if y else None, _int(m.group("m")), _int(m.group("d")), era)
    for m in _ABBR_DATE.finditer(h):
        era = _era_name(m.group("era"))
        y = _int(m.group("y"))
        add(m, _era_year(era, y) if y else None, int(m.group("m")), int(m.group("d")), era)
    for m in _WEST_DATE.finditer(h):
        add(m, _int(m.group("y")), _int(m.group("m")), _int(m.group("d")), None)
    for m in _WEST_NUMERIC.finditer(h):
        add(m, int(m.group("y")), int(m.group("m")), int(m.group("d")), None)
    if hint:
        for m in _BARE_DATE.finditer(h):
            y = _int(m.group("y"))
            add(m, _era_year(hint, y) if y else None, _int(m.group("m")), _int(m.group("d")), hint)
    found.sort(key=lambda x: x.start)
    # 同年／同月: relative to the date before them
    rel: list[DateMatch] = []
    for pat, month_too in ((_SAME_YEAR, False), (_SAME_MONTH, True)):
        for m in pat.finditer(h):
            if not free(m.start(), m.end()):
                continue
            prev = [x for x in found if x.end <= m.start()]
            if not prev:
                continue
            p = prev[-1]
            mo = p.date.month if month_too else _int(m.group("m"))
            d = _int(m.group("d"))
            made = _mk(p.date.year, mo, d)
            if made:
                rel.append(DateMatch(m.start(), m.end(), made[0], made[1], text[m.start():m.end()], p.era))
                taken.append((m.start(), m.end()))
    if rel:
        found = sorted(found + rel, key=lambda x: x.start)
    return found


def parse_date(text: str, era_hint: str | None = None) -> _dt.date | None:
    """The first date in ``text`` (its first day), or None."""
    ms = find_dates(text, era_hint)
    return ms[0].date if ms else None


# --------------------------------------------------------------------------- periods
_CONNECT = re.compile(r"^[ \t]*(?:(?:から|より)[ \t]*(?:至[ \t]*)?|[~\-ー－][ \t]*|至[ \t]*|乃至[ \t]*|ないし[ \t]*)$")
_DURATION = re.compile(
    r"^[ \t]*(?:から|より)[ \t]*(?:起算して)?[ \t]*(?P<n>\d{1,2}|[一二三四五六七八九十]{1,3})[ \t]*(?P<u>年間|年|か月間|か月|ヶ月間|ヶ月|ケ月間|ケ月|箇月間|箇月|カ月間|カ月|日間)")
_AFTER_END = re.compile(r"^[ \t]*(?:まで(?:の間)?|迄)")
_BEFORE_START = re.compile(r"(?:自|始期)[ \t]*:?[ \t]*$")
_UNKNOWN_START = re.compile(
    r"(?P<label>(?:本?契約|協定|本協定)?(?:の)?締結(?:の)?日(?:の翌日)?|契約(?:の)?日|契約確定(?:の)?日|"
    r"協定締結日|登録日|交付(?:の)?日|承認(?:の)?日|決定(?:の)?日|受注(?:の)?日)"
    r"[ \t]*(?:から|より|[~\-])[ \t]*$"
)


def find_periods(text: str, era_hint: str | None = None) -> list[DatePeriod]:
    """Periods in ``text``: two dates joined by から/より/～/－/至 (optionally 自…至…, …まで),
    an end alone (…まで after no start), an unknown start in words (契約締結日から…まで)."""
    h = to_halfwidth(text)
    dates = find_dates(text, era_hint)
    out: list[DatePeriod] = []
    used: set[int] = set()
    i = 0
    while i < len(dates):
        a = dates[i]
        b = dates[i + 1] if i + 1 < len(dates) else None
        if b is not None and _CONNECT.match(h[a.end:b.start]):
            s0 = a.start
            pre = _BEFORE_START.search(h[max(0, a.start - 4):a.start])
            if pre:
                s0 = a.start - (len(h[max(0, a.start - 4):a.start]) - pre.start())
            e0 = b.end
            post = _AFTER_END.match(h[b.end:])
            if post:
                e0 = b.end + post.end()
            out.append(DatePeriod(a.as_start(), b.as_end(), text[s0:e0], s0, e0, a, b))
            used.update((i, i + 1))
            i += 2
            continue
        dur = _DURATION.match(h[a.end:])
        if dur:
            end = _add_duration(a.as_start(), kanji_to_int(dur.group("n")) or 0, dur.group("u"))
            if end is not None:
                e0 = a.end + dur.end()
                out.append(DatePeriod(a.as_start(), end, text[a.start:e0], a.start, e0, a, None))
                used.add(i)
                i += 1
                continue
        post = _AFTER_END.match(h[a.end:])
        if post:
            e0 = a.end + post.end()
            before = h[max(0, a.start - 30):a.start]
            us = _UNKNOWN_START.search(before)
            if us:
                s0 = a.start - (len(before) - us.start())
                out.append(DatePeriod(None, a.as_end(), text[s0:e0], s0, e0, None, a, us.group("label")))
            else:
                out.append(DatePeriod(None, a.as_end(), text[a.start:e0], a.start, e0, None, a))
            used.add(i)
        else:
            before = h[max(0, a.start - 30):a.start]
            us = _UNKNOWN_START.search(before)
            if us:
                s0 = a.start - (len(before) - us.start())
                out.append(DatePeriod(None, a.as_end(), text[s0:a.end], s0, a.end, None, a, us.group("label")))
        i += 1
    return out


def _add_duration(start: _dt.date, n: int, unit: str) -> _dt.date | None:
    """The last day of a span of ``n`` years / months / days starting on ``start``."""
    if n <= 0:
        return None
    if unit.startswith("年"):
        y, m = start.year + n, start.month
    elif unit.startswith("日"):
        return start + _dt.timedelta(days=n - 1)
    else:
        total = start.month - 1 + n
        y, m = start.year + total // 12, total % 12 + 1
    day = min(start.day, calendar.monthrange(y, m)[1])
    return _dt.date(y, m, day) - _dt.timedelta(days=1)
