"""Normalisation: each rule of SPEC.md "Cases and documents", with the map back to raw text."""
from __future__ import annotations

from checker.model import Block, RawDocument, RawPage
from checker.normalize import is_page_number, normalize_document, normalize_text, starts_new_unit


def _pdf(pages: list[list[tuple[str, float, float]]], height: float = 842.0) -> RawDocument:
    """A PDF-like document: per page, (text, top, x0) lines of 10.5 pt characters."""
    rp = []
    for n, lines in enumerate(pages, 1):
        blocks = tuple(Block("line", t, n, top=top, bottom=top + 10.5, x0=x0) for t, top, x0 in lines)
        rp.append(RawPage(n, blocks, height=height, width=595.0))
    return RawDocument("x.pdf", "pdf", "0", tuple(rp), len(rp))


def _txt(pages: list[list[tuple[str, str]]]) -> RawDocument:
    rp = []
    for n, blocks in enumerate(pages, 1):
        rp.append(RawPage(n, tuple(Block(k, t, n) for k, t in blocks)))
    return RawDocument("x.txt", "txt", "0", tuple(rp), len(rp))


def _pdf_xy(pages, height=842.0):
    """(text, top, x0, x1) lines per page."""
    rp = []
    for n, lines in enumerate(pages, 1):
        blocks = tuple(Block("line", t, n, top=top, bottom=top + 10.5, x0=x0, x1=x1) for t, top, x0, x1 in lines)
        rp.append(RawPage(n, blocks, height=height, width=595.0))
    return RawDocument("x.pdf", "pdf", "0", tuple(rp), len(rp))


# ---------------------------------------------------------------- characters
def test_nfkc_full_width_digits_and_letters():
    assert normalize_text("ＵＳＢメモリ２個、ＩＳＯ／ＩＥＣ　２７００１") == "USBメモリ2個、ISO/IEC 27001"


def test_brackets_and_colon_become_ascii():
    assert normalize_text("登録番号：第１０８２３４５６（０３）号") == "登録番号:第10823456(03)号"


def test_wave_dash_and_tildes_are_one_form():
    forms = {normalize_text(f"R9.4.1{t}R10.3.31") for t in "〜～~∼"}
    assert forms == {"R9.4.1~R10.3.31"}


def test_dashes_and_minus_are_one_form():
    forms = {normalize_text(f"CD{d}R") for d in "‐‑‒–—―−－"}
    assert forms == {"CD-R"}
    assert normalize_text("０１２０ー１２３ー４５６") == "0120-123-456"
    assert normalize_text("データー") == "データー"  # a long-vowel mark in a word stays


def test_circled_numbers_are_kept_as_item_marks():
    assert normalize_text("①　受付") == "① 受付"
    assert normalize_text("⑴　受付") == "(1) 受付"


def test_spaces_inside_article_numbers_and_dates_are_closed():
    assert normalize_text("第 ５ 条　乙は") == "第5条 乙は"
    assert normalize_text("令和 ８ 年 ４ 月 １ 日") == "令和8年4月1日"


def test_letter_spaced_words_are_closed_up():
    assert normalize_text("委　託　契　約　書") == "委託契約書"
    assert normalize_text("氏　　名") == "氏名"
    assert normalize_text("東雲市長　○○　○○") == "東雲市長 ○○ ○○"


def test_page_numbers():
    for t in ("- 3 -", "－３－", "3/10", "３", "(3)", "P.3", "p3", "3ページ", "Page 3", "3 of 10", "― ３ ―"):
        assert is_page_number(t), t
    for t in ("第3条", "(3) 受付", "2027"):
        assert not is_page_number(t) or t == "2027"


def test_unit_starts():
    for t in ("第5条 乙は", "第８(再委託)", "第 5 条", "2 乙は", "(1) 受付", "⑴ 受付", "① 受付", "一 受付",
              "ア 受付", "(再委託の禁止)", "【再委託】", "別記", "別紙1 仕様書"):
        assert starts_new_unit(normalize_text(t)), t
    for t in ("らかに認められるとき。", "第三者に提供してはならない。", "10日以内に", "する。"):
        assert not starts_new_unit(normalize_text(t)), t


