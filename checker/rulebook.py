"""Load and validate the rule files (``rules/*.yaml``) into a :class:`Rulebook`.

One YAML file per rule; the format is documented in ``rules/README.md``. Every file is
validated on load by the pydantic schema below (unknown keys rejected) and every matcher
is compiled (``checker.matchers``); an error names the file and the line of the offending
key (``rules/subcontracting.yaml:42: …``). Duplicate rule, check or fact ids across all
loaded folders are rejected the same way.

A :class:`Rulebook` is immutable: ``select`` and ``with_severity`` return new rulebooks
(profiles build on them).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable, Literal, Mapping, Sequence

import yaml
from pydantic import BaseModel, ConfigDict, Field as PField, ValidationError, field_validator, model_validator

from checker import matchers as M
from checker.model import DOC_KINDS, SEVERITIES

StatusName = Literal["ok", "missing", "violation", "needs_review", "not_applicable"]
Scope = Literal["sentence", "paragraph", "article", "field", "document"]
ID_RE = re.compile(r"^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)?$")
PLACEHOLDERS = {"quote", "where", "doc", "missing", "check", "title"}


class RulebookError(ValueError):
    """A rule file is invalid. The message starts with ``file:line:``."""


# --------------------------------------------------------------------------- YAML with lines
class _LineDict(dict):
    """A mapping that remembers the line of itself and of each key (1-based)."""

    line: int = 0
    key_lines: dict


class _LineList(list):
    line: int = 0
    item_lines: list


# The C (libyaml) loader where PyYAML has it: rule files are loaded by every process of
# a batch, and the pure-Python parser cost most of the profile's start-up. Both keep the
# node marks that file:line errors need.
class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    pass


def _construct_mapping(loader, node):
    loader.flatten_mapping(node)
    d = _LineDict()
    d.line = node.start_mark.line + 1
    d.key_lines = {}
    for k_node, v_node in node.value:
        k = loader.construct_object(k_node, deep=True)
        if k in d:
            raise yaml.constructor.ConstructorError(None, None, f"キー {k!r} が重複しています", k_node.start_mark)
        d[k] = loader.construct_object(v_node, deep=True)
        d.key_lines[k] = k_node.start_mark.line + 1
    return d


def _construct_seq(loader, node):
    lst = _LineList(loader.construct_object(c, deep=True) for c in node.value)
    lst.line = node.start_mark.line + 1
    lst.item_lines = [c.start_mark.line + 1 for c in node.value]
    return lst


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_seq)
# dates stay strings except where the schema parses them (as_of)
_Loader.yaml_implicit_resolvers = {k: [(t, r) for t, r in v if t != "tag:yaml.org,2002:timestamp"]
                                   for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def _line_of(data: Any, loc: Sequence) -> int:
    """The line of the deepest node along ``loc`` that we know."""
    line = getattr(data, "line", 1)
    cur = data
    for key in loc:
        if isinstance(cur, _LineDict):
            if key in cur.key_lines:
                line = cur.key_lines[key]
            if key not in cur:
                break
            cur = cur[key]
        elif isinstance(cur, _LineList) and isinstance(key, int) and 0 <= key < len(cur):
            line = cur.item_lines[key]
            cur = cur[key]
        else:
            break
        line = getattr(cur, "line", line) if isinstance(cur, (_LineDict, _LineList)) and not isinstance(key, str) else line
    return line


# --------------------------------------------------------------------------- schema
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


Reads = list[str] | Literal["all"]


def _check_reads(v):
    if v == "all" or v is None:
        return v
    bad = [k for k in v if k not in DOC_KINDS]
    if bad:
        raise ValueError(f"未知の文書の種類 {bad}（使える種類: {', '.join(DOC_KINDS)}、又は all）")
    return v


class Outcome(_Strict):
    """One way a unit can be classified: the first outcome whose ``when`` matches wins."""

    id: str
    status: StatusName
    when: Any
    reads: Reads | None = None  # documents this outcome also looks at (default: the check's)
    weak: bool = False  # counts only when no other unit was classified by a non-weak outcome
    note: str | None = None

    _v_reads = field_validator("reads")(classmethod(lambda cls, v: _check_reads(v)))


class Requirement(_Strict):
    """An element that must be stated somewhere in the documents read for an ``ok``."""

    id: str
    label: str  # Japanese, listed in {missing}
    match: Any
    applies: Any = None  # case-level matcher; the element is required only when it holds


class Conditional(_Strict):
    when: Any = None  # case-level matcher; None = always
    status: StatusName
    message: str | None = None  # key of ``messages`` to use


class ExampleDoc(_Strict):
    kind: str | list[str]
    text: str


class Example(_Strict):
    status: StatusName
    text: str | None = None  # one document of the check's first kind
    docs: list[ExampleDoc] | None = None
    as_of: dt.date | None = None
    note: str | None = None
    says: str | None = None  # words the finding's message must contain (the right comment, not only the status)

    @model_validator(mode="after")
    def _one_source(self):
        if (self.text is None) == (self.docs is None):
            raise ValueError("例には text か docs のどちらか一方を書いてください")
        return self


class Check(_Strict):
    id: str
    title: str
    reads: Reads
    severity: Literal["high", "medium", "low", "info"]
    scope: Scope = "paragraph"
    applies: Any = None
    applies_else: StatusName = "not_applicable"
    topic: Any = None
    outcomes: list[Outcome] = PField(default_factory=list)
    otherwise: StatusName | None = None
    otherwise_weak: bool = False  # the otherwise status counts only when no unit got a strong outcome
    combine: Literal["worst", "best"] = "worst"  # how the units' statuses make the check's
    absent: StatusName | list[Conditional] = "missing"
    requires: list[Requirement] = PField(default_factory=list)
    requires_status: StatusName = "missing"
    overrides: list[Conditional] = PField(default_factory=list)
    evaluator: str | None = None
    params: dict[str, Any] = PField(default_factory=dict)
    messages: dict[str, str]
    fix: str | None = None
    rationale: str
    references: list[str] = PField(default_factory=list)
    examples: list[Example]

    _v_reads = field_validator("reads")(classmethod(lambda cls, v: _check_reads(v)))

    @property
    def rule_id(self) -> str:
        return self.id.split(".")[0]

    def read_kinds(self) -> tuple[str, ...] | None:
        """The kinds read, or None for every document."""
        return None if self.reads == "all" else tuple(self.reads)


class Fact(_Strict):
    """A case-level fact: true when some unit of the documents read matches ``match``."""

    id: str
    description: str
    reads: Reads = "all"
    scope: Scope = "sentence"
    match: Any

    _v_reads = field_validator("reads")(classmethod(lambda cls, v: _check_reads(v)))


class Rule(_Strict):
    id: str
    title: str
    summary: str
    rationale: str
    references: list[str] = PField(default_factory=list)
    facts: list[Fact] = PField(default_factory=list)
    checks: list[Check]
    source: str = ""  # the file it was loaded from (set by the loader)


# --------------------------------------------------------------------------- compiled
@dataclass(frozen=True)
class CompiledCheck:
    """A validated check with its matchers compiled (what the engine runs)."""

    spec: Check
    rule: str
    severity: str
    applies: M.Predicate | None
    topic: M.Predicate | None
    outcomes: tuple[tuple[Outcome, M.Predicate], ...]
    requires: tuple[tuple[Requirement, M.Predicate, M.Predicate | None], ...]
    absent: tuple[tuple[Conditional, M.Predicate | None], ...]
    overrides: tuple[tuple[Conditional, M.Predicate | None], ...]
    source: str = ""

    @property
    def id(self) -> str:
        return self.spec.id


@dataclass(frozen=True)
class CompiledFact:
    spec: Fact
    match: M.Predicate


@dataclass(frozen=True)
class Rulebook:
    """An ordered, immutable set of rules with their compiled checks and facts."""

    rules: tuple[Rule, ...]
    compiled: Mapping[str, CompiledCheck]
    facts: Mapping[str, CompiledFact]
    severities: Mapping[str, str] = field(default_factory=dict)  # check id -> overridden severity

    def rule(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)

    def check(self, check_id: str) -> Check:
        return self.compiled[check_id].spec

    def checks(self) -> list[CompiledCheck]:
        """Every check in rule order, with the active severity."""
        out = []
        for r in self.rules:
            for c in r.checks:
                cc = self.compiled[c.id]
                sev = self.severities.get(c.id)
                out.append(replace(cc, severity=sev) if sev else cc)
        return out

    def severity(self, check_id: str) -> str:
        return self.severities.get(check_id) or self.compiled[check_id].spec.severity

    def select(self, rule_ids: Iterable[str]) -> "Rulebook":
        """A rulebook of only these rules (in rulebook order). Unknown ids raise KeyError.
        Facts and other checks' outcomes stay available to the engine."""
        ids = list(rule_ids)
        known = {r.id for r in self.rules}
        unknown = [i for i in ids if i not in known]
        if unknown:
            raise KeyError(", ".join(unknown))
        return replace(self, rules=tuple(r for r in self.rules if r.id in ids))

    def with_severity(self, check_id: str, severity: str) -> "Rulebook":
        if check_id not in self.compiled:
            raise KeyError(check_id)
        if severity not in SEVERITIES:
            raise ValueError(f"severity {severity!r}: one of {SEVERITIES}")
        sev = dict(self.severities)
        sev[check_id] = severity
        return replace(self, severities=sev)


