"""The rule engine: a pure function from a case and a rulebook to a :class:`CaseResult`.

``evaluate(case, rulebook, as_of)`` does no I/O and keeps no state between calls (the only
global is the lazily loaded GiNZA parser in ``checker.nlp``, reached only through
language matchers after their lexical prefilter).

How one check is decided (the rule-file keys are documented in ``rules/README.md``):

1. ``reads``: the documents of the kinds it reads; none → ``not_applicable`` (and the
   case-level note ``bundle.contract-missing`` / ``bundle.consultation-missing``).
2. ``applies`` (case-level facts, other checks' outcomes); false → ``applies_else``.
3. The documents are cut into units (``scope``); the units about the requirement
   (``topic``) are classified by the first ``outcome`` whose ``when`` matches (else
   ``otherwise``). Weak outcomes count only when no unit got a strong one.
4. No classified unit → ``absent``; else the most serious status (documents that disagree
   give the more serious one, both cited); on ties the earlier outcome in the file wins.
5. ``requires``: for an ``ok``, each listed element must be stated somewhere
   (else ``requires_status``); then ``overrides`` may change the status.
A check with ``evaluator`` is decided by that named Python function instead
(``checker.evaluators``), with its parameters and messages from the rule file.
"""
from __future__ import annotations

import datetime as dt
import string
from dataclasses import dataclass, field
from typing import Any, Iterable

from checker import matchers as M
from checker.model import (CONTRACT_KINDS, Case, CaseResult, Document, Evidence, Finding, Note, Sentence,
                           Status)

SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2, "info": 3}
CONSULTATION_KINDS = ("consultation", "specification")

NOTE_MESSAGES = {
    "bundle.contract-missing": "案件に契約書・個人情報取扱特記事項がないため、契約書を読むチェックは対象外としました。"
                               "契約書（案）と特記事項がそろったら、改めてチェックしてください。",
    "bundle.consultation-missing": "案件に諮問書（又は仕様書）がないため、諮問書を読むチェックは対象外としました。"
                                   "諮問書がある場合は、同じ案件に加えてチェックしてください。",
}


# --------------------------------------------------------------------------- results of one check
@dataclass
class Decision:
    """How one check came out for the case."""

    status: Status
    outcome: str | None = None  # outcome id, "absent", "requires", an evaluator's code …
    sentences: list[tuple[Document, Sentence]] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)  # extra message placeholders
    message_key: str | None = None
    missing_kind: str | None = None  # "contract" / "consultation" when n/a for lack of documents


# --------------------------------------------------------------------------- units
def _label(s: Sentence) -> str:
    return s.field or s.caption or s.heading or ""


def _group_key(s: Sentence, scope: str):
    if scope == "sentence":
        return ("s", s.index)
    if scope == "document":
        return ("d",)
    if scope == "field":
        return ("f", s.field or s.heading or s.clause or s.index)
    if scope == "paragraph":
        if s.clause:
            return ("c", s.section, s.clause)
        if s.field:
            return ("f", s.field)
        return ("h", s.heading, s.index)
    # article: an article with its paragraphs; in a form, a heading's section or a field
    if s.article:
        return ("a", s.section, s.article)
    if s.heading:
        return ("h", s.heading)
    if s.field:
        return ("f", s.field)
    if s.clause:
        return ("c", s.section, s.clause)
    return ("s", s.index)


def _same_place(prev: Sentence, s: Sentence) -> bool:
    """``s`` sits in the same article (or, outside articles, the same section/field) as ``prev``:
    a proviso never reaches back across an article boundary."""
    if s.article or prev.article:
        return s.article == prev.article and s.section == prev.section
    return (s.heading, s.field, s.section) == (prev.heading, prev.field, prev.section)


def build_units(doc: Document, scope: str) -> list[M.Unit]:
    """Cut ``doc`` into units of ``scope``; consecutive sentences with the same key form one
    unit (a table's field rows, an article's paragraphs, a heading's section)."""
    units: list[M.Unit] = []
    cur: list[Sentence] = []
    key = object()
    for s in doc.sentences:
        k = _group_key(s, scope)
        if scope == "article" and k[0] == "s" and cur:
            k = key  # a sentence with no place of its own (a cell's second line) continues the unit
        if scope != "document" and cur and M.is_proviso(s) and _same_place(cur[-1], s):
            k = key  # 「ただし、…この限りでない。」 on its own line qualifies the provision before it
        if k != key and cur:
            units.append(M.Unit(doc, tuple(cur), _label(cur[0])))
            cur = []
        key = k
        cur.append(s)
    if cur:
        units.append(M.Unit(doc, tuple(cur), _label(cur[0])))
    return units