# ---------------------------------------------------------------- PDF lines
def test_wrapped_lines_are_joined_mid_word_and_raw_is_kept():
    doc = _pdf([[
        ("第１条　乙は、この契約書及び別添の仕様書に従い、頭書の履行期間内に本業務を完了しなけれ", 100, 70),
        ("ばならない。", 117, 81),
        ("２　乙は、本業務を実施するに当たり、関係法令を遵守するとともに、善良な管理者の注意をも", 136, 70),
        ("って誠実に履行しなければならない。", 153, 81),
    ]])
    units = normalize_document(doc)
    assert [u.text for u in units] == [
        "第1条 乙は、この契約書及び別添の仕様書に従い、頭書の履行期間内に本業務を完了しなければならない。",
        "2 乙は、本業務を実施するに当たり、関係法令を遵守するとともに、善良な管理者の注意をもって誠実に履行しなければならない。",
    ]
    u = units[0]
    assert u.raw_slice(0, 3) == "第１条"
    assert "しなければならない。" in u.raw


def test_new_unit_lines_are_not_joined():
    doc = _pdf([[
        ("甲は、乙が次の各号のいずれかに該当するときは、この契約を解除することができる。次の", 100, 70),
        ("（１）正当な理由なく、履行期間内に本業務を完了しないとき又は完了する見込みがないと明", 117, 81),
        ("らかに認められるとき。", 134, 91),
        ("（再委託の禁止）", 153, 70),
        ("第３条　乙は、本業務を第三者に委託してはならない。", 170, 70),
    ]])
    texts = [u.text for u in normalize_document(doc)]
    assert texts[1] == "(1)正当な理由なく、履行期間内に本業務を完了しないとき又は完了する見込みがないと明らかに認められるとき。"
    assert texts[2:] == ["(再委託の禁止)", "第3条 乙は、本業務を第三者に委託してはならない。"]


def test_short_lines_are_not_joined_to_the_next():
    doc = _pdf_xy([[
        ("東保年第１８７号", 60, 430, 522),
        ("令和９年２月１０日", 78, 420, 522),
        ("東雲市個人情報保護審議会の意見を求めるため、この文書を送付するものであり、次に掲げ", 120, 70, 522),
        ("る事項について述べる", 137, 70, 175),
        ("記", 160, 290, 300),
    ]])
    texts = [u.text for u in normalize_document(doc)]
    assert texts[0] == "東保年第187号"
    assert texts[1] == "令和9年2月10日"
    assert texts[2].endswith("次に掲げる事項について述べる")
    assert texts[3] == "記"


def test_running_headers_footers_and_page_numbers_are_dropped():
    pages = []
    for n in range(1, 4):
        pages.append([
            ("北浜市　業務委託契約書（特記事項付）", 36, 320),
            (f"第{n}条　乙は、本業務に関して知り得た秘密を漏らしてはならない。", 100, 70),
            (f"- {n} -", 800, 290),
        ])
    texts = [u.text for u in normalize_document(_pdf(pages))]
    assert texts == [f"第{n}条 乙は、本業務に関して知り得た秘密を漏らしてはならない。" for n in range(1, 4)]


def test_footer_with_page_count_is_dropped():
    pages = [[(f"第{n}条　乙は、秘密を守る。", 100, 70), (f"{n}/3", 800, 290)] for n in range(1, 4)]
    assert all("/" not in u.text for u in normalize_document(_pdf(pages)))


def test_sentence_across_a_page_break_belongs_to_the_first_page():
    doc = _pdf([
        [("（２）この契約に違反し、その違反によりこの契約の目的を達成することができないと認めら", 750, 81),
         ("- 1 -", 800, 290)],
        [("れるとき。", 88, 91), ("（３）別記に違反したとき。", 107, 81)],
    ])
    units = normalize_document(doc)
    assert units[0].text.endswith("認められるとき。")
    assert units[0].page == 1
    assert units[0].page_at(len(units[0].text) - 1) == 2
    assert units[1].text == "(3)別記に違反したとき。"
    assert units[1].page == 2


