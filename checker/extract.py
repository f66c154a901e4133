"""``itaku extract FILE``: what was read from one file, for a user whose finding surprised them.

Text output (Japanese headings, one section per kind of thing): kinds with their scores,
title, parties (and which is the city), contract period and other periods, articles with
captions and pages, form fields with values, headings, dates with pages, errors and
warnings. ``--format json`` gives the same as one JSON object (``schema: itaku-extract/1``),
with every sentence and its location.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from checker.model import Document

__all__ = ["run_extract", "extract_dict", "render_text"]

_KIND_JA = {
    "consultation": "諮問書・届出書（consultation）",
    "contract": "委託契約書（contract）",
    "special_provisions": "個人情報取扱特記事項（special_provisions）",
    "specification": "仕様書（specification）",
    "certificate": "登録証・認証書（certificate）",
    "other": "その他（other）",
}
_ROLE_JA = {"city": "市（委託者）", "contractor": "受託者"}


def _d(x) -> str | None:
    return x.isoformat() if x is not None else None


def extract_dict(doc: Document) -> dict:
    """The JSON-able view of a structured document."""
    from checker.kinds import score_kinds

    out: dict = {
        "schema": "itaku-extract/1",
        "path": doc.path,
        "format": doc.format,
        "sha256": doc.sha256,
        "pages": doc.pages,
        "kind": list(doc.kinds),
        "error": {"code": doc.error.code, "message": doc.error.message} if doc.error else None,
        "warnings": list(doc.warnings),
    }
    if doc.error:
        return out
    out.update({
        "kind_scores": {k: round(v, 1) for k, v in score_kinds(doc).items()},
        "title": doc.title,
        "parties": dict(doc.parties),
        "roles": dict(doc.roles),
        "period": _period(doc.period),
        "periods": [_period(p) for p in doc.periods],
        "headings": list(doc.headings),
        "articles": [
            {"label": c.label, "caption": c.caption, "page": c.page, "section": c.section,
             "sentences": list(c.sentence_indexes)}
            for c in doc.clauses
        ],
        "fields": [
            {"label": f.label, "value": f.value, "page": f.page, "sentences": list(f.sentence_indexes)}
            for f in doc.fields
        ],
        "dates": [
            {"text": m.text, "date": _d(m.date), "end_date": _d(getattr(m, "end_date", None)),
             "precision": getattr(m, "precision", "day"), "page": m.page, "sentence": m.sentence_index}
            for m in doc.dates
        ],
        "sentences": [
            {"index": s.index, "page": s.page, "where": s.where, "clause": s.clause, "article": s.article,
             "caption": s.caption, "field": s.field, "heading": s.heading, "section": s.section,
             "text": s.text, "raw": s.raw}
            for s in doc.sentences
        ],
    })
    return out


def _period(p) -> dict | None:
    if p is None:
        return None
    return {"start": _d(p.start), "end": _d(p.end), "text": p.text, "page": p.page, "source": p.source}


def _cut(s: str, n: int = 70) -> str:
    s = s.replace("\n", " ")
    return s if len(s) <= n else s[: n - 1] + "…"


def render_text(doc: Document) -> str:
    """A readable report of what was read (Japanese labels)."""
    lines: list[str] = [f"ファイル: {doc.path}", f"形式: {doc.format}  ページ数: {doc.pages}"]
    if doc.error:
        lines.append(f"エラー [{doc.error.code}]: {doc.error.message}")
        for w in doc.warnings:
            lines.append(f"警告: {w}")
        return "\n".join(lines) + "\n"
    from checker.kinds import score_kinds

    sc = score_kinds(doc)
    kinds = "、".join(_KIND_JA.get(k, k) for k in doc.kinds) or "（判定できず）"
    lines.append(f"種類: {kinds}")
    lines.append("  判定の点数: " + "  ".join(f"{k}={v:.1f}" for k, v in sorted(sc.items(), key=lambda kv: -kv[1])))
    lines.append(f"表題: {doc.title or '（見つかりません）'}")
    for w in doc.warnings:
        lines.append(f"警告: {w}")

    lines.append("")
    lines.append("■ 当事者")
    if doc.parties:
        for alias, name in doc.parties.items():
            role = doc.roles.get(alias)
            lines.append(f"  {alias}: {name}" + (f"  … {_ROLE_JA.get(role, role)}" if role else ""))
    else:
        lines.append("  （前文に当事者の定義は見つかりません）")

    lines.append("")
    lines.append("■ 契約期間")
    if doc.period:
        p = doc.period
        lines.append(f"  {p.source or '期間'}: {_d(p.start) or '（始期不明）'} ～ {_d(p.end) or '（終期不明）'}"
                     f"  「{p.text}」 p.{p.page}")
    else:
        lines.append("  （契約期間・履行期間・委託期間の記載は見つかりません）")
    others = [p for p in doc.periods if p != doc.period]
    if others:
        lines.append("  その他の期間:")
        for p in others:
            lines.append(f"    {p.source or '期間'}: {_d(p.start) or '?'} ～ {_d(p.end) or '?'}  「{p.text}」 p.{p.page}")

    if doc.clauses:
        lines.append("")
        lines.append(f"■ 条項（{len(doc.clauses)}）")
        for c in doc.clauses:
            first = doc.sentences[c.sentence_indexes[0]].text if c.sentence_indexes else "（本文は表・様式の項目）"
            cap = f"（{c.caption}）" if c.caption else ""
            lines.append(f"  p.{c.page} {c.label}{cap}  {_cut(first, 50)}")

    if doc.fields:
        lines.append("")
        lines.append(f"■ 様式の項目（{len(doc.fields)}）")
        for f in doc.fields:
            lines.append(f"  p.{f.page} {f.label}: {_cut(f.value, 60)}")

    heads = [h for h in doc.headings if h != doc.title]
    if heads and not doc.clauses:
        lines.append("")
        lines.append("■ 見出し")
        for h in heads:
            lines.append(f"  {h}")

    lines.append("")
    lines.append(f"■ 日付（{len(doc.dates)}）")
    if doc.dates:
        for m in doc.dates:
            where = doc.sentences[m.sentence_index].where if m.sentence_index is not None else f"p.{m.page}"
            prec = getattr(m, "precision", "day")
            val = _d(m.date) if prec == "day" else f"{_d(m.date)}～{_d(getattr(m, 'end_date', None))}"
            lines.append(f"  {where}: {m.text} → {val}")
    else:
        lines.append("  （日付は見つかりません）")
    lines.append("")
    lines.append(f"文の数: {len(doc.sentences)}（全文は --format json で確認できます）")
    return "\n".join(lines) + "\n"


def run_extract(args) -> int:
    """``itaku extract FILE [--format text|json]``; exit 0 when read, 1 when the file has an error."""
    from checker.cli import EXIT_FLAGGED, EXIT_OK, UsageError
    from checker.read.guard import read_guarded
    from checker.structure import build_document

    path = Path(args.file)
    if not path.exists():
        raise UsageError(f"{path}: ファイルが見つかりません。パスを確認してください。")
    if path.is_dir():
        raise UsageError(f"{path}: フォルダです。extract にはファイルを１つ指定してください（フォルダの点検は itaku check）。")
    doc = build_document(read_guarded(path))
    fmt = getattr(args, "format", "text") or "text"
    if fmt == "json":
        out = json.dumps(extract_dict(doc), ensure_ascii=False, indent=2) + "\n"
    else:
        out = render_text(doc)
    sys.stdout.write(out)
    return EXIT_FLAGGED if doc.error else EXIT_OK
