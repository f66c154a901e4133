"""Rule documentation generated from the rule files, in ruff's fixed sections.

Every rule of a profile is documented the same way: what it checks, why it matters, an
example that fails, what to write instead (修正文例) and references. The same text is
shown by ``itaku rules ID`` (``--format md``), written to ``docs/rules/<id>.md`` by the
generator below, and linked from the HTML report (which embeds the rules it cites).

The rulebook belongs to ``checker.rulebook``; this module only reads it. :func:`rule_infos`
turns whatever rule objects the rulebook holds into plain :class:`RuleInfo` values, so a
renamed attribute there is adapted in one place here.

Generator::

    python -m checker.ruledocs [--out docs/rules] [--profile NAME|FILE] [--check]

``--check`` writes nothing and exits 1 when ``docs/rules`` is not what the rule files
give (run it without ``--check`` to regenerate).
"""
from __future__ import annotations

import weakref

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

# --------------------------------------------------------------------------- labels
STATUS_LABEL = {
    "ok": "適合",
    "violation": "違反",
    "missing": "記載なし",
    "needs_review": "要確認",
    "not_applicable": "対象外",
}
STATUS_MARK = {"ok": "○", "violation": "×", "missing": "×", "needs_review": "△", "not_applicable": "－"}
SEVERITY_LABEL = {"high": "高", "medium": "中", "low": "低", "info": "情報"}
SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2, "info": 3}
KIND_LABEL = {
    "consultation": "諮問書",
    "contract": "契約書",
    "special_provisions": "特記事項",
    "specification": "仕様書",
    "certificate": "認証書",
    "other": "その他",
}
# status order for examples: failing ones first, as the reader looks for what to avoid
_EXAMPLE_ORDER = ("violation", "missing", "needs_review", "not_applicable", "ok")


# --------------------------------------------------------------------------- model
@dataclass(frozen=True)
class Example:
    status: str  # "ok", "violation", ...
    text: str
    note: str = ""


@dataclass(frozen=True)
class CheckInfo:
    id: str
    title: str
    severity: str
    summary: str = ""
    rationale: str = ""
    reads: tuple[str, ...] = ()  # document kinds; empty = every document
    messages: Mapping[str, str] = field(default_factory=dict)
    # the status each message key stands for, where the key is an outcome id ("notice-only")
    message_status: Mapping[str, str] = field(default_factory=dict)
    fix: str = ""
    examples: tuple[Example, ...] = ()
    references: tuple[str, ...] = ()

    def message_rows(self) -> list[tuple[str, str, str]]:
        """(label, message for people, status or "") for each message, in file order:
        「違反（notice-only）」, 「記載なし」 …"""
        rows = []
        for key, msg in self.messages.items():
            st = self.message_status.get(key, "")
            if st == key:
                label = STATUS_LABEL.get(st, st)
            elif st:
                label = f"{STATUS_LABEL.get(st, st)}（{key}）"
            else:
                label = key
            rows.append((label, readable_message(msg), st))
        return rows

    @property
    def failing_examples(self) -> tuple[Example, ...]:
        """Examples that are flagged (violation, missing, needs_review)."""
        return tuple(e for e in self.examples if e.status not in ("ok", "not_applicable"))

    @property
    def na_examples(self) -> tuple[Example, ...]:
        return tuple(e for e in self.examples if e.status == "not_applicable")

    @property
    def passing_examples(self) -> tuple[Example, ...]:
        return tuple(e for e in self.examples if e.status == "ok")


@dataclass(frozen=True)
class RuleInfo:
    id: str
    title: str
    summary: str = ""
    rationale: str = ""
    references: tuple[str, ...] = ()
    checks: tuple[CheckInfo, ...] = ()

    @property
    def severities(self) -> tuple[str, ...]:
        """Distinct severities of the checks, most serious first."""
        return tuple(sorted({c.severity for c in self.checks}, key=lambda s: SEVERITY_ORDER.get(s, 9)))

    @property
    def severity_range(self) -> str:
        sev = self.severities
        if not sev:
            return ""
        if len(sev) == 1:
            return sev[0]
        return f"{sev[0]}–{sev[-1]}"

    @property
    def all_references(self) -> tuple[str, ...]:
        seen: dict[str, None] = dict.fromkeys(self.references)
        for c in self.checks:
            seen.update(dict.fromkeys(c.references))
        return tuple(seen)

    def check(self, check_id: str) -> CheckInfo | None:
        return next((c for c in self.checks if c.id == check_id), None)


