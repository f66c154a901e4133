"""The closed set of matcher types a rule file may use, as a dict of builder functions.

A matcher in a rule file is a mapping with exactly one key, the matcher type
(``{regex: "..."}``, ``{any: [...]}``, ``{fact: subcontracting-declared}`` …). ``compile``
turns it into a predicate ``(unit, ctx) -> bool``; an unknown type or a malformed value
raises :class:`MatcherError` with the path inside the rule file, which the rulebook turns
into ``file:line``.

A *unit* is what a check looks at (a sentence, a paragraph, an article or field, a whole
document); ``ctx`` is the evaluation context of one case (facts, other checks' outcomes,
parties, the parser). Matching is on the normalised text (NFKC, see ``checker.normalize``).

Language matchers (``lemma``, ``tokens``, ``deps``) use GiNZA through ``checker.nlp``; each
carries a ``prefilter`` regex - the cheap lexical pass: a sentence is parsed only when the
prefilter matches it, so GiNZA never runs on every sentence.
"""
from __future__ import annotations

import contextvars
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from checker.forms import resolve_circled
from checker.model import Document, Sentence

Predicate = Callable[["Unit", "Ctx"], bool]


class MatcherError(ValueError):
    """A malformed matcher; ``loc`` is the path inside the check (for file:line)."""

    def __init__(self, message: str, loc: tuple = ()):
        super().__init__(message)
        self.loc = loc


# --------------------------------------------------------------------------- units
_INNER_STOP = re.compile(r"。(?=[)」』】〕])")


@dataclass(frozen=True)
class Unit:
    """What a check looks at: sentences of one document, with a label and kinds."""

    doc: Document
    sentences: tuple[Sentence, ...]
    label: str = ""  # field label, heading or article caption ("再委託先", "(再委託)")

    @property
    def text(self) -> str:
        # a full stop closing a parenthesis or quote (「…(…に限る。)のみが…」) ends no sentence:
        # dropped for matching, so a pattern's [^。] window runs across the aside
        # (and a circled option of a form, 「○取得済み・未取得」, reads as the option chosen)
        return resolve_circled(_INNER_STOP.sub("", "".join(s.text for s in self.sentences)))

    @property
    def kinds(self) -> tuple[str, ...]:
        return self.doc.kinds

    def single(self, s: Sentence) -> "Unit":
        return Unit(self.doc, (s,), self.label)


# default role words; the parties a document declares (Document.parties) are added
CONTRACTOR_WORDS = ("乙", "受注者", "受託者", "受託事業者", "受任者", "委託先", "受託業者", "事業者", "請負者", "契約者")
CITY_WORDS = ("甲", "発注者", "委託者", "本市", "当市", "市", "町", "村", "区", "県", "都", "委任者")


class Ctx:
    """Evaluation context of one case (built by the engine; matchers only read it)."""

    def __init__(self, fact: Callable[[str], bool] | None = None,
                 outcome: Callable[[str], tuple[str, str | None]] | None = None,
                 parse: Callable[[str], Any] | None = None):
        self._fact = fact or (lambda name: False)
        self._outcome = outcome or (lambda check: ("not_applicable", None))
        self._parse = parse
        self._parsed: dict[str, Any] = {}

    def fact(self, name: str) -> bool:
        return self._fact(name)

    def outcome(self, check_id: str) -> tuple[str, str | None]:
        """(status, outcome id) of another check of the case."""
        return self._outcome(check_id)

    def parse(self, text: str):
        doc = self._parsed.get(text)
        if doc is None:
            if self._parse is None:
                from checker import nlp

                self._parse = nlp.parse
            doc = self._parse(text)
            self._parsed[text] = doc
        return doc


# --------------------------------------------------------------------------- helpers
# A profile's vocabulary (checker.profile): while a profile loads its rulebook, this holds a
# function that rewrites each pattern, adding the organisation's words as alternatives
# (個人情報取扱責任者 -> (?:個人情報取扱責任者|個人情報管理責任者)). None: patterns as written.
REGEX_REWRITE: contextvars.ContextVar[Callable[[str], str] | None] = contextvars.ContextVar(
    "itaku_regex_rewrite", default=None)


