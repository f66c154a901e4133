"""Reports: JSON schema itaku-check/1, the text listing, Markdown and --redact."""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sys
import types

import pytest

from checker.model import Clause, Status
from checker.report import ReportError, render, to_json_obj
from report_samples import CONTRACT, clean_result, fake_profile, sample_result

AS_OF = dt.date(2026, 11, 26)


def _json(results, **kw):
    return json.loads(render(results, "json", as_of=AS_OF, **kw))


# --------------------------------------------------------------------------- JSON
def test_json_top_level_and_case_keys_are_exactly_the_schema():
    obj = _json([sample_result(), clean_result()])
    assert list(obj) == ["schema", "as_of", "cases"]
    assert obj["schema"] == "itaku-check/1"
    assert obj["as_of"] == "2026-11-26"
    for case in obj["cases"]:
        assert list(case) == ["case", "documents", "rules", "findings", "notes"]
        for d in case["documents"]:
            assert list(d) == ["path", "kind", "pages", "error", "warnings"]
            assert isinstance(d["kind"], list)
        for f in case["findings"]:
            assert list(f)[:6] == ["rule", "check", "status", "severity", "message", "evidence"]
            assert set(f) - {"rule", "check", "status", "severity", "message", "evidence"} <= {"fix", "accepted"}
            for e in f["evidence"]:
                assert list(e) == ["path", "page", "clause", "text"]
        for n in case["notes"]:
            assert list(n) == ["code", "severity", "message"]


def test_json_values_follow_the_spec_example():
    case = _json([sample_result()])["cases"][0]
    docs = {d["path"]: d for d in case["documents"]}
    assert docs[CONTRACT] == {"path": CONTRACT, "kind": ["contract", "special_provisions"], "pages": 6,
                              "error": None, "warnings": []}
    scan = docs["cases/2026-001/scan.pdf"]
    assert scan["error"]["code"] == "image_only" and "scan.pdf" in scan["error"]["message"]
    assert docs["cases/2026-001/cert.pdf"]["warnings"] == ["cert.pdf: 2ページ目は画像のため読んでいません。"]
    assert case["rules"] == {"subcontracting": "violation", "password-handling": "needs_review",
                             "post-employment-nda": "not_applicable"}
    clause = next(f for f in case["findings"] if f["check"] == "subcontracting.clause")
    assert clause["status"] == "violation" and clause["severity"] == "high"
    assert clause["evidence"] == [{"path": CONTRACT, "page": 3, "clause": "第7条",
                                   "text": "乙は、業務の一部を再委託することができる。"}]
    assert case["notes"][0]["code"] == "bundle.consultation-missing"


def test_json_fix_and_accepted_only_when_set():
    case = _json([sample_result(accepted=True)])["cases"][0]
    by_check = {f["check"]: f for f in case["findings"]}
    assert "fix" not in by_check["password-handling.holders"]
    assert "accepted" not in by_check["subcontracting.clause"]
    assert by_check["subcontracting.clause"]["fix"].startswith("乙は、あらかじめ")
    assert by_check["subcontracting.flow-down"]["accepted"] == {"reason": "再委託しない旨を別途確認済み"}
    assert by_check["subcontracting.flow-down"]["status"] == "missing"  # keeps its status


def test_json_is_utf8_indented_and_stable():
    results = [sample_result(), clean_result()]
    a = render(results, "json", as_of=AS_OF)
    b = render(results, "json", as_of=AS_OF, profile=fake_profile())
    assert a == b  # the profile changes nothing in JSON
    assert "再委託" in a and "\\u" not in a
    assert a.startswith('{\n  "schema": "itaku-check/1"')
    assert json.loads(a) == to_json_obj(results, AS_OF)


