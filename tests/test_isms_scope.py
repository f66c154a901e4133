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
