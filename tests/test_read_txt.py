"""Text reader: encodings, markup, and the bad text files of fixtures/bad."""
from __future__ import annotations

from pathlib import Path

import pytest

from checker.read import read_document
from checker.read.txt import decode_text, read_txt

FIX = Path(__file__).resolve().parent.parent / "fixtures"


def blocks(doc, kind=None):
    return [b for p in doc.pages for b in p.blocks if kind is None or b.kind == kind]


def test_shift_jis_file_reads_like_its_utf8_source():
    sjis = read_document(FIX / "bad" / "sjis_special_provisions.txt")
    assert sjis.error is None and sjis.format == "txt"
    utf8 = read_txt(Path("u.txt"), (FIX / "src" / "special_provisions.txt").read_bytes(), "x")
    assert [(b.kind, b.text) for b in blocks(sjis)] == [(b.kind, b.text) for b in blocks(utf8)]
    assert blocks(sjis, "title")[0].text == "個人情報取扱特記事項"


@pytest.mark.parametrize("enc, prefix", [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("cp932", b""),
                                         ("utf-16-le", b"\xff\xfe")])
def test_encodings(enc, prefix):
    text = "# 業務委託契約書\r\n第１条　甲は～乙に委託する。\r\n| 委託先 | 株式会社①② |\r\n===page===\r\n別記\r\n"
    data = prefix + text.encode(enc)
    doc = read_txt(Path("a.txt"), data, "x")
    assert doc.error is None
    assert [(b.kind, b.text, b.page) for b in blocks(doc)] == [
        ("title", "業務委託契約書", 1), ("paragraph", "第１条　甲は～乙に委託する。", 1),
        ("table_row", "委託先 | 株式会社①②", 1), ("paragraph", "別記", 2)]
    assert blocks(doc, "table_row")[0].cells == ("委託先", "株式会社①②")


def test_invalid_bytes_are_damaged_with_a_message():
    doc = read_document(FIX / "bad" / "invalid_bytes.txt")
    assert doc.error is not None and doc.error.code == "damaged"
    assert doc.error.message.startswith("invalid_bytes.txt") and "UTF-8" in doc.error.message


def test_binary_data_in_a_txt_is_damaged():
    doc = read_txt(Path("nul.txt"), b"\x00" * 100, "x")
    assert doc.error.code == "damaged" and "テキストファイルではありません" in doc.error.message
    assert decode_text(b"abc\x00def") is None
    assert decode_text("甲乙".encode("cp932")) == "甲乙"


def test_empty_text_file():
    doc = read_document(FIX / "bad" / "empty.txt")
    assert doc.error is not None and doc.error.code == "empty" and doc.error.message.startswith("empty.txt")


def test_unsupported_type():
    doc = read_document(FIX / "bad" / "certificate_scan.jpg")
    assert doc.error is not None and doc.error.code == "unsupported_type"
    assert doc.error.message.startswith("certificate_scan.jpg")


def test_text_limits(monkeypatch):
    monkeypatch.setenv("ITAKU_MAX_CHARS", "10")
    doc = read_txt(Path("a.txt"), ("あ" * 11).encode(), "x")
    assert doc.error.code == "too_large" and "ITAKU_MAX_CHARS" in doc.error.message
    monkeypatch.setenv("ITAKU_MAX_CHARS", "not a number")  # ignored: the default applies
    assert read_txt(Path("a.txt"), ("あ" * 11).encode(), "x").error is None


@pytest.mark.parametrize("name, data, words", [
    ("申請書.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), ["Word 97-2003", "docx"]),
    ("契約書.jtd", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), ["一太郎"]),
    ("様式.xlsx", b"PK\x03\x04" + bytes(100), ["表計算", "PDF"]),
    ("写し.png", b"\x89PNG\r\n\x1a\n" + bytes(100), ["画像", "OCR"]),
])
def test_unsupported_types_say_what_to_do(tmp_path, name, data, words):
    p = tmp_path / name
    p.write_bytes(data)
    doc = read_document(p)
    assert doc.error is not None and doc.error.code == "unsupported_type"
    assert doc.error.message.startswith(name)
    for w in words:
        assert w in doc.error.message


def test_deeper_markdown_headings_are_headings_not_paragraphs():
    doc = read_txt(Path("h.txt"), "# 届出書\n## １　委託の内容\n### ２　再委託\n| 内容 | 入力作業 |\n####見出しでない\n".encode(), "0")
    assert [b.text for b in blocks(doc, "heading")] == ["１　委託の内容", "２　再委託"]
    assert [b.text for b in blocks(doc, "title")] == ["届出書"]
    assert "####見出しでない" in [b.text for b in blocks(doc, "paragraph")]


def test_markdown_layout_marks_are_not_words():
    doc = read_txt(Path("m.txt"), "# 特記事項\n---\n- 受託者は、秘密を守る。\n> * **（返還）** 資料を返す。\n- 3 -\n".encode(), "0")
    assert [b.text for b in blocks(doc, "paragraph")] == ["受託者は、秘密を守る。", "（返還） 資料を返す。", "- 3 -"]
