"""Profiles: which rulebook a run uses. This is the minimal form - the default profile is
the shipped ``rules/`` folder; a folder path (or a ``*.yaml`` file's folder) loads that
folder's rules after the shipped ones. TOML profiles extend this (issue 6).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from checker.rulebook import Rulebook, load_rulebook, default_rules_dir


@dataclass(frozen=True)
class Profile:
    name: str
    rulebook: Rulebook


@lru_cache(maxsize=8)
def _default_rulebook() -> Rulebook:
    return load_rulebook([default_rules_dir()])


def load_profile(name_or_file: str | Path | None = None) -> Profile:
    """``None`` or ``"default"``: the shipped rules. A directory: the shipped rules plus the
    rule files in it (duplicate ids are rejected with file:line)."""
    if name_or_file is None or str(name_or_file) == "default":
        return Profile("default", _default_rulebook())
    p = Path(name_or_file)
    if p.is_dir():
        return Profile(p.name, load_rulebook([default_rules_dir(), p]))
    raise ValueError(f"{name_or_file}: プロファイルが見つかりません。名前又はルールのフォルダを指定してください。")
