"""PDF reader: pdfplumber, one parse per page, raw visual lines and ruled-table rows.

Output conventions (what ``normalize`` / ``structure`` can rely on)
-------------------------------------------------------------------
* Each page's blocks are in reading order: sorted by their top edge (``top``, points from
  the page top), then by ``x0``. Lines and table rows are interleaved by that order.
* ``Block(kind="line")`` is one visual line: the characters whose vertical extents overlap,
  left to right. Characters are joined as drawn: spaces (half- or full-width) that the PDF
  draws are kept; where the PDF leaves a horizontal gap wider than about one character
  without drawing a space, one half-width space is inserted. Nothing else is changed:
  no NFKC, no joining of wrapped lines, headers, footers and page numbers (``- 3 -``) are
  emitted like any other line (``top`` tells where they are). ``x0``/``x1`` are the
  line's left and right edges (of its visible characters), ``size`` its median font size.
* ``Block(kind="table_row")`` is one row of a ruled table found by pdfplumber (a grid of
  at least two cells): ``cells`` holds the row's cells left to right, ``text`` the cells
  joined by `` | ``. A cell spanning several columns appears once; a cell spanning several
  rows appears only in its first row (pdfplumber's ``None`` cells are dropped), and a row
  whose first column is covered that way starts with one empty cell ``""``. A cell's
  visual lines are joined with no separator (Japanese wraps mid-word); an empty cell is
  ``""``. ``top``/``bottom`` are the row's, ``x0`` the table's left edge. The characters
  inside a table never appear in ``line`` blocks. A single framed box (one cell) is not
  a table, nor is a stack of one-cell rows (a page border, rules between sections):
  their text comes out as lines.
* ``RawPage.has_text`` is False for a page without any character, or for a scanned sheet
  (an image over most of the page) with only a few characters stamped on it (a page
  number, 写); such a page with an image or drawing on it gets a warning naming the page
  (a scan among text pages), and its blocks are empty. An OCR'd scan (an invisible text
  layer over the image) is read as text.
* ``width``/``height`` are the page size in points.
* Values typed into fillable form fields (AcroForm text/choice fields, not flattened) are
  read from their annotations and placed where the field is, like drawn text. Rotated
  text (a diagonal watermark) among upright text is left out.

Errors (``RawDocument.error``): ``encrypted``, ``damaged``, ``image_only``, ``empty``,
``too_large``. Any exception of pdfplumber / pdfminer is caught per document.

``read_pdf`` is a plain function without global state, so it can run in a child process.
"""
from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from checker.limits import get_limits, human_bytes, too_large_message
from checker.model import Block, DocError, RawDocument, RawPage

# a page with more than this share of unmappable glyphs ("(cid:123)") gets a warning
_CID_GARBAGE_SHARE = 0.2
# a page mostly covered by an image with fewer characters than this is a scan (its few
# characters are a stamped page number or receipt number); an OCR'd scan has far more
_SCAN_MAX_CHARS = 40


