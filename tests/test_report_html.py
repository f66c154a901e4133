"""The HTML report: self-contained, printable, escaped, with the checklist and findings."""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
from html.parser import HTMLParser

from checker.model import Clause
from checker.report import render
from report_samples import clean_result, fake_profile, sample_result

AS_OF = dt.date(2026, 11, 26)


def _html(results=None, **kw):
    return render(results or [sample_result(accepted=True)], "html", as_of=AS_OF, profile=fake_profile(), **kw)


class _Tables(HTMLParser):
    """Rows of the tables with a given class, as lists of cell texts; also every tag seen."""

    def __init__(self, cls: str):
        super().__init__()
        self.cls, self.depth, self.rows, self.tags = cls, 0, [], []
        self._row = self._cell = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "table" and self.cls in (a.get("class") or "").split():
            self.depth += 1
        elif self.depth and tag == "tr":
            self._row = []
        elif self.depth and tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "table" and self.depth:
            self.depth -= 1
        elif self.depth and tag in ("td", "th") and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif self.depth and tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _rows(html: str, cls: str) -> list[list[str]]:
    p = _Tables(cls)
    p.feed(html)
    return p.rows


def test_script_in_evidence_and_case_name_is_escaped():
    r = sample_result(case="<script>alert('case')</script>", evidence_text="<script>alert('doc')</script>第7条")
    out = _html([r])
    assert "<script>alert" not in out
    assert "&lt;script&gt;alert(&#39;case&#39;)&lt;/script&gt;" in out
    assert "&lt;script&gt;alert(&#39;doc&#39;)&lt;/script&gt;第7条" in out
    tags = _Tables("x")
    tags.feed(out)
    assert not [t for t, _ in tags.tags if t in ("script", "iframe", "object", "embed")]


def test_self_contained_no_external_assets():
    out = _html()
    p = _Tables("x")
    p.feed(out)
    for tag, attrs in p.tags:
        assert tag not in ("link", "script", "img", "iframe")
        for k, v in attrs.items():
            if k in ("src", "href"):
                assert v.startswith("#"), (tag, k, v)  # only in-page links
    assert "@import" not in out and "url(" not in out and "@font-face" not in out
    style = re.search(r"<style>(.*?)</style>", out, re.S).group(1)
    assert "@media print" in style and "page-break" in style  # printable with page breaks


def test_header_names_case_reference_date_profile_and_tool():
    out = _html()
    meta = dict((row[0], row[1]) for row in _rows(out, "meta"))
    assert meta["案件"] == "cases/2026-001"
    assert meta["基準日"].startswith("2026年11月26日")
    assert meta["プロファイル"] == "test-profile"
    assert "itaku-checker" in meta["作成"]
    assert '<html lang="ja">' in out


def test_documents_table_shows_errors_in_plain_japanese():
    rows = _rows(_html(), "docs")
    assert rows[0] == ["文書", "種類", "ページ", "状態"]
    scan = next(r for r in rows if r[0].startswith("scan.pdf"))
    assert "文字情報のない画像（スキャン）のため読めません" in scan[3]
    assert "テキスト付きのPDFを提出してください" in scan[3]
    contract = next(r for r in rows if r[0].startswith("contract.txt"))
    assert contract[1:3] == ["契約書・特記事項", "6"]
    cert = next(r for r in rows if r[0].startswith("cert.pdf"))
    assert "注意: cert.pdf: 2ページ目" in cert[3]


def test_checklist_has_every_rule_with_mark_and_label():
    rows = _rows(_html(), "checklist")[1:]
    got = {r[1].split()[0]: (r[0], r[2]) for r in rows}
    assert got == {"再委託の制限": ("×", "違反"), "パスワードの取扱い": ("△", "要確認"),
                   "退職後の守秘義務": ("－", "対象外")}
    clean = {r[1].split()[0]: (r[0], r[2]) for r in _rows(_html([clean_result()]), "checklist")[1:]}
    assert clean["再委託の制限"] == ("○", "適合")


def test_checklist_label_for_missing_is_kisai_nashi():
    r = sample_result()
    r = dataclasses.replace(r, rules={**r.rules, "subcontracting": r.rules["subcontracting"].__class__("missing")})
    rows = {row[1].split()[0]: (row[0], row[2]) for row in _rows(_html([r]), "checklist")[1:]}
    assert rows["再委託の制限"] == ("×", "記載なし")


def test_findings_quote_evidence_with_page_and_clause_and_show_fix_and_acceptance():
    out = _html()
    section = out[out.index('id="c1-subcontracting"'):out.index('id="c1-password-handling"')]
    assert "contract.txt p.3 第7条" in section
    assert "「乙は、業務の一部を再委託することができる。」" in section
    assert '<div class="fix"><p class="fix-title">修正文例</p>' in section
    assert "承認済み: 再委託しない旨を別途確認済み" in section
    assert "重要度 高" in section and "重要度 中" in section
    assert out.index('id="c1-subcontracting"') < out.index('id="c1-password-handling"')  # worst first


