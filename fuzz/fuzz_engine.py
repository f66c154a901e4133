#!/usr/bin/env python3
"""atheris harness: up to three documents of text -> build_document -> evaluate with the
default profile; statuses must be valid and a rule's status the worst of its checks.
Slow per input (GiNZA parses what the rules ask for): run it for hours, not minutes.
Run: ``python fuzz/fuzz_engine.py fuzz/corpus/engine -max_total_time=3600 -rss_limit_mb=4096``."""
from __future__ import annotations

import datetime as dt
import hashlib
import sys
from pathlib import Path

import _common  # noqa: F401
import atheris

with atheris.instrument_imports(include=["checker"]):
    from checker.engine import evaluate
    from checker.model import Case, RawDocument, Status
    from checker.profile import load_profile
    from checker.read.txt import read_txt
    from checker.structure import build_document

PROFILE = load_profile(None)


def TestOneInput(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    as_of = dt.date(2015, 1, 1) + dt.timedelta(days=fdp.ConsumeIntInRange(0, 7300))
    docs = []
    for i in range(fdp.ConsumeIntInRange(1, 3)):
        body = fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 1500))
        raw = read_txt(Path(f"doc{i}.txt"), body, hashlib.sha256(body).hexdigest())
        raw = RawDocument(path=f"doc{i}.txt", format="txt", sha256=raw.sha256, pages=raw.pages,
                          page_count=raw.page_count, error=raw.error)
        docs.append(build_document(raw))
    result = evaluate(Case(name="fuzz", documents=tuple(docs)), PROFILE.rulebook, as_of)
    assert result.rules
    for f in result.findings:
        assert isinstance(f.status, Status) and f.status is not Status.NOT_APPLICABLE
    for rid, status in result.rules.items():
        mine = [s for c, s in result.checks.items() if c.split(".", 1)[0] == rid]
        if mine:
            assert status == Status.worst(mine), (rid, status, mine)


def main() -> None:
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
