"""The municipality's standard, end to end: real documents from the text reader, the
comparison module, the profile's [standard] and checker.api.check_case.

fixtures/standard/*.txt are made from profiles/sakuragaoka-standard.txt by deleting,
weakening (できる for しなければならない, 努める, a dropped あらかじめ/書面/直ちに) and adding
articles (make_variants.py); expected.yaml lists every change. Each must be reported and
nothing else.
"""
from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from checker.api import check_case, load_case, load_document
from checker.compare import compare
from checker.profile import load_profile

ROOT = Path(__file__).resolve().parent.parent
STD_DIR = ROOT / "fixtures" / "standard"
EXPECTED = yaml.safe_load((STD_DIR / "expected.yaml").read_text(encoding="utf-8"))
STANDARD = (STD_DIR / EXPECTED["standard"]).resolve()
AS_OF = dt.date(2027, 3, 1)


def _label(clause) -> str | None:
    return clause.label if clause is not None else None


def _diffs(cmp) -> list[dict]:
    return [{"kind": d.kind, "standard": _label(d.standard), "target": _label(d.target), "details": d.details}
            for d in cmp.diffs]


def _assert_exactly(cmp, expected: list[dict], name: str) -> None:
    got = _diffs(cmp)
    want = {(e["kind"], e.get("standard"), e.get("target")) for e in expected}
    have = {(d["kind"], d["standard"] if d["kind"] != "added" else None, d["target"] if d["kind"] != "absent" else None)
            for d in got}
    want = {(k, s if k != "added" else None, t if k != "absent" else None) for k, s, t in want}
    assert have == want, f"{name}: reported {got}"
    for e in expected:
        if e["kind"] != "weakened":
            continue
        d = next(d for d in got if d["kind"] == "weakened" and d["standard"] == e["standard"])
        text = " ".join(d["details"])
        for word in e["details"]:
            assert word in text, f"{name} {e['standard']}: {word!r} not in {d['details']}"


def test_the_standard_is_read_as_special_provisions() -> None:
    doc = load_document(STANDARD)
    assert doc.error is None and "special_provisions" in doc.kinds
    assert len(doc.clauses) == 15 and all(c.caption for c in doc.clauses)


@pytest.mark.parametrize("variant", sorted(EXPECTED["variants"]))
def test_every_change_and_nothing_else(variant: str) -> None:
    std = load_document(STANDARD)
    doc = load_document(STD_DIR / variant)
    assert doc.error is None and "special_provisions" in doc.kinds
    _assert_exactly(compare(std, doc), EXPECTED["variants"][variant], variant)


def test_the_fixtures_are_what_make_variants_makes(tmp_path: Path) -> None:
    """The committed variants are regenerated from the standard, not edited by hand."""
    sys.path.insert(0, str(STD_DIR))
    try:
        import make_variants

        orig = make_variants.HERE
        make_variants.HERE = tmp_path
        try:
            make_variants.main()
        finally:
            make_variants.HERE = orig
    finally:
        sys.path.remove(str(STD_DIR))
    for name in EXPECTED["variants"]:
        assert (tmp_path / name).read_text(encoding="utf-8") == (STD_DIR / name).read_text(encoding="utf-8"), name


def _case_with(tmp_path: Path, *files: Path) -> Path:
    d = tmp_path / "case"
    d.mkdir()
    for i, f in enumerate(files, 1):
        shutil.copy(f, d / f"doc{i}.txt")
    return d


def test_check_case_attaches_the_comparison_when_the_profile_names_a_standard(tmp_path: Path) -> None:
    prof = load_profile("sakuragaoka")
    assert prof.standard == STANDARD
    case = load_case(_case_with(tmp_path, STD_DIR / "combined.txt"))
    result = check_case(case, AS_OF, prof)
    assert len(result.comparisons) == 1
    _assert_exactly(result.comparisons[0], EXPECTED["variants"]["combined.txt"], "combined.txt via check_case")
    # without a standard, no comparison
    assert check_case(case, AS_OF, load_profile(None)).comparisons == ()


