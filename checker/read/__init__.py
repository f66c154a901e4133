"""Readers: one per format, each turning a file into a :class:`~checker.model.RawDocument`.

No normalisation and no NLP here. A reader never raises for a bad file: it returns a
RawDocument with ``error`` set (codes of SPEC.md) and a Japanese message naming the file
and saying what to do.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from checker.limits import get_limits, human_bytes, too_large_message
from checker.model import DocError, RawDocument

SUPPORTED_SUFFIXES = (".pdf", ".docx", ".txt", ".text")


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_document(path: str | Path) -> RawDocument:
    """Read one file of any supported format."""
    p = Path(path)
    try:
        size = p.stat().st_size
        max_bytes = get_limits().max_bytes
        if size > max_bytes:  # refused before it is read into memory
            return RawDocument(path=str(p), format=p.suffix.lower().lstrip("."), sha256="",
                               error=DocError("too_large", too_large_message(p.name, "ファイルの大きさ", human_bytes(size),
                                                                             human_bytes(max_bytes), "ITAKU_MAX_BYTES")))
        data = p.read_bytes()
    except OSError as exc:
        return RawDocument(path=str(p), format=p.suffix.lower().lstrip("."), sha256="",
                           error=DocError("damaged", f"{p.name}: ファイルを開けませんでした（{exc.strerror}）。ファイルの場所と権限を確認してください。"))
    digest = sha256_of(data)
    fmt = sniff_format(p, data)
    if not data.strip():
        return RawDocument(path=str(p), format=fmt, sha256=digest,
                           error=DocError("empty", f"{p.name}: ファイルが空です。内容のあるファイルを指定してください。"))
    if fmt == "txt":
        from checker.read.txt import read_txt

        return read_txt(p, data, digest)
    if fmt == "pdf":
        from checker.read.pdf import read_pdf

        return read_pdf(p, data, digest)
    if fmt == "docx":
        from checker.read.docx import read_docx

        return read_docx(p, data, digest)
    return RawDocument(path=str(p), format=fmt, sha256=digest,
                       error=DocError("unsupported_type", unsupported_message(p, data)))


_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Word 97-2003 / Excel 97-2003 / 一太郎 (compound file)
_IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".gif", ".bmp", ".heic", ".webp")
_IMAGE_HEADS = (b"\xff\xd8\xff", b"\x89PNG", b"II*\x00", b"MM\x00*", b"GIF8", b"BM")
_HOW = "PDF（文字情報付き）、Word（DOCX）又はテキストファイルで保存し直して指定してください。"


def unsupported_message(p: Path, data: bytes) -> str:
    """Why this file cannot be read and what to do, by what it most likely is."""
    suffix = p.suffix.lower()
    label = p.suffix or "拡張子なし"
    if suffix in _IMAGE_SUFFIXES or data.startswith(_IMAGE_HEADS):
        return (f"{p.name}: 画像ファイル（{label}）のため文字を読み取れません。"
                "スキャンした書類であれば、OCR（文字認識）処理をしたPDFにするか、元のWord等のファイルを提出元に求めてください。")
    if suffix == ".doc" or (data.startswith(_OLE) and suffix in (".doc", ".docx", "")):
        return f"{p.name}: 旧形式のWord文書（Word 97-2003）は読み込めません。Wordで開いて「Word文書（*.docx）」又はPDFとして保存し直してください。"
    if suffix == ".jtd" or suffix == ".jtdc":
        return f"{p.name}: 一太郎の文書は読み込めません。一太郎で開いてPDF又はWord（DOCX）形式で保存し直してください。"
    if suffix in (".xls", ".xlsx", ".xlsm", ".ods", ".csv"):
        return f"{p.name}: 表計算のファイル（{label}）は読み込めません。様式の内容であれば、PDFとして出力したファイルを指定してください。"
    if suffix in (".zip", ".lzh", ".7z"):
        return f"{p.name}: 圧縮ファイル（{label}）は読み込めません。展開して、中の文書を指定してください。"
    return f"{p.name}: この形式（{label}）は読み込めません。{_HOW}"


def sniff_format(p: Path, data: bytes) -> str:
    """The format from the content where it is recognisable, else from the suffix."""
    head = data[:8]
    if head.startswith(b"%PDF") or (head.startswith((b"\xef\xbb\xbf", b"\r", b"\n", b" ")) and b"%PDF-" in data[:1024]):
        return "pdf"
    suffix = p.suffix.lower()
    if head.startswith(b"PK\x03\x04") and suffix in (".docx", ""):
        return "docx"
    if suffix in (".txt", ".text"):
        return "txt"
    if suffix == ".pdf":
        return "pdf"  # not starting with %PDF: the PDF reader reports it as damaged
    if suffix == ".docx":
        return "docx"
    return suffix.lstrip(".") or "unknown"
