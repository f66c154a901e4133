"""Profiles: which rulebook a run uses, and a municipality's own settings.

A profile is a TOML file (``--profile FILE``) or the name of a bundled one in ``profiles/``
(``--profile default``). Without ``--profile`` the bundled ``default`` profile is used (all
shipped rules). A folder path is still accepted: the shipped rules plus the rule files in it.

Format (every key optional; unknown keys are rejected with the file name)::

    name = "桜ケ丘市"                       # shown in reports; default: the file name
    description = "…"

    [rules]
    select = ["subcontracting", "…"]       # only these shipped rules (default: all)
    ignore = ["collection-limitation"]     # rules to leave out (also local ones)
    local = "local-rules"                  # folder(s) of extra rule files (*.yaml, the
                                           # format of rules/README.md), relative to this file

    [severity]                             # per check id, or per rule id (all its checks)
    "media-handover.confirmation" = "high"

    [standard]                             # the municipality's standard special provisions
    path = "standard.txt"                  # PDF, DOCX or text, relative to this file
    [standard.articles]                    # which standard article answers a check (regex on
    "inspection.clause" = "立入|調査"        # the article caption); defaults in STANDARD_TOPICS

    [vocabulary]                           # the organisation's words, added as alternatives
    "個人情報取扱責任者" = ["個人情報管理責任者"]   # to every rule pattern that has the first

Vocabulary never edits a rule file: while the profile loads its rulebook, each regex is
rewritten so that the rule's word also matches the organisation's (``checker.matchers.
REGEX_REWRITE``); messages and model wording use the organisation's first word.

When a standard is set, :meth:`Profile.finish` (called by ``checker.api.check_case``)
attaches ``checker.compare.compare(standard, each special-provisions document)`` to
``CaseResult.comparisons`` and prefers the standard's article as the model wording
(``fix``) of a failing finding whose requirement it can find by caption.
"""
from __future__ import annotations

import dataclasses
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

from checker.rulebook import Rulebook, RulebookError, load_rulebook, default_rules_dir

# check id -> regex on a standard article's caption (then its text) that answers it
STANDARD_TOPICS: dict[str, str] = {
    "subcontracting.clause": "再委託",
    "subcontracting.flow-down": "再委託",
    "subcontracting.inspection": "立入|検査|調査",
    "data-return-deletion.clause": "返還|廃棄|消去",
    "data-return-deletion.method": "返還|廃棄|消去",
    "data-return-deletion.certificate": "返還|廃棄|消去",
    "password-handling.protection": "暗号|パスワード",
    "post-employment-nda.clause": "従事者|周知",
    "confidentiality.clause": "秘密",
    "purpose-limitation.clause": "目的外|利用",
    "third-party-provision.clause": "第三者|提供",
    "copy-restriction.clause": "複写|複製",
    "take-out-restriction.clause": "持ち?出|持出",
    "take-out-restriction.work-place": "作業場所",
    "security-measures.safekeeping": "適正管理|安全管理|適正な管理",
    "security-measures.responsible-person": "責任者",
    "security-measures.access-records": "入退室|ログ|アクセス記録|操作記録",
    "media-handover.confirmation": "授受",
    "media-handover.key-ledger": "鍵|施錠",
    "incident-reporting.clause": "事故",
    "inspection.clause": "立入|検査|調査",
    "training-supervision.clause": "教育|研修|監督",
    "termination-damages.termination": "解除",
    "termination-damages.damages": "損害賠償|賠償",
    "collection-limitation.clause": "収集",
}

_TOP_KEYS = {"name", "description", "rules", "severity", "standard", "vocabulary"}
_RULES_KEYS = {"select", "ignore", "local"}
_STANDARD_KEYS = {"path", "articles"}


