"""View models of the web pages: the checklist, the findings and the document text with
the quoted evidence highlighted in place. Plain dicts for the Jinja2 templates; no I/O."""
from __future__ import annotations

import re
import unicodedata
from typing import Any, Mapping, Sequence

from checker.model import CaseResult, Document, Finding, Status

STATUS_ORDER = ("violation", "missing", "needs_review", "ok", "not_applicable")
CORE_RULES = ("subcontracting", "data-return-deletion", "password-handling", "privacy-mark-validity",
              "post-employment-nda")


def _labels():
    from checker.ruledocs import KIND_LABEL, SEVERITY_LABEL, STATUS_LABEL, STATUS_MARK

    return STATUS_LABEL, STATUS_MARK, SEVERITY_LABEL, KIND_LABEL


_WS = re.compile(r"\s+")


def _norm(s: str) -> str:
    return _WS.sub("", unicodedata.normalize("NFKC", s or ""))


def _sentence_texts(doc: Document) -> list[str]:
    return [s.raw or s.text for s in doc.sentences]


def locate_evidence(doc: Document, quote: str) -> list[int]:
    """Indexes (into ``doc.sentences``) of the sentences a quote comes from: the sentence
    equal to it, else the one containing it, else the run of sentences it spans."""
    q = _norm(quote)
    if not q or not doc.sentences:
        return []
    normed = [(_norm(s.raw or s.text), _norm(s.text)) for s in doc.sentences]
    for i, (raw, txt) in enumerate(normed):
        if q == raw or q == txt:
            return [i]
    for i, (raw, txt) in enumerate(normed):
        if q in raw or q in txt:
            return [i]
    parts = [i for i, (raw, txt) in enumerate(normed) if len(raw) >= 6 and (raw in q or txt in q)]
    if parts:
        return parts
    # a quote shortened with an ellipsis: match its longest piece
    pieces = sorted((p for p in re.split(r"…+|\.\.\.", q) if len(p) >= 6), key=len, reverse=True)
    for p in pieces:
        for i, (raw, txt) in enumerate(normed):
            if p in raw or p in txt:
                return [i]
    return []


def _mark_ranges(text: str, quotes: Sequence[str]) -> list[tuple[int, int]]:
    ranges = []
    for q in quotes:
        q = (q or "").strip()
        if not q:
            continue
        pos = text.find(q)
        if pos >= 0:
            ranges.append((pos, pos + len(q)))
    ranges.sort()
    merged: list[tuple[int, int]] = []
    for a, b in ranges:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def _segments(text: str, quotes: Sequence[str]) -> list[tuple[str, bool]]:
    """``text`` cut into (piece, highlighted) pairs; the whole sentence when the quote is
    not literally inside it (it was normalised, shortened or spans sentences)."""
    ranges = _mark_ranges(text, quotes)
    if not ranges:
        return [(text, True)]
    out, pos = [], 0
    for a, b in ranges:
        if a > pos:
            out.append((text[pos:a], False))
        out.append((text[a:b], True))
        pos = b
    if pos < len(text):
        out.append((text[pos:], False))
    return out


def document_views(docs: Sequence[Document], findings: Sequence[Finding],
                   redact_many=None) -> tuple[list[dict], dict[tuple[int, int], list[str]]]:
    """The documents as pages of sentences, the cited ones highlighted; and for each
    (finding position, evidence position) the anchors of the sentences it cites.

    Evidence is located in the text as read; with ``redact_many`` (checker.redact's
    ``redact_texts``) the text shown and the highlighted quotes are masked."""
    _, _, _, KIND_LABEL = _labels()
    by_path = {d.path: i for i, d in enumerate(docs)}
    by_name = {}
    for i, d in enumerate(docs):
        by_name.setdefault(d.path.replace("\\", "/").rsplit("/", 1)[-1], i)
    cited: dict[int, dict[int, dict]] = {}
    anchors: dict[tuple[int, int], list[str]] = {}
    for fi, f in enumerate(findings):
        for ei, e in enumerate(f.evidence):
            di = by_path.get(e.path)
            if di is None:
                di = by_name.get((e.path or "").replace("\\", "/").rsplit("/", 1)[-1])
            candidates = [di] if di is not None else list(range(len(docs)))
            for cand in candidates:
                idxs = locate_evidence(docs[cand], e.text)
                if idxs:
                    for si in idxs:
                        slot = cited.setdefault(cand, {}).setdefault(si, {"quotes": [], "findings": [],
                                                                          "statuses": set()})
                        slot["quotes"].append(e.text)
                        slot["findings"].append(f"f{fi}")
                        slot["statuses"].add(Status(f.status).value)
                    anchors[(fi, ei)] = [f"d{cand}-s{si}" for si in idxs]
                    break
    views = []
    for di, d in enumerate(docs):
        pages: list[dict] = []
        last_article = last_field = None
        shown = _sentence_texts(d)
        if redact_many is not None and shown:
            shown = redact_many(shown)
        for si, s in enumerate(d.sentences):
            if not pages or pages[-1]["number"] != s.page:
                pages.append({"number": s.page, "items": []})
                last_article = last_field = None
            field_label = None
            if s.field and s.field != last_field and not s.article:
                field_label = s.field
            last_field = s.field
            text = shown[si]
            head = None
            if s.article and s.article != last_article:
                head = s.article + (f"（{s.caption}）" if s.caption else "")
                last_article = s.article
            c = cited.get(di, {}).get(si)
            quotes = (redact_many(c["quotes"]) if redact_many else c["quotes"]) if c else []
            pages[-1]["items"].append({
                "id": f"d{di}-s{si}",
                "head": head,
                "field": field_label,
                "where": s.clause or s.field or s.heading or s.section or "",
                "segments": _segments(text, quotes) if c else [(text, False)],
                "cited": bool(c),
                "findings": " ".join(c["findings"]) if c else "",
                "status": max(c["statuses"], key=lambda x: Status(x).rank) if c else "",
            })
        views.append({
            "index": di,
            "name": d.path.replace("\\", "/").rsplit("/", 1)[-1],
            "kinds": [KIND_LABEL.get(k, k) for k in d.kinds],
            "pages_count": d.pages,
            "error": d.error,
            "warnings": list(d.warnings),
            "pages": pages,
            "has_text": bool(d.sentences),
        })
    return views, anchors