# --------------------------------------------------------------------------- adapter
def _get(obj: Any, *names: str, default: Any = None) -> Any:
    """The first attribute (or mapping key) of ``names`` that is set on ``obj``."""
    for n in names:
        if isinstance(obj, Mapping):
            v = obj.get(n)
        else:
            v = getattr(obj, n, None)
        if v is not None and v != "" and v != () and v != []:
            return v
    return default


def _text(v: Any) -> str:
    """A rule-file value as display text (strings pass; lists are joined by lines)."""
    if v is None:
        return ""
    if isinstance(v, str):
        return v.strip()
    if isinstance(v, Mapping):
        t = _get(v, "text", "ja", "message", "value")
        return _text(t) if t is not None else ""
    if isinstance(v, (list, tuple)):
        return "\n".join(_text(x) for x in v if _text(x))
    for n in ("text", "message", "value"):
        if hasattr(v, n):
            return _text(getattr(v, n))
    return str(v).strip()


def _reference(v: Any) -> str:
    """A reference as one line: plain text, or 'title <url>'."""
    if isinstance(v, str):
        return v.strip()
    title = _text(_get(v, "title", "name", "text", "law", "citation"))
    url = _text(_get(v, "url", "href", "link"))
    if title and url:
        return f"{title} <{url}>"
    return title or url or _text(v)


def _references(v: Any) -> tuple[str, ...]:
    if not v:
        return ()
    if isinstance(v, (str, Mapping)):
        v = [v]
    return tuple(r for r in (_reference(x) for x in v) if r)


def _messages(v: Any) -> dict[str, str]:
    if not v:
        return {}
    if isinstance(v, Mapping):
        items = v.items()
    elif hasattr(v, "model_dump"):
        items = v.model_dump().items()
    elif hasattr(v, "__dict__"):
        items = vars(v).items()
    else:
        return {}
    return {str(k): _text(m) for k, m in items if m}


def _fix(v: Any) -> str:
    """The model wording: a string, or a mapping {status or 'text': wording}."""
    if not v:
        return ""
    if isinstance(v, Mapping) or hasattr(v, "model_dump"):
        m = _messages(v)
        for key in ("text", "insert", "wording", "default", "missing", "violation"):
            if m.get(key):
                return m[key]
        return "\n".join(m.values())
    return _text(v)


def _examples(v: Any) -> tuple[Example, ...]:
    """Examples in any of the usual shapes: {status: [text | {text, note}]},
    [{text, status|expect}], or an object with status-named attributes."""
    if not v:
        return ()
    out: list[Example] = []

    def one(status: str, item: Any) -> None:
        if isinstance(item, str):
            out.append(Example(status, item.strip()))
        else:
            text = _text(_get(item, "text", "input", "sentence", "document"))
            docs = _get(item, "docs", "documents")
            if not text and docs:  # several documents: 「種類: 本文」 one per line
                lines = []
                for d in docs:
                    kind = _get(d, "kind", default="")
                    kind = "・".join(KIND_LABEL.get(k, k) for k in kind) if isinstance(kind, (list, tuple)) \
                        else KIND_LABEL.get(str(kind), str(kind))
                    lines.append(f"［{kind}］{_text(_get(d, 'text'))}" if kind else _text(_get(d, "text")))
                text = "\n".join(lines)
            note = _text(_get(item, "note", "why", "comment", "description"))
            st = str(_get(item, "status", "expect", "expected", default=status))
            st = getattr(st, "value", st)
            if text:
                out.append(Example(str(st), text, note))

    if isinstance(v, Mapping) or (not isinstance(v, (list, tuple)) and hasattr(v, "__dict__")):
        mapping = v if isinstance(v, Mapping) else (v.model_dump() if hasattr(v, "model_dump") else vars(v))
        for status, items in mapping.items():
            if not items:
                continue
            for item in (items if isinstance(items, (list, tuple)) else [items]):
                one(_status_name(status), item)
    else:
        for item in v:
            one("", item)
    order = {s: i for i, s in enumerate(_EXAMPLE_ORDER)}
    return tuple(sorted(out, key=lambda e: order.get(e.status, 9)))