@dataclass(frozen=True, eq=False)  # compared and hashed by identity (its mappings are not hashable)
class Profile:
    name: str
    rulebook: Rulebook
    source: str | None = None  # the TOML file (None: built in)
    description: str = ""
    standard: Path | None = None  # the municipality's standard special provisions
    standard_articles: Mapping[str, str] = field(default_factory=dict)
    vocabulary: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    local_dirs: tuple[Path, ...] = ()

    def standard_document(self):
        """The standard as a structured Document (read once per file version), or None."""
        if self.standard is None:
            return None
        return _standard_document(str(self.standard), _mtime(self.standard))

    def finish(self, case, result):
        """After evaluation: comparisons with the standard and the standard's wording as fix."""
        std = self.standard_document()
        if std is None:
            return result
        from checker.compare import compare

        if std.error is not None:
            from checker.model import Note

            note = Note(code="profile.standard-unreadable", severity="info",
                        message=f"{self.standard}: 標準特記事項を読めませんでした（{std.error.message}）。"
                                f"プロファイル {self.source or self.name} の [standard] path を確認してください。")
            return dataclasses.replace(result, notes=(*result.notes, note))
        comparisons = tuple(compare(std, d) for d in case.documents
                            if d.error is None and "special_provisions" in d.kinds)
        findings = tuple(self._standard_fix(f, std) for f in result.findings)
        return dataclasses.replace(result, comparisons=(*result.comparisons, *comparisons), findings=findings)

    def standard_article(self, check_id: str, std=None):
        """The standard's article that answers ``check_id`` (by caption, then by text), or None."""
        std = std if std is not None else self.standard_document()
        pat = self.standard_articles.get(check_id) or STANDARD_TOPICS.get(check_id)
        if std is None or std.error is not None or not pat:
            return None
        rx = re.compile(pat)
        from checker.compare import provision_clauses

        clauses = provision_clauses(std)
        for c in clauses:
            if c.caption and rx.search(c.caption):
                return c
        return None

    def _standard_fix(self, f, std):
        if f.status.value not in ("missing", "violation") or f.accepted:
            return f
        c = self.standard_article(f.check, std)
        if c is None:
            return f
        cap = f"（{c.caption}）" if c.caption else ""
        where = Path(str(self.standard)).name
        text = f"{c.text.strip()}\n（{where} {c.label}{cap}の文言）"
        return dataclasses.replace(f, fix=text)


def _mtime(p: Path) -> float:
    try:
        return p.stat().st_mtime
    except OSError:
        return 0.0


@lru_cache(maxsize=8)
def _standard_document(path: str, mtime: float):
    from checker.api import load_document

    return load_document(Path(path))


@lru_cache(maxsize=8)
def _default_rulebook() -> Rulebook:
    return load_rulebook([default_rules_dir()])


def bundled_profiles() -> list[str]:
    """Names of the bundled profiles (``profiles/*.toml``)."""
    from checker.resources import data_dir

    try:
        return sorted(p.stem for p in data_dir("profiles").glob("*.toml"))
    except (OSError, ValueError):
        return []


def load_profile(name_or_file: str | Path | None = None) -> Profile:
    """``None``: the bundled ``default`` profile. A bundled name (``profiles/<name>.toml``),
    a TOML file, or a folder of rule files (the shipped rules plus those). Raises
    ``ValueError`` (incl. :class:`RulebookError`) with a Japanese message naming the file."""
    if name_or_file is None or str(name_or_file) == "default":
        from checker.resources import data_dir

        bundled = data_dir("profiles") / "default.toml"
        if bundled.is_file():
            return _load_toml_cached(str(bundled.resolve()), _mtime(bundled))
        return Profile("default", _default_rulebook())
    p = Path(name_or_file)
    if p.is_dir():
        return Profile(p.name, load_rulebook([default_rules_dir(), p]), source=str(p), local_dirs=(p,))
    if p.is_file():
        if p.suffix.lower() != ".toml":
            raise ValueError(f"{p}: プロファイルは TOML ファイル（.toml）で指定してください。")
        return _load_toml_cached(str(p.resolve()), _mtime(p))
    from checker.resources import data_dir

    named = data_dir("profiles") / f"{name_or_file}.toml"
    if "/" not in str(name_or_file) and "\\" not in str(name_or_file) and named.is_file():
        return _load_toml_cached(str(named.resolve()), _mtime(named))
    names = "、".join(bundled_profiles()) or "default"
    raise ValueError(f"{name_or_file}: プロファイルが見つかりません。TOML ファイルのパス、ルールのフォルダ、"
                     f"又は同梱のプロファイル名（{names}）を指定してください。")


@lru_cache(maxsize=16)
def _load_toml_cached(path: str, mtime: float) -> Profile:
    return load_profile_toml(Path(path))


def _err(path: Path, msg: str) -> ValueError:
    return ValueError(f"{path}: {msg}")


def _str_list(path: Path, key: str, v: Any) -> list[str]:
    if isinstance(v, str):
        return [v]
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise _err(path, f"{key} には文字列のリストを書いてください")
    return list(v)


