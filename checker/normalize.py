"""Japanese text normalisation, keeping a map back to the original text and page.

What matching sees (``Unit.text``, ``Sentence.text``, :func:`normalize_text`):

* NFKC: full-width digits, letters and ASCII punctuation become half-width, so
  （ ） → ( ), ： → :, full-width space → space, ⑴ → (1), ㈱ → (株). Circled numbers
  ①…⑳ are kept as they are (they mark items).
* 「，」「．」 after a Japanese character read as 「、」「。」 (「受注者は，…する．」);
* every wave dash / tilde (〜 U+301C, ～ U+FF5E, ∼, 〰) → ``~``;
* every hyphen, dash and minus (‐ ‑ ‒ – — ― − －) → ``-``; a long-vowel mark (ー/ｰ) between
  digits → ``-``;
* runs of white space (also full-width) → one space, dropped at the ends; letter-spaced
  words are closed up (「委 託 契 約 書」 → 「委託契約書」, 「氏 名」 → 「氏名」), and so are
  the spaces inside 「第 5 条」 and 「令和 8 年 4 月 1 日」; other spaces between words stay
  (「第1条 乙は」, 「1 件名 令和9年度…」);
* line breaks inside a sentence and inside a word are removed: a PDF line that does not end
  a sentence continues on the next line unless that line starts a new unit (第N条, 第N, a
  paragraph number, an item, a caption, a heading, a table row);
* running headers and footers (the same text at the top or bottom of most pages) and page
  numbers (``- 3 -``, ``3/10``, ``3``, ``(3)``, ``P.3``) are dropped;
* a sentence running across a page break is joined; it belongs to the page where it starts.

``Unit.raw`` keeps the original characters (for quoting) and ``Unit.src``/``Unit.pages`` map
every character of ``Unit.text`` back to ``raw`` and to its page.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from checker.model import Block, RawDocument

__all__ = ["Unit", "normalize_text", "normalize_document", "starts_new_unit", "is_page_number"]


# --------------------------------------------------------------------------- characters
_DASHES = "‐‑‒–—―−－﹣─━"
_TILDES = "〜～∼〰~"
_KEEP = {chr(c) for c in range(0x2460, 0x2474)}  # ①..⑳ stay (item markers)


# CJK Radicals Supplement forms that PDF fonts map some kanji to (Chromium, Word): NFKC leaves
# them (the Kangxi radicals ⼈⽤⽇ it does fold), so 「市⻑」「区⺠」 would not read as 市長/区民
_RADICALS = {
    "\u2e9f": "母", "\u2ea0": "民", "\u2ec4": "西", "\u2ec3": "西", "\u2ed1": "長", "\u2ed8": "青",
    "\u2edd": "食", "\u2ee3": "骨", "\u2ee4": "鬼", "\u2ee8": "麦", "\u2ee9": "黄", "\u2eed": "歯",
    "\u2eef": "竜", "\u2ef2": "亀", "\u2ed7": "雨",
}


# Quotes keep the document's own wording, but not a font's glyph artefacts: Kangxi radicals
# (U+2F00-U+2FD5, 「⼄」 for 乙) and the radical forms above are the kanji they stand for.
# One character for one, so offsets into the raw text stay valid.
_GLYPH_REPAIR = str.maketrans({**{chr(c): unicodedata.normalize("NFKC", chr(c)) for c in range(0x2F00, 0x2FD6)},
                               **_RADICALS})


def repair_glyphs(text: str) -> str:
    """``text`` with radical look-alikes replaced by their kanji (for quoted evidence)."""
    return text.translate(_GLYPH_REPAIR)


@functools.lru_cache(maxsize=4096)
def _norm_char(c: str) -> str:
    if c in _KEEP:
        return c
    if c in _RADICALS:
        return _RADICALS[c]
    if c in "\u2027\u30fb\uff65":  # hyphenation point / middle dots: one 「・」
        return "・"
    if c in "\u2215\u2044":  # division and fraction slash
        return "/"
    if c in _DASHES:
        return "-"
    if c in _TILDES:
        return "~"
    if c in "\t\r\n\f\v\u00a0\u3000\u2002\u2003\u2009\u200a\u202f":
        return " "
    if c in "\u200b\u200c\u200d\ufeff\u00ad":
        return ""
    n = unicodedata.normalize("NFKC", c)
    if len(n) == 1 and n in _DASHES:
        return "-"
    if n == "～":
        return "~"
    return n


def _is_cjk(ch: str) -> bool:
    """A Japanese character (kana, kanji, full-width punctuation) - not ASCII, not a space."""
    return ord(ch) >= 0x2E80 and ch not in "~"


@dataclass
class _Buf:
    """Normalised characters, each with the raw index and page it came from."""

    chars: list[str] = field(default_factory=list)
    src: list[int] = field(default_factory=list)
    pages: list[int] = field(default_factory=list)
    raw: list[str] = field(default_factory=list)
    raw_len: int = 0

    def add(self, text: str, page: int) -> None:
        base = self.raw_len
        self.raw.append(text)
        self.raw_len += len(text)
        for i, c in enumerate(text):
            for n in _norm_char(c):
                if n in "\u3099\u309a" or c in "\u309b\u309c":
                    # a sound mark written apart (ハ + ゚ for パ, half-width ｶﾞ): compose it
                    # with the kana before; one that composes with nothing is dropped
                    if self.chars and n.strip():
                        mark = "\u3099" if n == "\u3099" or c == "\u309b" else "\u309a"
                        composed = unicodedata.normalize("NFC", self.chars[-1] + mark)
                        if len(composed) == 1:
                            self.chars[-1] = composed
                    continue
                self.chars.append(n)
                self.src.append(base + i)
                self.pages.append(page)

    def add_joint(self, page: int) -> None:
        """A soft line break: nothing in the text unless two Latin words meet."""
        if self.chars and self.chars[-1].isascii() and self.chars[-1].isalnum():
            self.raw.append(" ")
            self.chars.append(" ")
            self.src.append(self.raw_len)
            self.pages.append(page)
            self.raw_len += 1


def _squeeze(chars: list[str], keep: list[bool]) -> None:
    """Collapse spaces; drop spaces between Japanese characters and inside 第 5 条 / 8 年."""
    n = len(chars)
    prev = -1  # index of previous kept non-space char
    i = 0
    while i < n:
        if chars[i] != " ":
            prev = i
            i += 1
            continue
        j = i
        while j < n and chars[j] == " ":
            j += 1
        # spaces i..j-1
        drop_all = prev < 0 or j >= n
        if not drop_all:
            a, b = chars[prev], chars[j]
            if _is_cjk(a) and _is_cjk(b):
                # letter-spaced words (「委 託 契 約 書」「氏 名」): single characters apart
                drop_all = _single_token_before(chars, prev) and _single_token_after(chars, j)
            elif b.isdigit() and _prev_char(chars, prev) + a in ("令和", "平成", "昭和", "大正", "明治"):
                drop_all = True
            elif a == "第" and b.isdigit():
                drop_all = True
            elif a.isdigit() and b in "条項号年月日章節款":
                drop_all = True
            elif a in "年月" and b.isdigit() and _date_context(chars, prev):
                drop_all = True
            elif a.isdigit() and b.isdigit() and _after_dai(chars, prev):
                drop_all = True
        for k in range(i + (0 if drop_all else 1), j):
            keep[k] = False
        i = j


def _single_token_before(chars: list[str], k: int) -> bool:
    return k == 0 or chars[k - 1] == " "


def _single_token_after(chars: list[str], k: int) -> bool:
    return k + 1 >= len(chars) or chars[k + 1] == " "


def _prev_char(chars: list[str], k: int) -> str:
    """The non-space character before chars[k] ("" at the start)."""
    k -= 1
    while k >= 0 and chars[k] == " ":
        k -= 1
    return chars[k] if k >= 0 else ""


def _date_context(chars: list[str], k: int) -> bool:
    """chars[k] is 年/月 preceded by a number: part of a date."""
    k -= 1
    while k >= 0 and chars[k] == " ":
        k -= 1
    return k >= 0 and (chars[k].isdigit() or chars[k] == "元")


def _after_dai(chars: list[str], k: int) -> bool:
    k2 = k
    while k2 >= 0 and (chars[k2].isdigit() or chars[k2] == " "):
        k2 -= 1
    return k2 >= 0 and chars[k2] == "第"


_LONG_VOWEL = "ー"


_TOKEN_CH = re.compile(r"[A-Za-z0-9,./\-]")


def _pdf_gaps(chars: list[str], keep: list[bool]) -> None:
    """Spaces a PDF reader inserts into justified text (「DV D-R」「IS MS」「3 0日」「5,000 人」):
    a single kept space inside a short Latin/number token set in Japanese text is dropped."""
    n = len(chars)
    idx = [i for i in range(n) if keep[i]]
    for pos in range(1, len(idx) - 1):
        i = idx[pos]
        if chars[i] != " ":
            continue
        a, b = chars[idx[pos - 1]], chars[idx[pos + 1]]
        # left token
        lp = pos - 1
        while lp >= 0 and _TOKEN_CH.match(chars[idx[lp]]):
            lp -= 1
        left_len = pos - 1 - lp
        before = chars[idx[lp]] if lp >= 0 else ""
        rp = pos + 1
        while rp < len(idx) and _TOKEN_CH.match(chars[idx[rp]]):
            rp += 1
        right_len = rp - pos - 1
        after = chars[idx[rp]] if rp < len(idx) else ""
        if a.isascii() and a.isalnum() and b.isascii() and b.isalnum():
            if left_len <= 3 and right_len <= 3 and before not in ("", " ") and not (before.isascii() and before.isalnum()) \
                    and after != " " and not (after.isascii() and after.isalnum()):
                keep[i] = False
        elif a.isdigit() and _is_cjk(b) and before not in ("", " ", "第") and _is_cjk(before) and left_len >= 2:
            keep[i] = False


def _finish(buf: _Buf, pdf: bool = False) -> tuple[str, list[int], list[int]]:
    chars = buf.chars
    # ー between digits is a dash (「0120ー123」)
    for i in range(1, len(chars) - 1):
        if chars[i] == _LONG_VOWEL and chars[i - 1].isdigit() and chars[i + 1].isdigit():
            chars[i] = "-"
    # the 「，．」 style of punctuation reads as 「、。」 after a Japanese character
    if any(c in ",." for c in chars):
        raw = "".join(buf.raw)
        for i in range(1, len(chars)):
            if chars[i] in ",." and _is_cjk(chars[i - 1]) and raw[buf.src[i]] in "，．":
                chars[i] = "、" if chars[i] == "," else "。"
    keep = [True] * len(chars)
    _squeeze(chars, keep)
    if pdf:
        _pdf_gaps(chars, keep)
    text = "".join(c for c, k in zip(chars, keep) if k)
    src = [s for s, k in zip(buf.src, keep) if k]
    pages = [p for p, k in zip(buf.pages, keep) if k]
    return text, src, pages


def normalize_text(text: str) -> str:
    """The normalised form of ``text`` (what rules should match against): NFKC, one tilde,
    one dash, spaces squeezed. Line breaks become spaces (then squeezed like any other)."""
    buf = _Buf()
    buf.add(text, 1)
    return _finish(buf)[0]


# --------------------------------------------------------------------------- units
@dataclass
class Unit:
    """A logical block after normalisation: a paragraph (PDF lines rejoined), a heading,
    a title or a table row. ``text[i]`` comes from ``raw[src[i]]`` on page ``pages[i]``."""

    kind: str  # "title" | "heading" | "paragraph" | "table_row"
    text: str
    raw: str
    page: int
    src: list[int]
    pages: list[int]
    cells: tuple["Unit", ...] = ()
    x0: float | None = None
    size: float | None = None  # font size of the unit's first PDF line, else None

    def raw_slice(self, a: int, b: int) -> str:
        """The original text behind ``text[a:b]``."""
        if a >= b or not self.src:
            return ""
        return repair_glyphs(self.raw[self.src[a]:self.src[b - 1] + 1])

    def page_at(self, a: int) -> int:
        return self.pages[a] if 0 <= a < len(self.pages) else self.page


def _unit(kind: str, parts: list[tuple[str, int]], x0: float | None = None, pdf: bool = False) -> Unit:
    buf = _Buf()
    first = True
    for t, p in parts:
        # a line break inside a block (a DOCX soft break, a wrapped cell) is a soft wrap too
        for piece in t.strip().split("\n"):
            piece = piece.strip()
            if not piece:
                continue
            if not first:
                buf.add_joint(p)
            buf.add(piece, p)
            first = False
    text, src, pages = _finish(buf, pdf)
    # strip the squeezed text
    lead = len(text) - len(text.lstrip())
    text2 = text.strip()
    src = src[lead:lead + len(text2)]
    pages = pages[lead:lead + len(text2)]
    page = pages[0] if pages else (parts[0][1] if parts else 1)
    return Unit(kind, text2, "".join(b for b in buf.raw), page, src, pages, x0=x0)


def _row_unit(block: Block, pdf: bool = False) -> Unit:
    cells = tuple(_unit("cell", [(_join_cell_lines(c), block.page)], pdf=pdf) for c in (block.cells or (block.text,)))
    text = " | ".join(c.text for c in cells)
    raw = " | ".join(c.raw for c in cells)
    # map: row text -> row raw
    src: list[int] = []
    pages: list[int] = []
    off_raw = 0
    for i, c in enumerate(cells):
        if i:
            src.extend(off_raw - 3 + k for k in range(3))
            pages.extend([block.page] * 3)
        src.extend(off_raw + s for s in c.src)
        pages.extend(c.pages)
        off_raw += len(c.raw) + 3
    return Unit("table_row", text, raw, block.page, src, pages, cells=cells)


def _join_cell_lines(cell: str | None) -> str:
    """A table cell wrapped over lines: join them like sentence lines."""
    if not cell:
        return ""
    lines = [ln.strip() for ln in cell.splitlines() if ln.strip()]
    if len(lines) <= 1:
        return lines[0] if lines else ""
    out = lines[0]
    for ln in lines[1:]:
        if starts_new_unit(normalize_text(ln)) or _ENDS_SENTENCE.search(out):
            out += "\u3000" if not (out[-1:].isascii() and ln[:1].isascii()) else " "
            out += ln
        else:
            sep = " " if (out[-1:].isascii() and out[-1:].isalnum() and ln[:1].isascii() and ln[:1].isalnum()) else ""
            out += sep + ln
    return out


# --------------------------------------------------------------------------- unit starts
_N = r"(?:\d{1,3}|[一二三四五六七八九十百〇]{1,4})"
_UNIT_START = re.compile(
    "|".join([
        rf"^第\s*{_N}\s*条(?:\s*の\s*{_N})?(?=\s|[(（【〔]|$|甲|乙|受注者|受託者|発注者|委託者|この|本)",
        rf"^第\s*{_N}\s*[章節款](?=\s|$)",
        rf"^第\s*{_N}(?=\s|[(【〔]|$)",
        r"^\d{1,2}(?=\s)",
        r"^\d{1,2}[.．、](?!\d)",
        r"^[(（]\s*(?:\d{1,3}|[一二三四五六七八九十]{1,3}|[ア-ンa-zA-Z])\s*[)）]",
        r"^[\u2474-\u2487\u2460-\u2473\u2488-\u249b\u3220-\u3229\u32d0-\u32fe]",
        r"^[一二三四五六七八九十]{1,3}(?=\s|[、.．])",
        r"^[アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワ](?=\s|[.．)）])",
        r"^[ｱ-ﾝ](?=\s|[.)])",
        r"^[a-zA-Z][.)](?=\s)",
        r"^[(（【〔][^()（）【】〔〕]{1,40}[)）】〕]\s*$",
        r"^【[^】]{1,40}】",
        r"^[・●■□◆◇▪※◎]",
        r"^○(?=\s)",
        r"^(?:別記|別紙|別表|別添|附則|付則|記|以上|様式)(?=\s|$|\d|[(（第　])",
        r"^(?:注|備考)\s*[:：\d]",
    ])
)
_ENDS_SENTENCE = re.compile(r"[。．.!?！？:：]\s*$|[。．][」』]\s*$")


def _open_bracket(text: str) -> bool:
    """An opening parenthesis or quote not yet closed: 「…(以下「甲」という。」 goes on."""
    depth = 0
    for ch in text:
        if ch in "(（「『【":
            depth += 1
        elif ch in ")）」』】" and depth:
            depth -= 1
    return depth > 0

_PAGE_NO = re.compile(
    r"^(?:[-~ー―]\s*\d{1,4}(?:\s*/\s*\d{1,4})?\s*[-~ー―]|\d{1,4}\s*/\s*\d{1,4}|\d{1,4}|\(\s*\d{1,4}\s*\)|[Pp]\.?\s*\d{1,4}"
    r"|\d{1,4}\s*(?:ページ|頁)|第\s*\d{1,4}\s*(?:ページ|頁)|-\s*\d{1,4}\s*-\s*/\s*\d{1,4}|\d{1,4}\s*of\s*\d{1,4}"
    r"|[Pp]age\s*\d{1,4}(?:\s*(?:/|of)\s*\d{1,4})?)$"
)


def starts_new_unit(text: str) -> bool:
    """True when a (normalised) line starts an article, paragraph, item, caption or heading."""
    return bool(_UNIT_START.match(text.lstrip()))


def is_page_number(text: str) -> bool:
    t = normalize_text(text).replace(" ", "")
    return bool(t) and bool(_PAGE_NO.match(t))


# --------------------------------------------------------------------------- headers / footers
def _furniture_key(text: str) -> str:
    t = normalize_text(text).replace(" ", "")
    return re.sub(r"\d+", "#", t)


def _in_edge_zone(b: Block, h: float | None) -> bool:
    if not h or b.top is None:
        return True
    return b.top < h * 0.1 or (b.bottom or b.top) > h * 0.9


def _stray_margin_label(b: Block, h: float | None, body: float) -> bool:
    """A few words without digits, set well below the body size in the outer sixth of the
    page: a browser's or template's margin label (「資料」「社外秘」), never a provision."""
    if b.kind != "line" or not h or b.top is None or not b.size or b.size > 0.8 * body:
        return False
    t = normalize_text(b.text)
    if len(t) > 8 or re.search(r"[0-9。、]", t):
        return False
    return b.top < h / 6 or (b.bottom or b.top) > h * 5 / 6


_FOOTER_WITH_NUMBER = re.compile(r"\s(?:-\s*\d{1,4}\s*-|\d{1,4}\s*/\s*\d{1,4}|[Pp]\.?\s*\d{1,4}|\d{1,4}\s*(?:ページ|頁))$")


def _last_line(blocks: list[Block]) -> int | None:
    return next((i for i in range(len(blocks) - 1, -1, -1) if blocks[i].kind != "table_row" and blocks[i].text.strip()), None)


def _last_body_line(blocks: list[Block], h: float | None) -> int | None:
    """The last line above the page's bottom margin (a template's fixed footer set at the very
    edge, 「－ 内部資料 －」, comes after it)."""
    return next((i for i in range(len(blocks) - 1, -1, -1) if blocks[i].kind != "table_row" and blocks[i].text.strip()
                 and not (h and blocks[i].top is not None and (blocks[i].bottom or blocks[i].top) > h * 0.9)), None)


def _first_line(blocks: list[Block]) -> int | None:
    return next((i for i, b in enumerate(blocks) if b.kind != "table_row" and b.text.strip()), None)


def _echoes_title(key: str, opening: set[str]) -> bool:
    """A page's top line that repeats the title in part: 「個人情報取扱特記事項(続き)」 under the
    title 「個人情報取扱特記事項」, or 「仕様書」 over the pages of 「○○業務委託仕様書」."""
    for o in opening:
        if len(o) < 3 or not _DOC_TITLE.search(o):
            continue
        if key.startswith(o) and re.fullmatch(r"[(（]?(?:続き?|つづき|続)[)）]?|\(?#/#\)?|-?#-?", key[len(o):] or "x"):
            return True
        if len(key) >= 3 and o.endswith(key) and _DOC_TITLE.search(key):
            return True
        if key.endswith(o) and len(key) - len(o) <= 30 and "、" not in key:
            return True  # 「湊川市立総合医療センター　個人情報取扱特記事項」 over page 2
    return False


_DOC_TITLE = re.compile(r"(?:契約書|約款|特記事項|特約条項|仕様書|諮問書?|協議書|届出書|登録証|認証書|誓約書|について)\s*(?:\(案\))?\s*$")


def _drop_furniture(raw: RawDocument) -> list[list[Block]]:
    """Per page, the blocks without running headers/footers and page numbers.

    A header or footer is a line at the top or bottom of a page (the outer tenth where the
    position is known, else among the first/last two blocks) whose text, digits aside,
    recurs at the edge of other pages, or repeats the document's title on a later page."""
    pages = [list(p.blocks) for p in raw.pages]
    heights = [p.height for p in raw.pages]
    body = _body_font_size(pages)
    n_pages = sum(1 for p in pages if p)
    edge_keys: Counter[str] = Counter()
    edges: list[set[int]] = []
    for blocks, h in zip(pages, heights):
        idx = [i for i, b in enumerate(blocks) if b.kind != "table_row"]
        cand = set(idx[:3] + idx[-3:])
        if h and any(blocks[i].top is not None for i in cand):
            # a page number set right below a short page's text (a browser's footer after
            # the body) is no less a page number
            cand = {i for i in cand if _in_edge_zone(blocks[i], h)
                    or (i in idx[-3:] + idx[:3] and is_page_number(blocks[i].text))
                    or (i == _last_body_line(blocks, h) and _FOOTER_WITH_NUMBER.search(normalize_text(blocks[i].text)))}
        # the body's own lines (articles, sentences) are never furniture
        # (a bracketed line at the very edge, 「（総務課情報公開係）」 over every page, may be)
        cand = {i for i in cand if is_page_number(blocks[i].text)
                or not (starts_new_unit(normalize_text(blocks[i].text)) or _ENDS_SENTENCE.search(normalize_text(blocks[i].text)))
                or (h and blocks[i].top is not None and _in_edge_zone(blocks[i], h)
                    and _is_caption_only(normalize_text(blocks[i].text)))}
        # a line set larger than the body is a title, never a running header
        if body:
            cand = {i for i in cand if not (blocks[i].size and blocks[i].size >= 1.2 * body)}
        edges.append(cand)
        for k in {(_furniture_key(blocks[i].text)) for i in cand}:
            edge_keys[k] += 1
    # the first page's opening lines (a title repeated as the running header of later pages)
    first = next((p for p in pages if p), [])
    opening = {_furniture_key(b.text) for b in first[:3] if b.kind != "table_row"}
    # the document's own title (its first line, naming what it is) stays on the first page even
    # when later pages repeat it as their running header: 「個人情報取扱特記事項」 over page 2
    # must not take the title of page 1 with it (the document would lose its kind)
    title_i = next((i for i, b in enumerate(first) if b.kind != "table_row" and b.text.strip()), None)
    if title_i is not None and not (first[title_i].kind == "title" or _DOC_TITLE.search(normalize_text(first[title_i].text))):
        title_i = None
    out: list[list[Block]] = []
    for pi, (blocks, cand, h) in enumerate(zip(pages, edges, heights)):
        kept = []
        for i, b in enumerate(blocks):
            if b.kind != "table_row" and normalize_text(b.text)[:1] in "-~ー―" and is_page_number(b.text):
                continue  # 「－ 1/2 －」: a page number wherever it stands (a column's foot)
            if body and _stray_margin_label(b, h, body) and not (blocks is first and i == title_i):
                continue  # 「資料」「取扱注意」 set small in the margin: a stamp, not the text
            if i in cand and not (blocks is first and i == title_i):
                key = _furniture_key(b.text)
                if is_page_number(b.text):
                    continue
                if i in (_last_line(blocks), _last_body_line(blocks, h)) and len(pages) >= 2 \
                        and _FOOTER_WITH_NUMBER.search(normalize_text(b.text)) \
                        and len(normalize_text(b.text)) <= 40:
                    continue  # 「受注者の事務所 契約約款 -1-」: a footer ending in the page number
                if n_pages >= 2 and len(key) <= 60 and (
                        edge_keys[key] >= max(2, 0.6 * n_pages)
                        or (edge_keys[key] >= 2 and n_pages >= 4)
                        or (pi > 0 and key in opening and blocks is not first)
                        or (pi > 0 and blocks is not first and i == _first_line(blocks)
                            and _echoes_title(key, opening))):
                    continue
            kept.append(b)
        out.append(kept)
    return out


