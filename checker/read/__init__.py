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
                       error=DocError("unsupported_type",
                                      f"{p.name}: この形式（{p.suffix or '拡張子なし'}）は読み込めません。PDF（テキスト付き）、DOCX又はテキストファイルで提出してください。"))


def sniff_format(p: Path, data: bytes) -> str:
    """The format from the content where it is recognisable, else from the suffix."""
    head = data[:8]
    if head.startswith(b"%PDF"):
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