class _TooLarge(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def read_pdf(path: str | Path, data: bytes, digest: str) -> RawDocument:
    """Read a PDF from its bytes. Never raises for a bad file."""
    p = Path(path)
    name = p.name

    def fail(code: str, message: str, pages: int = 0) -> RawDocument:
        return RawDocument(path=str(p), format="pdf", sha256=digest, page_count=pages,
                           error=DocError(code, message))

    limits = get_limits()
    if not data.strip():
        return fail("empty", f"{name}: ファイルが空です（0バイト）。内容のあるPDFを指定してください。")
    if len(data) > limits.max_bytes:
        return fail("too_large", too_large_message(name, "ファイルの大きさ", human_bytes(len(data)),
                                                   human_bytes(limits.max_bytes), "ITAKU_MAX_BYTES"))
    if b"%PDF-" not in data[:1024]:
        return fail("damaged", f"{name}: PDFファイルではありません（拡張子は .pdf ですが中身が別の形式です）。"
                               "作成元のソフトウェアでPDFとして保存し直すか、提出元に正しいファイルを求めてください。")
    # the end-of-file marker closes the last revision; without it near the end (after any
    # trailing whitespace or NULs) the file was cut off, and what pdfminer could still
    # recover would be an older revision or a part: not read, never guessed
    if b"%%EOF" not in data.rstrip(b" \t\r\n\x00")[-1024:]:
        return fail("damaged", f"{name}: PDFファイルが途中で切れています（ダウンロードやコピーが完了していない可能性があります）。"
                               "元のファイルをもう一度取得してください。")
    try:
        return _read(p, data, digest, limits)
    except _TooLarge as exc:
        return fail("too_large", exc.message)
    except Exception as exc:  # pdfminer raises many kinds; one bad file must not stop the run
        if _is_encryption_error(exc):
            return fail("encrypted", f"{name}: パスワードで保護されたPDFのため読み取れません。"
                                     "提出元にパスワードを外したPDFを求めるか、パスワードを解除して保存し直したファイルを指定してください。")
        return fail("damaged", f"{name}: PDFファイルが壊れているため読み取れません（{type(exc).__name__}）。"
                               "元のファイルをもう一度取得するか、作成元のソフトウェアでPDFを作り直してください。")


def _is_encryption_error(exc: BaseException) -> bool:
    seen = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        n = type(e).__name__
        if "Password" in n or "Encrypt" in n or "Decrypt" in n:
            return True
        e = e.__cause__ or e.__context__
    return False


def _read(p: Path, data: bytes, digest: str, limits) -> RawDocument:
    import logging

    import pdfplumber

    # pdfminer logs every oddity of a font or stream as a warning; what matters reaches the
    # user as an error or a warning of the document, not as console noise
    logging.getLogger("pdfminer").setLevel(logging.ERROR)

    name = p.name
    pages: list[RawPage] = []
    warnings: list[str] = []
    undecodable: list[int] = []
    chars_total = 0
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        # opening alone does not try the password on every pdfminer version: touch the pages
        page_list = pdf.pages
        n_pages = len(page_list)
        if n_pages > limits.max_pages:
            raise _TooLarge(too_large_message(name, "ページ数", f"{n_pages}ページ", f"{limits.max_pages}ページ",
                                              "ITAKU_MAX_PAGES"))
        for number, page in enumerate(page_list, start=1):
            try:
                raw_page, garbage, drawn = _read_page(page, number)
            except _TooLarge:
                raise
            except Exception as exc:
                if _is_encryption_error(exc):
                    raise
                raise RuntimeError(f"page {number}: {type(exc).__name__}") from exc
            finally:
                try:
                    page.close()
                except Exception:  # pragma: no cover
                    pass
            chars_total += sum(len(b.text) for b in raw_page.blocks)
            if chars_total > limits.max_chars:
                raise _TooLarge(too_large_message(name, "文字数", f"{number}ページ目までで{chars_total:,}文字",
                                                  f"{limits.max_chars:,}文字", "ITAKU_MAX_CHARS"))
            pages.append(raw_page)
            if not raw_page.has_text and drawn:
                warnings.append(f"{number}ページ目は文字情報がない（スキャン画像の）ため読み取っていません。"
                                "登録証の写し等であれば、内容を確認してください。")
            elif not raw_page.has_text and garbage:
                undecodable.append(number)
                warnings.append(f"{number}ページ目の文字は文字コードに変換できない（フォントに文字の対応表がない）ため読み取っていません。"
                                "原本と照合するか、元のWord等のファイルを提出元に求めてください。")
            elif garbage:
                warnings.append(f"{number}ページ目には文字コードに変換できない文字が多く含まれています（{garbage}文字）。"
                                "読み取った内容が不完全な可能性があるため、原本と照合してください。")
    if n_pages == 0:
        return RawDocument(path=str(p), format="pdf", sha256=digest,
                           error=DocError("empty", f"{name}: PDFにページがありません。内容のあるPDFを指定してください。"))
    text_pages = [pg for pg in pages if pg.has_text]
    if not text_pages and undecodable:
        return RawDocument(
            path=str(p), format="pdf", sha256=digest, page_count=n_pages, pages=tuple(pages),
            error=DocError("damaged",
                           f"{name}: PDFに文字はありますが、文字コードに変換できない（フォントに文字の対応表がない）ため読み取れません。"
                           "元のWord等のファイルか、フォントを埋め込んで作り直したPDFを提出元に求めてください。"))
    if not text_pages:
        if warnings:
            return RawDocument(
                path=str(p), format="pdf", sha256=digest, page_count=n_pages, pages=tuple(pages),
                error=DocError("image_only",
                               f"{name}: 全{n_pages}ページとも文字情報がない（スキャン画像の）PDFのため読み取れません。"
                               "OCR（文字認識）処理をしてテキスト付きPDFにするか、元のWord等のファイル又はテキスト付きPDFを提出元に求めてください。"))
        return RawDocument(path=str(p), format="pdf", sha256=digest, page_count=n_pages, pages=tuple(pages),
                           error=DocError("empty", f"{name}: PDFの全{n_pages}ページが白紙で、文字がありません。内容のあるPDFを指定してください。"))
    return RawDocument(path=str(p), format="pdf", sha256=digest, pages=tuple(pages), page_count=n_pages,
                       warnings=tuple(warnings))


def _image_cover(page: Any, width: float, height: float) -> float:
    """The share of the page covered by its largest image."""
    try:
        images = page.images
    except Exception:  # pragma: no cover
        return 0.0
    best = 0.0
    for im in images:
        w = max(0.0, min(float(im["x1"]), width) - max(float(im["x0"]), 0.0))
        h = max(0.0, min(float(im["bottom"]), height) - max(float(im["top"]), 0.0))
        best = max(best, w * h)
    return best / max(width * height, 1.0)


def _has_drawing(page: Any) -> bool:
    """True when a text-less page shows something (an image, or a fair amount of vector art)."""
    try:
        if page.images:
            return True
        return len(page.curves) + len(page.rects) + len(page.lines) > 20
    except Exception:  # pragma: no cover - a text-less page that cannot even list its objects
        return True


# ----------------------------------------------------------------------------- one page
def _read_page(page: Any, number: int) -> tuple[RawPage, int, bool]:
    """The page's blocks, its count of unmappable glyphs (0 when few), and whether a
    text-less page shows something."""
    width = float(page.width)
    height = float(page.height)
    # characters placed off the page (hidden by the crop box) are not part of what is read
    chars = [c for c in page.chars if c.get("text")
             and c["x1"] > 0 and c["x0"] < width and c["bottom"] > 0 and c["top"] < height]
    # rotated text (a diagonal 写/案 watermark, a vertical margin note) among upright text
    # would scatter its characters over the lines it crosses: leave it out
    tilted = [c for c in chars if c.get("upright", True) is False]
    if tilted and len(tilted) <= 0.3 * len(chars):
        chars = [c for c in chars if c.get("upright", True) is not False]
    # values typed into fillable form fields live in annotations, not in the page content
    chars += _field_chars(page)
    garbage = sum(1 for c in chars if c["text"].startswith("(cid:"))
    chars = [c for c in chars if not c["text"].startswith("(cid:")]
    if not any(c["text"].strip() for c in chars):
        # no readable character: a scan (image), a blank page, or only glyphs without a
        # Unicode mapping (garbage > 0: text is there but cannot be decoded)
        return (RawPage(number=number, blocks=(), has_text=False, width=width, height=height), garbage,
                garbage == 0 and _has_drawing(page))
    if garbage and garbage <= _CID_GARBAGE_SHARE * (len(chars) + garbage):
        garbage = 0
    visible = sum(1 for c in chars if c["text"].strip())
    if visible < _SCAN_MAX_CHARS and _image_cover(page, width, height) > 0.5:
        # a scanned sheet with a few characters stamped on it (a page number, 写, a
        # receipt number): its content is the image, which is not read
        return RawPage(number=number, blocks=(), has_text=False, width=width, height=height), 0, True

    blocks: list[Block] = []
    tables = []
    try:
        # ruled tables are made of lines and rectangles: a page of plain text has none
        found = page.find_tables() if (page.lines or page.rects or page.curves) else []
    except Exception:
        found = []  # a table finder failure must not lose the page's text
    for t in found:
        # a table has a row of at least two cells; a framed box or a stack of one-cell rows
        # (a page border, rules between sections) is not one: its text stays lines
        if any(sum(1 for c in row.cells if c is not None) >= 2 for row in t.rows):
            tables.append(t)

    # a char belongs to a table when it lies in one of its cells; one inside the table's
    # outline but in no cell (an irregular grid) stays a line, so nothing is lost
    cell_boxes = [box for t in tables for row in t.rows for box in row.cells if box is not None]
    free: list[dict] = []
    in_cells: list[dict] = []
    for c in chars:
        if any(_inside(c, box) for box in cell_boxes):
            in_cells.append(c)
        else:
            free.append(c)

    for t in tables:
        x0 = float(t.bbox[0])
        for row in t.rows:
            cells = tuple(_cell_text(in_cells, box) for box in row.cells if box is not None)
            if not cells:
                continue
            if row.cells and row.cells[0] is None and len(cells) >= 1:
                # the row's first column is covered by a cell spanning rows from above (a label
                # over two lines of values): an empty leading cell says so, as in a text table
                cells = ("",) + cells
            top, bottom = float(row.bbox[1]), float(row.bbox[3])
            blocks.append(Block("table_row", " | ".join(cells), number, cells=cells, top=round(top, 2),
                                bottom=round(bottom, 2), x0=round(x0, 2), x1=round(float(t.bbox[2]), 2)))

    keyed: list[tuple[tuple, Block]] = []
    ordered = _reading_order(_group_lines(free), width)
    for b in blocks:  # table rows (a table inside one column of a two-column page is read with that column)
        keyed.append((_row_key(b, ordered), b))
    for key, line, col in ordered:
        text = _line_text(line)
        if not text.strip():
            continue
        visible = [c for c in line if c["text"].strip()]
        sizes = sorted(float(c.get("size") or (c["bottom"] - c["top"])) for c in visible)
        keyed.append((key, Block("line", text.strip(), number,
                                 top=round(min(c["top"] for c in line), 2),
                                 bottom=round(max(c["bottom"] for c in line), 2),
                                 x0=round(min(c["x0"] for c in visible), 2),
                                 x1=round(max(c["x1"] for c in visible), 2),
                                 size=round(sizes[len(sizes) // 2], 2),
                                 col_x0=round(col[0], 2) if col else None,
                                 col_x1=round(col[1], 2) if col else None)))
    keyed.sort(key=lambda kb: kb[0])
    blocks = [b for _, b in keyed]
    return RawPage(number=number, blocks=tuple(blocks), has_text=True, width=width, height=height), garbage, True


# ----------------------------------------------------------------------------- columns
def _segments(line: list[dict]) -> list[list[dict]]:
    """A visual line cut where its visible characters leave an empty gap wider than about
    one character (the gutter between two columns set side by side, often only 1 em; a
    label far from its value); a drawn space (「第１条　乙は」) cuts only a far wider gap."""
    segs: list[list[dict]] = []
    last: dict | None = None
    spaced = False
    for c in line:
        if not c["text"].strip():
            spaced = True
            if segs:
                segs[-1].append(c)
            continue
        size = float(c.get("size") or (c["bottom"] - c["top"]) or 10.0)
        gap = c["x0"] - last["x1"] if last is not None else 0.0
        if last is None or gap > (2.5 if spaced else 0.9) * size:
            segs.append([c])
        else:
            segs[-1].append(c)
        last = c
        spaced = False
    # spaces trailing a segment stay with it; drop leading/trailing whitespace-only pieces
    return [s for s in segs if any(ch["text"].strip() for ch in s)]


def _box(seg: list[dict]) -> tuple[float, float, float, float, float]:
    vis = [c for c in seg if c["text"].strip()] or seg
    sizes = sorted(float(c.get("size") or (c["bottom"] - c["top"]) or 10.0) for c in vis)
    return (min(c["x0"] for c in vis), max(c["x1"] for c in vis), min(c["top"] for c in vis),
            max(c["bottom"] for c in vis), sizes[len(sizes) // 2])


def _find_gutter(segs: list[tuple]) -> tuple[float, float, float, float] | None:
    """(left column's left edge, its right edge, right column's left edge, its right edge)
    where the page's text is set in two columns side by side, else None.

    The right column is a stack of segments starting at one x in the middle of the page;
    a column page has several visual lines holding a segment of each column, and most of
    its left segments run up to the gutter (text filling a column). A form with labels
    on the left and values on the right has short labels, so it is no column page."""
    if len(segs) < 8:
        return None
    xs = sorted({round(s[0]) for s in segs})
    lo = min(s[0] for s in segs)
    hi = max(s[1] for s in segs)
    span = hi - lo
    if span <= 0:
        return None
    best = None
    for g in xs:
        if not (lo + 0.3 * span <= g <= lo + 0.7 * span):
            continue
        right = [s for s in segs if abs(s[0] - g) <= 1.5]
        if len(right) < 3:
            continue
        size = sorted(s[4] for s in right)[len(right) // 2]
        left = [s for s in segs if s[1] <= g - 0.8 * size]
        if len(left) < 3:
            continue

        def beside(a, b) -> bool:  # on the same visual line (baselines may differ a little)
            return abs((a[2] + a[3]) / 2 - (b[2] + b[3]) / 2) < 0.8 * size

        # the right column's lines start at the gutter or a little inside it (a paragraph's
        # first-line indent, an indented heading)
        right_all = [s for s in segs if g - 1.5 <= s[0] <= g + 3 * size]
        pairs = [r for r in right_all if any(beside(r, l_) for l_ in left)]
        if len(pairs) < 3:
            continue
        edge = sorted(l_[1] for l_ in left)[int(0.8 * (len(left) - 1))]
        lx0 = sorted(l_[0] for l_ in left)[len(left) // 10]
        colw = edge - lx0
        if colw < 8 * size or g - edge > 0.15 * span or g - edge < 0.8 * size:
            continue
        # text filling the left column: many of its lines reach its edge (labels of a form
        # laid out without rules are short)
        full = sum(1 for l_ in left if l_[1] >= edge - 2 * size)
        if full < max(3, 0.3 * len(left)):
            continue
        rx1 = sorted(r[1] for r in right)[int(0.8 * (len(right) - 1))]
        if rx1 - g < 8 * size:
            continue
        # text side by side: several visual lines hold a long segment of each column (a
        # signature block 「甲　住所…」 has a short word on the left)
        long_l = [l_ for l_ in left if l_[1] - l_[0] >= 0.6 * colw]
        long_pairs = sum(1 for r in right_all if r[1] - r[0] >= 0.5 * (rx1 - g) and any(beside(r, l_) for l_ in long_l))
        if long_pairs < 3:
            continue
        score = len(pairs)
        if best is None or score > best[0]:
            best = (score, (lx0, edge, float(g), rx1))
    return best[1] if best else None


def _reading_order(lines: list[list[dict]], width: float) -> list[tuple[tuple, list[dict], tuple | None]]:
    """The page's visual lines as (sort key, chars, column edges or None) in reading order.

    On a page set in two columns, each band of lines between full-width lines (a title,
    a footer) is read left column first, then right column, each column's lines joined
    separately; elsewhere a line is read whole, top to bottom."""
    segs_of = [_segments(ln) for ln in lines]
    boxes = [(_box(s), s) for segs in segs_of for s in segs]
    gutter = _find_gutter([b for b, _ in boxes]) if boxes else None
    if gutter is None:
        return [((min(c["top"] for c in ln), 0, min(c["top"] for c in ln), min(c["x0"] for c in ln)), ln, None)
                for ln in lines if ln]
    lx0, ledge, g, rx1 = gutter
    out: list[tuple[tuple, list[dict], tuple | None]] = []
    band: float | None = None  # top of the current column band
    for segs in segs_of:
        if not segs:
            continue
        bx = [_box(s) for s in segs]
        size = sorted(b[4] for b in bx)[len(bx) // 2]
        # a line across the gutter (a title, a page number) or reaching into the page's
        # margins (a browser's date/URL header and footer) is read whole
        crossing = any((b[0] < g - 1.5 and b[1] > g - 0.8 * size) or b[0] < lx0 - 2 * size or b[1] > rx1 + 2 * size
                       for b in bx)
        top = min(b[2] for b in bx)
        if crossing:
            band = None
            chars = [c for s in segs for c in s]
            out.append(((top, 0, top, min(c["x0"] for c in chars)), sorted(chars, key=lambda c: c["x0"]), None))
            continue
        if band is None:
            band = top
        left = [c for s, b in zip(segs, bx) if b[0] < g - 1.5 for c in s]
        right = [c for s, b in zip(segs, bx) if b[0] >= g - 1.5 for c in s]
        if left:
            out.append(((band, 1, top, 0.0), left, (lx0, ledge)))
        if right:
            out.append(((band, 2, top, 0.0), right, (g, rx1)))
    return out


def _row_key(b: Block, ordered: list[tuple[tuple, list[dict], tuple | None]]) -> tuple:
    """The reading-order key of a table row: by its top on a page read whole; on a page set
    in two columns, a row lying inside one column goes with that column's lines (after the
    column line above it, else before the one below it)."""
    top, x0, x1 = b.top or 0.0, b.x0 or 0.0, b.x1 or 0.0
    plain = (top, 0, top, x0)
    same = [(k, min(c["top"] for c in ln)) for k, ln, col in ordered
            if col is not None and col[0] - 12 <= x0 and x1 <= col[1] + 12]
    if not same:
        return plain
    above = [(k, t) for k, t in same if t <= top]
    if above:
        k, _ = max(above, key=lambda kt: kt[1])
        return (k[0], k[1], top, 0.0)
    k, _ = min(same, key=lambda kt: kt[1])
    return (k[0], k[1], top, 0.0)


def _field_chars(page: Any) -> list[dict]:
    """The values of a page's fillable form fields (text and choice widgets) as
    pseudo-characters placed in the field's rectangle, one per line of the value."""
    from pdfminer.pdftypes import resolve1
    from pdfminer.utils import decode_text

    out: list[dict] = []
    try:
        annots = page.annots or []
    except Exception:
        return out
    for a in annots:
        try:
            data = resolve1(a.get("data")) or {}
            if _name(resolve1(data.get("Subtype"))) != "Widget":
                continue
            node, value, ftype = data, None, None
            for _ in range(8):  # the value and type may sit on a parent field
                if not isinstance(node, dict):
                    break
                if value is None and "V" in node:
                    value = resolve1(node["V"])
                if ftype is None and "FT" in node:
                    ftype = _name(resolve1(node["FT"]))
                node = resolve1(node.get("Parent"))
            if ftype not in ("Tx", "Ch") or value is None:
                continue
            if isinstance(value, list):
                value = ", ".join(decode_text(v) if isinstance(v, bytes) else str(v) for v in map(resolve1, value))
            text = decode_text(value) if isinstance(value, bytes) else str(value)
            rows = [r for r in text.replace("\r\n", "\n").replace("\r", "\n").split("\n") if r.strip()]
            if not rows:
                continue
            x0, x1, top, bottom = float(a["x0"]), float(a["x1"]), float(a["top"]), float(a["bottom"])
            h = max((bottom - top) / len(rows), 1.0)
            for i, row in enumerate(rows):
                t = top + i * h
                out.append({"text": row.strip(), "x0": x0 + 1.0, "x1": min(x1, x0 + 1.0 + len(row) * min(h, 12.0)),
                            "top": t, "bottom": t + h, "size": min(h, 12.0), "upright": True})
        except Exception:  # a malformed annotation never loses the page
            continue
    return out


def _name(v: Any) -> str | None:
    n = getattr(v, "name", v)
    if isinstance(n, bytes):
        n = n.decode("latin-1")
    return n if isinstance(n, str) else None


def _inside(c: dict, box: tuple) -> bool:
    cx = (c["x0"] + c["x1"]) / 2
    cy = (c["top"] + c["bottom"]) / 2
    return box[0] <= cx <= box[2] and box[1] <= cy <= box[3]


def _cell_text(chars: list[dict], box: tuple) -> str:
    mine = [c for c in chars if _inside(c, box)]
    return "".join(_line_text(line).strip() for line in _group_lines(mine))


def _group_lines(chars: list[dict]) -> list[list[dict]]:
    """Chars grouped into visual lines (vertical overlap of at least half the smaller
    height), lines top to bottom, chars left to right within a line."""
    lines: list[dict] = []  # {"top", "bottom", "chars"}
    for c in sorted(chars, key=lambda c: (c["top"], c["x0"])):
        top, bottom = float(c["top"]), float(c["bottom"])
        h = max(bottom - top, 0.1)
        placed = False
        for ln in reversed(lines[-4:]):
            overlap = min(bottom, ln["bottom"]) - max(top, ln["top"])
            if overlap >= 0.5 * min(h, max(ln["bottom"] - ln["top"], 0.1)):
                ln["chars"].append(c)
                ln["top"] = min(ln["top"], top)
                ln["bottom"] = max(ln["bottom"], bottom)
                placed = True
                break
        if not placed:
            lines.append({"top": top, "bottom": bottom, "chars": [c]})
    out = []
    for ln in sorted(lines, key=lambda ln: ln["top"]):
        out.append(sorted(ln["chars"], key=lambda c: c["x0"]))
    return out


def _is_ascii_word_char(s: str) -> bool:
    return len(s) == 1 and s.isascii() and s.isalnum()


def _char_width(c: dict) -> float:
    return (c["x1"] - c["x0"]) / max(len(c["text"]), 1)


def _line_text(chars: list[dict]) -> str:
    """The chars of one line joined as drawn; a space where a gap wider than ~1 char is.

    Gaps are measured beyond the line's own letter-spacing (the median gap between its
    drawn characters): a justified or tracked line spreads every character, and the extra
    room between two Latin letters is then no word space (「DV D-R」「IS MS」)."""
    vis = [c for c in chars if not c["text"].isspace()]
    gaps = sorted(b["x0"] - a["x1"] for a, b in zip(vis, vis[1:]))
    tracking = max(0.0, gaps[len(gaps) // 2]) if len(gaps) >= 4 else 0.0
    parts: list[str] = []
    prev: dict | None = None
    for c in chars:
        t = c["text"]
        if prev is not None:
            # fake bold and shadows: the same glyph drawn twice almost on top of itself
            if t == prev["text"] and abs(c["x0"] - prev["x0"]) < 0.3 * max(prev["x1"] - prev["x0"], 0.1):
                continue
            gap = c["x0"] - prev["x1"] - tracking
            pt, size = prev["text"], float(prev.get("size") or (prev["bottom"] - prev["top"]) or 10.0)
            if not pt.isspace() and not t.isspace():
                wider = max(_char_width(prev), _char_width(c), 0.25 * size)
                if gap > 0.8 * wider or (_is_ascii_word_char(pt[-1]) and _is_ascii_word_char(t[0]) and gap > 0.15 * size):
                    parts.append(" ")
        parts.append(t)
        prev = c
    return "".join(parts)