# --------------------------------------------------------------------------- loading
def default_rules_dir() -> Path:
    from checker.resources import data_dir

    return data_dir("rules")


def _fmt_loc(loc: Sequence) -> str:
    return ".".join(str(x) for x in loc)


def _load_file(path: Path) -> tuple[Rule, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RulebookError(f"{path}:1: ルールファイルを読めません（{exc}）") from None
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark else 1
        raise RulebookError(f"{path}:{line}: YAML の書式が不正です（{getattr(exc, 'problem', exc)}）") from None
    if not isinstance(data, dict):
        raise RulebookError(f"{path}:1: ルールファイルは id, title, checks などを持つ対応表でなければなりません")
    try:
        rule = Rule.model_validate({**data, "source": str(path)})
    except ValidationError as exc:
        msgs = []
        for err in exc.errors():
            loc = err["loc"]
            line = _line_of(data, [x for x in loc if not (isinstance(x, str) and x in ("str", "list[str]", "literal['all']", "function-after[_one_source(), Example]"))])
            msg = err["msg"]
            if err["type"] == "extra_forbidden":
                msg = f"未知のキー {loc[-1]!r} です（綴りを確認してください）"
            elif err["type"] == "missing":
                msg = f"必須のキー {loc[-1]!r} がありません"
            msgs.append(f"{path}:{line}: {_fmt_loc(loc)}: {msg}")
        raise RulebookError("\n".join(msgs)) from None
    return rule, data


def _compile_rule(rule: Rule, data: Any, path: Path) -> tuple[list[CompiledCheck], list[CompiledFact]]:
    def comp(spec, loc):
        if spec is None:
            return None
        try:
            return M.compile(spec, ())
        except M.MatcherError as exc:
            line = _line_of(data, list(loc) + list(exc.loc))
            raise RulebookError(f"{path}:{line}: {_fmt_loc(loc)}: {exc}") from None

    def err(loc, msg):
        raise RulebookError(f"{path}:{_line_of(data, loc)}: {_fmt_loc(loc)}: {msg}")

    from checker.evaluators import EVALUATORS

    if not ID_RE.match(rule.id) or "." in rule.id:
        err(["id"], f"ルール id {rule.id!r} は英小文字・数字・ハイフンで書いてください")
    if Path(path).stem != rule.id:
        err(["id"], f"ルール id {rule.id!r} はファイル名 {Path(path).stem!r} と同じにしてください")
    checks = []
    for i, c in enumerate(rule.checks):
        base = ["checks", i]
        if not c.id.startswith(rule.id + ".") or not ID_RE.match(c.id):
            err(base + ["id"], f"チェック id {c.id!r} は「{rule.id}.名前」の形にしてください")
        if c.evaluator is not None and c.evaluator not in EVALUATORS:
            err(base + ["evaluator"], f"未知の evaluator {c.evaluator!r}（使えるもの: {', '.join(EVALUATORS)}）")
        if c.evaluator is None and not c.outcomes and c.topic is None:
            err(base, "topic / outcomes か evaluator のいずれかが必要です")
        statuses = {e.status for e in c.examples}
        # a passing example is ok, or not_applicable for a check that SPEC gives no ok status
        # (data-minimization.my-number, contractor-termination-right.clause: needs_review or n/a)
        if not statuses & {"ok", "not_applicable"} or not statuses & {"missing", "violation", "needs_review"}:
            err(base + ["examples"], "例には ok（ok のないチェックでは not_applicable）のものと、missing / violation / needs_review のものの両方が必要です")
        for key, msg in c.messages.items():
            for name in re.findall(r"\{(\w+)\}", msg):
                if name not in PLACEHOLDERS and c.evaluator is None:
                    err(base + ["messages", key], f"未知の差し込み {{{name}}}（使えるもの: {', '.join(sorted(PLACEHOLDERS))}）")
        ids = [o.id for o in c.outcomes]
        if len(ids) != len(set(ids)):
            err(base + ["outcomes"], "outcome の id が重複しています")
        checks.append(CompiledCheck(
            spec=c, rule=rule.id, severity=c.severity,
            applies=comp(c.applies, base + ["applies"]),
            topic=comp(c.topic, base + ["topic"]),
            outcomes=tuple((o, comp(o.when, base + ["outcomes", j, "when"])) for j, o in enumerate(c.outcomes)),
            requires=tuple((r, comp(r.match, base + ["requires", j, "match"]), comp(r.applies, base + ["requires", j, "applies"]))
                           for j, r in enumerate(c.requires)),
            absent=tuple((a, comp(a.when, base + ["absent", j, "when"])) for j, a in enumerate(c.absent))
            if isinstance(c.absent, list) else ((Conditional(status=c.absent), None),),
            overrides=tuple((o, comp(o.when, base + ["overrides", j, "when"])) for j, o in enumerate(c.overrides)),
            source=f"{path}:{_line_of(data, base)}",
        ))
    facts = []
    for i, f in enumerate(rule.facts):
        if not ID_RE.match(f.id):
            err(["facts", i, "id"], f"事実 id {f.id!r} は英小文字・数字・ハイフンで書いてください")
        facts.append(CompiledFact(f, comp(f.match, ["facts", i, "match"])))
    return checks, facts


def load_rulebook(dirs: Path | str | Sequence[Path | str] | None = None) -> Rulebook:
    """Load every ``*.yaml`` of the given folders (default: the shipped ``rules/``), in
    folder order then file-name order. Raises :class:`RulebookError` (file:line)."""
    if dirs is None:
        dirs = [default_rules_dir()]
    elif isinstance(dirs, (str, Path)):
        dirs = [dirs]
    rules: list[Rule] = []
    compiled: dict[str, CompiledCheck] = {}
    facts: dict[str, CompiledFact] = {}
    seen_rule: dict[str, str] = {}
    seen_fact: dict[str, str] = {}
    for d in dirs:
        d = Path(d)
        if not d.is_dir():
            raise RulebookError(f"{d}:1: ルールのフォルダが見つかりません")
        for path in sorted(d.glob("*.yaml")):
            rule, data = _load_file(path)
            if rule.id in seen_rule:
                raise RulebookError(f"{path}:{_line_of(data, ['id'])}: ルール id {rule.id!r} が重複しています（{seen_rule[rule.id]} でも定義）")
            seen_rule[rule.id] = str(path)
            checks, fs = _compile_rule(rule, data, path)
            for i, cc in enumerate(checks):
                if cc.id in compiled:
                    raise RulebookError(f"{path}:{_line_of(data, ['checks', i, 'id'])}: チェック id {cc.id!r} が重複しています（{compiled[cc.id].source}）")
                compiled[cc.id] = cc
            for i, f in enumerate(fs):
                if f.spec.id in facts:
                    raise RulebookError(f"{path}:{_line_of(data, ['facts', i, 'id'])}: 事実 id {f.spec.id!r} が重複しています（{seen_fact[f.spec.id]}）")
                facts[f.spec.id] = f
                seen_fact[f.spec.id] = str(path)
            rules.append(rule)
    book = Rulebook(rules=tuple(rules), compiled=compiled, facts=facts)
    _check_references(book)
    return book


def _check_references(book: Rulebook) -> None:
    """Every ``fact:`` and ``outcome:`` a check names must exist."""
    def walk(spec, out):
        if isinstance(spec, Mapping):
            for k, v in spec.items():
                if k == "fact":
                    out.append(("fact", v))
                elif k == "outcome" and isinstance(v, str):
                    out.append(("outcome", v.rsplit(":", 1)[0]))
                else:
                    walk(v, out)
        elif isinstance(spec, list):
            for v in spec:
                walk(v, out)

    for cc in book.compiled.values():
        refs: list = []
        c = cc.spec
        walk([c.applies, c.topic, [o.when for o in c.outcomes], [r.match for r in c.requires],
              [r.applies for r in c.requires], [o.when for o in c.overrides],
              [a.when for a in c.absent] if isinstance(c.absent, list) else None], refs)
        for kind, name in refs:
            if kind == "fact" and name not in book.facts:
                raise RulebookError(f"{cc.source}: {c.id}: 未定義の事実 {name!r}（facts: で定義してください）")
            if kind == "outcome" and name not in book.compiled:
                raise RulebookError(f"{cc.source}: {c.id}: 未定義のチェック {name!r} を参照しています")
