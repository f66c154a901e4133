"""Plain-text reader: UTF-8 (with or without BOM) or Shift_JIS / CP932, detected.

Understands the light markup of the worked examples, which is harmless in ordinary text:
``# `` title, ``## `` heading, ``| a | b |`` table row, ``===page===`` or a form feed as a
page break. Every other non-empty line is a paragraph.
"""
from __future__ import annotations

from pathlib import Path

from checker.model import Block, DocError, RawDocument, RawPage

PAGE_BREAK = "===page==="


def decode_text(data: bytes) -> str | None:
    """Decode UTF-8 (BOM or not) or CP932; None when neither fits."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for enc in ("utf-8", "cp932"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
    except Exception:  # pragma: no cover - charset_normalizer is a dependency
        best = None
    if best is not None and best.encoding in ("utf_8", "cp932", "shift_jis", "euc_jp", "iso2022_jp"):
        return str(best)
    return None


def read_txt(path: Path, data: bytes, digest: str) -> RawDocument:
    text = decode_text(data)
    if text is None:
        return RawDocument(path=str(path), format="txt", sha256=digest,
                           error=DocError("damaged", f"{path.name}: 文字コードを判別できませんでした（UTF-8 でも Shift_JIS でもありません）。UTF-8 で保存し直してください。"))
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
    raw_pages = tuple(
        RawPage(number=i + 1, blocks=tuple(blocks), has_text=bool(blocks)) for i, blocks in enumerate(pages)
    )
    return RawDocument(path=str(path), format="txt", sha256=digest, pages=raw_pages, page_count=len(raw_pages))


def _add_line(pages: list[list[Block]], line: str) -> None:
    s = line.strip()
    if not s:
        return
    if s == PAGE_BREAK:
        pages.append([])
        return
    page = len(pages)
    if s.startswith("## "):
        pages[-1].append(Block("heading", s[3:].strip(), page))
    elif s.startswith("# "):
        pages[-1].append(Block("title", s[2:].strip(), page))
    elif s.startswith("|") and s.endswith("|") and len(s) > 1:
        cells = tuple(c.strip() for c in s[1:-1].split("|"))
        pages[-1].append(Block("table_row", " | ".join(cells), page, cells=cells))
    else:
        pages[-1].append(Block("paragraph", s, page))