# --------------------------------------------------------------------------- PDF lines
def _est_width(text: str, size: float) -> float:
    return sum(size if ord(c) > 0x2E80 else size * 0.5 for c in text)


def _line_geometry(blocks: list[Block]) -> tuple[float | None, float | None, float]:
    """Left margin, right margin and typical font size of the line blocks (and the right
    edge of table rows, which spans the text width) given."""
    lines = [b for b in blocks if b.kind == "line" and b.x0 is not None]
    if not lines:
        return None, None, 10.0
    sizes = sorted((b.bottom - b.top) for b in lines if b.bottom is not None and b.top is not None and b.bottom > b.top)
    size = sizes[len(sizes) // 2] if sizes else 10.0
    x0s = sorted(b.x0 for b in lines)
    left = x0s[len(x0s) // 10] if x0s else None
    rights = sorted(getattr(b, "x1", None) or (b.x0 + _est_width(b.text.strip(), size)) for b in lines)
    rights += [b.x1 for b in blocks if b.kind == "table_row" and getattr(b, "x1", None)]
    rights.sort()
    right = rights[int(len(rights) * 0.9)] if rights else None
    return left, right, size


def _doc_geometry(raw: RawDocument, pages: list[list[Block]]) -> tuple[float | None, float | None, float]:
    """Left margin, right margin and font size for the whole document.

    The right margin is where the widest body line ends (a wrapped line reaches it; forms
    and certificates have mostly short lines, so a percentile would not do). With few
    lines, the page width minus the left margin (less three characters) is assumed too."""
    blocks = [b for p in pages for b in p]
    left, _, size = _line_geometry(blocks)
    if left is None:
        return None, None, size
    heights = {p.number: p.height for p in raw.pages}
    body = [b for b in blocks if b.kind in ("line", "table_row") and b.x0 is not None
            and not (heights.get(b.page) and b.top is not None
                     and (b.top < heights[b.page] * 0.06 or b.top > heights[b.page] * 0.94))]
    ends = [getattr(b, "x1", None) or (b.x0 + _est_width(b.text.strip(), size)) for b in body]
    right = max(ends) if ends else None
    width = next((p.width for p in raw.pages if p.width), None)
    n_lines = sum(1 for b in blocks if b.kind == "line")
    if width and n_lines < 40:
        right = max(right or 0.0, width - left - 3 * size)
    return left, right, size


def _line_is_full(b: Block, left: float | None, right: float | None, size: float) -> bool:
    """The line reaches the right margin (of its column, on a page set in columns): it
    was wrapped, not ended."""
    if getattr(b, "col_x1", None) is not None:
        left, right = getattr(b, "col_x0", None), b.col_x1
    if right is None or b.x0 is None:
        return True
    x1 = getattr(b, "x1", None) or (b.x0 + _est_width(b.text.strip(), size))
    if x1 < right - 2.0 * size:
        return False
    if left is not None and right - left > 10 * size:
        # a short right-aligned line (date, document number) is not a wrapped line
        if _est_width(b.text.strip(), size) < 0.55 * (right - left):
            return False
    return True


# a line that ends inside a token: 「第」 waiting for its number, an opening bracket or quote
_ENDS_MID_TOKEN = re.compile(r"(?:第|[(「『【〔]|No\.?)\s*$")
_LEAD_TOKEN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9()（）.,:/@_\-]*")


def _body_font_size(pages: list[list[Block]]) -> float | None:
    """The font size most of the document's line characters are set in (PDF), else None."""
    sizes = sorted(b.size for p in pages for b in p if b.kind == "line" and b.size for _ in range(len(b.text)))
    return sizes[len(sizes) // 2] if sizes else None


def _is_section_heading(b: Block, ntext: str, body: float) -> bool:
    """A PDF line set a little larger than the body (a section heading 「再委託」「委託の概要」 of a
    prose or table form; a title is far larger and stays a line): short, no punctuation of a
    sentence, not numbered (numbered headings are found from their numbers)."""
    if not (1.05 * body <= b.size < 1.3 * body) or len(ntext) > 30 or len(ntext) < 2:
        return False
    if re.search(r"[。、,.:;]", ntext) or starts_new_unit(ntext) or is_page_number(ntext):
        return False
    return bool(re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", ntext))


_NUM_START = re.compile(r"^(\d{1,3})(?:\s|[.．](?!\d))")


def _implausible_number_start(ntext: str, prev: str, last_num: int | None) -> bool:
    """A wrapped line starting with a number and a space (「30 日以内」 where the PDF spread
    the digits) is no paragraph number when the line before runs on mid-sentence and the
    number is not the next in sequence (nor 1 or 2, which open a numbering)."""
    m = _NUM_START.match(ntext)
    if not m or _ENDS_SENTENCE.search(prev) or _is_caption_only(prev):
        return False
    n = int(m.group(1))
    if n in (1, 2) or (last_num is not None and n == last_num + 1):
        return False
    # the line before ends like a phrase that goes on (a particle, 、, a digit or 第)
    return bool(re.search(r"[、,はがをにでとのもへや第\d]$", prev))


def _pushed_to_next_line(prev: Block, b: Block, right: float | None, size: float) -> bool:
    """``prev`` ends short of the margin only because ``b`` starts with a Latin word or a
    number (never broken by the typesetter) wider than the room left on ``prev``:
    「…プライバシーマーク（登録番号：第」 + 「10800001(07)号、…」."""
    if right is None or prev.x1 is None or b.page != prev.page:
        return False
    if b.top is not None and prev.bottom is not None and b.top - prev.bottom > 1.5 * size:
        return False  # a blank line between: a new paragraph
    m = _LEAD_TOKEN.match(normalize_text(b.text.strip()))
    if not m or len(m.group(0)) < 3:
        return False
    fs = b.size or size
    room = (prev.col_x1 if getattr(prev, "col_x1", None) is not None else right) - prev.x1
    return room < 0.55 * fs * len(m.group(0)) + 0.5 * fs and not _ENDS_SENTENCE.search(normalize_text(prev.text))


# --------------------------------------------------------------------------- document
def normalize_document(raw: RawDocument) -> list[Unit]:
    """The document's units in reading order (see the module docstring)."""
    pages = _drop_furniture(raw)
    pdf = raw.format == "pdf"
    # margins from the whole document: a page with few lines says little on its own
    left, right, size = _doc_geometry(raw, pages)
    body_size = _body_font_size(pages)
    units: list[Unit] = []
    open_parts: list[tuple[str, int]] | None = None  # a paragraph being built from lines
    open_x0: float | None = None
    open_soft = False  # the open paragraph came from PDF lines (may be continued)
    last_line_full = True
    last_line: Block | None = None
    last_num: int | None = None  # the number of the last paragraph/heading opened by one
    open_size: float | None = None

    def close() -> None:
        nonlocal open_parts, open_x0
        if open_parts:
            units.append(_unit("paragraph", open_parts, open_x0, pdf=pdf))
            units[-1].size = open_size
        open_parts = None
        open_x0 = None

    for pi, blocks in enumerate(pages):
        first_on_page = True
        for b in blocks:
            text = b.text.strip()
            if not text:
                continue
            if b.kind == "table_row":
                close()
                units.append(_row_unit(b, pdf))
                first_on_page = False
                continue
            if b.kind in ("title", "heading"):
                close()
                units.append(_unit(b.kind, [(text, b.page)], b.x0, pdf=pdf))
                first_on_page = False
                continue
            ntext = normalize_text(text)
            if b.kind == "line" and body_size and b.size and _is_section_heading(b, ntext, body_size):
                close()
                units.append(_unit("heading", [(text, b.page)], b.x0, pdf=pdf))
                first_on_page = False
                last_line_full = True
                last_line = None
                continue
            can_join = False
            if b.kind == "line" and not last_line_full and last_line is not None \
                    and _pushed_to_next_line(last_line, b, right, size):
                last_line_full = True  # a Latin word or number too long for the rest of the line
            if open_parts is not None and b.kind == "line" and open_soft \
                    and _ENDS_MID_TOKEN.search(normalize_text(open_parts[-1][0])) \
                    and not re.match(r"^第\s*\d+\s*条", ntext):
                can_join = True  # 「…(登録番号:第」 + 「10800001(07)号…」: never a new item
            elif open_parts is not None and b.kind == "line" and open_soft and last_line_full \
                    and _implausible_number_start(ntext, normalize_text(open_parts[-1][0]), last_num):
                can_join = True  # 「…期間は、」 + 「30 日以内とする。」: a number of the sentence
            elif open_parts is not None and b.kind == "line" and open_soft and last_line_full \
                    and _open_bracket(normalize_text("".join(t for t, _ in open_parts))) \
                    and not re.match(r"^第\s*\d+\s*条", ntext):
                can_join = True  # 「(○○県○○市○○町」 + 「○番地)」: inside parentheses
            elif open_parts is not None and not starts_new_unit(ntext):
                prev = normalize_text(open_parts[-1][0])
                whole = normalize_text("".join(t for t, _ in open_parts))
                ended = _ENDS_SENTENCE.search(prev) and not _open_bracket(whole)
                if ended and b.kind == "line" and open_soft and last_line_full and b.x0 is not None \
                        and open_x0 is not None and b.x0 > open_x0 + 0.5 * size and starts_new_unit(whole):
                    # a numbered paragraph with a hanging indent goes on after a full stop:
                    # 「８ 授受の方法 市は…手渡す。」 + 「 データは…格納する。」
                    can_join = True
                elif not ended and not _is_caption_only(prev):
                    if b.kind == "line" and open_soft:
                        # a short line joins the next only when the next cannot open a sentence:
                        # 「…作業に当た」 + 「る作業員にも…」, 「…伝えな」 + 「い。」 (a page or column
                        # break, or a renderer's early wrap, inside a word)
                        can_join = last_line_full or prev.endswith(("、", ",")) or _cannot_open_sentence(ntext) \
                            or _word_cut(prev, ntext)
                    elif first_on_page and not open_soft and b.kind == "paragraph":
                        # a known paragraph cut by a page break
                        whole = normalize_text("".join(t for t, _ in open_parts))
                        can_join = units_ok_for_page_join(whole, ntext)
                    elif not open_soft and b.kind == "paragraph":
                        # a text/DOCX line cut mid-sentence (copied from a PDF, typed with hard
                        # breaks): 「…漏らすことのないよう、」 + 「これらの者に…講じなければならない。」
                        whole = normalize_text("".join(t for t, _ in open_parts))
                        can_join = units_ok_for_line_join(whole, ntext)
            if can_join:
                open_parts.append((text, b.page))
            else:
                close()
                m_num = _NUM_START.match(ntext)
                if m_num:
                    last_num = int(m_num.group(1))
                elif re.match(r"^第\s*\d+\s*条", ntext):
                    last_num = 1
                open_parts = [(text, b.page)]
                open_x0 = b.x0
                open_size = b.size
                open_soft = b.kind == "line"
            if b.kind == "line":
                last_line_full = _line_is_full(b, left, right, size)
                last_line = b
            else:
                last_line_full = True
                last_line = None
            first_on_page = False
        # a page break never closes the paragraph by itself
    close()
    return units


_HIRA = re.compile(r"[\u3041-\u309f]")


def units_ok_for_page_join(prev: str, ntext: str) -> bool:
    """A known paragraph at the top of a page continues the previous page's paragraph when
    the break is visibly mid-sentence: the first ends with 、 or is a sentence (has 、) cut
    after kana, or the second starts with kana or punctuation (「れるとき。」)."""
    if re.match(r"^(?:令和|平成|昭和|\d{4}年)", ntext):
        return False
    if prev.endswith(("、", ",")) and len(prev) >= 8:
        return True
    if len(prev) < 15:
        return False
    if ntext[:1] and (_HIRA.match(ntext[:1]) or ntext[:1] in "、。)」"):
        return True
    return "、" in prev and len(prev) >= 20 and bool(_HIRA.match(prev[-1:])) or _word_cut(prev, ntext)


def units_ok_for_line_join(prev: str, ntext: str) -> bool:
    """A hard line break inside a sentence on one page: stricter than a page break, since
    a line of a text file without 。 is often a sentence of its own (items typed without a
    full stop). Joined only when the first line visibly stops mid-sentence (ends with 、) or
    the second cannot start one (opens with kana of a particle/ending or punctuation)."""
    if len(prev) < 15 or re.match(r"^(?:令和|平成|昭和|\d{4}年)", ntext):
        return False
    if prev.endswith(("、", ",")):
        return True
    if re.search(r"[、。]", prev) and prev[-1:] in _MID_SENTENCE_END and not prev.endswith(("こと", "もの")):
        # 「…責任者及び作業従事者に限り」 + 「知り得るものとする。」: a line ending in a particle or a
        # verb's continuative form stops mid-sentence (an item typed without 。 ends otherwise:
        # 「…こと」「…する」「…ない」)
        return True
    if bool(ntext[:1]) and (ntext[:1] in "、。)」" or bool(_PARTICLE_CONT.match(ntext))):
        return True
    # a line typed to a width cuts a word (「…在職中及び退」 + 「職後において…」): the seam falls
    # inside a word of the dictionary (a label line 「…の誓約書」 + 「受託者は…」 does not)
    return _word_cut(prev, ntext)


def _word_cut(prev: str, ntext: str) -> bool:
    """A sentence cut between two kanji inside one dictionary word (「…端末から削」+「除し、…」)."""
    return "、" in prev and _KANJI_AT.search(prev[-1:]) is not None and _KANJI_AT.match(ntext[:1]) is not None \
        and _crosses_word(prev, ntext)


_KANJI_AT = re.compile(r"[\u4e00-\u9fff々]")


def _crosses_word(prev: str, ntext: str) -> bool:
    from checker.nlp import crosses_word  # the dictionary lives with the language module

    return crosses_word(prev, ntext)


def _cannot_open_sentence(ntext: str) -> bool:
    """A line opening with the tail of a word or a particle: small kana, ん, る, a one-kana
    ending followed by punctuation (「い。」), or a particle/verb ending (「により」「して」)."""
    return bool(re.match(r"^(?:[ぁぃぅぇぉっゃゅょゎんる]|[いうくすつぬむぶぐただ][。、」)]|"
                         r"により|によって|において|に対し|については|を|は、|が、|して|した|され|させ|しな|せず|ない)", ntext))


_MID_SENTENCE_END = set("はをにがでへやてりびしきちみけげせく")


# a line opening with a particle or verb ending continues the line before (「…記録媒体」 +
# 「により行い、…」); a line opening with other kana can start a sentence (「なお、」「これらの」)
_PARTICLE_CONT = re.compile(r"^(?:により|によって|において|に対し|については|を|は、|が、|の|に|で|と|へ|から|まで|より|する|して|した|され|させ|できる|しな|せず|ない)")


def _is_caption_only(ntext: str) -> bool:
    return bool(re.match(r"^[(【〔][^()【】〔〕]{1,40}[)】〕]$", ntext.strip()))