# --------------------------------------------------------------------------- the engine
class _Run:
    """State of one evaluation (one case); discarded afterwards."""

    def __init__(self, case: Case, rulebook, as_of: dt.date):
        self.case = case
        self.book = rulebook
        self.as_of = as_of
        self.docs = [d for d in case.documents if d.error is None]
        self._units: dict[tuple[int, str], list[M.Unit]] = {}
        self._facts: dict[str, bool] = {}
        self._decisions: dict[str, Decision] = {}
        self._busy: set[str] = set()
        self._parts_cache: dict[str, list] = {}
        self.ctx = M.Ctx(fact=self.fact, outcome=self.outcome_of)

    # ---- documents and units
    def docs_of(self, reads) -> list[Document]:
        if reads is None or reads == "all":
            return list(self.docs)
        return [d for d in self.docs if d.has_kind(*reads)]

    def units(self, doc: Document, scope: str) -> list[M.Unit]:
        key = (id(doc), scope)
        u = self._units.get(key)
        if u is None:
            u = self._units[key] = build_units(doc, scope)
        return u

    # ---- facts and outcomes of other checks
    def fact(self, name: str) -> bool:
        if name not in self._facts:
            self._facts[name] = False  # guards against a fact that names itself
            f = self.book.facts[name]
            self._facts[name] = any(
                f.match(u, self.ctx) for d in self.docs_of(f.spec.reads) for u in self.units(d, f.spec.scope))
        return self._facts[name]

    def outcome_of(self, check_id: str) -> tuple[str, str | None]:
        d = self.decide(self.book.compiled[check_id])
        return d.status.value, d.outcome

    # ---- one check
    def decide(self, cc) -> Decision:
        got = self._decisions.get(cc.id)
        if got is not None:
            return got
        if cc.id in self._busy:  # a cycle of outcome references: treat as undecided
            return Decision(Status.NOT_APPLICABLE, "cycle")
        self._busy.add(cc.id)
        try:
            d = self._decide(cc)
        finally:
            self._busy.discard(cc.id)
        self._decisions[cc.id] = d
        return d

    def _decide(self, cc) -> Decision:
        spec = cc.spec
        kinds = spec.read_kinds()
        docs = self.docs_of(kinds)
        if not docs:
            return Decision(Status.NOT_APPLICABLE, "no-documents", missing_kind=_missing_kind(kinds))
        if cc.applies is not None and not cc.applies(_CASE_UNIT, self.ctx):
            return Decision(Status(spec.applies_else), "not-applicable")
        if spec.evaluator:
            from checker.evaluators import EVALUATORS

            d = EVALUATORS[spec.evaluator](self, cc, docs)
        else:
            d = self._classify(cc, docs)
        if d.status is Status.OK and cc.requires:
            d = self._requires(cc, docs, d)
        for cond, pred in cc.overrides:
            if pred is None or pred(_CASE_UNIT, _SelfCtx(self.ctx, cc.id, d)):
                d = Decision(Status(cond.status), d.outcome, d.sentences, d.values,
                             cond.message or d.message_key)
                break
        return d

    def _classify(self, cc, docs: list[Document]) -> Decision:
        spec = cc.spec
        base_kinds = spec.read_kinds()
        extra_kinds: set = set()
        all_extra = False
        for o in spec.outcomes:
            if o.reads == "all":
                all_extra = True
            elif o.reads:
                extra_kinds.update(o.reads)
        scan = list(docs)
        if all_extra or extra_kinds:
            for d in self.docs_of(None if all_extra else tuple(extra_kinds)):
                if d not in scan:
                    scan.append(d)
        hits: list[tuple[int, Status, Any, M.Unit, bool]] = []  # (outcome order, status, outcome, unit, weak)
        present = False
        for doc in scan:
            base = base_kinds is None or doc.has_kind(*base_kinds)
            for u in self.units(doc, spec.scope):
                if cc.topic is not None and not cc.topic(u, self.ctx):
                    continue
                if base:
                    present = True
                for order, (o, pred) in enumerate(cc.outcomes):
                    reads = o.reads if o.reads is not None else spec.reads
                    if reads != "all" and not doc.has_kind(*reads):
                        continue
                    if pred(u, self.ctx):
                        hits.append((order, Status(o.status), o, u, o.weak))
                        break
                else:
                    if base and spec.otherwise is not None:
                        hits.append((len(cc.outcomes), Status(spec.otherwise), None, u, spec.otherwise_weak))
        strong = [h for h in hits if not h[4]]
        pool = strong or hits
        if not pool:
            return self._absent(cc, docs, present)
        if spec.combine == "best":
            worst = min((h[1] for h in pool), key=lambda st: st.rank)
        else:
            worst = Status.worst([h[1] for h in pool])
        top = sorted((h for h in pool if h[1] is worst), key=lambda h: h[0])
        first = top[0]
        outcome = first[2].id if first[2] is not None else "otherwise"
        sents = []
        if all(h[2] is None for h in top):
            # nothing met the requirement: cite the sentences that came closest to it (a 完了検査
            # clause shares the topic word 検査 with an inspection right but little else)
            sents.extend(self._closest(cc, [h[3] for h in top]))
        else:
            for h in top:
                pred = cc.outcomes[h[0]][1] if h[2] is not None else cc.topic
                sents.extend(_evidence_sentences(h[3], pred, self.ctx))
        # documents that disagree: cite the other side too
        docs_worst = {id(h[3].doc) for h in top}
        for h in pool:
            if h[1] is not worst and id(h[3].doc) not in docs_worst:
                sents.extend(_evidence_sentences(h[3], cc.topic, self.ctx)[:1])
                break
        return Decision(worst, outcome, _dedupe(sents))

    def _closest(self, cc, units: list[M.Unit]) -> list[tuple[Document, Sentence]]:
        """The topic sentences of ``units`` that satisfy most conjuncts of the check's ``ok``
        outcomes (the near misses), in document order; all topic sentences when no ``ok``
        outcome can be scored."""
        parts = self._ok_parts(cc)
        scored = []
        for u in units:
            cand = M.sentences_matching(cc.topic, u, self.ctx) if cc.topic is not None else []
            for s in cand or list(u.sentences[:1]):
                one = u.single(s)
                score = max((sum(1 for p in ps if p(one, self.ctx)) for ps in parts), default=0)
                scored.append((score, u.doc, s))
        if not scored:
            return []
        best = max(sc for sc, _, _ in scored)
        return [(d, s) for sc, d, s in scored if sc == best][:4]

    def _ok_parts(self, cc) -> list[list]:
        got = self._parts_cache.get(cc.id)
        if got is None:
            got = []
            for o, _ in cc.outcomes:
                if o.status != "ok":
                    continue
                when = o.when
                if isinstance(when, dict) and len(when) == 1 and "sentence" in when:
                    when = when["sentence"]
                items = when["all"] if isinstance(when, dict) and len(when) == 1 and "all" in when else [when]
                flat = []
                for it in items:
                    if isinstance(it, dict) and len(it) == 1 and "sentence" in it:
                        inner = it["sentence"]
                        flat.extend(inner["all"] if isinstance(inner, dict) and len(inner) == 1 and "all" in inner
                                    else [inner])
                    else:
                        flat.append(it)
                try:
                    got.append([M.compile(x) for x in flat])
                except M.MatcherError:  # pragma: no cover - the rule file was validated already
                    continue
            if not got and cc.requires:
                # an ok decided by ``otherwise`` whose elements are lacking: the closest
                # sentences state the most of the required elements
                got.append([pred for _, pred, _ in cc.requires])
            self._parts_cache[cc.id] = got
        return got

    def _absent(self, cc, docs, present: bool) -> Decision:
        for cond, pred in cc.absent:
            if pred is None or pred(_CASE_UNIT, self.ctx):
                return Decision(Status(cond.status), "absent", [], {}, cond.message)
        return Decision(Status.NOT_APPLICABLE, "absent")

    def _requires(self, cc, docs, d: Decision) -> Decision:
        lacking = []
        found: list[tuple[Document, Sentence]] = []
        for req, pred, applies in cc.requires:
            if applies is not None and not applies(_CASE_UNIT, self.ctx):
                continue
            unit = next((u for doc in docs for u in self.units(doc, cc.spec.scope) if pred(u, self.ctx)), None)
            if unit is None:
                lacking.append(req.label)
            else:
                found.extend(_evidence_sentences(unit, pred, self.ctx)[:1])
        if not lacking:
            # an ok that needs several elements cites where each of them is stated
            return Decision(d.status, d.outcome, _dedupe(found + d.sentences), d.values, d.message_key)
        vals = dict(d.values)
        vals["missing"] = "、".join(lacking)
        return Decision(Status(cc.spec.requires_status), "requires", d.sentences, vals, "requires")