def load_profile_toml(path: Path) -> Profile:
    """Parse and apply one TOML profile (no caching)."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        raise _err(path, f"プロファイルを読めません（{exc}）") from None
    except tomllib.TOMLDecodeError as exc:
        raise _err(path, f"TOML の書式が不正です（{exc}）。") from None
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise _err(path, f"未知のキー {sorted(unknown)} があります（使えるキー: {sorted(_TOP_KEYS)}）")
    base = path.parent
    rules = data.get("rules", {})
    if not isinstance(rules, dict) or set(rules) - _RULES_KEYS:
        raise _err(path, f"[rules] に使えるキーは {sorted(_RULES_KEYS)} です")
    local_dirs = tuple((base / d).resolve() for d in _str_list(path, "rules.local", rules.get("local", [])))
    for d in local_dirs:
        if not d.is_dir():
            raise _err(path, f"[rules] local のフォルダ {d} が見つかりません。プロファイルからの相対パスで書いてください")

    vocab_raw = data.get("vocabulary", {})
    if not isinstance(vocab_raw, dict):
        raise _err(path, "[vocabulary] には「語 = [組織の言い方, …]」を書いてください")
    vocabulary = {str(k): tuple(_str_list(path, f"vocabulary.{k}", v)) for k, v in vocab_raw.items()}

    book = load_rulebook_with_vocabulary([default_rules_dir(), *local_dirs], vocabulary)
    shipped = [r.id for r in book.rules if not any(str(r.source).startswith(str(d)) for d in local_dirs)]
    local = [r.id for r in book.rules if r.id not in shipped]
    select = _str_list(path, "rules.select", rules["select"]) if "select" in rules else shipped
    ignore = set(_str_list(path, "rules.ignore", rules.get("ignore", [])))
    known = {r.id for r in book.rules}
    bad = [x for x in [*select, *ignore] if x not in known]
    if bad:
        raise _err(path, f"未知のルール {bad} があります（ルール id: {', '.join(sorted(known))}）")
    keep = [r for r in [*select, *local] if r not in ignore]
    book = book.select(keep)

    sev = data.get("severity", {})
    if not isinstance(sev, dict):
        raise _err(path, "[severity] には「チェック id = \"high\"」を書いてください")
    for key, level in sev.items():
        targets = [key] if key in book.compiled else [c.id for r in book.rules if r.id == key for c in r.checks]
        if not targets:
            raise _err(path, f"[severity] の {key!r} はルールにもチェックにもありません")
        for cid in targets:
            try:
                book = book.with_severity(cid, str(level))
            except ValueError:
                raise _err(path, f"[severity] {key} = {level!r}: high / medium / low / info のいずれかを書いてください") from None

    std = data.get("standard", {})
    if not isinstance(std, dict) or set(std) - _STANDARD_KEYS:
        raise _err(path, f"[standard] に使えるキーは {sorted(_STANDARD_KEYS)} です")
    standard = None
    if "path" in std:
        standard = (base / str(std["path"])).resolve()
        if not standard.is_file():
            raise _err(path, f"[standard] path の標準特記事項 {standard} が見つかりません。プロファイルからの相対パスで書いてください")
    articles = std.get("articles", {})
    if not isinstance(articles, dict):
        raise _err(path, "[standard.articles] には「チェック id = \"見出しの正規表現\"」を書いてください")
    for k, v in articles.items():
        try:
            re.compile(str(v))
        except re.error as exc:
            raise _err(path, f"[standard.articles] {k}: 正規表現が不正です（{exc}）") from None

    return Profile(name=str(data.get("name") or path.stem), rulebook=book, source=str(path),
                   description=str(data.get("description", "")), standard=standard,
                   standard_articles={str(k): str(v) for k, v in articles.items()},
                   vocabulary=vocabulary, local_dirs=local_dirs)


# --------------------------------------------------------------------------- vocabulary
def vocabulary_rewriter(vocabulary: Mapping[str, tuple[str, ...]]):
    """A function that adds the organisation's words as regex alternatives (None if empty)."""
    items = {k: v for k, v in vocabulary.items() if k and v}
    if not items:
        return None
    terms = sorted(items, key=len, reverse=True)
    rx = re.compile("|".join(re.escape(t) for t in terms))

    def rewrite(pattern: str) -> str:
        return rx.sub(lambda m: "(?:" + "|".join(re.escape(w) for w in (m.group(0), *items[m.group(0)])) + ")", pattern)

    return rewrite


def load_rulebook_with_vocabulary(dirs, vocabulary: Mapping[str, tuple[str, ...]]) -> Rulebook:
    """``load_rulebook(dirs)`` with the vocabulary added to every pattern; messages and model
    wording use the organisation's first word for each term."""
    from checker import matchers as M

    rewrite = vocabulary_rewriter(vocabulary)
    if rewrite is None:
        return load_rulebook(list(dirs))
    token = M.REGEX_REWRITE.set(rewrite)
    try:
        book = load_rulebook(list(dirs))
    finally:
        M.REGEX_REWRITE.reset(token)

    def words(text):
        if not text:
            return text
        for term, alts in vocabulary.items():
            if alts:
                text = text.replace(term, alts[0])
        return text

    rules, compiled = [], dict(book.compiled)
    for r in book.rules:
        checks = []
        for c in r.checks:
            nc = c.model_copy(update={"fix": words(c.fix), "messages": {k: words(v) for k, v in c.messages.items()}})
            checks.append(nc)
            compiled[c.id] = dataclasses.replace(compiled[c.id], spec=nc)
        rules.append(r.model_copy(update={"checks": checks}))
    return dataclasses.replace(book, rules=tuple(rules), compiled=compiled)


__all__ = ["Profile", "load_profile", "load_profile_toml", "bundled_profiles", "STANDARD_TOPICS",
           "vocabulary_rewriter", "RulebookError"]