def test_notes_and_rule_docs_appendix_are_linked():
    out = _html()
    assert "諮問書がないため" in out and "bundle.consultation-missing" in out
    assert 'href="#c1-doc-subcontracting"' in out and 'id="c1-doc-subcontracting"' in out
    appendix = out[out.index('id="c1-doc-subcontracting"'):]
    assert "再委託先で事故が起きても" in appendix  # the rule's rationale
    assert "個人情報の保護に関する法律 第66条第2項" in appendix
    assert "docs/rules/subcontracting.md" in out


def test_several_cases_each_start_on_a_new_page():
    out = _html([sample_result(), clean_result()])
    assert out.count('<section class="case"') == 2
    assert 'id="c2-subcontracting"' in out
    assert "section.case + section.case { break-before: page" in out


def test_comparison_section_only_when_present():
    from checker.compare import ArticleDiff, Comparison

    assert "標準の特記事項との比較" not in _html()
    std = Clause(label="第9条", number=9, caption="返還", page=1, text="第9条 乙は、直ちに返還しなければならない。")
    cmp = Comparison("standard.txt", "contract.txt", (ArticleDiff("absent", std, None, ("標準の条項に対応する条項がありません",)),), 8)
    out = _html([dataclasses.replace(sample_result(), comparisons=(cmp,))])
    assert "標準の特記事項との比較" in out
    rows = _rows(out, "cmp")
    assert rows[1][:3] == ["欠落", "第9条（返還）", "第9条 乙は、直ちに返還しなければならない。"]
    assert rows[1][4] == "標準の条項に対応する条項がありません"


def test_ok_findings_quote_their_first_evidence_flagged_ones_all():
    from checker.model import Evidence

    r = sample_result()
    two = (Evidence("cases/2026-001/contract.txt", 2, "第4条", "一つ目の根拠。"),
           Evidence("cases/2026-001/contract.txt", 5, "第9条", "二つ目の根拠。"))
    findings = tuple(dataclasses.replace(f, evidence=two) if f.check in ("password-handling.protection",
                                                                       "password-handling.holders") else f
                     for f in r.findings)
    r = dataclasses.replace(r, findings=findings)
    out = _html([r])
    assert out.count("一つ目の根拠。") == 2 and out.count("二つ目の根拠。") == 1
    assert "ほか 1 か所に記載があります。" in out
    text = render([r], "text", as_of=AS_OF, profile=fake_profile())
    assert text.count("二つ目の根拠。") == 1
    assert render([r], "json", as_of=AS_OF).count("二つ目の根拠。") == 2  # JSON keeps every citation


def test_an_edited_copy_of_the_templates_is_used(tmp_path, monkeypatch):
    import shutil

    from checker.resources import data_dir

    for p in data_dir("reports").glob("*"):
        shutil.copy(p, tmp_path / p.name)
    tpl = tmp_path / "report.html.j2"
    tpl.write_text(tpl.read_text(encoding="utf-8").replace("個人情報取扱事務委託 点検結果", "東雲市 委託点検票"),
                   encoding="utf-8")
    (tmp_path / "report.css").write_text("body { color: #123456; }", encoding="utf-8")
    monkeypatch.setenv("ITAKU_REPORTS_DIR", str(tmp_path))
    out = _html()
    assert "東雲市 委託点検票" in out and "個人情報取扱事務委託 点検結果" not in out
    assert "color: #123456" in out
    assert "&lt;script&gt;" in _html([sample_result(evidence_text="<script>x</script>")])  # still escaped


def test_ok_rules_are_listed_compactly_with_their_evidence():
    out = _html([clean_result()])
    assert "指摘事項はありません。" in out
    rows = _rows(out, "oklist")
    assert rows[0] == ["判定", "項目・チェック", "根拠"]
    sub = next(r for r in rows if "subcontracting.clause" in r[1])
    assert sub[0] == "○" and "第5条" in sub[2] and "「あらかじめ甲の承諾を得なければ再委託してはならない。」" in sub[2]
    nda = next(r for r in rows if "post-employment-nda.clause" in r[1])
    assert nda[2] == "退職後も守秘義務があります。"  # no evidence: the message says why
    assert 'id="c1-subcontracting"' in out  # the batch index links here


def test_profile_description_is_shown_beside_its_name():
    p = dataclasses.replace(fake_profile(), name="桜ケ丘市")
    p.description = "桜ケ丘市の標準特記事項と比べる"  # FakeProfile is a plain (mutable) dataclass
    out = render([sample_result()], "html", as_of=AS_OF, profile=p)
    meta = dict((row[0], row[1]) for row in _rows(out, "meta"))
    assert meta["プロファイル"] == "桜ケ丘市（桜ケ丘市の標準特記事項と比べる）"
    md = render([sample_result()], "md", as_of=AS_OF, profile=p)
    assert "| プロファイル | 桜ケ丘市（桜ケ丘市の標準特記事項と比べる） |" in md