def _regex(value: Any, loc: tuple) -> re.Pattern:
    if not isinstance(value, str) or not value:
        raise MatcherError("正規表現（文字列）を指定してください", loc)
    rewrite = REGEX_REWRITE.get()
    if rewrite is not None:
        value = rewrite(value)
    try:
        return re.compile(value)
    except re.error as exc:
        raise MatcherError(f"正規表現が不正です: {exc}", loc) from None


def _mapping(value: Any, keys: set[str], required: set[str], loc: tuple, name: str) -> Mapping:
    if not isinstance(value, Mapping):
        raise MatcherError(f"{name} にはキー {sorted(keys)} を持つ対応表を指定してください", loc)
    unknown = set(value) - keys
    if unknown:
        raise MatcherError(f"{name} に未知のキー {sorted(unknown)} があります（使えるキー: {sorted(keys)}）", loc + (sorted(unknown)[0],))
    missing = required - set(value)
    if missing:
        raise MatcherError(f"{name} にキー {sorted(missing)} が必要です", loc)
    return value


def _list(value: Any, loc: tuple, name: str) -> list:
    if not isinstance(value, list) or not value:
        raise MatcherError(f"{name} には1つ以上のマッチャーのリストを指定してください", loc)
    return value


# --------------------------------------------------------------------------- builders
def _b_regex(value, loc):
    """``regex: PATTERN`` - the pattern occurs in the unit's normalised text."""
    pat = _regex(value, loc)
    return lambda u, c: pat.search(u.text) is not None


def _b_any(value, loc):
    """``any: [m, ...]`` - at least one matches."""
    subs = [compile(v, loc + (i,)) for i, v in enumerate(_list(value, loc, "any"))]
    return lambda u, c: any(s(u, c) for s in subs)


def _b_all(value, loc):
    """``all: [m, ...]`` - every one matches (in the same unit, not necessarily the same sentence)."""
    subs = [compile(v, loc + (i,)) for i, v in enumerate(_list(value, loc, "all"))]
    return lambda u, c: all(s(u, c) for s in subs)


def _b_not(value, loc):
    """``not: m`` - m does not match."""
    sub = compile(value, loc)
    return lambda u, c: not sub(u, c)


# a proviso opens with ただし/但し; 「前項ただし書により」 only refers to one
_PROVISO_START = re.compile(r"^\s*(?:ただし|但し)(?!書|がき)")


def is_proviso(s: Sentence) -> bool:
    """The sentence is a proviso (「ただし、…」) qualifying the provision before it."""
    return bool(_PROVISO_START.match(s.text))


def sentence_groups(u: "Unit") -> list[Sentence]:
    """The unit's sentences, each proviso (a sentence opening with ただし/但し) joined to the
    sentence it qualifies: 「…してはならない。ただし、…この限りでない。」 is one statement."""
    out: list[Sentence] = []
    for s in u.sentences:
        if out and _PROVISO_START.match(s.text):
            prev = out[-1]
            out[-1] = Sentence(text=prev.text + s.text, page=prev.page, index=prev.index,
                               raw=(prev.raw or prev.text) + (s.raw or s.text), clause=prev.clause,
                               article=prev.article, caption=prev.caption, field=prev.field,
                               section=prev.section, heading=prev.heading)
        else:
            out.append(s)
    return out


def _b_sentence(value, loc):
    """``sentence: m`` - m matches within one single sentence of the unit (a sentence and the
    proviso that follows it, 「ただし、…」, count as one)."""
    sub = compile(value, loc)
    return lambda u, c: any(sub(u.single(s), c) for s in sentence_groups(u))


def _b_near(value, loc):
    """``near: {a: RE, b: RE, within: N, ordered: false}`` - a and b within N characters
    of each other in the same sentence (a before b when ``ordered``)."""
    v = _mapping(value, {"a", "b", "within", "ordered"}, {"a", "b"}, loc, "near")
    a, b = _regex(v["a"], loc + ("a",)), _regex(v["b"], loc + ("b",))
    within = int(v.get("within", 20))
    ordered = bool(v.get("ordered", False))

    def f(u, c):
        for s in u.sentences:
            ma = [(m.start(), m.end()) for m in a.finditer(s.text)]
            if not ma:
                continue
            for mb in b.finditer(s.text):
                for sa, ea in ma:
                    if ordered:
                        if mb.start() >= ea and mb.start() - ea <= within:
                            return True
                    elif (mb.start() >= ea and mb.start() - ea <= within) or (sa >= mb.end() and sa - mb.end() <= within):
                        return True
        return False

    return f


