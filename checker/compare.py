"""Article-by-article comparison of a contract's special provisions with the
municipality's standard special provisions (issue 6, "the municipality's standard").

Pure functions over structured Documents. Articles are aligned by content, not by
number (deleting one article renumbers the rest), then each aligned pair is compared
for weakening: an obligation or prohibition turned into a possibility or an effort
(しなければならない -> することができる / 努める), or a condition dropped
(あらかじめ, 書面により, 承諾を得て, 直ちに …). Standard articles with no counterpart are
``absent``; contract articles with no counterpart are ``added``.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher

from checker.model import Clause, Document

# Modalities, strongest first. A pair is weakened when the standard's sentence has a
# strong one that the contract's matching sentence has lost or replaced by a weak one.
STRONG = (
    ("してはならない", re.compile(r"(し|させ|せ|行[わっ]|使用し|提供し|複製し|複写し)?て?はならない|禁止する|しないこと")),
    ("しなければならない", re.compile(r"なければならない|ものとする|しなければ")),
)
WEAK = re.compile(r"ことができる|努める|努めなければならない|よう努め|望ましい|できるものとする|差し支えない")

# Conditions whose loss weakens a clause.
CONDITIONS = (
    "あらかじめ", "事前に", "書面", "承諾", "承認", "許可", "直ちに", "遅滞なく", "速やかに",
    "復元", "判読", "施錠", "退職後", "終了後", "再委託先", "立ち入り", "立入", "報告",
    "暗号", "パスワード", "責任者", "指示", "返還", "廃棄", "消去", "証明",
)

_LABEL = re.compile(r"^\s*(別記|別紙)?\s*第\s*[0-9０-９一二三四五六七八九十百]+\s*条?(の[0-9０-９]+)?\s*")
_CAPTION = re.compile(r"^[（(【][^）)】]{1,30}[）)】]\s*")


@dataclass(frozen=True)
class ArticleDiff:
    """One difference: ``kind`` is "absent", "weakened" or "added"."""

    kind: str
    standard: Clause | None
    target: Clause | None
    details: tuple[str, ...] = ()
    similarity: float = 0.0

    @property
    def title(self) -> str:
        c = self.standard or self.target
        cap = f"（{c.caption}）" if c and c.caption else ""
        return f"{c.label}{cap}" if c else ""


@dataclass(frozen=True)
class Comparison:
    standard_path: str
    target_path: str
    diffs: tuple[ArticleDiff, ...]
    aligned: int  # pairs found equal or merely reworded

    @property
    def changed(self) -> bool:
        return bool(self.diffs)


def body(clause: Clause) -> str:
    """The article's text without its number and caption, normalised for comparison."""
    t = unicodedata.normalize("NFKC", clause.text)
    t = _LABEL.sub("", t)
    if clause.caption:
        t = t.replace(unicodedata.normalize("NFKC", f"({clause.caption})"), "", 1)
    t = _CAPTION.sub("", t)
    return re.sub(r"\s+", "", t)


def _grams(s: str) -> set[str]:
    return {s[i:i + 2] for i in range(len(s) - 1)} or {s}


def similarity(a: Clause, b: Clause) -> float:
    """Content similarity of two articles in [0, 1] (bigram overlap, caption bonus)."""
    ga, gb = _grams(body(a)), _grams(body(b))
    score = len(ga & gb) / max(1, min(len(ga), len(gb)))
    score = 0.8 * score + 0.2 * SequenceMatcher(None, body(a), body(b), autojunk=False).ratio()
    if a.caption and b.caption and _norm(a.caption) == _norm(b.caption):
        score = min(1.0, score + 0.15)
    return score