def test_text_paragraphs_on_one_page_stay_apart_but_join_across_a_page():
    doc = _txt([
        [("paragraph", "東保年第１８７号"), ("paragraph", "令和９年２月１０日"),
         ("paragraph", "受託者は、委託期間の終了後、市から提供を受けた個人情報を")],
        [("paragraph", "保存しない。"), ("paragraph", "(1) USBメモリは返却する。")],
    ])
    texts = [u.text for u in normalize_document(doc)]
    assert texts == ["東保年第187号", "令和9年2月10日", "受託者は、委託期間の終了後、市から提供を受けた個人情報を保存しない。",
                     "(1) USBメモリは返却する。"]


def test_table_rows_keep_cells_and_map_back():
    doc = RawDocument("x.pdf", "pdf", "0", (RawPage(1, (
        Block("table_row", "再委託先 | 株式会社　○○\n印刷", 1, cells=("再委託先", "株式会社　○○\n印刷")),)),), 1)
    (u,) = normalize_document(doc)
    assert u.kind == "table_row"
    assert [c.text for c in u.cells] == ["再委託先", "株式会社 ○○印刷"]
    assert u.cells[1].raw_slice(0, 4) == "株式会社"


def test_title_repeated_as_running_header_on_later_pages_is_dropped():
    doc = _pdf_xy([
        [("個人情報取扱特記事項", 93, 240, 350), ("第１条　乙は、秘密を守らなければならない。", 130, 70, 300)],
        [("個人情報取扱特記事項", 36, 240, 350), ("第２条　乙は、複写してはならない。", 90, 70, 260)],
    ])
    texts = [u.text for u in normalize_document(doc)]
    assert texts.count("個人情報取扱特記事項") == 1


def test_hanging_indent_paragraph_continues_after_a_full_stop():
    doc = _pdf_xy([[
        ("８　授受の方法　市は、医療費データをＵＳＢメモリに格納して受託者に手渡す。", 387, 70.87, 522.37),
        ("データは、パスワードを設定せず、暗号化もしないで格納する。", 404, 81.37, 511.87),
        ("９　再委託　無", 423, 70.87, 144.37),
        ("１０　安全管理　受託者は、作業員以外の立入りを制限する。受託者は、記録を残す。", 442, 70.87, 522.37),
    ]])
    texts = [u.text for u in normalize_document(doc)]
    assert texts[0].endswith("手渡す。データは、パスワードを設定せず、暗号化もしないで格納する。")
    assert texts[1] == "9 再委託 無"


def test_indented_new_paragraphs_are_not_joined_after_a_full_stop():
    doc = _pdf_xy([[
        ("第１条　乙は、この契約書及び別添の仕様書に従い、頭書の履行期間内に本業務を完了しなけれ", 100, 70.87, 522),
        ("ばならない。", 117, 81.37, 140),
        ("この契約の締結を証するため、本書２通を作成し、甲乙記名押印の上、各自その１通を保有す", 136, 81.37, 522),
        ("る。", 153, 70.87, 92),
    ]])
    texts = [u.text for u in normalize_document(doc)]
    assert len(texts) == 2 and texts[1].startswith("この契約の締結")


def test_line_inside_open_parentheses_continues_even_if_it_looks_like_a_bullet():
    doc = _pdf_xy([[
        ("第８　受託者は、本業務の一部を、株式会社北斗入力センター（○○県○○市○○町", 100, 70.87, 522),
        ("○番地）に再委託することができる。", 117, 81.37, 300),
    ]])
    (u,) = normalize_document(doc)
    assert u.text.endswith("(○○県○○市○○町○番地)に再委託することができる。")