_NEG = re.compile(r"^[^。、]{0,%d}?(?:ない|なく|ず[にとも、。]?|ぬ|ません|禁止|禁ずる|不可|不要|要しない)")


def _b_negated(value, loc):
    """``negated: {pattern: RE, within: 12}`` - the pattern is inside the scope of a
    negation: a negative ending (ない, なく, ず, ずに, せずに, ことなく, 要しない, 禁止 …) follows
    it within ``within`` characters without crossing a clause boundary (、 or 。)."""
    if isinstance(value, str):
        value = {"pattern": value}
    v = _mapping(value, {"pattern", "within", "syntax"}, {"pattern"}, loc, "negated")
    pat = _regex(v["pattern"], loc + ("pattern",))
    neg = re.compile(r"^[^。、]{0,%d}?(?:ない|なく|ず(?:に)?|ぬ|ません|禁止|禁ずる|不可|不要)" % int(v.get("within", 12)))
    syntax = v.get("syntax", False)
    if not isinstance(syntax, bool):
        raise MatcherError("negated.syntax には true 又は false を指定してください", loc + ("syntax",))

    def f(u, c):
        for s in u.sentences:
            for m in pat.finditer(s.text):
                rest = _OBLIGATION.sub("義務", s.text[m.end():])
                if neg.match(rest):
                    return True
                if syntax and negated_in_parse(c.parse(s.text), m.start(), m.end()):
                    return True
        return False

    return f


# ------------------------------------------------------------ negation scope by dependencies
_PREDICATE_POS = {"VERB", "ADJ", "AUX"}
_NEGATIVE = re.compile(r"ない|なく|ず|ぬ|ません|禁止|禁ず|不可|不要")
_NOMINALISERS = {"こと", "もの", "旨", "よう", "事"}


def _predicate_tail(tok) -> str:
    """The predicate's own words: the token and the auxiliaries, markers and fixed words
    hanging on it to its right (知ら|せ|て|は|なら|ない, 教え|ない, 禁止|する)."""
    end = tok.idx + len(tok.text)
    stack = [c for c in tok.children if c.i > tok.i and c.dep_ in ("aux", "mark", "fixed", "cop")]
    while stack:
        t = stack.pop()
        end = max(end, t.idx + len(t.text))
        stack.extend(c for c in t.children if c.dep_ in ("aux", "fixed", "mark"))
    return tok.doc.text[tok.idx:end]


def _negated_monotosuru(t) -> bool:
    """「…教えないものとする」「…しないこととする」: the predicate is する/なる and what it
    states is the clause before もの/こと; that clause's own negation counts."""
    if t.lemma_ not in ("する", "なる"):
        return False
    for c in t.children:
        if c.lemma_ in ("もの", "こと") and any(g.dep_ == "case" and g.text == "と" for g in c.children):
            for a in c.children:
                if a.dep_ == "acl" and _NEGATIVE.search(_OBLIGATION.sub("義務", _predicate_tail(a))):
                    return True
    return False


