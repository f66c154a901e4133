"""Plain-text reader: UTF-8 (with or without BOM), UTF-16 with BOM, or Shift_JIS / CP932, detected.

Understands the light markup of the worked examples, which is harmless in ordinary text:
``# `` title, ``## `` (or ``### ``…) heading, ``| a | b |`` table row, ``===page===`` or a form feed as a
page break. Every other non-empty line is a paragraph.
"""
from __future__ import annotations

import re
from pathlib import Path

from checker.model import Block, DocError, RawDocument, RawPage

PAGE_BREAK = "===page==="


_BOMS = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


def _plausible(text: str) -> bool:
    """False when a decoding produced what no text file holds: NUL, other control
    characters, or the private-use code points CP932 gives to undefined bytes."""
    if "\x00" in text:
        return False
    bad = 0
    for ch in text:
        o = ord(ch)
        if (o < 0x20 and ch not in "\t\n\r\f") or 0x7F <= o < 0xA0 or 0xF8F0 <= o <= 0xF8F3 or ch == "\ufffd":
            bad += 1
    return bad <= max(2, len(text) // 200)


def decode_text(data: bytes) -> str | None:
    """Decode UTF-8 (BOM or not), UTF-16 with a BOM, or CP932 / Shift_JIS; None when none
    fits (invalid bytes, or binary data such as NUL bytes)."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom):].decode(enc)
            except UnicodeDecodeError:
                return None
            return text if _plausible(text) else None
    for enc in ("utf-8", "cp932"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        return text if _plausible(text) else None
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
    except Exception:  # pragma: no cover - charset_normalizer is a dependency
        best = None
    if best is not None and best.encoding in ("euc_jp", "iso2022_jp"):
        text = str(best)
        return text if _plausible(text) else None
    return None


def read_txt(path: Path, data: bytes, digest: str) -> RawDocument:
    from checker.limits import get_limits, too_large_message

    text = decode_text(data)
    if text is None:
        if data.count(b"\x00") > max(8, len(data) // 20) and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            msg = (f"{path.name}: テキストファイルではありません（文字でないデータが含まれています）。"
                   "拡張子が正しいか確かめ、本来の形式（PDF、DOCX等）のファイル又はテキストとして保存し直したファイルを指定してください。")
        else:
            msg = (f"{path.name}: 文字コードを判別できませんでした（UTF-8 でも Shift_JIS でもない、又は壊れたバイトが含まれています）。"
                   "元の文書をメモ帳等で開いて UTF-8 で保存し直してください。")
        return RawDocument(path=str(path), format="txt", sha256=digest, error=DocError("damaged", msg))
    limits = get_limits()
    if len(text) > limits.max_chars:
        return RawDocument(path=str(path), format="txt", sha256=digest,
                           error=DocError("too_large", too_large_message(path.name, "文字数", f"{len(text):,}文字",
                                                                         f"{limits.max_chars:,}文字", "ITAKU_MAX_CHARS")))
    if not text.strip():
        return RawDocument(path=str(path), format="txt", sha256=digest,
                           error=DocError("empty", f"{path.name}: ファイルが空です。内容のあるファイルを指定してください。"))
    pages: list[list[Block]] = [[]]
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        # a form feed inside a line breaks the page there
        parts = line.split("\f")
        for i, part in enumerate(parts):
            if i:
                pages.append([])
            _add_line(pages, part)
    if len(pages) > limits.max_pages:
        return RawDocument(path=str(path), format="txt", sha256=digest,
                           error=DocError("too_large", too_large_message(path.name, "ページ数", f"{len(pages)}ページ",
                                                                         f"{limits.max_pages}ページ", "ITAKU_MAX_PAGES")))
    raw_pages = tuple(
        RawPage(number=i + 1, blocks=tuple(blocks), has_text=bool(blocks)) for i, blocks in enumerate(pages)
    )
    return RawDocument(path=str(path), format="txt", sha256=digest, pages=raw_pages, page_count=len(raw_pages))


_RULE_LINE = re.compile(r"(?:[-*_]\s*){3,}")
# (a dash before nothing but a page number, 「- 3 -」「- 2/5 -」, is a footer, not a bullet)
_BULLET = re.compile(r"^(?:>\s*)*(?:[-*+]\s+(?![\d\s/ページ頁-]*$))?")
_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")


def _add_line(pages: list[list[Block]], line: str) -> None:
    s = line.strip()
    if not s:
        return
    if s == PAGE_BREAK:
        pages.append([])
        return
    if _RULE_LINE.fullmatch(s):
        return  # a Markdown rule (---, ***) separates, it says nothing
    # Markdown list bullets, quote marks and bold/italic marks are layout, not words
    s = _EMPHASIS.sub(r"\2", _BULLET.sub("", s)).strip()
    if not s:
        return
    page = len(pages)
    if (m := re.match(r"#{2,6}\s+", s)):
        # ``## `` and the deeper levels (``### ２　再委託``) are all headings
        pages[-1].append(Block("heading", s[m.end():].strip(), page))
    elif s.startswith("# "):
        pages[-1].append(Block("title", s[2:].strip(), page))
    elif s.startswith("|") and s.endswith("|") and len(s) > 1:
        cells = tuple(c.strip() for c in s[1:-1].split("|"))
        pages[-1].append(Block("table_row", " | ".join(cells), page, cells=cells))
    else:
        pages[-1].append(Block("paragraph", s, page))