def test_sentence_end_inside_parentheses_is_no_line_end():
    doc = _pdf_xy([[
        ("桐ケ丘市（以下「甲」という。）と株式会社キリガオカ情報サービス（以下「乙」という。）", 100, 81.37, 522),
        ("とは、次のとおり契約を締結する。", 117, 70.87, 250),
    ]])
    (u,) = normalize_document(doc)
    assert u.text.endswith("という。)とは、次のとおり契約を締結する。")


def test_gap_spaces_of_justified_pdf_text_are_closed_but_words_stay_apart():
    doc = _pdf_xy([[
        ("暗号化を行わずにDV D-Rに書き込み、添付のIS MS認証登録証により、3 0日以内に5,000 人分を", 100, 70.87, 522),
        ("納品する。ソフト「DiskWipe Pro」を用い、ISO/IEC 27001に従う。第10 作業従事者", 117, 70.87, 400),
    ]])
    text = normalize_document(doc)[0].text
    assert "DVD-R" in text and "ISMS認証" in text and "30日" in text and "5,000人分" in text
    assert "DiskWipe Pro" in text and "ISO/IEC 27001" in text and "第10 作業従事者" in text


def test_text_files_keep_their_spaces():
    doc = _txt([[("paragraph", "添付のIS MS認証")]])
    assert normalize_document(doc)[0].text == "添付のIS MS認証"


def test_comma_period_punctuation_style_reads_as_ten_maru():
    assert normalize_text("受注者は，甲の承諾を得なければならない．") == "受注者は、甲の承諾を得なければならない。"
    assert normalize_text("３．５％，１，０００円") == "3.5%,1,000円"


def test_short_form_lines_are_not_joined_when_a_wrapped_line_shows_the_margin():
    lines = [("登録番号　IS 123456", 150, 102, 223), ("登録範囲　図書館システムの開発及び運用保守", 170, 102, 354),
             ("初回登録日　2019年4月1日", 190, 102, 258), ("有効期限　2028年3月31日", 210, 102, 254)]
    lines += [(f"行{i}　株式会社ブックネット", 230 + 20 * i, 102, 250) for i in range(10)]
    lines += [("上記の組織の情報セキュリティマネジメントシステムは、上記規格の要求事項に適", 450, 102, 546),
              ("合していることを証明します。", 470, 90, 258)]
    texts = [u.text for u in normalize_document(_pdf_xy([lines]))]
    assert "登録範囲 図書館システムの開発及び運用保守" in texts
    assert "上記の組織の情報セキュリティマネジメントシステムは、上記規格の要求事項に適合していることを証明します。" in texts


def test_line_break_inside_a_paragraph_block_is_a_soft_wrap():
    doc = _txt([[("paragraph", "乙は、個人情報を遵守しなければ\nならない。ISO/IEC\n27001")]])
    (u,) = normalize_document(doc)
    assert u.text == "乙は、個人情報を遵守しなければならない。ISO/IEC 27001"
    assert u.raw_slice(0, len(u.text)).startswith("乙は、個人情報")


def test_sound_marks_written_apart_compose_or_are_dropped():
    assert normalize_text("ハ\u309aスワート\u3099") == "パスワード"
    assert normalize_text("と\u309a") == "と"
    assert normalize_text("－゜") == "-"
    assert normalize_text("\u309aア") == "ア"


def test_half_width_katakana_with_sound_marks_compose():
    assert normalize_text("ﾊﾟｽﾜｰﾄﾞ") == "パスワード"
    assert normalize_text("ﾃﾞｰﾀ消去ｿﾌﾄ") == "データ消去ソフト"


def test_wrapped_line_starting_with_a_number_continues_the_sentence():
    # the PDF spread 「３０日」 to 「3 0日」 at a line start, or a line ends on 「第」 before a number
    doc = _pdf([[
        ("第５条　乙は、業務が完了したときは、甲から提供された資料等を、業務完了の日から起算して", 100, 70),
        ("３０ 日以内に甲に返還しなければならない。", 117, 70),
        ("２　乙は、プライバシーマーク（登録番号：第", 136, 70),
        ("10800001(07)号）の付与を受けていなければならない。", 153, 70),
        ("３　乙は、前項の登録を維持しなければならない。", 170, 70),
        ("4 乙は、事故が発生したときは、直ちに甲に報告しなければならない。", 187, 70),
    ]])
    texts = [u.text for u in normalize_document(doc)]
    assert texts[0].startswith("第5条 乙は、") and texts[0].endswith("起算して30日以内に甲に返還しなければならない。")
    assert texts[1] == "2 乙は、プライバシーマーク(登録番号:第10800001(07)号)の付与を受けていなければならない。"
    # real paragraph numbers in sequence still open their paragraphs
    assert texts[2].startswith("3 乙は、前項") and texts[3].startswith("4 乙は、事故")