def finding_views(result: CaseResult, rule_infos: list, item_ids: Sequence[int | None],
                  items: Mapping[int, Any], changes: Mapping[int, str],
                  anchors: Mapping[tuple[int, int], list[str]]) -> list[dict]:
    """Every finding, worst first, with its lifecycle state and its evidence anchors."""
    from checker.report import finding_view
    from checker.ruledocs import SEVERITY_ORDER

    check_titles = {c.id: c.title for ri in rule_infos for c in ri.checks if c.title}
    rule_titles = {ri.id: ri.title for ri in rule_infos if ri.title}
    check_fixes = {c.id: c.fix for ri in rule_infos for c in ri.checks if getattr(c, "fix", "")}
    out = []
    for fi, f in enumerate(result.findings):
        v = finding_view(f, check_titles)
        # model wording (修正文例) for every missing / violation finding: the finding's own
        # (the rule's, or the profile's standard article), else the check's in the rule file
        v["needs_fix"] = Status(f.status) in (Status.MISSING, Status.VIOLATION)
        if v["needs_fix"] and not v["fix"]:
            v["fix"] = check_fixes.get(f.check, "")
        v["pos"] = fi
        v["anchor"] = f"f{fi}"
        v["rule_title"] = rule_titles.get(f.rule, f.rule)
        item_id = item_ids[fi] if fi < len(item_ids) else None
        v["item"] = items.get(item_id) if item_id is not None else None
        v["change"] = changes.get(item_id) if item_id is not None else None
        for ei, ev in enumerate(v["evidence"]):
            ev["targets"] = anchors.get((fi, ei), [])
        out.append(v)
    out.sort(key=lambda v: (-Status(v["status"]).rank, SEVERITY_ORDER.get(v["severity"], 9), v["pos"]))
    return out


def checklist(result: CaseResult, rule_infos: list) -> list[dict]:
    """Every rule of the profile with its mark, and under it every check (n/a included)."""
    STATUS_LABEL, STATUS_MARK, _, _ = _labels()
    info = {ri.id: ri for ri in rule_infos}
    finding_status = {}
    for f in result.findings:
        prev = finding_status.get(f.check)
        st = Status(f.status)
        finding_status[f.check] = st if prev is None or st.rank > prev.rank else prev
    accepted = {f.check for f in result.findings if f.accepted}
    rows = []
    rule_ids = list(result.rules) + [ri.id for ri in rule_infos if ri.id not in result.rules]
    # the five core rules (SPEC.md, from the council's comments) first, then the profile's order
    rule_ids.sort(key=lambda rid: CORE_RULES.index(rid) if rid in CORE_RULES else len(CORE_RULES))
    for rid in rule_ids:
        st = Status(result.rules.get(rid, Status.NOT_APPLICABLE))
        ri = info.get(rid)
        check_ids = [c.id for c in ri.checks] if ri else []
        for cid in list(result.checks) + list(finding_status):
            if cid.split(".")[0] == rid and cid not in check_ids:
                check_ids.append(cid)
        checks = []
        titles = {c.id: c.title for c in ri.checks} if ri else {}
        for cid in check_ids:
            cst = finding_status.get(cid) or Status(result.checks.get(cid, Status.NOT_APPLICABLE))
            checks.append({"id": cid, "title": titles.get(cid) or "", "status": cst.value,
                           "mark": STATUS_MARK[cst.value], "label": STATUS_LABEL[cst.value],
                           "accepted": cid in accepted})
        rows.append({"id": rid, "title": (ri.title if ri and ri.title else rid), "status": st.value,
                     "mark": STATUS_MARK[st.value], "label": STATUS_LABEL[st.value], "checks": checks})
    return rows


