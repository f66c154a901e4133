"""Document kinds from content: several invented variants per kind (other titles, no title,
title in a table, other layouts), PDF-like and text inputs; the file name never counts."""
from __future__ import annotations

from pathlib import Path

import pytest

from checker.model import Block, RawDocument, RawPage
from checker.read import read_document
from checker.read.txt import read_txt
from checker.structure import build_document

EXAMPLES = Path("/work/shared/examples")


def txt(src: str, name: str = "doc.txt") -> RawDocument:
    """A RawDocument from text-file markup (``===page===`` between pages), read by the real reader."""
    data = src.strip().encode("utf-8")
    return read_txt(Path(name), data, "0")


def pdf_lines(src: str, name: str = "doc.pdf") -> RawDocument:
    """Each line a PDF line at the left margin (x0=70), 18 pt apart."""
    lines = [ln.strip() for ln in src.strip().splitlines() if ln.strip()]
    blocks = tuple(Block("line", t, 1, top=80 + 18 * i, bottom=90.5 + 18 * i, x0=70.0) for i, t in enumerate(lines))
    return RawDocument(name, "pdf", "0", (RawPage(1, blocks, height=2000.0, width=595.0),), 1)


def kinds(raw: RawDocument) -> tuple[str, ...]:
    return build_document(raw).kinds


# ------------------------------------------------------------------ consultation
CONSULTATIONS = {
    "todokede_table": """
# 個人情報取扱事務委託届出書
| 事務の名称 | 児童手当現況届の入力業務 |
| 委託先 | 株式会社みらい計算センター |
| 委託理由 | 短期間に大量の入力を要するため |
| 提供する個人情報 | 氏名、住所、生年月日、口座番号 |
| 授受方法 | 職員が直接手渡す |
| 再委託の有無 | 無 |
""",
    "shimon_prose_no_title": """
港南市長　○○　○○
港南市個人情報保護審議会　会長　様
下記の事務を委託することについて、港南市個人情報保護条例第１０条の規定により諮問します。
記
１　委託する事務の名称　　住民税課税資料のパンチ入力
２　委託先　　株式会社港南データ
３　委託理由　　繁忙期の入力件数が多く、職員のみでは期限内の処理が困難なため。
４　委託先に提供する個人情報　　氏名、住所、所得金額
５　個人情報の授受方法　　市役所内で手渡しとし、授受簿に記録する。
""",
    "kyogi_title_in_table": """
| 個人情報の取扱いを伴う業務の外部委託に係る事前協議書 |
| 所管課 | 福祉課 |
| 業務の名称 | 介護予防教室運営業務 |
| 委託先の名称 | 一般社団法人つばさ |
| 取り扱う個人情報の項目 | 参加者の氏名、電話番号、健康状態 |
| 委託期間 | 令和９年４月１日～令和１０年３月３１日 |
""",
    "gyomu_itaku_shimon": """
# 個人情報の取扱いを伴う業務委託について（諮問）
## 第１　委託の内容
図書館システムの運用保守を委託する。
## 第２　委託先
株式会社ブックネット
## 第３　委託する個人情報
利用者の氏名、住所、電話番号、貸出履歴
## 第４　安全管理措置
委託先はＩＳＭＳ認証を取得している。
""",
    "pdf_kyogi": """
個人情報取扱事務の委託に関する協議書
令和９年２月１日
東浜市情報公開課長 様
健康推進課長
東浜市個人情報の保護に関する法律施行細則第５条の規定により、次のとおり協議します。
(1) 件名 がん検診受診券の印刷及び封入封緘業務
(2) 委託先 株式会社東浜印刷
(3) 委託の理由 大量印刷の設備を持たないため
(4) 取り扱う個人情報 対象者の氏名、住所、生年月日
""",
}


@pytest.mark.parametrize("key", sorted(CONSULTATIONS))
def test_consultations(key):
    src = CONSULTATIONS[key]
    raw = pdf_lines(src) if key.startswith("pdf") else txt(src)
    assert kinds(raw) == ("consultation",)


