"""ISMS scope coverage (SPEC Privacy Mark: scope not covering the work -> needs_review)."""
import datetime as dt

from checker.api import check_case, load_case


def _contractor_status(tmp_path, scope: str) -> str:
    (tmp_path / "c.txt").write_text(
        "# 防災センター無線設備保守業務仕様書\n"
        "| 件名 | 防災センター無線設備保守業務 |\n"
        f"| 受注者の要件 | 受注者は、ISO/IEC 27001（ISMS）の認証を取得している（認証範囲「{scope}」）。 |\n",
        encoding="utf-8")
    res = check_case(load_case(tmp_path), as_of=dt.date(2027, 3, 1), profile=None)
    return res.checks["privacy-mark-validity.contractor"].value


def test_scope_naming_a_site_and_other_work_needs_review(tmp_path):
    # the site words (…センターにおける) are no overlap with the work
    assert _contractor_status(tmp_path, "本社技術センターにおける会計ソフトウェアの開発") == "needs_review"


def test_scope_covering_the_work_is_ok(tmp_path):
    assert _contractor_status(tmp_path, "本社技術センターにおける無線設備の保守") == "ok"


# ---- validity and number read from the mark's own words (SPEC Privacy Mark)
import pytest

from checker.evaluators import _mark_number, _validity


@pytest.mark.parametrize("text, end", [
    # a grant date in parentheses after the labelled end is not the end
    ("有効期限 2028年8月31日(初回登録2025年9月1日)", dt.date(2028, 8, 31)),
    ("有効期限:令和10年6月30日(登録証交付日:令和8年7月1日)", dt.date(2028, 6, 30)),
    # the grant date first, the labelled end after it
    ("登録日 令和6年4月1日、有効期限 令和8年3月31日", dt.date(2026, 3, 31)),
    ("認証日:2025年4月1日 有効期限:2028年3月31日", dt.date(2028, 3, 31)),
    # a period still wins
    ("有効期間:令和8年7月15日から令和10年7月14日まで", dt.date(2028, 7, 14)),
])
def test_labelled_end_wins_over_grant_dates(text, end):
    assert _validity(text, None)[1] == end


def test_grant_date_alone_is_no_end():
    assert _validity("プライバシーマーク(初回登録日 2019年10月1日)", None) == (None, None)


@pytest.mark.parametrize("text, number", [
    ("登録番号:第10823456(03)号", "10823456"),
    ("プライバシーマーク取得(第10840077号)", "10840077"),
    ("プライバシーマーク取得済み(契約番号 第20270012号)", None),
    ("プライバシーマーク(管理番号:第30001234号)", None),
    ("葵総第20270012号に係るプライバシーマーク第10812345(02)号", "10812345"),
    ("受付番号:第12345678号 登録番号 10812345", "10812345"),
])
def test_registration_number_not_another_number(text, number):
    m = _mark_number(text)
    assert (m.group(1) if m else None) == number


def _expiry(tmp_path, line: str) -> str:
    (tmp_path / "c.txt").write_text(
        "# 諮問書\n| 委託期間 | 令和9年4月1日から令和10年3月31日まで |\n" + line + "\n", encoding="utf-8")
    res = check_case(load_case(tmp_path), as_of=dt.date(2027, 3, 1), profile=None)
    return res.checks["privacy-mark-validity.expiry"].value


def test_isms_end_after_contract_with_initial_registration_is_ok(tmp_path):
    assert _expiry(tmp_path, "| 委託先の体制 | ＩＳＭＳ認証取得。有効期限　２０２８年８月３１日（初回登録２０２５年９月１日）。 |") == "ok"


# ---- ISMS scope: the certificate's own 適用範囲 field decides; 「適用範囲内の体制」 states no scope
def _case_status(tmp_path, files: dict[str, str], check: str = "privacy-mark-validity.contractor") -> str:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    res = check_case(load_case(tmp_path), as_of=dt.date(2027, 3, 1), profile=None)
    return res.checks[check].value


_SPEC = ("# 子育て世帯意向調査集計業務委託仕様書\n| 件名 | 子育て世帯意向調査の集計分析 |\n"
         "第６　受注者は、ＩＳＭＳ認証の適用範囲内の体制により本業務を行う。\n")


