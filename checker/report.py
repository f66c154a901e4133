"""Reports of :class:`~checker.model.CaseResult` values: text, JSON, HTML and Markdown.

* ``json`` is SPEC.md "JSON output" schema ``itaku-check/1`` exactly, plus the additive
  finding fields ``fix`` and ``accepted`` (and a case's ``comparisons`` with the
  municipality's standard when the profile names one).
* ``text`` is the terminal listing: documents read, then the rules worst first with each
  check's mark, message, quoted evidence and model wording, then notes and a summary.
* ``html`` and ``md`` are rendered from the Jinja2 templates in ``reports/`` (data a
  municipality may edit). HTML is printable and self-contained (inline CSS, no external
  asset) and always autoescaped: documents can contain ``<script>``. Markdown output
  escapes the characters Markdown would interpret the same way.

The templates are read from ``reports/`` (:func:`checker.resources.data_dir`); setting
``ITAKU_REPORTS_DIR`` to a folder holding edited copies (``report.html.j2``,
``report.css``, ``report.md.j2``, ``rule.md.j2``, ``rules_index.md.j2``) uses those instead.

The views built here (:func:`case_view`) are plain dicts shared by the formats, so the
same facts appear in every report. Nothing here evaluates rules: statuses come from the
results as they are.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
from dataclasses import fields as dc_fields, is_dataclass
from enum import Enum
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping

from checker.model import CaseResult, Finding, Status
from checker.ruledocs import (
    KIND_LABEL,
    SEVERITY_LABEL,
    SEVERITY_ORDER,
    STATUS_LABEL,
    STATUS_MARK,
    RuleInfo,
    find_rule,
    index_markdown,
    profile_name,
    rule_infos,
    rule_markdown,
)

SCHEMA = "itaku-check/1"
FORMATS = ("text", "json", "html", "md")

ERROR_LABEL = {
    "encrypted": "暗号化されているため読めません",
    "damaged": "ファイルが壊れているため読めません",
    "image_only": "文字情報のない画像（スキャン）のため読めません",
    "unsupported_type": "対応していない形式のため読めません",
    "empty": "内容が空です",
    "too_large": "大きすぎるため読みませんでした",
}


class ReportError(RuntimeError):
    """A report cannot be produced as asked (unknown format, redaction unavailable)."""


# --------------------------------------------------------------------------- entry points
def render(results: list[CaseResult], fmt: str, *, as_of: dt.date | str | None,
           redact: bool = False, profile: Any = None) -> str:
    """The report of ``results`` in ``fmt`` (text, json, html or md).

    ``redact`` masks personal data with :func:`checker.redact.redact_result` first, for
    every format. ``profile`` gives rule titles, documentation and the profile name; without
    it rules are shown by id.
    """
    if fmt not in FORMATS:
        raise ReportError(f"出力形式 {fmt!r} には対応していません。{', '.join(FORMATS)} のいずれかを指定してください。")
    results = list(results)
    if redact:
        results = redact_results(results)
    if fmt == "json":
        return json.dumps(to_json_obj(results, as_of), ensure_ascii=False, indent=2) + "\n"
    rules = rule_infos(profile)
    view = report_view(results, as_of, rules, profile_name(profile), redacted=redact)
    view["profile_description"] = str(getattr(profile, "description", "") or "")
    if fmt == "text":
        return render_text_view(view)
    if fmt == "html":
        return html_env().get_template("report.html.j2").render(
            report=view, css=_Markup(_read_css()), tool=_tool())
    return markdown_env().get_template("report.md.j2").render(report=view, tool=_tool())


def redact_results(results: Iterable[CaseResult]) -> list[CaseResult]:
    try:
        from checker.redact import redact_result
    except ModuleNotFoundError as exc:
        if exc.name not in ("checker.redact",):
            raise
        raise ReportError("--redact: 個人情報を伏せる機能（checker/redact.py）がこのインストールにありません。"
                          "--redact を付けずに実行するか、redact を含む版をインストールしてください。") from None
    return [redact_result(r) for r in results]


def render_rules(profile: Any, rule_id: str | None = None, fmt: str = "text") -> str:
    """``itaku rules [ID]``: the list of the profile's rules, or one rule (or one check).

    ``fmt="md"`` gives the Markdown of ``docs/rules`` (the documentation generator uses it).
    """
    if fmt not in ("text", "md"):
        raise ReportError(f"出力形式 {fmt!r} には対応していません。text 又は md を指定してください。")
    rules = rule_infos(profile)
    if rule_id is None:
        if fmt == "md":
            return index_markdown(rules, profile_name(profile))
        return _rules_list_text(rules, profile_name(profile), profile)
    found = find_rule(rules, rule_id)
    if found is None:
        from checker.cli import UsageError

        known = "、".join(r.id for r in rules) or "（なし）"
        raise UsageError(f"ルール又はチェック {rule_id!r} はこのプロファイルにありません。"
                         f"`itaku rules` で一覧を確認してください（ルール: {known}）。")
    rule, check_id = found
    if fmt == "md":
        return rule_markdown(rule, check_id)
    return _rule_text(rule, check_id)


# --------------------------------------------------------------------------- JSON
def _iso(as_of: dt.date | str | None) -> str | None:
    if as_of is None:
        return None
    return as_of.isoformat() if hasattr(as_of, "isoformat") else str(as_of)


def _status(s: Any) -> str:
    return s.value if isinstance(s, Enum) else str(s)


def _plain(v: Any) -> Any:
    """Dataclasses, enums, dates, mappings and tuples as JSON values (for additive fields)."""
    if isinstance(v, Enum):
        return v.value
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    if is_dataclass(v) and not isinstance(v, type):
        return {f.name: _plain(getattr(v, f.name)) for f in dc_fields(v)}
    if isinstance(v, Mapping):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple, set, frozenset)):
        return [_plain(x) for x in v]
    if isinstance(v, (str, int, float, bool)) or v is None:
        return v
    return str(v)


def _finding_json(f: Finding) -> dict:
    out = {
        "rule": f.rule,
        "check": f.check,
        "status": _status(f.status),
        "severity": f.severity,
        "message": f.message,
        "evidence": [{"path": e.path, "page": e.page, "clause": e.clause, "text": e.text} for e in f.evidence],
    }
    if f.fix:
        out["fix"] = f.fix
    if f.accepted:
        out["accepted"] = {"reason": str(f.accepted.get("reason", ""))}
        out["accepted"].update({str(k): str(v) for k, v in f.accepted.items() if k != "reason"})
    return out


def _case_json(r: CaseResult) -> dict:
    out = {
        "case": r.case,
        "documents": [
            {"path": d.path, "kind": list(d.kinds), "pages": d.pages,
             "error": {"code": d.error.code, "message": d.error.message} if d.error else None,
             "warnings": list(d.warnings)}
            for d in r.documents
        ],
        "rules": {rid: _status(s) for rid, s in r.rules.items()},
        "findings": [_finding_json(f) for f in r.findings],
        "notes": [{"code": n.code, "severity": n.severity, "message": n.message} for n in r.notes],
    }
    comparisons = _comparisons(r)
    if comparisons:  # additive: only when the profile names a municipality's standard
        out["comparisons"] = [
            {"standard": c["standard"], "target": c["target"], "aligned": c["aligned"],
             "diffs": [{"kind": d["kind"], "article": d["article"], "standard": d["standard"],
                        "contract": d["contract"], "details": d["details"]} for d in c["rows"]]}
            for c in comparisons]
    return out


def to_json_obj(results: Iterable[CaseResult], as_of: dt.date | str | None) -> dict:
    """The ``itaku-check/1`` object (SPEC.md "JSON output")."""
    return {"schema": SCHEMA, "as_of": _iso(as_of), "cases": [_case_json(r) for r in results]}


# --------------------------------------------------------------------------- views
def _name(path: str) -> str:
    return Path(path).name or path


def _where(page: int | None, clause: str | None) -> str:
    parts = []
    if page is not None:
        parts.append(f"p.{page}")
    if clause:
        parts.append(clause)
    return " ".join(parts)


def _status_of(s: Any) -> Status:
    try:
        return s if isinstance(s, Status) else Status(str(getattr(s, "value", s)))
    except ValueError:
        return Status.NEEDS_REVIEW


def _relative(path: str, case: str | None) -> str:
    """``path`` shortened to the case folder (``cases/x/a.pdf`` → ``a.pdf`` in case ``cases/x``)."""
    if case:
        prefix = case.rstrip("/\\") + "/"
        if path.startswith(prefix):
            return path[len(prefix):]
    return path


def finding_view(f: Finding, check_titles: Mapping[str, str], case: str | None = None) -> dict:
    st = _status_of(f.status)
    reason = None
    if f.accepted:
        reason = str(f.accepted.get("reason", "")) or "理由の記載なし"
    view = {
        "rule": f.rule,
        "check": f.check,
        "check_title": check_titles.get(f.check, ""),
        "status": st.value,
        "mark": STATUS_MARK[st.value],
        "label": STATUS_LABEL[st.value],
        "flagged": st.flagged and not f.accepted,
        "severity": f.severity,
        "severity_label": SEVERITY_LABEL.get(f.severity, f.severity),
        "message": f.message,
        "evidence": [
            {"path": e.path, "name": _name(e.path), "rel": _relative(e.path, case),
             "page": e.page, "clause": e.clause,
             "where": _where(e.page, e.clause), "text": e.text}
            for e in f.evidence
        ],
        "fix": f.fix or "",
        "accepted": reason,
    }
    # what a printed report quotes: all the evidence of a flagged finding, the first of an ok one
    view["shown_evidence"] = view["evidence"] if st is not Status.OK else view["evidence"][:1]
    view["more_evidence"] = len(view["evidence"]) - len(view["shown_evidence"])
    return view


def _finding_key(f: dict, check_order: Mapping[str, int]):
    return (-Status(f["status"]).rank, SEVERITY_ORDER.get(f["severity"], 9), check_order.get(f["check"], 999), f["check"])


_CMP_KIND = {"absent": "欠落", "missing": "欠落", "weakened": "弱化", "added": "追加",
             "changed": "変更", "same": "同一"}


def _clause_text(c: Any) -> str:
    """A compared article (a Clause, a mapping or text) as display text."""
    if c is None:
        return ""
    if isinstance(c, str):
        return c
    t = _pick(c, "text", "body")
    return str(t) if t is not None else str(c)


def comparison_view(cmp: Any) -> dict:
    """One :class:`checker.compare.Comparison` (or a look-alike) as plain values.

    Reads ``standard_path``, ``target_path``, ``aligned`` and ``diffs`` (each with ``kind``
    absent/weakened/added, ``title``, ``standard`` and ``target`` articles, ``details``).
    """
    rows = []
    for d in (_pick(cmp, "diffs", "items", "changes") or ()):
        kind = str(_plain(_pick(d, "kind", "change", "status")) or "")
        details = _pick(d, "details", "message", "note") or ()
        if isinstance(details, str):
            details = (details,)
        rows.append({
            "kind": kind,
            "kind_label": _CMP_KIND.get(kind, kind),
            "article": str(_pick(d, "title", "article", "label") or ""),
            "standard": _clause_text(_pick(d, "standard")),
            "contract": _clause_text(_pick(d, "target", "contract")),
            "details": [str(x) for x in details],
        })
    return {
        "standard": str(_pick(cmp, "standard_path", "standard") or ""),
        "target": str(_pick(cmp, "target_path", "target") or ""),
        "aligned": _pick(cmp, "aligned"),
        "rows": rows,
    }


def _comparisons(r: CaseResult) -> list[dict]:
    cmps = getattr(r, "comparisons", None) or ()
    single = getattr(r, "comparison", None)
    if single is not None:
        cmps = (*cmps, single)
    return [comparison_view(c) for c in cmps]


def _pick(obj: Any, *names: str) -> Any:
    for n in names:
        v = obj.get(n) if isinstance(obj, Mapping) else getattr(obj, n, None)
        if v is not None and v != "":
            return v
    return None


def case_view(r: CaseResult, rules: list[RuleInfo]) -> dict:
    """Everything a report shows about one case, as plain values."""
    by_id = {ri.id: ri for ri in rules}
    check_titles = {c.id: c.title for ri in rules for c in ri.checks if c.title}
    check_order = {c.id: i for i, c in enumerate(c for ri in rules for c in ri.checks)}

    docs = []
    for d in r.documents:
        err = None
        if d.error:
            err = {"code": d.error.code, "label": ERROR_LABEL.get(d.error.code, "読めません"),
                   "message": d.error.message}
        docs.append({"path": d.path, "name": _name(d.path), "rel": _relative(d.path, r.case),
                     "kinds": [KIND_LABEL.get(k, k) for k in d.kinds],
                     "pages": d.pages, "error": err, "warnings": list(d.warnings)})

    findings_by_rule: dict[str, list[dict]] = {}
    for f in r.findings:
        findings_by_rule.setdefault(f.rule, []).append(finding_view(f, check_titles, r.case))

    rule_ids = list(r.rules) + [rid for rid in findings_by_rule if rid not in r.rules]
    rule_rows = []
    for i, rid in enumerate(rule_ids):
        if rid in r.rules:
            st = _status_of(r.rules[rid])
        else:
            st = Status.worst([Status(f["status"]) for f in findings_by_rule.get(rid, [])])
        fs = sorted(findings_by_rule.get(rid, []), key=lambda f: _finding_key(f, check_order))
        info = by_id.get(rid)
        accepted_only = bool(fs) and st.flagged and not any(f["flagged"] for f in fs)
        rule_rows.append({
            "id": rid,
            "title": info.title if info and info.title else rid,
            "has_title": bool(info and info.title),
            "status": st.value,
            "mark": STATUS_MARK[st.value],
            "label": STATUS_LABEL[st.value],
            "flagged": st.flagged and not accepted_only,
            "accepted_only": accepted_only,
            "findings": fs,
            "severity": min((f["severity"] for f in fs if Status(f["status"]).flagged),
                            key=lambda s: SEVERITY_ORDER.get(s, 9), default="info"),
            "order": i,
        })
    worst_first = sorted(
        rule_rows,
        key=lambda x: (-Status(x["status"]).rank, SEVERITY_ORDER.get(x["severity"], 9), x["order"]))

    counts = {s: 0 for s in ("violation", "missing", "needs_review", "ok", "not_applicable")}
    for row in rule_rows:
        counts[row["status"]] += 1
    check_counts = {s: 0 for s in counts}
    for f in r.findings:
        check_counts[_status_of(f.status).value] += 1
    check_counts["not_applicable"] = sum(1 for s in r.checks.values() if _status_of(s) is Status.NOT_APPLICABLE)

    cited = [row["id"] for row in worst_first if row["flagged"]]  # rules the reader must act on
    return {
        "name": r.case,
        "documents": docs,
        "unreadable": sum(1 for d in docs if d["error"]),
        "rules": rule_rows,
        "rules_worst_first": worst_first,
        "notes": [{"code": n.code, "severity": n.severity,
                   "severity_label": SEVERITY_LABEL.get(n.severity, n.severity), "message": n.message}
                  for n in r.notes],
        "counts": counts,
        "check_counts": check_counts,
        "accepted": sum(1 for f in r.findings if f.accepted),
        "flagged": any(d["error"] for d in docs) or any(
            _status_of(f.status).flagged and not f.accepted for f in r.findings),
        "comparisons": _comparisons(r),
        "rule_docs": [by_id[rid] for rid in cited if rid in by_id],
    }


def report_view(results: list[CaseResult], as_of, rules: list[RuleInfo], profile: str = "",
                redacted: bool = False) -> dict:
    return {
        "as_of": _iso(as_of) or "",
        "profile": profile,
        "redacted": redacted,
        "cases": [case_view(r, rules) for r in results],
        "STATUS_LABEL": STATUS_LABEL,
        "STATUS_MARK": STATUS_MARK,
        "SEVERITY_LABEL": SEVERITY_LABEL,
        "KIND_LABEL": KIND_LABEL,
    }


def summary_line(c: dict) -> str:
    """「規則 19 件: × 違反 2・× 記載なし 1・△ 要確認 3・○ 適合 9・－ 対象外 4」 and extras."""
    parts = [f"{STATUS_MARK[s]} {STATUS_LABEL[s]} {n}" for s, n in c["counts"].items()]
    line = f"規則 {len(c['rules'])} 件: " + "・".join(parts)
    if c["accepted"]:
        line += f"／承認済み {c['accepted']} 件"
    if c["unreadable"]:
        line += f"／読めない文書 {c['unreadable']} 件"
    return line


# --------------------------------------------------------------------------- text
def _indent(text: str, prefix: str) -> list[str]:
    return [prefix + ln for ln in (text.splitlines() or [""])]


def render_text_view(view: dict) -> str:
    out: list[str] = []
    for n, c in enumerate(view["cases"]):
        if n:
            out.append("")
            out.append("=" * 60)
        head = f"案件: {c['name']}    基準日: {view['as_of']}"
        if view["profile"]:
            head += f"    プロファイル: {view['profile']}"
        if view["redacted"]:
            head += "    （個人情報は伏せ字）"
        out.append(head)
        out.append("")
        out.append("読み込んだ文書:")
        if not c["documents"]:
            out.append("  （文書がありません）")
        for d in c["documents"]:
            if d["error"]:
                out.append(f"  × {d['rel']}  {d['error']['label']}（{d['error']['code']}）")
                out.extend(_indent(d["error"]["message"], "      "))
            else:
                kinds = "・".join(d["kinds"]) or "種類不明"
                out.append(f"  ・{d['rel']}  {kinds}  {d['pages']}ページ")
            for w in d["warnings"]:
                out.append(f"      注意: {w}")
        out.append("")
        out.append("結果（重大なものから）:")
        shown = [row for row in c["rules_worst_first"] if row["findings"] or row["status"] != "not_applicable"]
        for row in shown:
            title = f"{row['title']} [{row['id']}]" if row["has_title"] else row["id"]
            tail = "（承認済み）" if row["accepted_only"] else ""
            out.append(f"{row['mark']} {title}: {row['label']}{tail}")
            for f in row["findings"]:
                acc = f"（承認済み: {f['accepted']}）" if f["accepted"] else ""
                title = f"（{f['check_title']}）" if f["check_title"] else ""
                out.append(f"  {f['mark']} {f['check']}{title} {f['label']}［重要度 {f['severity_label']}］{acc}")
                out.extend(_indent(f["message"], "      "))
                # an ok finding cites its first evidence; a flagged one all of it
                for e in f["shown_evidence"]:
                    where = f" {e['where']}" if e["where"] else ""
                    out.append(f"      {e['rel']}{where}: 「{e['text']}」")
                if f["fix"]:
                    fix = f["fix"].splitlines() or [""]
                    out.append(f"      修正文例: {fix[0]}")
                    out.extend("                " + ln for ln in fix[1:])
        if not c["rules"]:
            out.append("  （判定したルールはありません）")
        na = [row for row in c["rules_worst_first"] if row not in shown]
        if na:
            out.append(f"{STATUS_MARK['not_applicable']} 対象外: " + "、".join(r["id"] for r in na))
        for cmp in c["comparisons"]:
            out.append("")
            out.append(f"標準の特記事項との比較（標準: {cmp['standard']}、対象: {cmp['target']}）:")
            if not cmp["rows"]:
                out.append("  標準との違いはありません。")
            for row in cmp["rows"]:
                out.append(f"  {row['kind_label']} {row['article']}: {'、'.join(row['details'])}")
        if c["notes"]:
            out.append("")
            out.append("注記:")
            for note in c["notes"]:
                out.append(f"  ・{note['message']}（{note['code']}）")
        out.append("")
        out.append(summary_line(c))
    return "\n".join(out) + "\n"


def _rules_list_text(rules: list[RuleInfo], profile: str, profile_obj: Any = None) -> str:
    out = [f"プロファイル: {profile}" if profile else "ルール一覧"]
    desc = str(getattr(profile_obj, "description", "") or "")
    if desc:
        out.append(f"  {desc}")
    standard = getattr(profile_obj, "standard", None)
    if standard:
        out.append(f"  標準の特記事項: {standard}")
    out.append("")
    if not rules:
        out.append("（ルールがありません）")
    width = max((len(r.id) for r in rules), default=0)
    for r in rules:
        sev = r.severities
        rng = SEVERITY_LABEL.get(sev[0], sev[0]) + (f"〜{SEVERITY_LABEL.get(sev[-1], sev[-1])}" if len(sev) > 1 else "") \
            if sev else "－"
        out.append(f"{r.id.ljust(width)}  {r.title}  （チェック {len(r.checks)} 件、重要度 {rng}）")
    out.append("")
    out.append(f"{len(rules)} ルール。詳しくは `itaku rules ID` を実行してください。")
    return "\n".join(out) + "\n"


def _rule_text(rule: RuleInfo, check_id: str | None) -> str:
    out = [f"{rule.id}: {rule.title}"]
    if rule.summary:
        out += ["", *rule.summary.splitlines()]
    if rule.rationale and check_id is None:
        out += ["", "なぜ重要か:", *_indent(rule.rationale, "  ")]
    for c in rule.checks:
        if check_id and c.id != check_id:
            continue
        out += ["", f"■ {c.id}  {c.title}  ［重要度 {SEVERITY_LABEL.get(c.severity, c.severity)}（{c.severity}）］"]
        if c.summary:
            out += _indent(c.summary, "  ")
        out.append("  読む文書: " + ("・".join(KIND_LABEL.get(k, k) for k in c.reads) or "すべての文書"))
        if c.rationale:
            out += _indent(c.rationale, "  なぜ: ") if "\n" not in c.rationale else ["  なぜ:", *_indent(c.rationale, "    ")]
        for label, msg, _st in c.message_rows():
            out += _indent(msg, f"  {label}: ") if "\n" not in msg else [f"  {label}:", *_indent(msg, "    ")]
        if c.fix:
            out.append("  修正文例:")
            out += _indent(c.fix, "    ")
        for e in c.examples:
            mark = STATUS_MARK.get(e.status, "・")
            out.append(f"  例 {mark} {STATUS_LABEL.get(e.status, e.status)}: 「{e.text}」" + (f"（{e.note}）" if e.note else ""))
        if c.references:
            out.append("  参考: " + "、".join(c.references))
    if rule.references and check_id is None:
        out += ["", "参考:", *("  ・" + ref for ref in rule.references)]
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- templates
class _Markup(str):
    """Trusted text (our own CSS); the HTML environment passes it unescaped."""

    def __html__(self) -> str:
        return str(self)


def _templates_dir() -> Path:
    override = os.environ.get("ITAKU_REPORTS_DIR")
    if override:
        return Path(override)
    from checker.resources import data_dir

    return data_dir("reports")


def _read_css() -> str:
    p = _templates_dir() / "report.css"
    return p.read_text(encoding="utf-8") if p.is_file() else ""


def _tool() -> str:
    from checker import __version__

    return f"委託チェッカー（itaku-checker {__version__}）"


def _jp_date(s: str) -> str:
    """2026-11-26 -> 2026年11月26日 (令和8年)."""
    try:
        d = dt.date.fromisoformat(str(s))
    except ValueError:
        return str(s)
    era = ""
    if d >= dt.date(2019, 5, 1):
        y = d.year - 2018
        era = f"（令和{'元' if y == 1 else y}年）"
    elif d >= dt.date(1989, 1, 8):
        y = d.year - 1988
        era = f"（平成{'元' if y == 1 else y}年）"
    return f"{d.year}年{d.month}月{d.day}日{era}"


@lru_cache(maxsize=4)
def _html_env(path: str):
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(path),
        autoescape=True,  # always: evidence and case names are untrusted text
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["jp_date"] = _jp_date
    return env


def html_env():
    return _html_env(str(_templates_dir()))


def md_escape(text: Any) -> str:
    """Text made inert in Markdown: specials backslash-escaped, HTML tags neutralised."""
    s = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return s.translate(str.maketrans({c: "\\" + c for c in "\\`*_[]|"}))


_MD_LINE_START = re.compile(r"^(\s*)([#>+\-=]|\d+[.)])")


def _md_line(line: str) -> str:
    """One line of quoted text: escaped, and not read as a heading, list or quote."""
    def esc(m: re.Match) -> str:
        mark = m.group(2)
        return m.group(1) + (mark[:-1] + "\\" + mark[-1] if mark[0].isdigit() else "\\" + mark)

    return _MD_LINE_START.sub(esc, md_escape(line))


class MdRaw(str):
    """Markdown written by the template itself (already safe)."""


def _md_finalize(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, MdRaw):
        return v
    if isinstance(v, (int, float)):
        return v
    return md_escape(v)


@lru_cache(maxsize=4)
def _markdown_env(path: str):
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(path),
        autoescape=False,
        finalize=_md_finalize,  # every {{ value }} is escaped for Markdown
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["raw"] = MdRaw
    env.filters["jp_date"] = _jp_date
    # a quote block: every line prefixed, text escaped
    env.filters["quote"] = lambda t, prefix="> ": MdRaw("\n".join(prefix + _md_line(ln) for ln in str(t).splitlines() or [""]))
    env.filters["cell"] = lambda t: MdRaw(md_escape(t).replace("\n", "<br>"))
    env.filters["label"] = lambda key, table: table.get(key, key)
    env.globals["summary"] = summary_line
    return env


def markdown_env():
    return _markdown_env(str(_templates_dir()))