# ------------------------------------------------------------------ contract
CONTRACTS = {
    "kou_otsu": """
# 個人番号カード交付予約受付業務委託契約書
南台市（以下「甲」という。）と株式会社南台サポート（以下「乙」という。）とは、次のとおり契約を締結する。
第１条（目的）　甲は、乙に予約受付業務を委託し、乙はこれを受託する。
第２条（契約期間）　契約期間は、令和９年４月１日から令和１０年３月３１日までとする。
第３条（委託料）　甲は、乙に委託料として金１，２００，０００円を支払う。
第４条（秘密の保持）　乙は、業務上知り得た秘密を漏らしてはならない。
第５条（損害賠償）　乙は、甲に与えた損害を賠償しなければならない。
この契約の締結を証するため、本書２通を作成し、甲乙記名押印の上、各自１通を保有する。
""",
    "no_title_hatchusha": """
発注者と受注者は、次の条項により業務委託契約を締結する。
第１条　受注者は、仕様書に従い業務を履行しなければならない。
第２条　発注者は、検査に合格したときは、委託料を支払う。
第３条　受注者は、業務の全部を一括して第三者に委託してはならない。
第４条　発注者は、受注者が契約に違反したときは、契約を解除することができる。
上記契約の証として本書２通を作成し、当事者記名押印の上、各自その１通を保有する。
""",
    "yakkan": """
# 業務委託契約約款
（総則）
第１条　発注者及び受注者は、この約款に基づき、設計図書に従い、契約を履行しなければならない。
（権利義務の譲渡等）
第２条　受注者は、この契約により生ずる権利又は義務を第三者に譲渡してはならない。
（一括再委託等の禁止）
第３条　受注者は、業務の全部を一括して第三者に委任してはならない。
（履行報告）
第４条　受注者は、契約書に定めるところにより、履行状況を発注者に報告しなければならない。
（発注者の解除権）
第５条　発注者は、受注者が正当な理由なく業務に着手しないときは、契約を解除することができる。
""",
    "pdf_hoshu_references_separate_provisions": """
システム保守業務委託契約書
委託者北丘町（以下「甲」という。）と受託者株式会社北丘システム（以下「乙」という。）は、次のとおり契約を締結する。
第１条 甲は、住民情報システムの保守業務を乙に委託する。
第２条 履行期間は、令和９年４月１日から令和１０年３月３１日までとする。
第３条 委託料は、年額金３，９６０，０００円とする。
第４条 乙は、個人情報の取扱いについては、別添の個人情報取扱特記事項を遵守しなければならない。
第５条 乙は、甲の承諾を得ないで業務を第三者に委託してはならない。
甲乙記名押印の上、各自１通を保有する。
""",
}


@pytest.mark.parametrize("key", sorted(CONTRACTS))
def test_contracts(key):
    src = CONTRACTS[key]
    raw = pdf_lines(src) if key.startswith("pdf") else txt(src)
    assert kinds(raw) == ("contract",)


CONTRACT_WITH_PROVISIONS = {
    "betsuki_heading": CONTRACTS["kou_otsu"] + """
===page===
# 別記
個人情報取扱特記事項
（基本的事項）
第１　乙は、個人情報を適正に取り扱わなければならない。
（秘密の保持）
第２　乙は、知り得た個人情報を他に漏らしてはならない。
（再委託の禁止）
第３　乙は、甲の承諾なく個人情報の処理を第三者に委託してはならない。
（返還等）
第４　乙は、業務終了後、資料を甲に返還しなければならない。
""",
    "title_only_contract_but_full_provisions": """
# 業務委託契約書
西野市（以下「甲」という。）と株式会社西野（以下「乙」という。）とは、次のとおり契約を締結する。
第１条　乙は、業務を誠実に履行する。
第２条　委託料は、金５００，０００円とする。
第３条　乙は、個人情報の取扱いについて、次の特記事項を守らなければならない。
甲乙記名押印の上、各自１通を保有する。
個人情報の保護に関する特記事項
第１条　乙は、個人情報の秘密を保持しなければならない。
第２条　乙は、個人情報を目的外に利用し、又は第三者に提供してはならない。
第３条　乙は、個人情報を複写し、又は複製してはならない。
第４条　乙は、事故が発生したときは、直ちに甲に報告しなければならない。
第５条　乙は、契約終了後、個人情報を返還し、又は廃棄しなければならない。
""",
}