def _status_name(s: Any) -> str:
    s = str(getattr(s, "value", s))
    return {"valid": "ok", "pass": "ok", "invalid": "violation", "fail": "violation"}.get(s, s)


def _iter(v: Any) -> Iterable[Any]:
    if v is None:
        return ()
    if isinstance(v, Mapping):
        return v.values()
    return v


_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_PLACEHOLDER_LABEL = {"where": "箇所", "quote": "引用", "missing": "不足する事項", "date": "日付",
                      "end": "期限", "number": "番号", "kind": "種類", "name": "名称",
                      "contract_end": "契約終了日", "as_of": "基準日", "scope": "認証範囲"}


def readable_message(msg: str) -> str:
    """A message template for people: ``{where}「{quote}」`` → ``〈箇所〉「〈引用〉」``."""
    return _PLACEHOLDER.sub(lambda m: f"〈{_PLACEHOLDER_LABEL.get(m.group(1), m.group(1))}〉", msg)


def _message_status(c: Any) -> dict[str, str]:
    """Which status each message key reports: statuses name themselves; outcome ids,
    ``requires`` and conditional messages take the status they are declared with."""
    out = {s: s for s in STATUS_LABEL}
    for o in _iter(_get(c, "outcomes", default=())):
        oid, st = _get(o, "id"), _get(o, "status")
        if oid and st:
            out[str(oid)] = str(getattr(st, "value", st))
    rs = _get(c, "requires_status")
    if rs:
        out.setdefault("requires", str(getattr(rs, "value", rs)))
    for key in ("absent", "overrides"):
        conds = _get(c, key, default=())
        if isinstance(conds, (list, tuple)):
            for cond in conds:
                msg, st = _get(cond, "message"), _get(cond, "status")
                if msg and st:
                    out.setdefault(str(msg), str(getattr(st, "value", st)))
    return out


def check_info(c: Any, severity_override: str | None = None) -> CheckInfo:
    reads = _get(c, "reads", "documents", "kinds", default=())
    if isinstance(reads, str):
        reads = () if reads == "all" else (reads,)
    return CheckInfo(
        id=str(_get(c, "id", "check_id", default="")),
        title=_text(_get(c, "title", "name")),
        severity=str(severity_override or getattr(_get(c, "severity", default="medium"), "value",
                                                   _get(c, "severity", default="medium"))),
        summary=_text(_get(c, "summary", "description", "what")),
        rationale=_text(_get(c, "rationale", "why")),
        reads=tuple(str(getattr(r, "value", r)) for r in reads),
        messages=_messages(_get(c, "messages", "message")),
        message_status=_message_status(c),
        fix=_fix(_get(c, "fix", "model_wording", "wording", "remedy")),
        examples=_examples(_get(c, "examples", "tests")),
        references=_references(_get(c, "references", "refs")),
    )


def rule_info(r: Any, severities: Mapping[str, str] | None = None) -> RuleInfo:
    severities = severities or {}
    checks = tuple(check_info(c, severities.get(str(_get(c, "id", default=""))))
                   for c in _iter(_get(r, "checks", default=())))
    meta = _get(r, "metadata", "meta", default={}) or {}
    return RuleInfo(
        id=str(_get(r, "id", "rule_id", default="")),
        title=_text(_get(r, "title", "name")),
        summary=_text(_get(r, "summary", "description", "what")),
        rationale=_text(_get(r, "rationale", "why", "reason") or _get(meta, "rationale", "why")),
        references=_references(_get(r, "references", "refs") or _get(meta, "references")),
        checks=checks,
    )


def rule_infos(profile_or_rulebook: Any) -> list[RuleInfo]:
    """The rules of a profile (``.rulebook``) or of a rulebook, in their order.

    A profile's severity changes are applied when it exposes them as ``severities``
    (``{check_id: severity}``); a rulebook built by the profile already carries them.
    Built once per profile object: profiles are not changed in place, and every report
    of a batch asked again (0.8 s of a 2.3 s warm batch of 31 cases, by cProfile).
    """
    if profile_or_rulebook is None:
        return []
    try:
        cached = _INFO_CACHE.get(profile_or_rulebook)
    except TypeError:  # not weak-referenceable: build every time
        return _build_rule_infos(profile_or_rulebook)
    if cached is None:
        cached = _build_rule_infos(profile_or_rulebook)
        _INFO_CACHE[profile_or_rulebook] = cached
    return list(cached)