def counts(result: CaseResult) -> dict[str, int]:
    c = {s: 0 for s in STATUS_ORDER}
    for s in result.rules.values():
        c[Status(s).value] += 1
    return c


# --------------------------------------------------------------------------- the standard
CMP_KIND_LABEL = {"absent": "欠落", "weakened": "弱化", "added": "追加"}
CMP_KIND_HELP = {"absent": "標準の条項に当たる条項がこの契約にありません",
                 "weakened": "義務が任意・努力に変わったか、条件が削られています",
                 "added": "標準にない条項が加えられています"}
_CMP_ORDER = {"absent": 0, "weakened": 1, "added": 2}


def _flat(text: str) -> str:
    return _WS.sub(" ", unicodedata.normalize("NFKC", text or "")).strip()


def diff_segments(a: str, b: str) -> tuple[list[tuple[str, bool]], list[tuple[str, bool]]]:
    """The standard's text ``a`` and the contract's text ``b`` as (piece, changed) pairs, by
    characters (Japanese has no spaces to split words on); equal runs of one character
    between two changes are folded into the change so the marks read as phrases."""
    from difflib import SequenceMatcher

    sm = SequenceMatcher(None, a, b, autojunk=False)
    left: list[list] = []
    right: list[list] = []

    def add(side: list, text: str, changed: bool) -> None:
        if not text:
            return
        if side and side[-1][1] == changed:
            side[-1][0] += text
        else:
            side.append([text, changed])

    ops = sm.get_opcodes()
    for k, (tag, i1, i2, j1, j2) in enumerate(ops):
        if tag == "equal":
            short = (i2 - i1) <= 1 and 0 < k < len(ops) - 1
            add(left, a[i1:i2], short)
            add(right, b[j1:j2], short)
        else:
            add(left, a[i1:i2], True)
            add(right, b[j1:j2], True)
    return [tuple(x) for x in left], [tuple(x) for x in right]


def comparison_views(result: CaseResult, doc_names: Sequence[str] = ()) -> list[dict]:
    """The comparisons with the municipality's standard (``CaseResult.comparisons``, a
    :class:`checker.compare.Comparison` or its stored JSON form) as rows of a clause diff:
    the standard's article and the contract's side by side, the changed words marked."""
    from checker.report import comparison_view

    out = []
    for cmp in getattr(result, "comparisons", None) or ():
        cv = comparison_view(cmp)
        raw = list(cmp.get("diffs") or () if isinstance(cmp, Mapping) else getattr(cmp, "diffs", ()) or ())
        rows = []
        for k, r in enumerate(cv["rows"]):
            d = raw[k] if k < len(raw) else None
            r = {**r, "standard_article": _article_label(d, "standard"), "contract_article": _article_label(d, "target")}
            std, con = _flat(r["standard"]), _flat(r["contract"])
            if std and con:
                left, right = diff_segments(std, con)
            else:
                left = [(std, r["kind"] == "absent")] if std else []
                right = [(con, r["kind"] == "added")] if con else []
            rows.append({**r, "kind_label": CMP_KIND_LABEL.get(r["kind"], r["kind_label"]),
                         "help": CMP_KIND_HELP.get(r["kind"], ""), "left": left, "right": right})
        rows.sort(key=lambda r: _CMP_ORDER.get(r["kind"], 9))
        target = cv["target"].replace("\\", "/").rsplit("/", 1)[-1]
        out.append({
            "standard": cv["standard"].replace("\\", "/").rsplit("/", 1)[-1],
            "target": target,
            "target_index": list(doc_names).index(target) if target in doc_names else None,
            "aligned": cv["aligned"],
            "rows": rows,
            "counts": {k: sum(1 for r in rows if r["kind"] == k) for k in ("absent", "weakened", "added")},
        })
    return out


def _article_label(diff: Any, side: str) -> str:
    """第N条 of one side of a comparison row (a live ArticleDiff or its stored form)."""
    if diff is None:
        return ""
    if isinstance(diff, Mapping):
        return str(diff.get("standard_article" if side == "standard" else "contract_article") or "")
    clause = getattr(diff, side, None)
    return str(getattr(clause, "label", "") or "")