@pytest.mark.parametrize("key", sorted(CONTRACT_WITH_PROVISIONS))
def test_contract_with_appended_provisions_is_both(key):
    assert kinds(txt(CONTRACT_WITH_PROVISIONS[key])) == ("contract", "special_provisions")


def test_specification_with_appended_provisions_is_both():
    src = SPECS["shiyosho"] + """
## ５　再委託
再委託は行わない。
===page===
# 別紙２　個人情報取扱特記事項
第１条　乙は、個人情報を適正に取り扱わなければならない。
第２条　乙は、本業務に関して知り得た個人情報を他に漏らしてはならない。
第３条　乙は、あらかじめ甲の承諾を得た場合を除き、本業務を第三者に委託してはならない。
第４条　乙は、業務の完了後、提供を受けた個人情報を甲に返還しなければならない。
"""
    assert kinds(txt(src)) == ("special_provisions", "specification")


# ------------------------------------------------------------------ special provisions
SP_BODY = """
（秘密の保持）
第１　乙は、この契約による業務に関して知り得た個人情報を他に漏らしてはならない。
（目的外利用の禁止）
第２　乙は、個人情報を目的以外に利用し、又は第三者に提供してはならない。
（複写等の禁止）
第３　乙は、甲の承諾なく資料を複写し、又は複製してはならない。
（再委託の禁止）
第４　乙は、甲の承諾なく個人情報の取扱いを第三者に委託してはならない。
（資料等の返還）
第５　乙は、業務終了後、資料を返還し、電子データは消去しなければならない。
（事故報告）
第６　乙は、漏えい等の事故が発生したときは、直ちに甲に報告しなければならない。
（調査）
第７　甲は、必要に応じて乙の作業場所に立ち入り、調査することができる。
（損害賠償）
第８　甲は、乙が本特記事項に違反したときは、契約を解除し、損害賠償を請求することができる。
"""
SPECIAL = {
    "tokki": "# 個人情報取扱特記事項\n" + SP_BODY,
    "tokuyaku": "# 個人情報の取扱いに関する特約条項\n" + SP_BODY,
    "chui_jiko_in_table": "| 個人情報取扱注意事項 |\n" + SP_BODY,
    "no_title": SP_BODY,
    "articles_with_jo": "# 個人情報の保護に関する特記事項\n" + SP_BODY.replace("第１　", "第１条　").replace("第２　", "第２条　")
                        .replace("第３　", "第３条　").replace("第４　", "第４条　").replace("第５　", "第５条　"),
    "pdf_tokki": "個人情報取扱特記事項\n" + "\n".join(ln for ln in SP_BODY.splitlines() if not ln.startswith("（")),
    # a 特記仕様書 wholly about personal information, part of the contract documents
    "pi_tokki_shiyosho": "# 個人情報の保護に係る特記仕様書\nこの特記仕様書は、契約書類の一部を構成する。\n" + SP_BODY,
}


@pytest.mark.parametrize("key", sorted(SPECIAL))
def test_special_provisions(key):
    src = SPECIAL[key]
    raw = pdf_lines(src) if key.startswith("pdf") else txt(src)
    assert kinds(raw) == ("special_provisions",)


# ------------------------------------------------------------------ specification
SPECS = {
    "shiyosho": """
# 仕様書
## １　業務名
令和９年度保健事業対象者抽出業務
## ２　業務の目的
特定保健指導の対象者を抽出する。
## ３　業務内容
(1) データの抽出
(2) 集計表の作成
## ４　納品物
集計表（電子データ）一式
""",
    "gyomu_shiyosho_pdf": """
窓口業務委託 業務仕様書
1 業務の概要 本仕様書は、市民課窓口業務の委託について必要な事項を定める。
2 履行場所 市役所本庁舎１階市民課
3 業務の範囲 住民票の写し等の交付請求の受付及び交付
4 実施体制 業務責任者１名及び従事者５名を配置する。
5 提出書類 業務計画書、月次報告書
""",
    "no_title": """
## 1 業務の目的
本業務は、道路台帳の電子化を行うものである。
## 2 業務内容
紙の台帳をスキャンし、データ化する。
## 3 成果品
電子データ一式及び作業報告書
本仕様書に定めのない事項は、協議して定める。
""",
    "tokki_shiyosho": """
# 特記仕様書
## 1 適用範囲
本仕様書は、電算処理業務に適用する。
## 2 業務内容
帳票の印刷及び封入封緘
## 3 納品
指定日までに納品する。
""",
}


