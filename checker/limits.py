"""Per-document limits: what a reader refuses with the error code ``too_large``.

The defaults are far above any real outsourcing bundle (a 200-page contract with annexes is
a few MB, ~400,000 characters); they exist so that a hostile or broken file cannot make a
reader run for ever or exhaust memory. Each can be changed with an environment variable,
read when :func:`get_limits` is called (no global state, so a reader running in a child
process sees the same values as its parent):

=====================  ==========================  ==========
variable               meaning                     default
=====================  ==========================  ==========
``ITAKU_MAX_BYTES``    file size in bytes          100 MB
``ITAKU_MAX_PAGES``    pages of one document       2,000
``ITAKU_MAX_CHARS``    characters of one document  2,000,000
=====================  ==========================  ==========

A value that is not a positive integer is ignored (the default applies).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping

DEFAULT_MAX_BYTES = 100 * 1024 * 1024
DEFAULT_MAX_PAGES = 2000
DEFAULT_MAX_CHARS = 2_000_000  # real bundles stay under ~700,000; structure runs in the parent


@dataclass(frozen=True)
class Limits:
    max_bytes: int = DEFAULT_MAX_BYTES
    max_pages: int = DEFAULT_MAX_PAGES
    max_chars: int = DEFAULT_MAX_CHARS


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip().replace("_", "").replace(",", "")
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        return default
    return value if value > 0 else default


def get_limits(env: Mapping[str, str] | None = None) -> Limits:
    """The limits in force, from ``env`` (default ``os.environ``)."""
    env = os.environ if env is None else env
    return Limits(
        max_bytes=_positive_int(env, "ITAKU_MAX_BYTES", DEFAULT_MAX_BYTES),
        max_pages=_positive_int(env, "ITAKU_MAX_PAGES", DEFAULT_MAX_PAGES),
        max_chars=_positive_int(env, "ITAKU_MAX_CHARS", DEFAULT_MAX_CHARS),
    )


def human_bytes(n: int) -> str:
    """``12.3 MB`` style size for messages."""
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"  # pragma: no cover


def too_large_message(name: str, what: str, value: str, limit: str, env_var: str) -> str:
    """The Japanese ``too_large`` message: names the file, the limit and what to do."""
    return (f"{name}: {what}（{value}）が上限（{limit}）を超えているため読み込みませんでした。"
            f"文書を分割して指定するか、必要であれば環境変数 {env_var} で上限を引き上げてください。")