def test_radical_forms_and_odd_dots_and_slashes_read_as_the_usual_characters():
    # Chromium/Word PDF fonts map 長/民 to CJK radical code points and ・ to U+2027 (held-out
    # case13/case14 PDFs: 「区⺠部」「市⻑」「特別区⺠税‧都⺠税」「ISO∕IEC」)
    assert normalize_text("区⺠部税務課　市⻑　会⻑") == "区民部税務課 市長 会長"
    assert normalize_text("特別区⺠税‧都⺠税") == "特別区民税・都民税"
    assert normalize_text("ISO∕IEC27001") == "ISO/IEC27001"
    assert normalize_text("⼈⽤⽇") == "人用日"  # Kangxi radicals: NFKC already folds them


def test_quotes_show_kanji_not_the_radical_glyphs_a_pdf_font_emits():
    """Chromium/Noto PDFs put Kangxi radicals (⼄ U+2F04) and radical forms (⻑) in the text
    layer; the quote keeps the wording but shows the real kanji, offsets unchanged."""
    from checker.normalize import repair_glyphs

    raw = "⼄は、市⻑の承諾を得なければならない。"
    fixed = repair_glyphs(raw)
    assert fixed == "乙は、市長の承諾を得なければならない。"
    assert len(fixed) == len(raw)
    assert repair_glyphs("第１条（目的）") == "第１条（目的）"  # full-width wording is left as written


def test_text_line_cut_after_a_comma_continues_on_the_same_page():
    doc = _txt([[
        ("paragraph", "２　受託者は、本業務に従事する者が、知り得た個人情報を漏らすことのないよう、"),
        ("paragraph", "これらの者に秘密の保持を誓約させなければならない。"),
        ("paragraph", "受託者は、個人情報を記録した媒体を暗号化された記録媒体"),
        ("paragraph", "により授受しなければならない。"),
    ]])
    texts = [u.text for u in normalize_document(doc)]
    assert texts == ["2 受託者は、本業務に従事する者が、知り得た個人情報を漏らすことのないよう、これらの者に秘密の保持を誓約させなければならない。",
                     "受託者は、個人情報を記録した媒体を暗号化された記録媒体により授受しなければならない。"]


def test_text_lines_typed_without_a_full_stop_stay_apart():
    # items typed without 。: each line is a sentence of its own, even when it ends in kana
    doc = _txt([[
        ("paragraph", "受託者は、個人情報の漏えいの防止に努めること"),
        ("paragraph", "受託者は、作業場所を甲に届け出ること"),
        ("paragraph", "件名　令和９年度住民税通知書印刷業務"),
        ("paragraph", "なお、詳細は仕様書による。"),
    ]])
    assert len(normalize_document(doc)) == 4


def test_title_repeated_over_the_next_page_keeps_the_title_and_drops_the_header():
    doc = _txt([
        [("title", "個人情報取扱特記事項"), ("paragraph", "第１ 乙は、本業務に係る個人情報を、"), ],
        [("paragraph", "個人情報取扱特記事項"), ("paragraph", "第三者に提供してはならない。")],
    ])
    texts = [u.text for u in normalize_document(doc)]
    assert texts[0] == "個人情報取扱特記事項"
    assert texts[1:] == ["第1 乙は、本業務に係る個人情報を、第三者に提供してはならない。"]


