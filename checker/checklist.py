"""The secretariat's checklist: ``checklist.xlsx`` (two sheets) and ``checklist.csv``.

Sheet 1 (and the CSV): one row per case, one column per rule, the status marks
(○ ok, × violation / missing, △ needs_review, － not applicable, ！ case could not be checked).
Sheet 2: every finding (one row each), every unreadable document and every case error:
case, rule, check, status, severity, page, clause, message.

Cells are always text: a value that begins like a formula (``=``, ``+``, ``-``, ``@``) is
never evaluated by Excel (in the XLSX the cell is typed as a string; in the CSV it is
prefixed with an apostrophe).
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from checker.batch import ERROR_MARK, MARKS, STATUS_LABELS

SEVERITY_LABELS = {"high": "高", "medium": "中", "low": "低", "info": "情報"}
SHEET1 = "チェックリスト"
SHEET2 = "指摘一覧"
CASE_HEADERS = ["案件", "文書数", "読めない文書・エラー"]
FINDING_HEADERS = ["案件", "ルール", "チェック", "状態", "重要度", "ページ", "条項", "指摘内容", "了承（理由）"]


@dataclass
class Table:
    header: list[str]
    rows: list[list[Any]]
    findings_header: list[str] = field(default_factory=lambda: list(FINDING_HEADERS))
    findings: list[list[Any]] = field(default_factory=list)
    rule_columns: int = 0


def _v(s) -> str:
    return getattr(s, "value", s)


def build(outcomes: list, rule_ids: list[str], titles: dict[str, str]) -> Table:
    """The checklist rows of ``outcomes`` (objects with name, result, error, documents).
    Redaction, when asked for, is applied to the results before they come here."""
    header = CASE_HEADERS + [f"{titles[r]}（{r}）" if titles.get(r) and titles[r] != r else r for r in rule_ids]
    rows, findings = [], []
    for o in outcomes:
        problems = [f"{Path(d.path).name}: {d.error.message}" for d in o.documents if getattr(d, "error", None)]
        if o.error:
            problems.insert(0, o.error)
        rules = {} if o.error or o.result is None else {k: _v(v) for k, v in o.result.rules.items()}
        marks = [MARKS.get(rules[r], "?") if r in rules else (ERROR_MARK if o.error else "") for r in rule_ids]
        rows.append([o.name, len(o.documents), "\n".join(problems)] + marks)
        if o.error:
            findings.append([o.name, "", "case.error", f"{ERROR_MARK} 確認できず", "", "", "", o.error, ""])
        for d in o.documents:
            if getattr(d, "error", None):
                findings.append([o.name, "", f"document.{d.error.code}", f"{ERROR_MARK} 読み込めず", "",
                                 "", Path(d.path).name, d.error.message, ""])
        if o.error or o.result is None:
            continue
        for f in o.result.findings:
            st = _v(f.status)
            pages = _distinct(e.page for e in f.evidence if e.page is not None)
            clauses = _distinct(e.clause for e in f.evidence if e.clause)
            accepted = (f.accepted or {}).get("reason", "") if f.accepted else ""
            findings.append([o.name, f.rule, f.check, f"{MARKS.get(st, '')} {STATUS_LABELS.get(st, st)}".strip(),
                             SEVERITY_LABELS.get(f.severity, f.severity), ", ".join(str(p) for p in pages),
                             "、".join(clauses), f.message, accepted])
    return Table(header=header, rows=rows, findings=findings, rule_columns=len(rule_ids))


def _distinct(values) -> list:
    out = []
    for v in values:
        if v not in out:
            out.append(v)
    return out


def _formula_like(s: str) -> bool:
    return s[:1] in ("=", "+", "-", "@", "\t", "\r")


def to_csv(table: Table) -> bytes:
    """Sheet 1 as CSV, UTF-8 with BOM (Excel opens it in Japanese), CRLF line ends."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    for row in [table.header] + table.rows:
        w.writerow(["'" + c if isinstance(c, str) and _formula_like(c) else c for c in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_xlsx(table: Table) -> bytes:
    """The workbook: sheet 1 one row per case (frozen header and case column, auto-filter),
    sheet 2 every finding (frozen header, auto-filter)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = SHEET1
    fills = {"○": "E6F4EA", "×": "FCE8E6", "△": "FEF7E0", ERROR_MARK: "F3E8FD"}
    _fill(ws, table.header, table.rows)
    bold = Font(bold=True)
    for c in ws[1]:
        c.font = bold
        c.alignment = Alignment(wrap_text=True, vertical="top")
    first_rule = len(CASE_HEADERS) + 1
    for row in ws.iter_rows(min_row=2, min_col=first_rule, max_col=first_rule + table.rule_columns - 1):
        for c in row:
            c.alignment = Alignment(horizontal="center")
            if c.value in fills:
                c.fill = PatternFill("solid", fgColor=fills[c.value])
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["C"].width = 40
    for i in range(first_rule, first_rule + table.rule_columns):
        ws.column_dimensions[get_column_letter(i)].width = 14
    ws.freeze_panes = "B2"
    ws.auto_filter.ref = ws.dimensions

    ws2 = wb.create_sheet(SHEET2)
    _fill(ws2, table.findings_header, table.findings)
    for c in ws2[1]:
        c.font = bold
    for letter, width in zip("ABCDEFGHI", (24, 22, 34, 12, 8, 8, 16, 80, 24)):
        ws2.column_dimensions[letter].width = width
    for row in ws2.iter_rows(min_row=2, min_col=8, max_col=8):
        for c in row:
            c.alignment = Alignment(wrap_text=True, vertical="top")
    ws2.freeze_panes = "A2"
    ws2.auto_filter.ref = ws2.dimensions
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _fill(ws, header: list, rows: list[list]) -> None:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    for r, values in enumerate([header] + rows, start=1):
        for c, v in enumerate(values, start=1):
            if isinstance(v, str):
                v = ILLEGAL_CHARACTERS_RE.sub("", v)
            cell = ws.cell(row=r, column=c, value=v)
            if isinstance(v, str) and v.startswith("="):
                cell.data_type = "s"  # text, never a formula