def _norm(s: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", s))


def align(standard: list[Clause], target: list[Clause], threshold: float = 0.45) -> list[tuple[int, int, float]]:
    """Pairs (i, j, score) of standard and target articles, greedy by best score.

    Monotone order is not required (a municipality may move an article), but among
    equal scores the nearer position wins.
    """
    scored = []
    for i, a in enumerate(standard):
        for j, b in enumerate(target):
            s = similarity(a, b)
            if s >= threshold:
                scored.append((s, -abs(i - j), i, j))
    scored.sort(reverse=True)
    used_i: set[int] = set()
    used_j: set[int] = set()
    pairs = []
    for s, _, i, j in scored:
        if i in used_i or j in used_j:
            continue
        used_i.add(i)
        used_j.add(j)
        pairs.append((i, j, s))
    return sorted(pairs)


_OPEN, _CLOSE = "(（「『[【", ")）」』]】"


def _sentences(text: str) -> list[str]:
    """Sentences ending in 。 outside brackets (「(以下「乙」という。)」 does not end one)."""
    out, cur, depth = [], [], 0
    for ch in text:
        cur.append(ch)
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        elif ch == "。" and depth == 0:
            out.append("".join(cur))
            cur = []
    if cur:
        out.append("".join(cur))
    return [x for x in out if x.strip("。 ")]


def _sentence_sim(a: str, b: str) -> float:
    ga, gb = _grams(a), _grams(b)
    return len(ga & gb) / max(1, min(len(ga), len(gb)))


def weakening(a: Clause, b: Clause) -> tuple[str, ...]:
    """What the target article ``b`` lost compared with the standard article ``a``.

    Sentences are paired inside the two articles; each standard sentence is compared
    with its best counterpart for modality (obligation/prohibition -> possibility or
    effort) and conditions; a standard sentence with no counterpart was dropped.
    """
    sa, sb = _sentences(body(a)), _sentences(body(b))
    details: list[str] = []
    for x in sa:
        best = max(sb, key=lambda y: _sentence_sim(x, y), default="")
        if not best or _sentence_sim(x, best) < 0.5:
            details.append(f"「{x[:40]}…」に当たる文が削られています")
            continue
        for name, rx in STRONG:
            if rx.search(x) and not rx.search(best):
                weak = WEAK.search(best)
                if weak:
                    details.append(f"「{name}」が「{weak.group(0)}」に弱められています")
                else:
                    details.append(f"「{name}」の義務付けがなくなっています")
        w = WEAK.search(best)
        if w and not WEAK.search(x) and not any("弱められて" in d for d in details):
            details.append(f"「{w.group(0)}」が加えられ、義務が任意になっています")
        for word in CONDITIONS:
            if x.count(word) > best.count(word) and not _dropped_with_exception(word, x, best):
                details.append(f"条件「{word}」が削られています")
    return tuple(dict.fromkeys(details))


_EXCEPTION = re.compile(r"[^、。]*(?:場合|とき)を除(?:き|いて)|(?:ただし|但し)[^。]*この限りでない")
_PROHIBIT = STRONG[0][1]


def _dropped_with_exception(word: str, x: str, best: str) -> bool:
    """True when ``word`` was lost only because the target dropped the whole exception it
    sat in and kept the prohibition: 「あらかじめ甲の書面による承諾を得た場合を除き…してはならない」
    -> 「…してはならない」 is stricter, not weaker."""
    if _EXCEPTION.search(best) or not _PROHIBIT.search(x) or not _PROHIBIT.search(best):
        return False
    outside = _EXCEPTION.sub("", x)
    return outside.count(word) <= best.count(word)


def compare(standard: Document, target: Document) -> Comparison:
    """Compare ``target``'s special provisions with ``standard``'s, article by article."""
    sc = provision_clauses(standard)
    tc = provision_clauses(target)
    pairs = align(sc, tc)
    diffs: list[ArticleDiff] = []
    matched_i = {i for i, _, _ in pairs}
    matched_j = {j for _, j, _ in pairs}
    for i, j, s in pairs:
        det = weakening(sc[i], tc[j])
        if det:
            diffs.append(ArticleDiff("weakened", sc[i], tc[j], det, s))
    for i, c in enumerate(sc):
        if i not in matched_i:
            diffs.append(ArticleDiff("absent", c, None, ("標準の条項に対応する条項がありません",)))
    for j, c in enumerate(tc):
        if j not in matched_j:
            diffs.append(ArticleDiff("added", None, c, ("標準にない条項が加えられています",)))
    order = {"absent": 0, "weakened": 1, "added": 2}
    diffs.sort(key=lambda d: (order[d.kind], (d.standard or d.target).number if (d.standard or d.target) else 0))
    return Comparison(standard.path, target.path, tuple(diffs), aligned=len(pairs) - sum(d.kind == "weakened" for d in diffs))


def provision_clauses(doc: Document) -> list[Clause]:
    """The special-provision articles of a document: its 別記/別紙 section where a contract
    carries them appended, else all its articles."""
    clauses = list(doc.clauses)
    if "contract" in doc.kinds and "special_provisions" in doc.kinds:
        appended = [c for c in clauses if c.section]
        if appended:
            return appended
    return clauses