def test_continuation_header_echoing_the_title_is_dropped():
    doc = _txt([
        [("title", "個人情報取扱特記事項"), ("paragraph", "第１ 乙は、再委託先に対し、")],
        [("paragraph", "個人情報取扱特記事項（続き）"), ("paragraph", "この特記事項を遵守させなければならない。")],
    ])
    texts = [u.text for u in normalize_document(doc)]
    assert texts == ["個人情報取扱特記事項", "第1 乙は、再委託先に対し、この特記事項を遵守させなければならない。"]


def test_text_line_ending_in_a_particle_continues_but_an_item_ending_in_koto_does_not():
    doc = _txt([[
        ("paragraph", "パスワードは、受託者の個人情報取扱責任者及び入力を行う作業従事者に限り"),
        ("paragraph", "知り得るものとする。"),
        ("paragraph", "受託者は、作業場所の入退室を記録すること"),
        ("paragraph", "受託者は、作業場所を施錠すること"),
    ]])
    texts = [u.text for u in normalize_document(doc)]
    assert texts == ["パスワードは、受託者の個人情報取扱責任者及び入力を行う作業従事者に限り知り得るものとする。",
                     "受託者は、作業場所の入退室を記録すること", "受託者は、作業場所を施錠すること"]


def test_a_one_off_footer_ending_in_the_page_number_does_not_cut_the_sentence():
    doc = _txt([
        [("paragraph", "２ 受注者は、本業務に従事する者に、在職中はもとより、"), ("paragraph", "受注者の事務所 契約約款 －１－")],
        [("paragraph", "退職後も、個人情報を漏らしてはならないことを遵守させなければならない。")],
    ])
    texts = [u.text for u in normalize_document(doc)]
    assert texts == ["2 受注者は、本業務に従事する者に、在職中はもとより、退職後も、個人情報を漏らしてはならないことを遵守させなければならない。"]


def test_a_short_pdf_line_cut_inside_a_word_joins_the_next():
    # a renderer's early wrap or a page break in the middle of 「当たる」「伝えない」: the next
    # line cannot open a sentence, so the short line does not end the paragraph
    doc = _pdf_xy([[
        ("データを格納する媒体のパスワードは、受託者の個人情報取扱責任者に電話で伝える。", 82, 63, 529),
        ("パスワードを知り得る者は同責任者に限り、作業に当たる従業員には伝えな", 100, 63, 500),
        ("い。", 118, 63, 84),
        ("入力データは暗号化する。", 136, 63, 200),
        ("なお、媒体は施錠保管する。", 154, 63, 220),
    ]])
    texts = [u.text for u in normalize_document(doc)]
    assert texts[1] == "パスワードを知り得る者は同責任者に限り、作業に当たる従業員には伝えない。"
    assert "なお、媒体は施錠保管する。" in texts  # a short line before a real opening stays apart


def test_page_number_and_a_small_margin_label_below_a_short_page_are_dropped():
    body = [("受託者は、パスワードを設定し、作業に当た", 600, 63, 388)]
    p1 = [Block("line", t, 1, top=top, bottom=top + 10.5, x0=x0, x1=x1, size=10.5) for t, top, x0, x1 in body]
    p1 += [Block("line", "－１－", 1, top=631, bottom=641, x0=285, x1=300, size=10.5),
           Block("line", "資料", 1, top=742, bottom=750, x0=522, x1=540, size=8.0)]
    p2 = [Block("line", "る作業員にも伝える。", 2, top=87, bottom=97, x0=63, x1=377, size=10.5),
          Block("line", "－２－", 2, top=447, bottom=457, x0=285, x1=300, size=10.5)]
    doc = RawDocument("x.pdf", "pdf", "0", (RawPage(1, tuple(p1), height=842.0, width=595.0),
                                           RawPage(2, tuple(p2), height=842.0, width=595.0)), 2)
    assert [u.text for u in normalize_document(doc)] == ["受託者は、パスワードを設定し、作業に当たる作業員にも伝える。"]


