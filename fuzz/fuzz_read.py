#!/usr/bin/env python3
"""atheris harness: bytes -> a file of a format chosen by the first byte -> read_document
-> build_document. A reader must never raise (SPEC: one bad document never stops the
others). Run: ``python fuzz/fuzz_read.py fuzz/corpus/read -max_total_time=600``."""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import _common  # noqa: F401  (sets sys.path)
import atheris

with atheris.instrument_imports(include=["checker"]):
    from checker.read import read_document
    from checker.structure import build_document

SUFFIXES = (".pdf", ".docx", ".txt")
_TMP = Path(tempfile.mkdtemp(prefix="itaku-fuzz-"))


def TestOneInput(data: bytes) -> None:
    if not data:
        return
    suffix = SUFFIXES[data[0] % len(SUFFIXES)]
    body = data[1:]
    if suffix == ".pdf" and body[:4] != b"%PDF" and data[0] & 0x80:
        body = b"%PDF-1.7\n" + body  # mostly exercise the parser, not the sniffing
    p = _TMP / f"doc{suffix}"
    p.write_bytes(body)
    raw = read_document(p)
    _common.check_raw(raw, p.name)
    doc = build_document(raw)
    assert (doc.error is None) == (raw.error is None)


def main() -> None:
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
