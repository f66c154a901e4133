#!/usr/bin/env python3
"""atheris harness: text -> text reader -> build_document (normalise, structure, dates,
kinds). Run: ``python fuzz/fuzz_structure.py fuzz/corpus/structure -max_total_time=600``."""
from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import _common  # noqa: F401
import atheris

with atheris.instrument_imports(include=["checker"]):
    from checker.read.txt import read_txt
    from checker.structure import build_document


def TestOneInput(data: bytes) -> None:
    raw = read_txt(Path("fuzz.txt"), data, hashlib.sha256(data).hexdigest())
    _common.check_raw(raw, "fuzz.txt")
    doc = build_document(raw)
    last = -1
    for s in doc.sentences:
        assert s.index > last
        last = s.index


def main() -> None:
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