@pytest.mark.parametrize("key", sorted(SPECS))
def test_specifications(key):
    src = SPECS[key]
    raw = pdf_lines(src) if "pdf" in key else txt(src)
    assert kinds(raw) == ("specification",)


# ------------------------------------------------------------------ certificate
CERTS = {
    "pmark": """
# プライバシーマーク登録証
株式会社みらい計算センター 殿
登録番号 第１０８２１２３４（０５）号
有効期間 令和７年８月１日から令和９年７月３１日まで
上記の事業者は、JIS Q 15001に適合して個人情報について適切な保護措置を講ずる体制を整備していることを認定します。
一般財団法人日本情報経済社会推進協会
""",
    "isms_pdf": """
登録証
株式会社ブックネット
ISO/IEC 27001:2022
認証登録番号 IS 123456
登録範囲 図書館システムの開発及び運用保守
有効期限 2028年3月31日
上記の組織の情報セキュリティマネジメントシステムは規格に適合していることを証明します。
""",
    "no_title_table": """
| 登録番号 | 10862345(02) |
| 付与事業者 | 有限会社しののめ印刷 |
| 有効期間 | 2026年11月1日～2028年10月31日 |
| 審査機関 | 一般社団法人○○審査センター |
""",
    "certificate_english": """
# CERTIFICATE OF REGISTRATION
Certificate No: IS 765432
株式会社南台サポート
ISO/IEC 27001 情報セキュリティマネジメントシステム
有効期限 2027年12月14日
認証範囲 コールセンター業務
""",
}


@pytest.mark.parametrize("key", sorted(CERTS))
def test_certificates(key):
    src = CERTS[key]
    raw = pdf_lines(src) if "pdf" in key else txt(src)
    assert kinds(raw) == ("certificate",)


# ------------------------------------------------------------------ other
OTHERS = {
    "pledge": """
# 誓約書
私は、貴社の業務に従事するに当たり、業務上知り得た情報を漏らさないことを誓約します。
令和９年４月１日
氏名　○○　○○
""",
    "completion_report": """
# 業務完了報告書
令和１０年３月３１日
港南市長　様
株式会社港南データ
令和９年度住民税課税資料パンチ入力業務が完了したので報告します。
""",
    "meeting_notes": """
会議録
日時　令和９年５月１０日　午後２時
場所　市役所第一会議室
出席者　委員５名
議題　令和９年度の事業計画について
""",
}


@pytest.mark.parametrize("key", sorted(OTHERS))
def test_others(key):
    assert kinds(txt(OTHERS[key])) == ("other",)


# ------------------------------------------------------------------ never from the file name
def test_file_name_is_ignored():
    a = kinds(txt(SPECIAL["tokki"], name="contract.txt"))
    b = kinds(txt(SPECIAL["tokki"], name="consultation_shimon.txt"))
    assert a == b == ("special_provisions",)


def test_error_document_has_no_kind():
    from checker.model import DocError

    raw = RawDocument("x.pdf", "pdf", "0", error=DocError("damaged", "x"))
    assert build_document(raw).kinds == ()


@pytest.mark.skipif(not EXAMPLES.exists(), reason="shared examples not present")
@pytest.mark.parametrize("path, expected", [
    ("p01/consultation.txt", ("consultation",)),
    ("p01/contract.txt", ("contract",)),
    ("p01/special_provisions.txt", ("special_provisions",)),
    ("p02/contract.txt", ("contract", "special_provisions")),
    ("p03/consultation.txt", ("consultation",)),
])
def test_worked_examples(path, expected):
    assert build_document(read_document(EXAMPLES / path)).kinds == expected


def test_consultation_with_special_provisions_attached_is_both():
    src = CONSULTATIONS["todokede_table"] + "\n===page===\n# 別紙　個人情報取扱特記事項\n" + SP_BODY
    assert kinds(txt(src)) == ("consultation", "special_provisions")


def test_consultation_listing_the_provisions_as_an_attachment_is_not_both():
    src = CONSULTATIONS["todokede_table"] + "\n## 添付資料\n業務委託契約書（案）、個人情報取扱特記事項\n"
    assert kinds(txt(src)) == ("consultation",)


