"""The comparison with the municipality's standard: absent, weakened and added articles,
and nothing else for unchanged or merely renumbered ones."""
from checker.compare import compare, similarity
from checker.model import Clause, Document

STANDARD = [
    ("秘密の保持", "乙は、この契約による事務に関して知り得た個人情報を他に漏らしてはならない。この契約が終了し、又は解除された後においても、同様とする。"),
    ("再委託の禁止", "乙は、あらかじめ甲の書面による承諾を得た場合を除き、個人情報の取扱いを第三者に委託してはならない。"),
    ("複写又は複製の禁止", "乙は、甲の承諾なしに、甲から提供された個人情報が記録された資料等を複写し、又は複製してはならない。"),
    ("事故発生時における報告", "乙は、個人情報の漏えい等の事故が生じたときは、直ちに甲に報告し、その指示に従わなければならない。"),
    ("資料等の返還等", "乙は、契約が終了したときは、個人情報が記録された資料等を直ちに甲に返還し、又は復元できない方法により消去しなければならない。"),
]


def _doc(articles, path="x.txt"):
    clauses = tuple(
        Clause(label=f"第{i + 1}条", number=i + 1, caption=cap, page=1, text=f"第{i + 1}条（{cap}）{body}")
        for i, (cap, body) in enumerate(articles)
    )
    return Document(path=path, format="txt", sha256="", pages=1, kinds=("special_provisions",), clauses=clauses)


def test_identical_provisions_report_nothing():
    assert compare(_doc(STANDARD), _doc(STANDARD, "y.txt")).diffs == ()


def test_deleted_article_is_absent_and_renumbering_is_not_a_change():
    target = STANDARD[:1] + STANDARD[2:]
    diffs = compare(_doc(STANDARD), _doc(target)).diffs
    assert [(d.kind, d.standard.caption) for d in diffs] == [("absent", "再委託の禁止")]


def test_obligation_turned_into_possibility_is_weakened():
    target = list(STANDARD)
    target[3] = ("事故発生時における報告", "乙は、個人情報の漏えい等の事故が生じたときは、直ちに甲に報告し、その指示に従うことができる。")
    diffs = compare(_doc(STANDARD), _doc(target)).diffs
    assert [d.kind for d in diffs] == ["weakened"]
    assert any("ことができる" in x for x in diffs[0].details)


def test_dropped_condition_is_weakened():
    target = list(STANDARD)
    target[1] = ("再委託の禁止", "乙は、甲の承諾を得た場合を除き、個人情報の取扱いを第三者に委託してはならない。")
    diffs = compare(_doc(STANDARD), _doc(target)).diffs
    assert [d.kind for d in diffs] == ["weakened"]
    assert any("あらかじめ" in x for x in diffs[0].details) and any("書面" in x for x in diffs[0].details)


def test_added_article_is_reported_as_added():
    target = STANDARD + [("作業場所の特定", "乙は、個人情報を取り扱う場所を特定し、あらかじめ甲に届け出なければならない。")]
    diffs = compare(_doc(STANDARD), _doc(target)).diffs
    assert [(d.kind, d.target.caption) for d in diffs] == [("added", "作業場所の特定")]


def test_moved_article_still_aligns():
    target = [STANDARD[4]] + STANDARD[:4]
    assert compare(_doc(STANDARD), _doc(target)).diffs == ()


def test_unrelated_articles_are_not_similar():
    a = _doc(STANDARD).clauses
    assert similarity(a[0], a[4]) < 0.45


def test_a_dropped_sentence_inside_an_article_is_weakened():
    target = list(STANDARD)
    target[0] = ("秘密の保持", "乙は、この契約による事務に関して知り得た個人情報を他に漏らしてはならない。")
    diffs = compare(_doc(STANDARD), _doc(target)).diffs
    assert [d.kind for d in diffs] == ["weakened"]
    assert any("削られて" in x and "終了" in x for x in diffs[0].details)