def negated_in_parse(doc, start: int, end: int) -> bool:
    """Whether the words at [start, end) of the sentence are in the scope of a negated
    predicate, by the dependency tree (GiNZA): from the words' head climb to the predicate
    that governs them; it is negated when its own auxiliaries say so (ない, ず, てはならない,
    禁止する), not when they make a duty (なければならない). A predicate nominalised by こと/
    もの (「知らせることを禁止する」「教えないものとする」) passes the question up one level.
    This finds a negation far from the words, across 、 (「作業従事者には、いかなる場合も、
    パスワードを教えない」), which the lexical window cannot."""
    toks = [t for t in doc if t.idx < end and t.idx + len(t.text) > start]
    if not toks:
        return False
    span = {t.i for t in toks}
    root = next((t for t in toks if t.head.i not in span or t.head.i == t.i), toks[-1])
    t, steps = root.head, 0
    while steps < 8:
        steps += 1
        if t.pos_ in _PREDICATE_POS or any(c.dep_ in ("aux", "cop") for c in t.children):
            tail = _OBLIGATION.sub("義務", _predicate_tail(t))
            if _NEGATIVE.search(tail) or _negated_monotosuru(t):
                return True
            h = t.head
            if h.i != t.i and (h.lemma_ in _NOMINALISERS or h.text in _NOMINALISERS) and h.head.i != h.i:
                t = h.head
                continue
            if t.pos_ == "ADJ" and t.dep_ in ("acl", "amod") and h.i != t.i:
                t = h  # an adnominal word (いかなる者, その他の者) does not govern; go on up
                continue
            return False
        if t.head.i == t.i:
            return False
        t = t.head
    return False


# obligations and prohibitions-as-duties are not negations of the act
_OBLIGATION = re.compile(r"なければならない|なくてはならない|ねばならない|なければ")

_PROVISO = re.compile(r"(?:ただし|但し)(?!書|がき)[、,]?")


def _split_proviso(u: Unit) -> tuple[str, str]:
    """(main text, proviso text) of a unit; a proviso starts at ただし/但し."""
    main, prov = [], []
    for s in u.sentences:
        m = _PROVISO.search(s.text)
        if m:
            main.append(s.text[:m.start()])
            prov.append(s.text[m.start():])
        else:
            main.append(s.text)
    return "".join(main), "".join(prov)


def _b_proviso(value, loc):
    """``proviso: m`` - m matches the proviso part of the unit (from ただし/但し to the end
    of that sentence: 「ただし、…の場合は、この限りでない。」)."""
    sub = compile(value, loc)

    def f(u, c):
        _, prov = _split_proviso(u)
        if not prov:
            return False
        return sub(_TextUnit(u, prov), c)

    return f


def _b_main(value, loc):
    """``main: m`` - m matches the unit without its provisos."""
    sub = compile(value, loc)
    return lambda u, c: sub(_TextUnit(u, _split_proviso(u)[0]), c)


class _TextUnit(Unit):
    """A unit whose text is a given substring (used for provisos)."""

    def __init__(self, base: Unit, text: str):
        object.__setattr__(self, "doc", base.doc)
        object.__setattr__(self, "sentences", (Sentence(text=text, page=base.sentences[0].page if base.sentences else 1, index=-1),))
        object.__setattr__(self, "label", base.label)


def _party_words(doc: Document, role: str) -> list[str]:
    """The words that name ``role`` in ``doc``: the usual party words, plus the aliases the
    preamble gave that party (「局」「本組合」) and its name; an alias the preamble gave
    the other party is dropped (a contract where 甲 is the contractor)."""
    words = set(CONTRACTOR_WORDS if role == "contractor" else CITY_WORDS)
    parties = doc.parties or {}
    roles = doc.roles or {}
    for alias, r in roles.items():
        if r == role:
            words.add(alias)
            words.add(parties.get(alias, ""))
        else:
            words.discard(alias)
    for alias, name in parties.items():
        if alias not in roles and alias in words:
            words.add(name)
    return sorted((w for w in words if w), key=len, reverse=True)


def subject_of(text: str) -> str:
    """The topic/subject phrase that opens a sentence: the words before the first は/が
    (after an opening condition clause ending in 、), e.g. "乙" in 「乙は、…」."""
    m = re.match(r"^(?:[(（][^)）]{0,12}[)）]\s*)?(?:第?\d+[条項号]?\s*)?(?:[^、。]{0,60}(?:とき|場合|際)(?:は|には|に)?、)?([^、。はが]{1,30})(?:は|が)", text)
    return m.group(1).strip() if m else ""