def test_special_provisions_titled_compliance_items():
    assert kinds(txt("# 個人情報の取扱いに関する遵守事項\n" + SP_BODY)) == ("special_provisions",)


def test_special_provisions_without_title_numbered_with_jo():
    src = """
第１条　乙は、甲から委託を受けた業務の処理に当たり、個人情報を適正に取り扱わなければならない。
第２条　乙は、業務に関して知り得た個人情報をみだりに他人に知らせてはならない。
第３条　乙は、甲の承諾なく、個人情報を複写し、又は複製してはならない。
第４条　乙は、甲の承諾なく、個人情報の処理を再委託してはならない。
第５条　乙は、業務終了後、資料を甲に返還し、電子データを消去しなければならない。
第６条　乙は、本特記事項に違反する事態が生じたときは、直ちに甲に報告しなければならない。
第７条　甲は、必要に応じて乙の作業場所に立ち入り、調査することができる。
"""
    assert kinds(pdf_lines(src)) == ("special_provisions",)


def test_specification_titled_gyomu_naiyosho_in_pdf_lines():
    src = """
業務内容書
１　業務の名称　学校給食費の口座振替データ作成業務
２　業務の目的　口座振替依頼書の内容をデータ化する。
３　成果品　口座振替データ一式
４　納期　令和９年５月３１日
"""
    assert kinds(pdf_lines(src)) == ("specification",)


_SP_WITH_CERT = """
# 個人情報取扱特記事項
第１条　乙は、この契約による業務を行うに当たっては、個人情報を適正に取り扱わなければならない。
第２条　乙は、業務上知り得た個人情報を第三者に漏らしてはならない。
第３条　乙は、あらかじめ甲の承諾を得なければ、業務を再委託してはならない。
第４条　乙は、業務完了後、個人情報を甲に返還しなければならない。
第５条　この契約の期間は、令和７年４月１日から令和８年３月３１日までとする。
===page===
{title}
株式会社ミライ情報処理　殿
登録番号　第10812345号
有効期間　2024年4月10日～2026年4月9日
一般財団法人日本情報経済社会推進協会
"""


@pytest.mark.parametrize("title", ["# プライバシーマーク登録証", "プライバシーマーク登録証（写し）", "ISMS認証書"])
def test_appended_certificate_page_makes_the_document_also_a_certificate(title):
    # held-out case18: 特記事項 with a 登録証 page after a page break, in text and PDF alike
    doc = build_document(txt(_SP_WITH_CERT.format(title=title)))
    assert doc.kinds == ("special_provisions", "certificate"), (title, doc.kinds)
    # the last article does not run on into the certificate
    s = next(s for s in doc.sentences if "10812345" in s.text)
    assert s.article is None and s.clause is None
    assert doc.clauses[-1].label == "第5条" and "登録番号" not in doc.clauses[-1].text
    # the certificate's title is a sentence of its part (the mark it names is read with it)
    head = next(s for s in doc.sentences if s.page == 2)
    assert head.text == title.lstrip("# ").replace("（", "(").replace("）", ")") and head.heading == head.text


def test_appended_certificate_in_a_real_pdf_matches_its_text_rendering():
    doc = build_document(read_document(Path(__file__).resolve().parent.parent / "fixtures" / "docs"
                                       / "heldout_appended_certificate.chrome.pdf"))
    assert doc.kinds == ("special_provisions", "certificate")
    s = next(s for s in doc.sentences if "2026年4月9日" in s.text)
    assert s.article is None and s.page == 2
    # the running header 「（総務課情報公開係）」 and the 「－ 1 －」 under the text are no sentences
    assert not any("総務課情報公開係" in s.text or s.text.strip("- ") == "1" for s in doc.sentences)


def test_certificate_mentioned_in_a_document_does_not_make_it_a_certificate():
    doc = build_document(txt("""
# 業務仕様書
## ３ 受注者の資格
受注者は、プライバシーマーク付与事業者であること。プライバシーマーク登録証の写しを提出すること。
登録番号及び有効期間を確認する。
===page===
## ４ 納品
成果物は令和９年３月３１日までに納品すること。
"""))
    assert "certificate" not in doc.kinds
