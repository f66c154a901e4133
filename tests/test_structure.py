"""Structure: articles, paragraphs, items, 別記 sections, parties, form fields, headings,
periods and dates, on text-file and PDF-like inputs built here."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from checker.model import Block, DocError, RawDocument, RawPage
from checker.read import read_document
from checker.read.txt import read_txt
from checker.structure import build_document, split_sentences

EXAMPLES = Path("/work/shared/examples")


def txt(*pages: str) -> RawDocument:
    """A RawDocument from text-file markup (# title, ## heading, | a | b | rows), one string per page,
    read by the real text reader."""
    data = "\n===page===\n".join(p.strip() for p in pages).encode("utf-8")
    return read_txt(Path("t.txt"), data, "0")


def pdf(*pages: list[tuple[str, float]]) -> RawDocument:
    rp = []
    for n, lines in enumerate(pages, 1):
        blocks = tuple(Block("line", t, n, top=top, bottom=top + 10.5, x0=x0) for t, top, x0 in lines)
        rp.append(RawPage(n, blocks, height=842.0, width=595.0))
    return RawDocument("t.pdf", "pdf", "0", tuple(rp), len(rp))


def by_text(doc, fragment):
    hits = [s for s in doc.sentences if fragment in s.text]
    assert hits, f"no sentence with {fragment!r}"
    return hits[0]


# ---------------------------------------------------------------- sentences
def test_sentences_split_at_maru_not_inside_quotes_or_parens():
    t = "乙は、個人情報(以下「本件情報」という。)を保護する。甲は「承諾する。」と通知する。以上"
    parts = [t[a:b] for a, b in split_sentences(t)]
    assert parts == ["乙は、個人情報(以下「本件情報」という。)を保護する。", "甲は「承諾する。」と通知する。", "以上"]


def test_unbalanced_bracket_does_not_swallow_the_rest():
    t = "乙は「秘密を守る。甲は確認する。"
    assert len(split_sentences(t)) == 2


# ---------------------------------------------------------------- articles
@pytest.mark.parametrize("src, label, caption", [
    ("（再委託の禁止）\n第５条　乙は、第三者に委託してはならない。", "第5条", "再委託の禁止"),
    ("第５条（再委託の禁止）　乙は、第三者に委託してはならない。", "第5条", "再委託の禁止"),
    ("第５条【再委託の禁止】乙は、第三者に委託してはならない。", "第5条", "再委託の禁止"),
    ("第 ５ 条　乙は、第三者に委託してはならない。", "第5条", None),
    ("第五条　乙は、第三者に委託してはならない。", "第5条", None),
    ("第５条の２（再委託）　乙は、第三者に委託してはならない。", "第5条の2", "再委託"),
    ("第８（再委託の禁止）　乙は、第三者に委託してはならない。", "第8", "再委託の禁止"),
    ("（再委託の禁止）\n第８　乙は、第三者に委託してはならない。", "第8", "再委託の禁止"),
    ("第５条　再委託の禁止\n乙は、第三者に委託してはならない。", "第5条", "再委託の禁止"),
])
def test_article_labels_and_captions(src, label, caption):
    doc = build_document(txt(src))
    s = by_text(doc, "第三者に委託してはならない")
    assert s.article == label and s.clause == label
    assert s.caption == caption
    (c,) = doc.clauses
    assert (c.label, c.caption) == (label, caption)
    assert c.sentence_indexes == (s.index,)


def test_paragraphs_and_items_make_the_clause():
    doc = build_document(txt("""
第９条　甲は、乙が次の各号のいずれかに該当するときは、契約を解除することができる。
（１）正当な理由なく履行しないとき。
（２）この契約に違反したとき。
２　甲は、前項の場合において、次に掲げる措置をとる。
⑴　損害賠償を請求すること。
ア　書面により請求する。
イ　期限を定める。
⑵　公表すること。
第３項　前各項の規定は、乙の責めに帰さない場合は適用しない。
第１０条　乙は、次の事項を守る。
一　秘密を守ること。
二　複写しないこと。
①　特に注意する。
"""))
    assert by_text(doc, "契約を解除することができる").clause == "第9条"
    assert by_text(doc, "正当な理由なく").clause == "第9条(1)"
    assert by_text(doc, "この契約に違反した").clause == "第9条(2)"
    assert by_text(doc, "次に掲げる措置").clause == "第9条第2項"
    assert by_text(doc, "損害賠償を請求").clause == "第9条第2項(1)"
    assert by_text(doc, "書面により請求").clause == "第9条第2項(1)ア"
    assert by_text(doc, "期限を定める").clause == "第9条第2項(1)イ"
    assert by_text(doc, "公表する").clause == "第9条第2項(2)"
    assert by_text(doc, "前各項の規定").clause == "第9条第3項"
    assert by_text(doc, "秘密を守ること").clause == "第10条第1号"
    assert by_text(doc, "複写しない").clause == "第10条第2号"
    assert by_text(doc, "特に注意").clause == "第10条第2号①"


def test_appended_special_provisions_are_a_section_with_their_own_numbering():
    doc = build_document(txt("""
# 業務委託契約書
第１条　乙は、誠実に履行しなければならない。
第２条　乙は、別記「個人情報取扱特記事項」を守らなければならない。
""", """
# 別記　個人情報取扱特記事項
（秘密の保持）
第１　乙は、秘密を漏らしてはならない。
（返還）
第９　乙は、資料を返還しなければならない。
２　乙は、返還したときは、書面で報告しなければならない。
"""))
    s = by_text(doc, "書面で報告")
    assert s.clause == "別記第9第2項"
    assert s.section == "別記" and s.page == 2 and s.caption == "返還"
    assert by_text(doc, "別記「個人情報").clause == "第2条"
    labels = [c.label for c in doc.clauses]
    assert labels == ["第1条", "第2条", "別記第1", "別記第9"]
    assert doc.clauses[2].section == "別記"


def test_special_provisions_appended_without_the_word_betsuki():
    doc = build_document(txt("""
第１条　乙は、誠実に履行しなければならない。
第２条　乙は、個人情報を保護しなければならない。
個人情報取扱特記事項
第１　乙は、秘密を漏らしてはならない。
"""))
    s = by_text(doc, "秘密を漏らして")
    assert s.section is not None and s.clause.endswith("第1") and s.clause != "第1"


def test_signature_part_is_outside_the_last_article():
    doc = build_document(txt("""
第１２条　疑義は甲乙協議して定める。
この契約の締結を証するため、本書２通を作成し、甲乙記名押印の上、各自１通を保有する。
令和９年４月１日
"""))
    assert by_text(doc, "記名押印").clause is None
    assert by_text(doc, "令和9年4月1日").clause is None
    assert doc.clauses[0].sentence_indexes == (0,)


def test_pdf_lines_wrapped_and_across_pages_keep_clause_page_and_raw():
    doc = build_document(pdf(
        [("（甲の解除権）", 640, 70),
         ("第８条　甲は、乙が次の各号のいずれかに該当するときは、この契約を解除することができる。", 660, 70),
         ("（１）正当な理由なく、履行期間内に本業務を完了しないとき又は完了する見込みがないと明", 700, 81),
         ("らかに認められるとき。", 717, 91),
         ("（２）この契約に違反し、その違反によりこの契約の目的を達成することができないと認めら", 750, 81),
         ("- 1 -", 800, 290)],
        [("れるとき。", 88, 91), ("（３）別記「個人情報取扱特記事項」に違反したとき。", 107, 81)],
    ))
    s = by_text(doc, "目的を達成することができない")
    assert s.clause == "第8条(2)" and s.page == 1
    assert s.raw.startswith("この契約に違反し") and s.raw.endswith("れるとき。")
    assert by_text(doc, "別記「個人情報").page == 2
    assert doc.clauses[0].caption == "甲の解除権"


def test_raw_keeps_full_width_text_for_quotes():
    doc = build_document(txt("第４条　乙は、ＣＤ－Ｒに格納し、暗号化を施す。"))
    (s,) = doc.sentences
    assert s.text == "乙は、CD-Rに格納し、暗号化を施す。"
    assert s.raw == "乙は、ＣＤ－Ｒに格納し、暗号化を施す。"


# ---------------------------------------------------------------- parties
def test_parties_with_koshi_otsu_and_roles():
    doc = build_document(txt("""
委託者東雲市（以下「甲」という。）と受託者株式会社ライフログ・アナリシス（以下「乙」という。）とは、次のとおり契約を締結する。
第１条　乙は、誠実に履行する。
"""))
    assert doc.parties == {"甲": "東雲市", "乙": "株式会社ライフログ・アナリシス"}
    assert doc.roles["甲"] == "city" and doc.roles["乙"] == "contractor"
    assert doc.roles["委託者"] == "city"


def test_parties_reversed_roles_are_read_from_names():
    doc = build_document(txt("""
株式会社みなと（以下「甲」という。）と港北市（以下「乙」という。）とは、次のとおり契約を締結する。
第１条　甲は、誠実に履行する。
"""))
    assert doc.roles == {"甲": "contractor", "乙": "city"}


def test_parties_without_aliases():
    doc = build_document(txt("""
発注者若葉原市と受注者株式会社みどり野データプロセスは、次の条項によって契約を締結する。
第１条　受注者は、誠実に履行する。
"""))
    assert doc.parties == {"発注者": "若葉原市", "受注者": "株式会社みどり野データプロセス"}
    assert doc.roles == {"発注者": "city", "受注者": "contractor"}


def test_hatchusha_as_alias():
    doc = build_document(txt("""
北浜町（以下「発注者」という。）と有限会社北浜（以下「受注者」という。）は、次のとおり契約を締結する。
第１条　受注者は、誠実に履行する。
"""))
    assert doc.parties == {"発注者": "北浜町", "受注者": "有限会社北浜"}
    assert doc.roles["発注者"] == "city"


def test_public_body_and_company_aliases_from_the_preamble():
    doc = build_document(txt("""
鷺沼市水道事業管理者 鷺沼 一郎（以下「管理者」という。）と株式会社サギヌマ検針（以下「会社」という。）とは、検針業務（以下「本業務」という。）について次のとおり契約を締結する。
第１条　会社は、誠実に履行する。
"""))
    assert doc.roles["管理者"] == "city" and doc.roles["会社"] == "contractor"
    assert "本業務" not in doc.parties  # a defined term is no party


def test_board_and_bureau_aliases_are_the_city_a_corporate_hospital_is_not():
    doc = build_document(txt("""
北陵市教育委員会（以下「委員会」という。）と医療法人社団青葉会青葉台病院（以下「病院」という。）は、次のとおり契約を締結する。
第１条　病院は、健康診断を行う。
"""))
    assert doc.roles == {"委員会": "city", "病院": "contractor"}


def test_a_water_enterprise_union_is_the_city_a_cooperative_the_contractor():
    doc = build_document(txt("""
南丘水道企業団（以下「企業団」という。）とみなと印刷事業協同組合（以下「組合」という。）とは、次のとおり契約を締結する。
第１条　組合は、誠実に履行する。
"""))
    assert doc.roles == {"企業団": "city", "組合": "contractor"}


def test_a_term_defined_with_a_company_inside_is_no_party():
    doc = build_document(txt("""
市と受託者は、株式会社ミドリが保有する顧客情報（以下「情報」という。）について次のとおり定める。
第１条　受託者は、情報を適正に取り扱う。
"""))
    assert "情報" not in doc.parties


# ---------------------------------------------------------------- form fields
def test_table_fields_two_and_three_cells_and_header_rows():
    doc = build_document(txt("""
# 個人情報取扱事務委託届出書
| 項目 | 内容 |
| 件名 | 粗大ごみ受付業務委託 |
| 再委託 | 有無 | 有 |
| 委託先 | 株式会社汐見台コンタクト。令和８年１２月に選定した。 |
| 所管課 | ごみ減量推進課 | 担当者 | 山田 |
"""))
    fields = {f.label: f.value for f in doc.fields}
    assert "項目" not in fields
    assert fields["件名"] == "粗大ごみ受付業務委託"
    assert fields["再委託の有無"] == "有"
    assert fields["委託先"].startswith("株式会社汐見台コンタクト")
    assert fields["所管課"] == "ごみ減量推進課" and fields["担当者"] == "山田"
    s = by_text(doc, "令和8年12月に選定")
    assert s.field == "委託先" and s.clause is None
    f = next(f for f in doc.fields if f.label == "委託先")
    assert len(f.sentence_indexes) == 2


def test_table_with_a_leading_number_column_yields_fields():
    # held-out case08 (a Fukuoka-style 届出書): every row starts with its own number
    doc = build_document(txt("""
# 個人情報取扱事務委託届出書
| No. | 項目 | 内容 |
| 1 | 事務の名称 | 令和９年度がん検診受診勧奨業務 |
| 7 | 再委託の有無 | 有（勧奨はがきの印刷・発送を株式会社ちくし印刷に再委託） |
| (8) | 再委託先 | 名称 | 株式会社ちくし印刷 |
| ⑨ | 委託期間 | 令和9年4月1日～令和10年3月31日 |
| 十 | 提供方法 | 手渡し |
"""))
    fields = {f.label: f.value for f in doc.fields}
    assert fields["事務の名称"] == "令和9年度がん検診受診勧奨業務"
    assert fields["再委託の有無"].startswith("有(勧奨はがきの印刷・発送を株式会社ちくし印刷")
    assert fields["再委託先名称"] == "株式会社ちくし印刷"
    assert fields["提供方法"] == "手渡し"
    assert not any(lbl in ("", "1", "7") or lbl.startswith("No") for lbl in fields)
    assert by_text(doc, "ちくし印刷に再委託").field == "再委託の有無"
    assert doc.period is not None and doc.period.start == dt.date(2027, 4, 1)


def test_title_set_as_the_first_heading_is_the_title_not_a_field():
    # held-out case16 a.docx: Word's 見出し1 carries the title; the lines under it are no field
    doc = build_document(txt("""
## 個人情報取扱事務の委託に係る諮問について
令和９年２月１２日
青葉坂市長
このことについて、下記のとおり諮問します。
## ５　再委託
結果通知の発送を、有限会社みちのく圧着に再委託する。
"""))
    assert doc.title == "個人情報取扱事務の委託に係る諮問について"
    s = by_text(doc, "下記のとおり諮問します")
    assert s.field is None and s.heading is None
    s = by_text(doc, "みちのく圧着に再委託")
    assert s.field == "再委託" and s.heading == "5 再委託"


def test_prose_fields_numbered_and_with_colon():
    doc = build_document(txt("""
１　件名　令和９年度データ入力業務委託
(2) 委託先　株式会社北浜データサービス
委託理由：職員のみでは処理できないため。
"""))
    fields = {f.label: f.value for f in doc.fields}
    assert fields["件名"] == "令和9年度データ入力業務委託"
    assert fields["委託先"] == "株式会社北浜データサービス"
    assert fields["委託理由"] == "職員のみでは処理できないため。"


def test_heading_followed_by_paragraphs_is_a_field_and_sets_headings():
    doc = build_document(txt("""
## ４　再委託の内容
受託者は、印刷業務を有限会社しののめ印刷に再委託する。
(1) 再委託先は、プライバシーマークを取得している。
## ５　安全管理措置
入退室を管理する。
"""))
    s = by_text(doc, "しののめ印刷")
    assert s.heading == "4 再委託の内容" and s.field == "再委託の内容"
    item = by_text(doc, "プライバシーマーク")
    assert item.clause == "4(1)" and item.heading == "4 再委託の内容"
    assert by_text(doc, "入退室").heading == "5 安全管理措置"
    f = next(f for f in doc.fields if f.label == "再委託の内容")
    assert "しののめ印刷" in f.value and len(f.sentence_indexes) == 2


def test_prose_heading_lines_in_a_pdf():
    doc = build_document(pdf([
        ("４　再委託", 100, 70),
        ("受託者は、受診勧奨通知書の印刷を有限会社しののめ印刷に再委託する。", 120, 81),
        ("（１）再委託先は未定である。", 140, 81),
    ]))
    s = by_text(doc, "しののめ印刷")
    assert s.heading == "4 再委託" and s.field == "再委託"
    assert by_text(doc, "未定").clause == "4(1)"


# ---------------------------------------------------------------- periods, dates, title
def test_contract_period_from_a_table_field():
    doc = build_document(txt("""
# 業務委託契約書
| 履行期間 | 令和８年４月１日から令和９年３月３１日まで |
第１条　乙は、誠実に履行する。
"""))
    assert doc.period.start == dt.date(2026, 4, 1) and doc.period.end == dt.date(2027, 3, 31)
    assert doc.period.source == "履行期間" and doc.period.page == 1


def test_contract_period_from_an_article_with_unknown_start():
    doc = build_document(txt("""
（契約期間）
第３条　契約期間は、契約締結日から令和９年３月３１日までとする。
"""))
    assert doc.period.start is None and doc.period.end == dt.date(2027, 3, 31)
    assert doc.period.source == "契約期間"


def test_validity_periods_and_dates_with_pages_and_era_hint():
    doc = build_document(txt("委託期間　令和９年４月１日から令和１０年３月３１日まで",
                             "プライバシーマーク　有効期間：令和７年８月１日～９年７月３１日"))
    p = [p for p in doc.periods if p.source == "有効期間"]
    assert p and p[0].end == dt.date(2027, 7, 31) and p[0].page == 2
    assert [(m.date, m.page) for m in doc.dates] == [
        (dt.date(2027, 4, 1), 1), (dt.date(2028, 3, 31), 1), (dt.date(2025, 8, 1), 2), (dt.date(2027, 7, 31), 2)]


def test_month_only_dates_carry_their_end():
    doc = build_document(txt("有効期限　平成２９年７月まで"))
    (m,) = doc.dates
    assert m.precision == "month" and m.end_date == dt.date(2017, 7, 31)


def test_title_from_first_title_like_line_or_table():
    doc = build_document(pdf([("東保年第１８７号", 60, 430), ("令和９年２月１０日", 78, 420),
                              ("個人情報取扱事務の委託について（諮問）", 120, 150)]))
    assert doc.title == "個人情報取扱事務の委託について(諮問)"
    doc = build_document(txt("| 業務委託契約書 |\n第１条　乙は、誠実に履行する。"))
    assert doc.title == "業務委託契約書"


def test_text_is_the_sentences():
    doc = build_document(txt("第１条　乙は、守る。甲は、確かめる。"))
    assert doc.text == "乙は、守る。\n甲は、確かめる。"


def test_error_document_keeps_only_what_was_read():
    raw = RawDocument("a.pdf", "pdf", "abc", (), 3, DocError("encrypted", "a.pdf: パスワード"), ("w",))
    doc = build_document(raw)
    assert doc.error.code == "encrypted" and doc.pages == 3 and doc.warnings == ("w",)
    assert doc.sentences == () and doc.kinds == () and doc.title is None


# ---------------------------------------------------------------- the worked examples
@pytest.mark.skipif(not EXAMPLES.exists(), reason="shared examples not present")
def test_example_p02_clauses_cited_as_in_the_labels():
    doc = build_document(read_document(EXAMPLES / "p02" / "contract.txt"))
    assert by_text(doc, "返還・廃棄報告書").clause == "別記第9第2項"
    assert by_text(doc, "発注者の担当職員に通知").clause == "第4条第2項"
    assert by_text(doc, "本業務に従事している間").clause == "別記第3"
    assert doc.period.end == dt.date(2027, 3, 31)


@pytest.mark.skipif(not EXAMPLES.exists(), reason="shared examples not present")
def test_example_p01_consultation_fields_and_headings():
    doc = build_document(read_document(EXAMPLES / "p01" / "consultation.txt"))
    f = {x.label: x.value for x in doc.fields}
    assert f["再委託の有無"] == "有"
    assert f["再委託先"].startswith("有限会社しののめ印刷")
    s = by_text(doc, "専用の消去ソフトウェア")
    assert s.clause == "7(2)" and s.page == 2
    assert s.heading.startswith("7 契約終了後")


def test_deadline_field_is_the_period_end():
    doc = build_document(txt("| 履行期限 | 令和９年３月３１日 |"))
    assert doc.period.start is None and doc.period.end == dt.date(2027, 3, 31)
    assert doc.period.source == "履行期限"


def test_parties_defined_in_the_first_article_of_special_provisions():
    doc = build_document(txt("""
# 個人情報取扱特記事項
第１条　受託者（以下「乙」という。）は、北浜市（以下「甲」という。）から委託を受けた業務を行うに当たり、個人情報を適正に取り扱う。
第２条　乙は、秘密を守る。
"""))
    assert doc.parties == {"乙": "受託者", "甲": "北浜市"}
    assert doc.roles["甲"] == "city" and doc.roles["乙"] == "contractor"


def test_schedule_tables_are_not_read_as_labels():
    doc = build_document(txt("| 回 | 4月1日 | 100件 |"))
    assert all("4月1日" not in f.label for f in doc.fields)


def test_table_row_continued_on_the_next_page_stays_in_its_field():
    raw = RawDocument("t.pdf", "pdf", "0", (
        RawPage(1, (Block("table_row", "返還及び廃棄の方法 | 受託者は、CD-Rを返却する。", 1,
                          cells=("返還及び廃棄の方法", "受託者は、CD-Rを返却する。"), top=700, bottom=780, x0=70, x1=524),)),
        RawPage(2, (Block("table_row", " | 損紙は溶解処理する。", 2, cells=("", "損紙は溶解処理する。"),
                          top=79, bottom=120, x0=70, x1=524),)),
    ), 2)
    doc = build_document(raw)
    (f,) = doc.fields
    assert f.label == "返還及び廃棄の方法" and f.value == "受託者は、CD-Rを返却する。 損紙は溶解処理する。"
    assert by_text(doc, "溶解処理").field == "返還及び廃棄の方法" and by_text(doc, "溶解処理").page == 2


def test_numbered_heading_with_a_comma_is_a_heading():
    doc = build_document(txt("""
(3) 契約終了後の個人情報データの保存年限、返還・廃棄方法
契約終了後、受託者は、個人情報を保存しない。
"""))
    assert by_text(doc, "保存しない").field == "契約終了後の個人情報データの保存年限、返還・廃棄方法"


def test_pdf_title_line_is_the_title_not_a_sentence():
    doc = build_document(pdf([("業務委託契約書", 93, 250), ("第１条　乙は、誠実に履行する。", 130, 70)]))
    assert doc.title == "業務委託契約書"
    assert [s.text for s in doc.sentences] == ["乙は、誠実に履行する。"]


def test_form_without_ruled_lines_label_space_value():
    doc = build_document(pdf([("件名　　令和９年度住民税課税資料パンチ入力業務", 100, 70),
                              ("委託先　　株式会社港南データ", 120, 70),
                              ("受託者は 誠実に履行する。", 140, 70)]))
    f = {x.label: x.value for x in doc.fields}
    assert f == {"件名": "令和9年度住民税課税資料パンチ入力業務", "委託先": "株式会社港南データ"}


def test_table_of_contents_lines_are_not_articles():
    doc = build_document(txt("""
目次
第１条（目的）…………１
第２条（秘密の保持）……２
第１条（目的）　この契約は、業務の委託について定める。
第２条（秘密の保持）　乙は、秘密を守る。
"""))
    assert [c.label for c in doc.clauses] == ["第1条", "第2条"]
    assert doc.clauses[0].sentence_indexes and "目的" == doc.clauses[0].caption


def test_supplementary_provisions_are_a_section():
    doc = build_document(txt("第１条　この約款は、委託業務に適用する。\n附　則\n第１条　この約款は、令和９年４月１日から施行する。"))
    assert [c.label for c in doc.clauses] == ["第1条", "附則第1条"]


# ---------------------------------------------------------------- robustness
from hypothesis import given, settings, strategies as st  # noqa: E402

_ALPHABET = "゛゜\u3099\u309aｶﾞﾊﾟ㈱㍻－ー第条項12３４５（）()「」【】。、，．甲乙は市を委託者受託者別記別紙令和年月日R.-～〜 　\nア一①⑴:：以下という特記事項契約書"


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["paragraph", "line", "heading", "title", "table_row"]),
                          st.text(alphabet=_ALPHABET, max_size=40)), max_size=12))
def test_any_blocks_structure_without_error_and_quotes_map_back(blocks):
    bl = []
    for i, (kind, text) in enumerate(blocks):
        if kind == "table_row":
            cells = tuple(text.split("|")) if "|" in text else (text[:5], text[5:])
            bl.append(Block("table_row", " | ".join(cells), 1, cells=cells))
        else:
            bl.append(Block(kind, text, 1, top=100.0 + 17 * i, bottom=110.0 + 17 * i, x0=70.0))
    raw = RawDocument("f.pdf", "pdf", "0", (RawPage(1, tuple(bl), height=842.0, width=595.0),), 1)
    doc = build_document(raw)
    joined = "".join(b.text for b in bl).replace("\n", "").replace(" ", "").replace("\u3000", "")
    for s in doc.sentences:
        assert s.text and s.page == 1
        assert s.raw.replace(" ", "").replace("\u3000", "").replace("\n", "") in joined or " | " in s.raw


def test_validity_deadline_alone_in_a_sentence_is_a_period_end():
    doc = build_document(txt("ISMS認証を取得している。有効期限：２０２８年３月３１日"))
    (p,) = doc.periods
    assert (p.start, p.end, p.source) == (None, dt.date(2028, 3, 31), "有効期限")
    assert doc.period is None


def test_text_and_pdf_renderings_agree_on_citations():
    """The same form read from text markup and from PDF-like lines gives the same sentences,
    clauses, fields and headings."""
    markup = txt("""
# 個人情報取扱事務の委託について（諮問）
## １　委託の概要
## (1) 件名
乳幼児健診案内通知の作成及び発送
## ２　安全管理措置
(1) 作業は施錠できる部屋で行う。
(2) 記録を１年間保存する。
""")
    lines = pdf([("個人情報取扱事務の委託について（諮問）", 90, 160), ("１　委託の概要", 120, 70), ("(1)　件名", 140, 81),
                 ("乳幼児健診案内通知の作成及び発送", 160, 92), ("２　安全管理措置", 180, 70),
                 ("(1)　作業は施錠できる部屋で行う。", 200, 81), ("(2)　記録を１年間保存する。", 220, 81)])
    a, b = build_document(markup), build_document(lines)
    key = lambda d: [(s.text, s.clause, s.field, s.heading) for s in d.sentences]  # noqa: E731
    assert key(a) == key(b)
    assert key(a)[0] == ("乳幼児健診案内通知の作成及び発送", "1(1)", "件名", "1 委託の概要")
    assert key(a)[1][1:] == ("2(1)", "安全管理措置", "2 安全管理措置")


HELDOUT_DOCS = Path(__file__).resolve().parent.parent / "fixtures" / "docs"


def test_pdf_section_headings_set_a_little_larger_are_headings_and_fields():
    # held-out case11 a.pdf: 「委託の概要」「再委託」「委託終了後の個人情報の取扱い」 (11 pt over 10 pt body)
    doc = build_document(read_document(HELDOUT_DOCS / "heldout_section_headings.chrome.pdf"))
    for h in ("委託の概要", "取り扱う個人情報", "再委託", "委託終了後の個人情報の取扱い"):
        assert h in doc.headings, h
        assert not any(s.text == h for s in doc.sentences), h
    s = next(s for s in doc.sentences if "自社の作業手順の改善に活用する" in s.text)
    assert s.field == "委託終了後の個人情報の取扱い" and s.heading == "委託終了後の個人情報の取扱い"
    # the title (far larger) is the title, though a running header with 「諮問」 stands above it
    assert doc.title == "個人情報の取扱いを伴う業務の委託について(諮問)"


def test_table_row_cut_by_a_page_break_keeps_its_value_under_its_label():
    # held-out case04 a.pdf: the last row's value cell runs onto page 2 and comes out as lines
    doc = build_document(read_document(HELDOUT_DOCS / "heldout_row_cut_by_page.chrome.pdf"))
    s = next(s for s in doc.sentences if "消去ソフト" in s.text)
    assert s.field == "契約終了後の取扱い"
    s = next(s for s in doc.sentences if "保有しない" in s.text)
    assert s.field == "契約終了後の取扱い"
    # the note under the table, back at the margin, is not part of the row
    s = next(s for s in doc.sentences if "ログインパスワード" in s.text)
    assert s.field != "契約終了後の取扱い"


def test_betsuki_over_the_title_makes_no_section_of_the_whole_document():
    # held-out case13/case19 b.pdf: a standalone 特記事項 headed 「（別記）」 or 「別記」 above its title
    for head in ("（別記）", "別記"):
        doc = build_document(txt(f"""
港町市教育委員会
{head}
# 個人情報取扱特記事項
第１条　乙は、個人情報を適正に取り扱わなければならない。
第２条　乙は、業務上知り得た個人情報を他に漏らしてはならない。
"""))
        assert [c.label for c in doc.clauses] == ["第1条", "第2条"], head
        assert all(c.section is None for c in doc.clauses)
    # a 別記 after the contract's own articles is still a section
    doc = build_document(txt("""
# 業務委託契約書
第１条　乙は、別記個人情報取扱特記事項を遵守しなければならない。
別記
個人情報取扱特記事項
第１　乙は、個人情報を適正に取り扱わなければならない。
"""))
    assert [c.label for c in doc.clauses] == ["第1条", "別記第1"]


def test_contract_numbered_only_with_kanji_items_gives_each_provision_its_clause():
    doc = build_document(txt("""
# 委託契約書
○○町（以下「委託者」という。）と株式会社○○（以下「受託者」という。）とは、次のとおり契約を締結する。
一　委託期間は、令和９年９月１日から令和１０年１月３１日までとする。
二　受託者は、いかなる場合も第三者に処理させてはならない。
三　受託者は、知り得た個人情報を漏らしてはならない。契約が終了した後も、同様とする。
四　受託者は、事故が生じたときは、直ちに委託者に報告しなければならない。
"""))
    by_text = {s.text: s.clause for s in doc.sentences}
    assert by_text["受託者は、いかなる場合も第三者に処理させてはならない。"] == "二"
    assert by_text["契約が終了した後も、同様とする。"] == "三"
    assert by_text["受託者は、事故が生じたときは、直ちに委託者に報告しなければならない。"] == "四"
    from checker.engine import build_units

    units = build_units(doc, "article")
    assert not any("第三者に処理" in u.text and "報告しなければ" in u.text for u in units)


def test_items_typed_without_a_full_stop_keep_their_words_in_sentences():
    doc = build_document(txt("""
## ３　作業従事者の誓約
受託者は、作業従事者から次のとおり誓約書を徴する。
ア　雇用時　在職中及び退職後の秘密保持に関する誓約書
イ　退職時　退職後も業務上知り得た個人情報を漏らさない旨の誓約書
## ４　授受の方法
(1) 個人情報取扱責任者のみがパスワードを知る
(2) 委託先
"""))
    texts = [s.text for s in doc.sentences]
    assert "退職時 退職後も業務上知り得た個人情報を漏らさない旨の誓約書" in texts
    assert "個人情報取扱責任者のみがパスワードを知る" in texts
    assert "委託先" not in texts  # a heading-like item stays a label


def test_numbered_heading_ending_in_a_verb_noun_is_a_heading():
    # 「６　個人情報の取扱い」 ends in kana but names a section; what follows is not the 再委託 section
    doc = build_document(txt("""
５　再委託
入力作業は、株式会社ミナトに再委託する。
６　個人情報の取扱い
受託者は、施錠できる部屋で作業すること。
７　資料の引渡し
資料は庁舎内で引き渡す。
"""))
    heads = {s.text: s.heading for s in doc.sentences}
    assert heads["受託者は、施錠できる部屋で作業すること。"] == "6 個人情報の取扱い"
    assert heads["資料は庁舎内で引き渡す。"] == "7 資料の引渡し"


def test_party_words_follow_the_preamble_roles():
    from checker.matchers import _party_words
    doc = build_document(txt("""
株式会社みなと（以下「甲」という。）と港北市水道局（以下「局」という。）とは、次のとおり契約を締結する。
第１条　甲は、誠実に履行する。
"""))
    city, contractor = _party_words(doc, "city"), _party_words(doc, "contractor")
    assert "局" in city and "港北市水道局" in city and "甲" not in city
    assert "甲" in contractor and "株式会社みなと" in contractor


def test_a_pdf_title_set_over_two_lines_is_one_title():
    def line(t, top, x0, size):
        return Block("line", t, 1, top=top, bottom=top + size, x0=x0, x1=x0 + size * len(t), size=size)
    blocks = (line("令和９年度健康診査受診券作成・発", 86, 79, 16.0), line("送及びコールセンター業務仕様書", 114, 142, 16.0),
              line("西岬県後期高齢者医療広域連合", 151, 76, 11.0), line("第１　目的", 172, 76, 11.0),
              line("本仕様書は、受診券の作成及び発送について必要な事項を定める。", 192, 87, 11.0))
    doc = build_document(RawDocument("t.pdf", "pdf", "0", (RawPage(1, blocks, height=842.0, width=595.0),), 1))
    assert doc.title == "令和9年度健康診査受診券作成・発送及びコールセンター業務仕様書"
    assert not any("コールセンター業務仕様書" in s.text for s in doc.sentences)
    assert doc.kinds == ("specification",)