def _b_party(value, loc):
    """``party: contractor`` or ``party: city`` - some sentence of the unit has that party as
    its subject (「乙は、…」「受注者は…」「発注者は…」, names from the preamble included)."""
    if value not in ("contractor", "city"):
        raise MatcherError("party には contractor（乙・受注者・受託者）又は city（甲・発注者・市）を指定してください", loc)

    def f(u, c):
        words = _party_words(u.doc, value)
        for s in u.sentences:
            subj = subject_of(s.text)
            if subj and any(subj == w or subj.endswith(w) for w in words):
                return True
        return False

    return f


def _b_field(value, loc):
    """``field: RE`` - the unit's label (form-field label, heading or article caption) matches."""
    pat = _regex(value, loc)
    return lambda u, c: bool(u.label) and pat.search(u.label) is not None


def _b_heading(value, loc):
    """``heading: RE`` - the heading, 別記 section or article caption the unit stands under
    matches (a form item 「(3) 取り扱う個人情報：…」 under 「6 再委託」)."""
    pat = _regex(value, loc)

    def f(u, c):
        for s in u.sentences[:1]:
            for t in (s.heading, s.caption, s.section):
                if t and pat.search(t):
                    return True
        return False

    return f


def _b_block(value, loc):
    """``block: {opens: RE, ends: RE}`` - the unit stands in a block of form rows that is about
    one subject by its structure, not by the unit's own label: the run of sentences under the
    unit's heading opens with a form field labelled ``opens`` (「一部委任の有無 | 有」 opens a block
    about subcontracting whatever the heading says), and no form field between that row and the
    unit, nor the unit itself, is labelled ``ends`` (a row about the contractor, 「委託先の…」, closes
    the block)."""
    v = _mapping(value, {"opens", "ends"}, {"opens"}, loc, "block")
    opens = _regex(v["opens"], loc + ("opens",))
    ends = _regex(v["ends"], loc + ("ends",)) if v.get("ends") else None

    def f(u, c):
        if not u.sentences:
            return False
        first = u.sentences[0]
        sents = u.doc.sentences
        i = first.index
        if not (0 <= i < len(sents)) or sents[i].text != first.text:
            return False
        # back to the start of the heading section
        k = i
        while k > 0 and sents[k - 1].heading == first.heading:
            k -= 1
        rows = [s for s in sents[k:i + 1] if s.field]
        if not rows or not opens.search(rows[0].field):
            return False
        # a row labelled ``ends`` (the unit's own row included) is outside the block
        if ends is not None and any(ends.search(s.field) for s in rows[1:]):
            return False
        return True

    return f


def _b_kind(value, loc):
    """``kind: [contract, ...]`` - the unit's document is of one of these kinds."""
    kinds = [value] if isinstance(value, str) else value
    if not isinstance(kinds, list) or not kinds:
        raise MatcherError("kind には文書の種類（contract 等）のリストを指定してください", loc)
    ks = set(kinds)
    return lambda u, c: bool(ks & set(u.kinds))


def _b_fact(value, loc):
    """``fact: NAME`` - a case-level fact (defined under ``facts:`` of a rule file) holds."""
    if not isinstance(value, str) or not value:
        raise MatcherError("fact には事実の id を指定してください", loc)
    return lambda u, c: c.fact(value)


def _b_outcome(value, loc):
    """``outcome: CHECK_ID:OUTCOME_ID`` - another check of the case was decided by that
    outcome (e.g. ``subcontracting.clause:ban``); ``outcome: CHECK_ID:STATUS`` also works."""
    if not isinstance(value, str) or ":" not in value:
        raise MatcherError("outcome には「check の id:outcome の id」を指定してください", loc)
    check, want = value.rsplit(":", 1)
    wants = set(want.split("|"))
    return lambda u, c: bool({*c.outcome(check)} & wants)


def _nlp_prefilter(v: Mapping, loc: tuple) -> re.Pattern:
    return _regex(v.get("prefilter", ""), loc + ("prefilter",))


def _parsed_sentences(u: Unit, c: Ctx, pre: re.Pattern):
    for s in u.sentences:
        if pre.search(s.text):  # the cheap lexical pass
            yield s, c.parse(s.text)


