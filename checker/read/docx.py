"""DOCX reader: python-docx, body paragraphs and tables in document order.

Output conventions
------------------
* Blocks follow the body order: paragraphs and tables interleaved as in the document
  (the body XML children are walked in order, not ``doc.paragraphs`` then ``doc.tables``).
* A paragraph is ``paragraph``, or ``title`` / ``heading`` when its style (or a style it is
  based on) is Title / 表題 / Subtitle, Heading N / 見出し N, or it carries an outline level.
  A soft line break (``w:br``) or carriage return inside a paragraph becomes ``"\\n"``, a
  tab ``"\\t"``; empty paragraphs are skipped. Text of deleted revisions is not read;
  text boxes are read once (the VML fallback copy is skipped).
* A table row is ``table_row`` with one cell per ``w:tc`` (a cell spanning columns appears
  once; the continuation of a vertically merged cell is dropped, as in the PDF reader);
  a cell's paragraphs are joined with ``"\\n"``; nested tables are read into their cell.
* Page numbers come from page breaks (``w:br w:type="page"``, ``pageBreakBefore``,
  ``w:lastRenderedPageBreak``, a section break that starts a new page). A break is counted
  only after some text since the previous one, so Word's paired hard break and rendered
  break count once. A hard break in the middle of a paragraph splits it into two blocks;
  a rendered break in the middle of a paragraph leaves the paragraph on its first page.
  Without any break everything is page 1. ``top``/``x0`` are None (no layout in DOCX).
* Word's automatic list numbers (numbering.xml: 第%1条, (%1), ア, ①, 一 …) are rendered
  in front of their paragraph's text, followed by one space (tab or space suffix), since
  they are part of what the reader sees ("第３条 乙は…"). Bullets are not rendered.
"""
from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Iterator

from checker.limits import get_limits, human_bytes, too_large_message
from checker.model import Block, DocError, RawDocument, RawPage

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_TITLE_STYLES = ("title", "表題", "subtitle", "副題")
_HEADING_STYLES = ("heading", "見出し")


class _TooLarge(Exception):
    pass