def test_json_adds_comparisons_only_when_the_case_has_them():
    from checker.compare import ArticleDiff, Comparison

    std = Clause(label="第5条", number=5, caption="再委託の禁止", page=1,
                 text="第5条 乙は、あらかじめ甲の承諾を得なければ再委託してはならない。")
    tgt = Clause(label="第5条", number=5, caption="再委託", page=2, text="第5条 乙は、再委託することができる。")
    cmp = Comparison("std.txt", CONTRACT, (ArticleDiff("weakened", std, tgt, ("条件「あらかじめ」が削られています",)),), 9)
    result = dataclasses.replace(sample_result(), comparisons=(cmp,))
    case = _json([result])["cases"][0]
    assert list(case)[-1] == "comparisons"
    diff = case["comparisons"][0]["diffs"][0]
    assert diff["kind"] == "weakened" and diff["article"] == "第5条（再委託の禁止）"
    assert "あらかじめ" in diff["standard"] and "することができる" in diff["contract"]
    assert "comparisons" not in _json([sample_result()])["cases"][0]


def test_unknown_format_is_refused():
    with pytest.raises(ReportError, match="xml"):
        render([sample_result()], "xml", as_of=AS_OF)


# --------------------------------------------------------------------------- text
def _text(results=None, **kw):
    return render(results or [sample_result(accepted=True)], "text", as_of=AS_OF, profile=fake_profile(), **kw)


def test_text_lists_documents_with_kind_pages_errors_and_warnings():
    out = _text()
    head, _, _ = out.partition("結果")
    assert "案件: cases/2026-001" in head
    assert "\n  ・contract.txt  契約書・特記事項  6ページ" in head  # paths relative to the case folder
    assert "\n  × scan.pdf  文字情報のない画像（スキャン）のため読めません（image_only）" in head
    assert "文字情報がありません" in head
    assert "注意: cert.pdf: 2ページ目" in head


def test_text_groups_by_rule_worst_first_and_quotes_evidence():
    out = _text()
    assert out.index("再委託の制限 [subcontracting]: 違反") < out.index("パスワードの取扱い [password-handling]: 要確認")
    # inside a rule, the needs_review check comes before the ok one
    assert out.index("password-handling.holders") < out.index("password-handling.protection")
    assert "      contract.txt p.3 第7条: 「乙は、業務の一部を再委託することができる。」" in out
    assert "修正文例: 乙は、あらかじめ甲の書面による承諾を得た場合を除き" in out
    assert "－ 対象外: post-employment-nda" in out


def test_text_marks_accepted_findings_and_ends_with_notes_and_summary():
    out = _text()
    line = next(ln for ln in out.splitlines() if "subcontracting.flow-down" in ln)
    assert "（承認済み: 再委託しない旨を別途確認済み）" in line
    assert line.startswith("  × subcontracting.flow-down（再委託先への義務） 記載なし［重要度 中］")
    lines = out.rstrip("\n").splitlines()
    assert lines[-1].startswith("規則 3 件: × 違反 1・× 記載なし 0・△ 要確認 1・○ 適合 0・－ 対象外 1")
    assert "承認済み 1 件" in lines[-1] and "読めない文書 1 件" in lines[-1]
    assert out.index("注記:") > out.index("password-handling.protection")
    assert "bundle.consultation-missing" in out.split("注記:")[1]


def test_text_without_profile_uses_rule_ids():
    out = render([clean_result()], "text", as_of=AS_OF)
    assert "○ subcontracting: 適合" in out
    assert "規則 3 件:" in out


def test_text_separates_several_cases():
    out = _text([sample_result(), clean_result()])
    assert out.count("案件: ") == 2
    assert out.index("cases/2026-001") < out.index("cases/clean")


# --------------------------------------------------------------------------- Markdown
def test_markdown_checklist_findings_and_fix():
    out = render([sample_result(accepted=True)], "md", as_of=AS_OF, profile=fake_profile())
    assert "| × | 再委託の制限 | `subcontracting` | 違反 |" in out
    assert "| － | 退職後の守秘義務 | `post-employment-nda` | 対象外 |" in out
    assert "  > 「乙は、業務の一部を再委託することができる。」" in out
    assert "  > — contract.txt p.3 第7条" in out  # relative to the case folder
    assert "| contract.txt | 契約書・特記事項 | 6 | 読み込み済み |" in out
    assert "**修正文例**" in out and "  > 乙は、あらかじめ甲の書面による承諾を得た場合を除き" in out
    assert "（承認済み: 再委託しない旨を別途確認済み）" in out
    assert out.index("### × 再委託の制限") < out.index("### △ パスワードの取扱い")


