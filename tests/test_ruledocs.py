"""Rule documentation generated from the rule files (ruff-style fixed sections)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from checker.cli import UsageError
from checker.report import render_rules
from checker.ruledocs import (default_out, generate, main, rule_infos, stale_files, write_docs)
from report_samples import fake_profile

SECTIONS = ("## 何を確認するか", "## なぜ重要か", "## 例", "## 修正文例", "## 参考")
ROOT = Path(__file__).resolve().parent.parent


def test_rule_page_has_the_fixed_sections_in_order():
    page = generate(rule_infos(fake_profile()))["subcontracting.md"]
    assert page.startswith("# 再委託の制限 (`subcontracting`)")
    positions = [page.index(s) for s in SECTIONS]
    assert positions == sorted(positions)
    what, why, example, fix, refs = (page[a:b] for a, b in zip(positions, positions[1:] + [len(page)]))
    assert "| `subcontracting.clause` | 再委託の事前承諾 | 高（high） | 契約書・特記事項 |" in what
    assert "再委託先で事故が起きても" in why
    assert "**違反**" in example and "  > 乙は、業務の一部を再委託することができる。" in example
    assert "  > 乙は、あらかじめ甲の書面による承諾を得た場合を除き、再委託してはならない。" in fix
    assert "適合する文面の例" in fix and "承諾を得なければ、再委託してはならない。" in fix
    assert "- 個人情報の保護に関する法律 第66条第2項" in refs


def test_rule_without_rationale_or_examples_says_so():
    page = generate(rule_infos(fake_profile()))["post-employment-nda.md"]
    assert "（ルールファイルに説明がありません。）" in page
    assert "（指摘される例はルールファイルにありません。）" in page
    assert "（参考資料はルールファイルにありません。）" in page


def test_index_links_every_rule():
    files = generate(rule_infos(fake_profile()), "test-profile")
    index = files["README.md"]
    assert set(files) == {"README.md", "subcontracting.md", "password-handling.md", "post-employment-nda.md"}
    assert "| [`subcontracting`](subcontracting.md) | 再委託の制限 | 2 | 高・中 |" in index
    assert "python -m checker.ruledocs" in index


def test_write_docs_then_nothing_is_stale_and_old_pages_are_removed(tmp_path):
    files = generate(rule_infos(fake_profile()))
    (tmp_path / "retired-rule.md").write_text("old", encoding="utf-8")
    assert "retired-rule.md" in stale_files(tmp_path, files)
    write_docs(tmp_path, files)
    assert stale_files(tmp_path, files) == []
    assert not (tmp_path / "retired-rule.md").exists()
    (tmp_path / "subcontracting.md").write_text("edited by hand", encoding="utf-8")
    assert stale_files(tmp_path, files) == ["subcontracting.md"]


def test_rules_text_list_and_one_rule():
    p = fake_profile()
    listing = render_rules(p, None)
    line = next(ln for ln in listing.splitlines() if ln.startswith("subcontracting "))
    assert "再委託の制限" in line and "チェック 2 件" in line and "重要度 高〜中" in line
    line = next(ln for ln in listing.splitlines() if ln.startswith("post-employment-nda "))
    assert "チェック 1 件、重要度 高）" in line
    one = render_rules(p, "subcontracting")
    assert one.startswith("subcontracting: 再委託の制限")
    for part in ("■ subcontracting.clause", "■ subcontracting.flow-down", "なぜ重要か:", "修正文例:",
                 "例 × 違反: 「乙は、業務の一部を再委託することができる。」", "参考:"):
        assert part in one


def test_rules_one_check_by_its_id():
    out = render_rules(fake_profile(), "password-handling.protection")
    assert "■ password-handling.protection" in out and "password-handling.holders" not in out
    md = render_rules(fake_profile(), "password-handling.protection", "md")
    assert "チェック `password-handling.protection` のみ" in md


def test_unknown_rule_is_a_usage_error():
    with pytest.raises(UsageError, match="itaku rules"):
        render_rules(fake_profile(), "no-such-rule")


def test_profile_severity_override_is_shown():
    @dataclass
    class Book:
        rules: list
        severities: dict

    p = fake_profile()
    book = Book(p.rulebook.rules, {"subcontracting.flow-down": "info"})
    info = {r.id: r for r in rule_infos(book)}["subcontracting"]
    assert info.check("subcontracting.flow-down").severity == "info"
    assert info.severity_range == "high–info"


def test_examples_with_several_documents_are_shown_per_kind():
    @dataclass
    class Doc:
        kind: str
        text: str

    @dataclass
    class Ex:
        status: str
        docs: list
        text: str | None = None
        note: str | None = None

    from checker.ruledocs import check_info

    c = check_info({"id": "x.y", "title": "t", "severity": "high", "reads": "all",
                    "examples": [Ex("needs_review", [Doc("consultation", "再委託先：未定"), Doc("contract", "再委託できる。")])]})
    assert c.reads == ()
    assert c.examples[0].text == "［諮問書］再委託先：未定\n［契約書］再委託できる。"


# --------------------------------------------------------------------------- the real rules
def _real_rules():
    try:
        from checker.profile import load_profile

        return rule_infos(load_profile(None))
    except Exception:  # noqa: BLE001 - before the rulebook lands
        return []


@pytest.mark.skipif(not _real_rules(), reason="no rule files yet")
def test_every_shipped_rule_is_documented_completely():
    for info in _real_rules():
        page = generate([info])[f"{info.id}.md"]
        assert all(s in page for s in SECTIONS), info.id
        assert info.title and info.checks, info.id
        # the page shows a case that fires and one that does not (issue 3: no rule without both);
        # a rule that can never be ok (contractor-termination-right) shows not_applicable instead
        statuses = {e.status for c in info.checks for e in c.examples}
        assert statuses & {"violation", "missing", "needs_review"}, info.id
        assert statuses & {"ok", "not_applicable"}, info.id
        shown = page.replace("\\", "").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
        for c in info.checks:
            for e in c.examples:
                assert e.text.splitlines()[0] in shown, (c.id, e.text)


@pytest.mark.skipif(not _real_rules(), reason="no rule files yet")
def test_docs_rules_has_a_page_for_every_shipped_rule():
    """docs/rules is generated: after adding or removing a rule run `python -m checker.ruledocs`
    (``--check`` also compares the wording; rule wording changes often, so only the set of
    pages is held here)."""
    assert default_out() == ROOT / "docs" / "rules"
    pages = {p.name for p in default_out().glob("*.md")}
    assert pages == set(generate(_real_rules())), "run `python -m checker.ruledocs`"


@pytest.mark.skipif(not _real_rules(), reason="no rule files yet")
def test_generator_check_mode_detects_stale_docs(tmp_path, capsys):
    assert main(["--out", str(tmp_path)]) == 0
    assert main(["--check", "--out", str(tmp_path)]) == 0
    first = sorted(tmp_path.glob("*.md"))[1]
    first.write_text(first.read_text(encoding="utf-8") + "手で書き足した行\n", encoding="utf-8")
    assert main(["--check", "--out", str(tmp_path)]) == 1
    assert first.name in capsys.readouterr().err


def test_rules_list_names_the_profile_description_and_standard():
    p = fake_profile()
    p.description = "市の標準と比べる例"
    p.standard = Path("/data/standard.txt")
    head = render_rules(p, None).splitlines()[:3]
    assert head == ["プロファイル: test-profile", "  市の標準と比べる例", "  標準の特記事項: /data/standard.txt"]