def read_docx(path: str | Path, data: bytes, digest: str) -> RawDocument:
    """Read a DOCX from its bytes. Never raises for a bad file."""
    p = Path(path)
    name = p.name

    def fail(code: str, message: str) -> RawDocument:
        return RawDocument(path=str(p), format="docx", sha256=digest, error=DocError(code, message))

    limits = get_limits()
    if not data.strip():
        return fail("empty", f"{name}: ファイルが空です（0バイト）。内容のあるファイルを指定してください。")
    if len(data) > limits.max_bytes:
        return fail("too_large", too_large_message(name, "ファイルの大きさ", human_bytes(len(data)),
                                                   human_bytes(limits.max_bytes), "ITAKU_MAX_BYTES"))
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        names = set(zf.namelist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return fail("damaged", f"{name}: Word文書（DOCX）として開けません（ファイルが壊れているか、別の形式のファイルです）。"
                               "Wordで開けるか確かめ、DOCX又はPDFで保存し直してください。")
    if "word/document.xml" not in names:
        if "xl/workbook.xml" in names or "ppt/presentation.xml" in names:
            what = "Excel" if "xl/workbook.xml" in names else "PowerPoint"
            return fail("unsupported_type", f"{name}: 拡張子は .docx ですが中身は{what}のファイルです。"
                                            "この形式は読み込めません。PDF又はWord（DOCX）で保存し直してください。")
        return fail("damaged", f"{name}: 拡張子は .docx ですがWord文書ではありません（本文 word/document.xml がないZIPファイルです）。"
                               "ZIPであれば展開して中のファイルを指定するか、Wordで保存し直したファイルを指定してください。")
    # a zip bomb guard: the declared uncompressed size of the body
    try:
        if zf.getinfo("word/document.xml").file_size > max(limits.max_bytes, 1) * 4:
            return fail("too_large", too_large_message(name, "本文の大きさ",
                                                       human_bytes(zf.getinfo("word/document.xml").file_size),
                                                       human_bytes(limits.max_bytes * 4), "ITAKU_MAX_BYTES"))
    except KeyError:  # pragma: no cover - checked above
        pass
    try:
        import docx

        document = docx.Document(io.BytesIO(data))
    except Exception as exc:
        return fail("damaged", f"{name}: Word文書（DOCX）の内容が壊れているため読み取れません（{type(exc).__name__}）。"
                               "Wordで開けるか確かめ、保存し直したファイル又はPDFを指定してください。")
    try:
        pages = _Walker(document, limits.max_chars).run()
    except _TooLarge as exc:
        return fail("too_large", too_large_message(name, "文字数", str(exc), f"{limits.max_chars:,}文字", "ITAKU_MAX_CHARS"))
    except Exception as exc:  # one bad document must not stop the run
        return fail("damaged", f"{name}: Word文書（DOCX）の内容を解釈できませんでした（{type(exc).__name__}）。"
                               "Wordで開けるか確かめ、保存し直したファイル又はPDFを指定してください。")
    if not any(pg.blocks for pg in pages):
        body = document.element.body
        pictures = sum(1 for el in body.iter() if el.tag in (W + "drawing", W + "pict"))
        if pictures:
            return RawDocument(path=str(p), format="docx", sha256=digest, page_count=len(pages), pages=tuple(pages),
                               error=DocError("image_only",
                                              f"{name}: Word文書の本文が画像（{pictures}点）だけで、文字情報がないため読み取れません"
                                              "（スキャン画像を貼り付けた文書）。OCR（文字認識）処理をするか、元の文書ファイル又はテキスト付きPDFを提出元に求めてください。"))
        return RawDocument(path=str(p), format="docx", sha256=digest, page_count=len(pages), pages=tuple(pages),
                           error=DocError("empty", f"{name}: Word文書に本文の文字がありません。内容のある文書を指定してください。"))
    if len(pages) > limits.max_pages:
        return fail("too_large", too_large_message(name, "ページ数", f"{len(pages)}ページ", f"{limits.max_pages}ページ",
                                                   "ITAKU_MAX_PAGES"))
    return RawDocument(path=str(p), format="docx", sha256=digest, pages=tuple(pages), page_count=len(pages))


class _Walker:
    """Walks the body once, counting pages and collecting blocks."""

    def __init__(self, document, max_chars: int):
        self.doc = document
        self.max_chars = max_chars
        self.chars = 0
        self.page = 1
        self.blocks: dict[int, list[Block]] = {1: []}
        self.text_since_break = False
        self._style_kind_cache: dict[str, str] = {}
        self._pending_rendered = False
        self.numbering = _Numbering(document)

    # -- pages
    def _break(self) -> None:
        if self.text_since_break:
            self.page += 1
            self.blocks.setdefault(self.page, [])
            self.text_since_break = False

    def _emit(self, block: Block) -> None:
        self.chars += len(block.text)
        if self.chars > self.max_chars:
            raise _TooLarge(f"{self.chars:,}文字以上")
        self.blocks.setdefault(self.page, []).append(block)
        self.text_since_break = True

    def run(self) -> list[RawPage]:
        body = self.doc.element.body
        for child in body.iterchildren():
            tag = child.tag
            if tag == W + "p":
                self._paragraph(child)
            elif tag == W + "tbl":
                self._table(child)
            elif tag == W + "sdt":  # content control around body content
                content = child.find(W + "sdtContent")
                if content is not None:
                    for sub in content.iterchildren():
                        if sub.tag == W + "p":
                            self._paragraph(sub)
                        elif sub.tag == W + "tbl":
                            self._table(sub)
        last = max(self.blocks)
        return [RawPage(number=n, blocks=tuple(self.blocks.get(n, ())), has_text=bool(self.blocks.get(n)))
                for n in range(1, last + 1)]

    # -- paragraphs
    def _paragraph(self, p) -> None:
        ppr = p.find(W + "pPr")
        if ppr is not None and _on(ppr.find(W + "pageBreakBefore")):
            self._break()
        kind = self._kind(p)
        pieces: list[str] = [self.numbering.label(p)]
        for ev, val in _runs(p):
            if ev == "text":
                pieces.append(val)
            elif ev == "hard":
                text = "".join(pieces).strip()
                if text:
                    self._emit(Block(kind, text, self.page))
                pieces = []
                self._break()
            elif ev == "rendered":
                if not "".join(pieces).strip():
                    self._break()  # the paragraph starts on the new page
                else:
                    self._pending_rendered = True
        text = "".join(pieces).strip()
        if text:
            self._emit(Block(kind, text, self.page))
        if self._pending_rendered:
            self._pending_rendered = False
            self._break()
        if ppr is not None:
            sect = ppr.find(W + "sectPr")
            if sect is not None:
                t = sect.find(W + "type")
                if t is None or t.get(W + "val") not in ("continuous",):
                    self._break()

    def _kind(self, p) -> str:
        ppr = p.find(W + "pPr")
        style_id = None
        if ppr is not None:
            if ppr.find(W + "outlineLvl") is not None:
                return "heading"
            ps = ppr.find(W + "pStyle")
            if ps is not None:
                style_id = ps.get(W + "val")
        if not style_id:
            return "paragraph"
        if style_id not in self._style_kind_cache:
            self._style_kind_cache[style_id] = self._style_kind(style_id)
        return self._style_kind_cache[style_id]

    def _style_kind(self, style_id: str) -> str:
        from docx.enum.style import WD_STYLE_TYPE

        try:
            style = self.doc.styles.get_by_id(style_id, WD_STYLE_TYPE.PARAGRAPH)
        except Exception:
            style = None
        seen = 0
        names = [style_id]
        while style is not None and seen < 10:
            names.append(style.name or "")
            try:
                el = style.element
                ppr = el.find(W + "pPr")
                if ppr is not None and ppr.find(W + "outlineLvl") is not None:
                    lvl = ppr.find(W + "outlineLvl").get(W + "val")
                    if lvl is not None and lvl.isdigit() and int(lvl) < 9:
                        return "heading"
            except Exception:  # pragma: no cover
                pass
            style = style.base_style
            seen += 1
        for n in names:
            low = n.lower().replace(" ", "")
            if any(low.startswith(t) for t in _TITLE_STYLES):
                return "title"
            if any(low.startswith(h) for h in _HEADING_STYLES):
                return "heading"
        return "paragraph"

    # -- tables
    def _table(self, tbl) -> None:
        for tr in tbl.iterchildren(W + "tr"):
            cells: list[str] = []
            for tc in _row_cells(tr):
                tcpr = tc.find(W + "tcPr")
                if tcpr is not None:
                    vm = tcpr.find(W + "vMerge")
                    if vm is not None and vm.get(W + "val") in (None, "continue"):
                        continue  # continuation of a vertically merged cell
                cells.append(_cell_text(tc, self.numbering))
            if not cells or not any(c.strip() for c in cells):
                continue
            self._emit(Block("table_row", " | ".join(cells), self.page, cells=tuple(cells)))
            # a row that Word last rendered across a page break (or that holds a hard break):
            # the rows after it are on the next page
            if any(el.tag == W + "lastRenderedPageBreak" or (el.tag == W + "br" and el.get(W + "type") == "page")
                   for el in tr.iter()):
                self._break()


def _on(el) -> bool:
    if el is None:
        return False
    v = el.get(W + "val")
    return v is None or v not in ("0", "false", "off")


def _row_cells(tr) -> Iterator:
    for child in tr.iterchildren():
        if child.tag == W + "tc":
            yield child
        elif child.tag == W + "sdt":
            content = child.find(W + "sdtContent")
            if content is not None:
                yield from content.iterchildren(W + "tc")


def _cell_text(tc, numbering: "_Numbering | None" = None) -> str:
    parts: list[str] = []
    for child in tc.iterchildren():
        if child.tag == W + "p":
            label = numbering.label(child) if numbering is not None else ""
            text = (label + "".join(v for ev, v in _runs(child) if ev == "text")).strip()
            if text:
                parts.append(text)
        elif child.tag == W + "tbl":
            for tr in child.iterchildren(W + "tr"):
                row = [t for t in (_cell_text(c, numbering) for c in _row_cells(tr)) if t]
                if row:
                    parts.append(" ".join(row))
    return "\n".join(parts)


def _runs(p) -> Iterator[tuple[str, str]]:
    """Events of a paragraph in order: ("text", s), ("hard", "") for a hard page break,
    ("rendered", "") for a rendered page break. Skips deleted text and VML fallbacks."""
    stack = [iter(p)]
    while stack:
        try:
            el = next(stack[-1])
        except StopIteration:
            stack.pop()
            continue
        tag = el.tag
        if not isinstance(tag, str):
            continue  # comments, processing instructions
        if tag == MC_FALLBACK or tag in (W + "del", W + "pPr", W + "rPr", W + "instrText", W + "delText"):
            continue
        if tag == W + "t":
            yield "text", el.text or ""
        elif tag == W + "tab":
            yield "text", "\t"
        elif tag in (W + "cr",):
            yield "text", "\n"
        elif tag == W + "br":
            if el.get(W + "type") == "page":
                yield "hard", ""
            elif el.get(W + "type") != "column":
                yield "text", "\n"
        elif tag == W + "lastRenderedPageBreak":
            yield "rendered", ""
        elif tag == W + "noBreakHyphen":
            yield "text", "-"
        elif tag == W + "p" and el is not p:
            # a paragraph of a text box: its own line
            yield "text", "\n"
            stack.append(iter(el))
        else:
            stack.append(iter(el))


# ----------------------------------------------------------------------------- list numbering
_KANJI = "〇一二三四五六七八九"
_AIUEO = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲン"
_AIUEO_HALF = "ｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜｦﾝ"
_IROHA = "イロハニホヘトチリヌルヲワカヨタレソツネナラムウヰノオクヤマケフコエテアサキユメミシヱヒモセス"
_IROHA_HALF = "ｲﾛﾊﾆﾎﾍﾄﾁﾘﾇﾙｦﾜｶﾖﾀﾚｿﾂﾈﾅﾗﾑｳｲﾉｵｸﾔﾏｹﾌｺｴﾃｱｻｷﾕﾒﾐｼｴﾋﾓｾｽ"


def _kanji_number(n: int) -> str:
    """一, 十, 十一, 二十三, 百五 …"""
    if n <= 0:
        return str(n)
    out = ""
    for value, mark in ((1000, "千"), (100, "百"), (10, "十")):
        q, n = divmod(n, value)
        if q:
            out += ("" if q == 1 else _KANJI[q]) + mark
    if n:
        out += _KANJI[n]
    return out


def _roman(n: int) -> str:
    vals = ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"), (40, "xl"),
            (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))
    out = ""
    for v, s in vals:
        while n >= v:
            out += s
            n -= v
    return out


