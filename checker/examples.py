"""Rule examples as cases: the text of an example becomes a document of the kinds it names.

The text goes through the same path as a real text file (the txt reader's markup:
``# title``, ``## heading``, ``| label | value |`` rows, one paragraph per line) and
``checker.structure.build_document``; the kinds are then set from the example (the example
says what the text is, so kind detection is not what an example tests). Until the
structure module exists, :func:`simple_document` stands in for it.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
import unicodedata
from pathlib import Path

from checker.model import Case, Document, Period, Sentence

DEFAULT_AS_OF = dt.date(2027, 3, 1)


def _norm(text: str) -> str:
    try:
        from checker.normalize import normalize_text

        return normalize_text(text)
    except Exception:  # pragma: no cover - normalize is a sibling module
        return unicodedata.normalize("NFKC", text)


_ART = re.compile(r"^(第\s*[0-9０-９一二三四五六七八九十百]+\s*条?(?:の[0-9０-９]+)?)(?:\s*[(（]([^)）]{1,30})[)）])?[\s　]*")
_PARA = re.compile(r"^([0-9０-９]{1,2})[\s　]+")
_CAPTION = re.compile(r"^[(（]([^)）]{1,30})[)）]$")
_SENT = re.compile(r"[^。]*。|[^。]+$")
_PARTY = re.compile(r"(?:(委託者|受託者|発注者|受注者)\s*)?([^\s、。「」()（）]{2,40}?)\s*[(（]\s*以下\s*「\s*(甲|乙|発注者|受注者|委託者|受託者)\s*」\s*という")


def simple_document(text: str, path: str = "example.txt", kinds: tuple[str, ...] = ()) -> Document:
    """A small structure builder for example texts (articles, paragraphs, fields, headings)."""
    sentences: list[Sentence] = []
    page = 1
    heading = None
    caption = None
    article = None
    clause = None
    section = None
    title = None
    parties: dict[str, str] = {}
    for line in text.replace("\r\n", "\n").split("\n"):
        s = line.strip()
        if not s:
            continue
        if s == "===page===":
            page += 1
            continue
        if s.startswith("# "):
            title = s[2:].strip()
            if re.search(r"別記|別紙", title):
                section = "別記"
                article = clause = None
            continue
        if s.startswith("## "):
            heading = _norm(s[3:].strip())
            article = clause = None
            continue
        m = _CAPTION.match(_norm(s))
        if m:
            caption = m.group(1)
            continue
        field = None
        body = s
        if s.startswith("|") and s.endswith("|"):
            cells = [c.strip() for c in s[1:-1].split("|")]
            if len(cells) >= 2:
                field, body = _norm(cells[0]), " ".join(cells[1:])
            else:
                body = cells[0]
        else:
            n = _norm(s)
            am = _ART.match(n)
            if am and not n.startswith("第" + "三者"):
                article = am.group(1).replace(" ", "")
                clause = article
                if am.group(2):
                    caption = am.group(2)
            else:
                pm = _PARA.match(n)
                if pm and article:
                    clause = f"{article}第{pm.group(1)}項"
        for sm in _SENT.finditer(body):
            raw = sm.group(0).strip()
            if not raw:
                continue
            nt = _norm(raw)
            for pm in _PARTY.finditer(nt):
                parties.setdefault(pm.group(3), pm.group(2))
            sentences.append(Sentence(text=nt, page=page, index=len(sentences), raw=raw,
                                      clause=None if field else clause, article=None if field else article,
                                      caption=None if field else caption, field=field, section=section,
                                      heading=heading))
    full = "\n".join(s.text for s in sentences)
    period = None
    try:
        from checker.dates import find_periods

        for s in sentences:
            if re.search(r"契約期間|履行期間|委託期間", (s.field or "") + s.text):
                ps = [p for p in find_periods(s.text) if p.end]
                if ps:
                    p = ps[0]
                    end = p.end_match.end_date if p.end_match is not None else p.end
                    period = Period(p.start, end, p.text, s.page, "契約期間")
                    break
    except Exception:  # pragma: no cover
        period = None
    return Document(path=path, format="txt", sha256=hashlib.sha256(text.encode()).hexdigest(), pages=page,
                    kinds=tuple(kinds), title=title, text=full, sentences=tuple(sentences),
                    parties=parties, period=period)


def document_from_text(text: str, kinds: tuple[str, ...], path: str = "example.txt") -> Document:
    """A structured document of ``kinds`` from text in the txt markup."""
    try:
        from checker.structure import build_document  # noqa: F401
    except ImportError:
        return simple_document(text, path, kinds)
    from checker.read.txt import read_txt

    data = text.encode("utf-8")
    raw = read_txt(Path(path), data, hashlib.sha256(data).hexdigest())
    doc = build_document(raw)
    return dataclasses.replace(doc, kinds=tuple(kinds))


def example_case(check, example, name: str = "example") -> Case:
    """The case an example of ``check`` describes."""
    if example.docs is None:
        kinds = check.read_kinds() or ("consultation",)
        first = kinds[0]
        docs = [document_from_text(example.text, (first,), f"{name}.txt")]
    else:
        docs = []
        for i, d in enumerate(example.docs):
            ks = (d.kind,) if isinstance(d.kind, str) else tuple(d.kind)
            docs.append(document_from_text(d.text, ks, f"{name}-{i + 1}.txt"))
    return Case(name=name, documents=tuple(docs))
