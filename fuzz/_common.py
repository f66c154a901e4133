"""Shared setup of the atheris harnesses: import path, limits, the checks every harness
makes on a result."""
from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

os.environ.setdefault("ITAKU_GUARD", "0")  # in-process: libFuzzer's own -rss_limit_mb / -timeout bound us


def check_raw(raw, name: str) -> None:
    from checker.model import ERROR_CODES

    if raw.error is not None:
        assert raw.error.code in ERROR_CODES, raw.error
        assert name in raw.error.message, raw.error.message
    else:
        assert raw.page_count == len(raw.pages)