def test_a_footer_with_its_page_number_above_a_fixed_footer_does_not_cut_the_sentence():
    def line(t, pg, top, x1, size=11.0):
        return Block("line", t, pg, top=top, bottom=top + 11, x0=76.5, x1=x1, size=size)
    p1 = (line("第１条　受注者は、業務を誠実に履行しなければならない。受注者の事務所において行う。", 1, 300, 516),
          line("２　受注者は、本業務に従事する者に、在職中はもとよ", 1, 382, 500),
          line("り、", 1, 401, 110),
          line("受注者の事務所　契約約款　－１－", 1, 422, 252),
          line("－ 内部資料（取扱注意） －", 1, 758, 347, size=8.0))
    p2 = (line("退職後も、個人情報を漏らしてはならないことを遵守させなければならない。", 2, 75, 516),
          line("－ 内部資料（取扱注意） －", 2, 758, 347, size=8.0))
    doc = RawDocument("x.pdf", "pdf", "0", (RawPage(1, p1, height=842.0, width=595.0),
                                           RawPage(2, p2, height=842.0, width=595.0)), 2)
    texts = [u.text for u in normalize_document(doc)]
    assert "2 受注者は、本業務に従事する者に、在職中はもとより、退職後も、個人情報を漏らしてはならないことを遵守させなければならない。" in texts


def test_a_text_line_cut_inside_a_word_joins_by_the_dictionary():
    doc = _txt([[("paragraph", "２　乙は、その従業者に対し、在職中及び退"),
                 ("paragraph", "職後において、個人情報を漏らしてはならないことを周知しなければならない。"),
                 ("paragraph", "イ　退職時　退職後も漏らさない旨の誓約書、同意書"),
                 ("paragraph", "受託者は、誓約書を保管する。")]])
    texts = [u.text for u in normalize_document(doc)]
    assert "2 乙は、その従業者に対し、在職中及び退職後において、個人情報を漏らしてはならないことを周知しなければならない。" in texts
    assert "受託者は、誓約書を保管する。" in texts  # 「…同意書」+「受託者」: no word across the seam


def test_a_short_pdf_line_cut_inside_a_kanji_word_joins_by_the_dictionary():
    doc = _pdf_xy([[
        ("第９条　受注者は、業務の完了後、提供を受けた資料を返還しなければならない。", 82, 76, 529),
        ("２　受注者は、作成した調査データを受注者の端末から削", 100, 87, 428),
        ("除し、記録媒体は初期化するものとする。", 118, 76, 416),
        ("第10条　受注者は、事故の発生時に直ちに報告する。", 136, 76, 400),
    ]])
    texts = [u.text for u in normalize_document(doc)]
    assert "2 受注者は、作成した調査データを受注者の端末から削除し、記録媒体は初期化するものとする。" in texts


def test_a_dash_framed_page_number_is_dropped_wherever_it_stands():
    assert is_page_number("－ 1/2 －")
    doc = _pdf_xy([[
        ("第１条　受注者は、個人情報を適正に取り扱わなければならない。", 100, 310, 540),
        ("－ 1/2 －", 300, 310, 360),
        ("第２条　受注者は、事故が発生したときは、直ちに報告しなければならない。", 320, 310, 540),
        ("本文の続き", 330, 40, 200), ("本文の続きです", 345, 40, 210), ("本文", 360, 40, 80),
    ]])
    assert not any("1/2" in u.text for u in normalize_document(doc))


def test_a_sentence_cut_inside_a_word_by_a_page_break_and_a_titled_header_is_one():
    doc = _txt([
        [("title", "個人情報取扱特記事項"),
         ("paragraph", "２　乙は、成果品の再作成に備え、画像データのバックアップを、乙が必要と認める期間、乙の管"),
         ("paragraph", "－ １ －")],
        [("paragraph", "湊川市立総合医療センター　個人情報取扱特記事項"),
         ("paragraph", "理するサーバに保管することができる。")],
    ])
    texts = [u.text for u in normalize_document(doc)]
    assert "2 乙は、成果品の再作成に備え、画像データのバックアップを、乙が必要と認める期間、乙の管理するサーバに保管することができる。" in texts