class _CaseUnit(M.Unit):
    """The empty unit used for case-level matchers (facts, outcomes)."""

    def __init__(self):
        object.__setattr__(self, "doc", Document(path="", format="", sha256="", pages=0))
        object.__setattr__(self, "sentences", ())
        object.__setattr__(self, "label", "")


_CASE_UNIT = _CaseUnit()


class _SelfCtx(M.Ctx):
    """Context for ``overrides``: ``outcome: <this check>:<id>`` sees the decision so far."""

    def __init__(self, base: M.Ctx, check_id: str, d: Decision):
        self._base, self._id, self._d = base, check_id, d

    def fact(self, name):
        return self._base.fact(name)

    def outcome(self, check_id):
        if check_id == self._id:
            return self._d.status.value, self._d.outcome
        return self._base.outcome(check_id)

    def parse(self, text):
        return self._base.parse(text)


def _missing_kind(kinds) -> str | None:
    if kinds is None:
        return None
    if set(kinds) & set(CONTRACT_KINDS):
        return "contract"
    if set(kinds) & set(CONSULTATION_KINDS):
        return "consultation"
    return None


def _evidence_sentences(u: M.Unit, pred, ctx) -> list[tuple[Document, Sentence]]:
    hit = M.sentences_matching(pred, u, ctx) if pred is not None else []
    chosen = hit or list(u.sentences[:1])
    return [(u.doc, s) for s in chosen[:2]]