def format_number(n: int, fmt: str) -> str:
    """A list number in one of Word's numFmt styles (the ones Japanese documents use)."""
    fw = str.maketrans("0123456789", "０１２３４５６７８９")
    if fmt in ("decimal", "ordinal", "cardinalText", "ordinalText"):
        return str(n)
    if fmt in ("decimalFullWidth", "decimalFullWidth2"):
        return str(n).translate(fw)
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt == "decimalHalfWidth":
        return str(n)
    if fmt in ("japaneseCounting", "japaneseLegal", "japaneseDigitalTenThousand", "chineseCounting",
               "chineseCountingThousand", "ideographTraditional"):
        return _kanji_number(n)
    if fmt == "ideographDigital":
        return "".join(_KANJI[int(d)] for d in str(n))
    if fmt in ("aiueoFullWidth", "aiueo"):
        s = _AIUEO if fmt == "aiueoFullWidth" else _AIUEO_HALF
        return s[(n - 1) % len(s)]
    if fmt in ("irohaFullWidth", "iroha"):
        s = _IROHA if fmt == "irohaFullWidth" else _IROHA_HALF
        return s[(n - 1) % len(s)]
    if fmt == "decimalEnclosedCircle" or fmt == "decimalEnclosedCircleChinese":
        return chr(0x2460 + n - 1) if 1 <= n <= 20 else f"({n})"
    if fmt == "decimalEnclosedParen":
        return chr(0x2474 + n - 1) if 1 <= n <= 20 else f"({n})"
    if fmt == "decimalEnclosedFullstop":
        return chr(0x2488 + n - 1) if 1 <= n <= 20 else f"{n}."
    if fmt in ("lowerLetter", "upperLetter"):
        s = chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)
        return s.upper() if fmt == "upperLetter" else s
    if fmt in ("lowerRoman", "upperRoman"):
        s = _roman(n)
        return s.upper() if fmt == "upperRoman" else s
    return str(n)