def test_markdown_escapes_document_text():
    r = sample_result(case="x|<b>case</b>", evidence_text="<script>alert(1)</script> a|b *c*")
    out = render([r], "md", as_of=AS_OF, profile=fake_profile())
    assert "<script>" not in out and "<b>" not in out
    assert "&lt;script&gt;alert\\(1\\)" not in out  # parentheses are not escaped
    assert "&lt;script&gt;alert(1)&lt;/script&gt; a\\|b \\*c\\*" in out
    assert "| 案件 | x\\|&lt;b&gt;case&lt;/b&gt; |" in out


# --------------------------------------------------------------------------- --redact
@pytest.fixture
def fake_redact(monkeypatch):
    mod = types.ModuleType("checker.redact")
    calls = []

    def redact_result(result):
        calls.append(result.case)
        findings = tuple(dataclasses.replace(
            f, evidence=tuple(dataclasses.replace(e, text="■■■") for e in f.evidence)) for f in result.findings)
        return dataclasses.replace(result, findings=findings)

    mod.redact_result = redact_result
    monkeypatch.setitem(sys.modules, "checker.redact", mod)
    return calls


@pytest.mark.parametrize("fmt", ["text", "json", "html", "md"])
def test_redact_is_applied_before_every_format(fake_redact, fmt):
    out = render([sample_result(), clean_result()], fmt, as_of=AS_OF, redact=True, profile=fake_profile())
    assert fake_redact == ["cases/2026-001", "cases/clean"]
    assert "■■■" in out
    assert "再委託することができる" not in out
    plain = render([sample_result()], fmt, as_of=AS_OF, profile=fake_profile())
    assert "再委託することができる" in plain


def test_redact_without_the_module_says_so(monkeypatch):
    monkeypatch.setitem(sys.modules, "checker.redact", None)  # import fails as if the file were absent
    with pytest.raises(ReportError, match="--redact"):
        render([sample_result()], "text", as_of=AS_OF, redact=True)


def test_rule_status_shown_is_the_results_own():
    """The report never recomputes a status: a rule the engine marked ok stays ok."""
    r = dataclasses.replace(clean_result(), rules={**clean_result().rules, "subcontracting": Status.NEEDS_REVIEW})
    out = render([r], "text", as_of=AS_OF, profile=fake_profile())
    assert "△ 再委託の制限 [subcontracting]: 要確認" in out


def test_markdown_quotes_cannot_become_headings_or_lists():
    r = sample_result(evidence_text="本文\n# 見出しではない\n1. 箇条書きではない\n- これも")
    out = render([r], "md", as_of=AS_OF, profile=fake_profile())
    assert "  > 「本文\n  > \\# 見出しではない" in out
    assert "  > 1\\. 箇条書きではない" in out
    assert "  > \\- これも」" in out


def test_markdown_lists_ok_rules_in_a_table_with_their_evidence():
    out = render([clean_result()], "md", as_of=AS_OF, profile=fake_profile())
    assert "指摘事項はありません。" in out
    assert ("| ○ | 再委託の制限 | `subcontracting.clause` | contract.txt p.1 第5条"
            "「あらかじめ甲の承諾を得なければ再委託してはならない。」 |") in out
    assert "| ○ | 退職後の守秘義務 | `post-employment-nda.clause` | 退職後も守秘義務があります。 |" in out
    assert "### ○" not in out


@pytest.mark.parametrize("fmt", ["text", "json", "html", "md"])
def test_results_with_plain_string_statuses_render(fmt):
    """Results rebuilt from stored JSON (the history) may carry statuses as strings."""
    r = sample_result()
    r = dataclasses.replace(
        r, rules={k: v.value for k, v in r.rules.items()},
        findings=tuple(dataclasses.replace(f, status=f.status.value) for f in r.findings))
    assert render([r], fmt, as_of="2026-11-26", profile=fake_profile()) == \
        render([sample_result()], fmt, as_of=AS_OF, profile=fake_profile())