def _b_lemma(value, loc):
    """``lemma: {any: [漏らす, 漏えい], prefilter: "漏"}`` - a token of the sentence has one of
    these lemmas (GiNZA). Only sentences matching ``prefilter`` are parsed."""
    v = _mapping(value, {"any", "prefilter"}, {"any", "prefilter"}, loc, "lemma")
    lemmas = set(v["any"]) if isinstance(v["any"], list) else {v["any"]}
    pre = _nlp_prefilter(v, loc)
    return lambda u, c: any(any(t.lemma_ in lemmas for t in d) for _, d in _parsed_sentences(u, c, pre))


_matcher_cache: dict[int, Any] = {}


def _spacy_matcher_builder(name: str, matcher_class: str, what: str):
    """A builder for ``tokens`` (spaCy ``Matcher``) or ``deps`` (``DependencyMatcher``):
    ``{pattern: [...], prefilter: RE}`` in the spaCy format, unchanged. The spaCy matcher
    is built on first use, per vocabulary; only prefiltered sentences are parsed."""

    def build(value, loc):
        v = _mapping(value, {"pattern", "prefilter"}, {"pattern", "prefilter"}, loc, name)
        if not isinstance(v["pattern"], list) or not all(isinstance(t, Mapping) for t in v["pattern"]):
            raise MatcherError(f"{name}.pattern には {what}を指定してください", loc + ("pattern",))
        pattern = [dict(t) for t in v["pattern"]]
        pre = _nlp_prefilter(v, loc)
        holder: dict = {}

        def f(u, c):
            for _, d in _parsed_sentences(u, c, pre):
                m = holder.get(id(d.vocab))
                if m is None:
                    import spacy.matcher

                    m = getattr(spacy.matcher, matcher_class)(d.vocab)
                    m.add("p", [pattern])
                    holder[id(d.vocab)] = m
                if m(d):
                    return True
            return False

        return f

    build.__doc__ = f"``{name}: {{pattern: [...], prefilter: RE}}`` - a spaCy {matcher_class} pattern matches the sentence."
    return build


_b_tokens = _spacy_matcher_builder("tokens", "Matcher", "spaCy Matcher のトークンパターン（対応表のリスト）")
_b_deps = _spacy_matcher_builder("deps", "DependencyMatcher", "spaCy DependencyMatcher のパターン")


MATCHERS: dict[str, Callable[[Any, tuple], Predicate]] = {
    "regex": _b_regex,
    "any": _b_any,
    "all": _b_all,
    "not": _b_not,
    "sentence": _b_sentence,
    "near": _b_near,
    "negated": _b_negated,
    "proviso": _b_proviso,
    "main": _b_main,
    "party": _b_party,
    "field": _b_field,
    "heading": _b_heading,
    "block": _b_block,
    "kind": _b_kind,
    "fact": _b_fact,
    "outcome": _b_outcome,
    "lemma": _b_lemma,
    "tokens": _b_tokens,
    "deps": _b_deps,
}

# matchers that need no unit (usable in ``applies`` and ``overrides``)
CASE_LEVEL = {"fact", "outcome", "any", "all", "not"}


def compile(spec: Any, loc: tuple = ()) -> Predicate:
    """Compile a matcher mapping into a predicate (raises MatcherError)."""
    if not isinstance(spec, Mapping) or len(spec) != 1:
        raise MatcherError(
            "マッチャーはキーを1つだけ持つ対応表です（使える種類: " + ", ".join(MATCHERS) + "）", loc)
    (kind, value), = spec.items()
    builder = MATCHERS.get(kind)
    if builder is None:
        raise MatcherError(f"未知のマッチャー {kind!r}（使える種類: {', '.join(MATCHERS)}）", loc + (kind,))
    return builder(value, loc + (kind,))


def uses_nlp(spec: Any) -> bool:
    """True when the matcher (or one inside it) needs GiNZA."""
    if isinstance(spec, Mapping):
        return any(k in ("lemma", "tokens", "deps") or uses_nlp(v) for k, v in spec.items())
    if isinstance(spec, list):
        return any(uses_nlp(v) for v in spec)
    return False


def sentences_matching(spec_pred: Predicate, u: Unit, c: Ctx) -> list[Sentence]:
    """The sentences of ``u`` that satisfy the predicate on their own (for evidence)."""
    return [s for s in u.sentences if spec_pred(u.single(s), c)]