_INFO_CACHE: "weakref.WeakKeyDictionary[Any, list[RuleInfo]]" = weakref.WeakKeyDictionary()


def _build_rule_infos(profile_or_rulebook: Any) -> list[RuleInfo]:
    rulebook = getattr(profile_or_rulebook, "rulebook", None) or profile_or_rulebook
    sev: dict[str, str] = {}
    for holder in (rulebook, profile_or_rulebook):
        s = getattr(holder, "severities", None)
        if isinstance(s, Mapping):
            sev.update({str(k): str(v) for k, v in s.items()})
    rules = _get(rulebook, "rules", default=())
    return [rule_info(r, sev) for r in _iter(rules)]


def profile_name(profile: Any) -> str:
    if profile is None:
        return ""
    return str(getattr(profile, "name", "") or "")


# --------------------------------------------------------------------------- rendering
def _env():
    from checker.report import markdown_env

    return markdown_env()


def rule_markdown(rule: RuleInfo, only_check: str | None = None) -> str:
    """The ruff-style page of one rule (or of one of its checks)."""
    checks = [c for c in rule.checks if only_check is None or c.id == only_check]
    tpl = _env().get_template("rule.md.j2")
    return tpl.render(rule=rule, checks=checks, only_check=only_check,
                      STATUS_LABEL=STATUS_LABEL, SEVERITY_LABEL=SEVERITY_LABEL, KIND_LABEL=KIND_LABEL)


def index_markdown(rules: list[RuleInfo], profile: str = "") -> str:
    tpl = _env().get_template("rules_index.md.j2")
    return tpl.render(rules=rules, profile=profile, SEVERITY_LABEL=SEVERITY_LABEL)


def find_rule(rules: list[RuleInfo], ident: str) -> tuple[RuleInfo, str | None] | None:
    """The rule named ``ident``, or the rule holding the check ``ident``."""
    for r in rules:
        if r.id == ident:
            return r, None
    for r in rules:
        if r.check(ident):
            return r, ident
    return None


def generate(rules: list[RuleInfo], profile: str = "") -> dict[str, str]:
    """File name -> content of the whole documentation folder."""
    files = {"README.md": index_markdown(rules, profile)}
    for r in rules:
        files[f"{r.id}.md"] = rule_markdown(r)
    return files


def write_docs(out: Path, files: Mapping[str, str]) -> None:
    """Write the documentation, removing pages of rules that no longer exist."""
    from checker.atomic import write_text_atomic

    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.md"):
        if old.name not in files:
            old.unlink()
    for name, text in files.items():
        p = out / name
        if not p.exists() or p.read_text(encoding="utf-8") != text:
            write_text_atomic(p, text)


def stale_files(out: Path, files: Mapping[str, str]) -> list[str]:
    """Names of pages in ``out`` that differ from ``files`` (missing, changed or extra)."""
    stale = [n for n, t in files.items()
             if not (out / n).is_file() or (out / n).read_text(encoding="utf-8") != t]
    if out.is_dir():
        stale += [p.name for p in out.glob("*.md") if p.name not in files]
    return sorted(stale)


def default_out() -> Path:
    return Path(__file__).resolve().parent.parent / "docs" / "rules"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m checker.ruledocs",
                                 description="docs/rules/ をルールファイルから生成します。")
    ap.add_argument("--out", default=None, metavar="DIR", help="出力先（既定: docs/rules）")
    ap.add_argument("--profile", default=None, metavar="NAME|FILE")
    ap.add_argument("--check", action="store_true", help="生成せず、最新でなければ終了コード 1")
    args = ap.parse_args(argv)
    from checker.profile import load_profile

    profile = load_profile(args.profile)
    files = generate(rule_infos(profile), profile_name(profile))
    out = Path(args.out) if args.out else default_out()
    if args.check:
        stale = stale_files(out, files)
        if stale:
            print(f"{out}: ルールの説明が最新ではありません（{', '.join(stale)}）。"
                  f"python -m checker.ruledocs を実行して作り直してください。", file=sys.stderr)
            return 1
        return 0
    write_docs(out, files)
    print(f"{out}: {len(files) - 1} 件のルールの説明を書き出しました。", file=sys.stderr)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