def test_standard_article_is_the_model_wording_where_it_answers_the_check(tmp_path: Path) -> None:
    prof = load_profile("sakuragaoka")
    case = load_case(_case_with(tmp_path, STD_DIR / "deleted.txt"))  # 複写又は複製の禁止 deleted
    result = check_case(case, AS_OF, prof)
    f = next(f for f in result.findings if f.check == "copy-restriction.clause")
    assert f.status.value == "missing"
    assert "複写し、又は複製してはならない" in f.fix and "第9条" in f.fix and "sakuragaoka-standard.txt" in f.fix
    # a requirement the standard has no article for keeps the rule's wording (記録媒体の授受 is
    # not an access-records article although its caption says 記録)
    h = next(f for f in result.findings if f.check == "security-measures.access-records")
    assert h.status.value == "missing" and h.fix == prof.rulebook.check("security-measures.access-records").fix
    # the default profile keeps the rule's own wording
    plain = check_case(case, AS_OF, load_profile(None))
    g = next(f for f in plain.findings if f.check == "copy-restriction.clause")
    assert g.fix == prof.rulebook.check("copy-restriction.clause").fix


def test_no_comparison_for_a_case_without_special_provisions(tmp_path: Path) -> None:
    prof = load_profile("sakuragaoka")
    case = load_case(ROOT / "fixtures" / "cases" / "wider-consultation-mailing-jyuchusha")
    assert check_case(case, AS_OF, prof).comparisons == ()


def test_appended_special_provisions_are_compared_without_the_contract_articles() -> None:
    prof = load_profile("sakuragaoka")
    case = load_case(ROOT / "fixtures" / "cases" / "wider-contract-otsu-termination")
    (cmp,) = check_case(case, AS_OF, prof).comparisons
    added = [d.target.label for d in cmp.diffs if d.kind == "added"]
    assert added and all(label.startswith("別記") for label in added)
    absent = {d.standard.caption for d in cmp.diffs if d.kind == "absent"}
    assert "複写又は複製の禁止" in absent and "収集の制限" in absent
    # an outright ban is stricter than the standard's approval route: no dropped あらかじめ/書面
    sub = [d for d in cmp.diffs if d.standard is not None and d.standard.caption == "再委託の禁止"]
    assert all("あらかじめ" not in " ".join(d.details) for d in sub)


def test_cli_json_carries_the_comparison(tmp_path: Path) -> None:
    d = _case_with(tmp_path, STD_DIR / "weakened-modal.txt")
    out = subprocess.run([str(Path(sys.executable).parent / "itaku"), "check", str(d), "--profile", "sakuragaoka",
                          "--format", "json", "--as-of", "2027-03-01"], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode in (0, 1), out.stderr
    case = json.loads(out.stdout)["cases"][0]
    (cmp,) = case["comparisons"]
    rows = cmp.get("rows") or cmp.get("diffs")
    assert len(rows) == 1 and rows[0]["kind"] == "weakened"


def test_a_docx_standard_and_a_pdf_contract(tmp_path: Path) -> None:
    """The standard may be a DOCX (or PDF); a PDF of the same provisions differs in nothing."""
    import os

    docs = ROOT / "fixtures" / "docs"
    prof_file = tmp_path / "city.toml"
    rel = os.path.relpath(docs / "special_provisions.docx", tmp_path)
    prof_file.write_text(f'[standard]\npath = "{rel}"\n', encoding="utf-8")
    prof = load_profile(str(prof_file))
    assert prof.standard == (docs / "special_provisions.docx").resolve()
    case = tmp_path / "case"
    case.mkdir()
    shutil.copy(docs / "special_provisions.ttf.pdf", case / "doc1.pdf")
    (cmp,) = check_case(load_case(case), AS_OF, prof).comparisons
    assert cmp.diffs == () and cmp.aligned == len(load_document(docs / "special_provisions.docx").clauses)


def test_sentences_inside_brackets_are_not_cut() -> None:
    from checker.compare import _sentences

    s = "受託者（以下「乙」という。）は、適正に取り扱わなければならない。乙は、報告しなければならない。"
    assert _sentences(s) == ["受託者（以下「乙」という。）は、適正に取り扱わなければならない。", "乙は、報告しなければならない。"]
