"""DOCX reader on the committed fixtures and on small documents built in the test."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from checker.read import read_document
from checker.read.docx import read_docx

FIX = Path(__file__).resolve().parent.parent / "fixtures"


def blocks(doc, kind=None):
    return [b for p in doc.pages for b in p.blocks if kind is None or b.kind == kind]


def test_consultation_docx_headings_and_tables_in_body_order():
    doc = read_document(FIX / "docs" / "consultation_form.docx")
    assert doc.error is None and doc.format == "docx"
    kinds = [b.kind for b in blocks(doc)]
    assert kinds[0] == "title"
    assert blocks(doc, "title")[0].text == "個人情報を取り扱う事務の外部委託について（諮問）"
    headings = [b.text for b in blocks(doc, "heading")]
    assert headings == ["第１　委託の内容", "第２　委託先に提供する個人情報", "第３　個人情報の取扱い",
                        "第４　個人情報保護のための措置"]
    # tables sit between their headings, not after all paragraphs
    seq = [(b.kind, b.text) for b in blocks(doc)]
    h1 = seq.index(("heading", "第１　委託の内容"))
    h2 = seq.index(("heading", "第２　委託先に提供する個人情報"))
    assert all(k == "table_row" for k, _ in seq[h1 + 1:h2])
    rows = {b.cells[0]: b for b in blocks(doc, "table_row")}
    assert rows["再委託"].cells == ("再委託", "無（受託者が自ら全件を入力し、業務の全部又は一部を第三者に委託しない。）")
    assert rows["再委託"].text == " | ".join(rows["再委託"].cells)
    # the merged row spans both columns and comes out once
    assert rows["委託の概要"].cells == ("委託の概要",)


def test_docx_page_breaks_give_page_numbers():
    doc = read_document(FIX / "docs" / "consultation_form.docx")
    assert doc.page_count == 2
    page_of = {b.text: b.page for b in blocks(doc)}
    assert page_of["第２　委託先に提供する個人情報"] == 1
    assert page_of["第３　個人情報の取扱い"] == 2
    assert all(b.top is None for b in blocks(doc))


def test_docx_without_breaks_is_page_one():
    doc = read_document(FIX / "docs" / "special_provisions.docx")
    assert doc.error is None and doc.page_count == 1
    assert any(b.text.startswith("第５条　乙は、甲のあらかじめの書面による承諾") for b in blocks(doc, "paragraph"))


def _docx_bytes(build) -> bytes:
    import docx

    d = docx.Document()
    build(d)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def test_vertical_merge_soft_breaks_and_heading_styles():
    from docx.enum.text import WD_BREAK

    def build(d):
        d.add_heading("業務委託契約書", level=0)
        d.add_heading("（再委託）", level=2)
        p = d.add_paragraph("第３条　乙は、")
        p.add_run().add_break()  # a soft line break
        p.add_run("甲の承諾を得なければならない。")
        t = d.add_table(rows=2, cols=2)
        t.cell(0, 0).merge(t.cell(1, 0))
        t.cell(0, 0).text = "委託先"
        t.cell(0, 1).text = "株式会社甲"
        t.cell(1, 1).text = "東京都"
        c = t.cell(1, 1)
        c.add_paragraph("二行目")
        q = d.add_paragraph("前半。")
        q.add_run().add_break(WD_BREAK.PAGE)
        q.add_run("後半。")

    doc = read_docx(Path("t.docx"), _docx_bytes(build), "x")
    assert doc.error is None
    kinds = [(b.kind, b.text) for b in blocks(doc)]
    assert kinds[0] == ("title", "業務委託契約書")
    assert kinds[1] == ("heading", "（再委託）")
    assert kinds[2] == ("paragraph", "第３条　乙は、\n甲の承諾を得なければならない。")
    rows = [b.cells for b in blocks(doc, "table_row")]
    assert rows == [("委託先", "株式会社甲"), ("東京都\n二行目",)]
    # a hard page break inside a paragraph splits it across the pages
    assert [(b.text, b.page) for b in blocks(doc)][-2:] == [("前半。", 1), ("後半。", 2)]
    assert doc.page_count == 2


def test_rendered_and_hard_break_together_count_once():
    from docx.enum.text import WD_BREAK
    from docx.oxml import OxmlElement

    def build(d):
        d.add_paragraph("一頁目。").add_run().add_break(WD_BREAK.PAGE)
        p = d.add_paragraph()
        r = p.add_run()
        r._r.append(OxmlElement("w:lastRenderedPageBreak"))
        p.add_run("二頁目。")

    doc = read_docx(Path("t.docx"), _docx_bytes(build), "x")
    assert [(b.text, b.page) for b in blocks(doc)] == [("一頁目。", 1), ("二頁目。", 2)]


@pytest.mark.parametrize("name, code, words", [
    ("zip_renamed.docx", "damaged", ["Word文書ではありません", "ZIP"]),
    ("broken_xml.docx", "damaged", ["壊れている"]),
])
def test_bad_docx(name, code, words):
    doc = read_document(FIX / "bad" / name)
    assert doc.error is not None and doc.error.code == code
    assert doc.error.message.startswith(name)
    for w in words:
        assert w in doc.error.message


def test_not_a_zip_and_empty_docx():
    doc = read_docx(Path("x.docx"), b"this is not a zip", "x")
    assert doc.error.code == "damaged" and doc.error.message.startswith("x.docx")
    doc = read_docx(Path("e.docx"), _docx_bytes(lambda d: d.add_paragraph("   ")), "x")
    assert doc.error.code == "empty"


def test_excel_renamed_docx_is_unsupported():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("[Content_Types].xml", "<Types/>")
    doc = read_docx(Path("book.docx"), buf.getvalue(), "x")
    assert doc.error.code == "unsupported_type" and "Excel" in doc.error.message


def _numbered_docx() -> bytes:
    """A contract whose article and item numbers are Word's automatic numbering."""
    from docx.oxml import parse_xml

    def build(d):
        numbering = d.part.numbering_part.element
        numbering.append(parse_xml(
            '<w:abstractNum xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" w:abstractNumId="90">'
            '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimalFullWidth"/><w:lvlText w:val="第%1条"/>'
            '<w:suff w:val="space"/></w:lvl>'
            '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="(%2)"/></w:lvl>'
            '<w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="aiueoFullWidth"/><w:lvlText w:val="%3"/></w:lvl>'
            '</w:abstractNum>'))
        numbering.append(parse_xml(
            '<w:num xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" w:numId="90">'
            '<w:abstractNumId w:val="90"/></w:num>'))

        def para(text, ilvl):
            p = d.add_paragraph(text)
            p._p.get_or_add_pPr().append(parse_xml(
                '<w:numPr xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                f'<w:ilvl w:val="{ilvl}"/><w:numId w:val="90"/></w:numPr>'))

        para("乙は、秘密を保持する。", 0)
        para("乙は、次の措置を講ずる。", 0)
        para("施錠保管", 1)
        para("鍵の管理", 2)
        para("鍵の台帳", 2)
        para("入退室記録", 1)
        para("乙は、再委託してはならない。", 0)
        para("書面による承諾", 1)

    return _docx_bytes(build)


def test_word_automatic_numbering_is_rendered():
    doc = read_docx(Path("n.docx"), _numbered_docx(), "x")
    assert doc.error is None
    assert [b.text for b in blocks(doc)] == [
        # the default suffix (a tab) reads as one space; the first level says "space"
        "第１条 乙は、秘密を保持する。", "第２条 乙は、次の措置を講ずる。", "(1) 施錠保管", "ア 鍵の管理", "イ 鍵の台帳",
        "(2) 入退室記録", "第３条 乙は、再委託してはならない。", "(1) 書面による承諾"]


def test_format_number_styles():
    from checker.read.docx import format_number

    assert format_number(12, "decimalFullWidth") == "１２"
    assert format_number(23, "japaneseCounting") == "二十三"
    assert format_number(10, "japaneseCounting") == "十"
    assert format_number(3, "irohaFullWidth") == "ハ"
    assert format_number(2, "decimalEnclosedCircle") == "②"
    assert format_number(4, "upperRoman") == "IV"


def test_docx_of_pasted_scans_is_image_only():
    jpeg = FIX / "bad" / "certificate_scan.jpg"
    data = _docx_bytes(lambda d: d.add_picture(str(jpeg)))
    doc = read_docx(Path("scan.docx"), data, "x")
    assert doc.error is not None and doc.error.code == "image_only"
    assert doc.error.message.startswith("scan.docx") and "OCR" in doc.error.message


def test_tracked_changes_read_as_accepted():
    """Deleted text of a revision is not read; inserted text is."""
    from docx.oxml import parse_xml

    ns = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'

    def build(d):
        p = d.add_paragraph("乙は、甲の")
        p._p.append(parse_xml(f'<w:del {ns} w:id="1" w:author="a"><w:r><w:delText>事後の報告により</w:delText></w:r></w:del>'))
        p._p.append(parse_xml(f'<w:ins {ns} w:id="2" w:author="a"><w:r><w:t>書面による事前の承諾を得て</w:t></w:r></w:ins>'))
        p.add_run("再委託することができる。")

    doc = read_docx(Path("t.docx"), _docx_bytes(build), "x")
    assert [b.text for b in blocks(doc)] == ["乙は、甲の書面による事前の承諾を得て再委託することができる。"]