@pytest.mark.parametrize("scope, status", [
    ("意向調査の設計、回収、集計分析及び報告書作成", "ok"),
    ("自社ソフトウェア製品の研究開発", "needs_review"),
])
def test_certificate_scope_field_wins_over_a_mention_of_the_scope(tmp_path, scope, status):
    cert = f"# 認証登録証（写し）\n| 規格 | ISO/IEC 27001:2022 |\n| 適用範囲 | {scope} |\n| 有効期限 | 2029年1月14日 |\n"
    assert _case_status(tmp_path, {"b.txt": _SPEC, "d.txt": cert}) == status


@pytest.mark.parametrize("text, scope", [
    ("ISMS認証の適用範囲内の体制により本業務を行う。", None),
    ("ISMS認証取得(認証範囲:全社)", "全社"),
    ("認証範囲は「窓口業務の受付及び入力」とする。", "窓口業務の受付及び入力"),
    ("認証範囲外の業務は行わない。", None),
])
def test_scope_words_inside_within_are_no_scope(text, scope):
    from checker.evaluators import _scope

    assert _scope([], text) == scope


# ---- the ticked box decides; a planned renewal does not deny a held mark
from checker.evaluators import _says_none
from checker.forms import resolve_choices as _resolve_boxes


@pytest.mark.parametrize("text, resolved", [
    ("□有　■無", "無"),
    ("■有 □無", "有"),
    ("☑取得済 ☐未取得", "取得済"),
    ("□有 □無", ""),
    ("■ 個人情報保護体制 ■ 再委託", "■ 個人情報保護体制 ■ 再委託"),  # bullets, not boxes
])
def test_checkboxes_read_by_the_ticked_option(text, resolved):
    assert _resolve_boxes(text) == resolved


@pytest.mark.parametrize("text, none", [
    ("更新手続は令和9年3月に申請予定", False),
    ("取得しており、更新を申請する予定", False),
    ("次回更新に向けて準備中", False),
    ("令和9年度中に取得の申請を行う予定", True),
    ("取得予定", True),
    ("失効したため、再取得予定", True),
    ("該当なし", True),
    ("無", True),
])
def test_planned_renewal_is_not_none(text, none):
    assert _says_none(text) is none


def test_subcontractor_row_none_does_not_hide_contractor_expiry(tmp_path):
    form = ("# 個人情報取扱事務の委託について（諮問）\n| 委託期間 | 令和9年4月1日から令和10年3月31日まで |\n"
            "| 再委託 | ■有　□無 |\n| 再委託先 | 株式会社ほし製本 |\n"
            "| 再委託先の管理体制 | 施錠した部屋で作業する。プライバシーマークは取得していない。 |\n"
            "| プライバシーマーク | 登録番号　第10844444(03)号　有効期間　令和7年10月1日～令和9年9月30日、"
            "更新は令和9年4月に申請予定 |\n")
    (tmp_path / "a.txt").write_text(form, encoding="utf-8")
    res = check_case(load_case(tmp_path), as_of=dt.date(2027, 3, 1), profile=None)
    got = {k: res.checks[f"privacy-mark-validity.{k}"].value for k in ("contractor", "expiry", "number", "subcontractor")}
    assert got == {"contractor": "ok", "expiry": "needs_review", "number": "ok", "subcontractor": "needs_review"}


@pytest.mark.parametrize("heading, status", [
    ("## 受託者のプライバシーマーク", "ok"),
    ("## ４　個人情報保護の認証（プライバシーマーク）", "ok"),
    ("## 再委託先のプライバシーマーク", "missing"),
    ("## ４　個人情報の管理体制", "missing"),  # no mark named: a bare number is no mark
])
def test_heading_gives_the_mark_to_lines_under_it(tmp_path, heading, status):
    text = ("# 個人情報取扱事務の委託について（諮問）\n" + heading + "\n"
            "登録番号　第１０８８１２３４（０３）号\n有効期間　令和７年５月１日から令和９年４月３０日まで\n")
    assert _case_status(tmp_path, {"a.txt": text}) == status
