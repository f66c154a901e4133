"""checklist.xlsx / checklist.csv from case outcomes."""
from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from checker import checklist
from checker.batch import CaseOutcome
from checker.model import CaseResult, DocError, Document, Evidence, Finding, Status


def outcome(name, rules, findings=(), docs=None, error=None):
    docs = docs if docs is not None else (Document(path=f"{name}/c.pdf", format="pdf", sha256="", pages=2),)
    res = CaseResult(case=name, documents=docs, rules=rules, findings=tuple(findings))
    return CaseOutcome(name=name, path=name, result=res, documents=docs, error=error)


def test_rows_marks_and_findings_sheet():
    f = Finding(rule="subcontracting", check="subcontracting.clause", status=Status.VIOLATION, severity="high",
                message="=HYPERLINK(\"x\") 事後報告のみです。",
                evidence=(Evidence("a/c.pdf", 4, "第7条", "…"), Evidence("a/c.pdf", 4, "第7条", "…"),
                          Evidence("a/s.pdf", 1, "再委託", "…")),
                accepted={"reason": "市長決裁済み"})
    bad = Document(path="b/scan.pdf", format="pdf", sha256="", pages=1, error=DocError("image_only", "scan.pdf: 画像です。"))
    outs = [
        outcome("a", {"subcontracting": Status.VIOLATION, "password-handling": Status.NOT_APPLICABLE}, [f]),
        outcome("b", {"subcontracting": Status.OK, "password-handling": Status.NEEDS_REVIEW}, docs=(bad,)),
        outcome("c", {}, error="c: 確認中にエラー"),
    ]
    t = checklist.build(outs, ["subcontracting", "password-handling"], {"subcontracting": "再委託"})
    assert t.header == ["案件", "文書数", "読めない文書・エラー", "再委託（subcontracting）", "password-handling"]
    assert t.rows[0][3:] == ["×", "－"] and t.rows[1][3:] == ["○", "△"] and t.rows[2][3:] == ["！", "！"]
    assert "scan.pdf: 画像です。" in t.rows[1][2] and t.rows[2][2] == "c: 確認中にエラー"
    fa = [r for r in t.findings if r[0] == "a"][0]
    assert fa[1:8] == ["subcontracting", "subcontracting.clause", "× 違反", "高", "4, 1", "第7条、再委託", f.message]
    assert fa[8] == "市長決裁済み"
    assert any(r[0] == "b" and r[2] == "document.image_only" for r in t.findings)
    assert any(r[0] == "c" and r[2] == "case.error" for r in t.findings)

    wb = load_workbook(io.BytesIO(checklist.to_xlsx(t)))
    ws, ws2 = wb.worksheets
    assert ws.title == "チェックリスト" and ws2.title == "指摘一覧"
    assert [c.value for c in ws[2]][3:] == ["×", "－"]
    assert ws.freeze_panes == "B2" and ws.auto_filter.ref == "A1:E4"
    assert ws2.freeze_panes == "A2" and ws2.auto_filter.ref.startswith("A1:I")
    msg = next(c for c in ws2["H"] if c.value and str(c.value).startswith("=HYPERLINK"))
    assert msg.data_type == "s"  # never a formula

    data = checklist.to_csv(t)
    assert data[:3] == b"\xef\xbb\xbf" and b"\r\n" in data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == t.header and rows[1][3:] == ["×", "－"] and len(rows) == 4


def test_illegal_control_characters_do_not_break_the_workbook():
    f = Finding(rule="r", check="r.c", status=Status.MISSING, severity="low", message="壊れた\x01文字\x0b")
    t = checklist.build([outcome("a\x02", {"r": Status.MISSING}, [f])], ["r"], {})
    ws2 = load_workbook(io.BytesIO(checklist.to_xlsx(t))).worksheets[1]
    assert ws2["H2"].value == "壊れた文字"