class _Numbering:
    """Word's automatic list numbers (第１条, (1), ア …), which live in numbering.xml and
    not in the text: rendered in document order so the reader sees what Word shows."""

    def __init__(self, document):
        self.levels: dict[str, dict[int, dict]] = {}  # abstractNumId -> ilvl -> {start, fmt, text, suff}
        self.nums: dict[str, tuple[str, dict[int, int]]] = {}  # numId -> (abstractNumId, {ilvl: startOverride})
        self.counters: dict[str, dict[int, int]] = {}
        self.started: set[str] = set()
        self.style_numpr: dict[str, tuple[str | None, int | None]] = {}
        self.doc = document
        try:
            root = document.part.numbering_part.element
        except Exception:
            return
        for an in root.iterchildren(W + "abstractNum"):
            aid = an.get(W + "abstractNumId")
            lv: dict[int, dict] = {}
            for lvl in an.iterchildren(W + "lvl"):
                i = int(lvl.get(W + "ilvl", "0"))
                lv[i] = {
                    "start": int(_val(lvl.find(W + "start")) or 1),
                    "fmt": _val(lvl.find(W + "numFmt")) or "decimal",
                    "text": _val(lvl.find(W + "lvlText")),
                    "suff": _val(lvl.find(W + "suff")) or "tab",
                }
            self.levels[aid] = lv
        for num in root.iterchildren(W + "num"):
            nid = num.get(W + "numId")
            aid = _val(num.find(W + "abstractNumId"))
            overrides = {}
            for ov in num.iterchildren(W + "lvlOverride"):
                so = ov.find(W + "startOverride")
                if so is not None and _val(so) is not None:
                    overrides[int(ov.get(W + "ilvl", "0"))] = int(_val(so))
            self.nums[nid] = (aid, overrides)

    def _numpr(self, p) -> tuple[str | None, int]:
        num_id, ilvl = None, None
        ppr = p.find(W + "pPr")
        if ppr is not None:
            numpr = ppr.find(W + "numPr")
            if numpr is not None:
                num_id = _val(numpr.find(W + "numId"))
                lv = _val(numpr.find(W + "ilvl"))
                ilvl = int(lv) if lv is not None and lv.isdigit() else None
            if num_id is None:
                ps = ppr.find(W + "pStyle")
                if ps is not None:
                    sid, slvl = self._style_numpr(ps.get(W + "val"))
                    num_id = sid
                    ilvl = ilvl if ilvl is not None else slvl
        return num_id, ilvl or 0

    def _style_numpr(self, style_id: str | None) -> tuple[str | None, int | None]:
        if not style_id:
            return None, None
        if style_id in self.style_numpr:
            return self.style_numpr[style_id]
        result: tuple[str | None, int | None] = (None, None)
        try:
            from docx.enum.style import WD_STYLE_TYPE

            style = self.doc.styles.get_by_id(style_id, WD_STYLE_TYPE.PARAGRAPH)
            for _ in range(10):
                if style is None:
                    break
                ppr = style.element.find(W + "pPr")
                numpr = ppr.find(W + "numPr") if ppr is not None else None
                if numpr is not None and _val(numpr.find(W + "numId")) is not None:
                    lv = _val(numpr.find(W + "ilvl"))
                    result = (_val(numpr.find(W + "numId")), int(lv) if lv and lv.isdigit() else None)
                    break
                style = style.base_style
        except Exception:
            pass
        self.style_numpr[style_id] = result
        return result

    def label(self, p) -> str:
        """The number Word shows before paragraph ``p`` ("" when it is not numbered)."""
        if not self.nums:
            return ""
        num_id, ilvl = self._numpr(p)
        if num_id is None or num_id == "0" or num_id not in self.nums:
            return ""
        aid, overrides = self.nums[num_id]
        levels = self.levels.get(aid)
        if not levels or ilvl not in levels:
            return ""
        counters = self.counters.setdefault(aid, {})
        if num_id not in self.started:
            self.started.add(num_id)
            for lvl, start in overrides.items():
                counters[lvl] = start - 1
        lvl = levels[ilvl]
        counters[ilvl] = counters.get(ilvl, lvl["start"] - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]  # a higher level restarts the levels below it
        text = lvl["text"]
        if lvl["fmt"] in ("bullet", "none") or text is None:
            return ""
        for k in range(9):
            token = f"%{k + 1}"
            if token in text:
                lk = levels.get(k, {"start": 1, "fmt": "decimal"})
                value = counters.get(k, lk["start"])
                text = text.replace(token, format_number(value, lk["fmt"]))
        suff = {"tab": " ", "space": " ", "nothing": ""}.get(lvl["suff"], " ")
        return text + suff if text else ""


def _val(el) -> str | None:
    return None if el is None else el.get(W + "val")