def _dedupe(items):
    seen, out = set(), []
    for d, s in items:
        k = (d.path, s.index)
        if k not in seen:
            seen.add(k)
            out.append((d, s))
    return out[:4]


# --------------------------------------------------------------------------- findings
def _where(doc: Document, s: Sentence) -> str:
    import os

    loc = s.clause or s.field or s.heading or s.section or ""
    return f"{os.path.basename(doc.path)} {s.page}ページ {loc}".strip()


def _quote(s: Sentence, limit: int = 90) -> str:
    t = (s.raw or s.text).strip()
    return t if len(t) <= limit else t[:limit] + "…"


class _SafeDict(dict):
    def __missing__(self, key):
        return "{" + key + "}"


def render_message(template: str, values: dict) -> str:
    return string.Formatter().vformat(template, (), _SafeDict(values))


def _message(cc, d: Decision) -> str:
    msgs = cc.spec.messages
    tpl = None
    for key in (d.message_key, d.outcome, d.status.value):
        if key and key in msgs:
            tpl = msgs[key]
            break
    if tpl is None:
        tpl = f"{cc.spec.title}: {d.status.value}"
    values = {"check": cc.id, "title": cc.spec.title, "quote": "", "where": "", "doc": "", "missing": ""}
    if d.sentences:
        doc, s = d.sentences[0]
        import os

        values.update(quote=_quote(s), where=_where(doc, s), doc=os.path.basename(doc.path))
    values.update(d.values)
    return render_message(tpl, values)


def _finding(cc, d: Decision) -> Finding:
    ev = tuple(Evidence(path=doc.path, page=s.page, clause=s.clause or s.field or s.heading or s.section,
                        text=(s.raw or s.text)) for doc, s in d.sentences)
    fix = cc.spec.fix if d.status in (Status.MISSING, Status.VIOLATION, Status.NEEDS_REVIEW) else None
    return Finding(rule=cc.rule, check=cc.id, status=d.status, severity=cc.severity,
                   message=_message(cc, d), evidence=ev, fix=fix)


def evaluate(case: Case, rulebook, as_of: dt.date) -> CaseResult:
    """Check one case against the rulebook on the reference date ``as_of`` (pure)."""
    run = _Run(case, rulebook, as_of)
    checks: dict[str, Status] = {}
    rule_status: dict[str, list[Status]] = {r.id: [] for r in rulebook.rules}
    findings: list[Finding] = []
    needed: set[str] = set()
    for cc in rulebook.checks():
        d = run.decide(cc)
        checks[cc.id] = d.status
        rule_status[cc.rule].append(d.status)
        if d.missing_kind:
            needed.add(d.missing_kind)
        if d.status is not Status.NOT_APPLICABLE:
            findings.append(_finding(cc, d))
    findings.sort(key=lambda f: (SEVERITY_ORDER.get(f.severity, 9), -f.status.rank))
    notes = []
    for kind in ("contract", "consultation"):
        if kind in needed:
            code = f"bundle.{kind}-missing"
            notes.append(Note(code=code, severity="info", message=NOTE_MESSAGES[code]))
    rules = {rid: Status.worst(sts) for rid, sts in rule_status.items()}
    return CaseResult(case=case.name, documents=case.documents, rules=rules, findings=tuple(findings),
                      notes=tuple(notes), checks=checks)


__all__ = ["evaluate", "build_units", "render_message", "Decision"]
