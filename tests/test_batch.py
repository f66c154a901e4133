"""``itaku batch``: outputs, broken cases, names, exit status (fast fakes for the stages)."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

import batch_fakes
from checker.batch import exit_status, list_cases, safe_name, unique_names
from checker.cli import main


def make_cases(root: Path, cases: dict[str, dict[str, str]]) -> Path:
    for case, files in cases.items():
        d = root / case
        d.mkdir(parents=True)
        for name, text in files.items():
            (d / name).write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def fakes(monkeypatch):
    batch_fakes.install(monkeypatch)
    return batch_fakes


CORPUS = {
    "2026-002 印刷": {"contract.txt": "subcontracting=violation\npassword-handling=ok\n"},
    "2026-001 検診": {"contract.txt": "subcontracting=ok\npassword-handling=needs_review\nprivacy-mark-validity=missing\n"},
    "2026-003 壊れ": {"scan.pdf": "BROKEN-DOC", "contract.txt": "subcontracting=ok\n"},
}


def run(args: list[str]) -> int:
    return main(["batch", *args, "--as-of", "2026-11-26"])


def test_outputs_on_a_small_batch(tmp_path, fakes):
    src = make_cases(tmp_path / "in", CORPUS)
    out = tmp_path / "out"
    code = run([str(src), "--out", str(out), "--workers", "1", "--no-cache"])
    assert code == 1  # flagged findings and an unreadable document

    # index.html: matrix marks, broken case on top, links to case reports, counts per rule
    html = (out / "index.html").read_text(encoding="utf-8")
    rows = html.split("<tbody>")[1].split("</tbody>")[0].split("<tr")[1:]
    assert "2026-003 壊れ" in rows[0] and "scan.pdf（破損）" in rows[0] and "保存し直してください" in rows[0]
    assert "2026-001 検診" in rows[1] and "2026-002 印刷" in rows[2]
    r1 = rows[1]
    assert r1.index("○") < r1.index("△") < r1.index("×")  # subcontracting ok, password review, mark missing
    assert 'href="cases/2026-001 検診.html#c1-subcontracting"' in r1
    assert "再委託" in html and "プライバシーマーク" in html
    foot = html.split("<tfoot>")[1]
    flagged_row = foot.split("</tr>")[0]
    assert [c for c in flagged_row.split("<td>")[1:4]] == ["1</td>", "0</td>", "1</td>"]

    # case reports exist for every case, under sanitised names
    for name in CORPUS:
        assert (out / "cases" / f"{name}.html").is_file()
        assert (out / "cases" / f"{name}.md").is_file()

    # results.json: SPEC v1 with every case, in sorted order
    obj = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert obj["schema"] == "itaku-check/1" and obj["as_of"] == "2026-11-26"
    assert [Path(c["case"]).name for c in obj["cases"]] == sorted(CORPUS)
    c1 = obj["cases"][0]
    assert c1["rules"] == {"subcontracting": "ok", "password-handling": "needs_review", "privacy-mark-validity": "missing"}
    assert {f["check"] for f in c1["findings"]} >= {"subcontracting.clause"}
    broken = obj["cases"][2]
    assert [d["error"]["code"] for d in broken["documents"] if d["error"]] == ["damaged"]
    assert broken["report"]["html"] == "cases/2026-003 壊れ.html"

    # checklist.csv: BOM, same rows as sheet 1
    raw = (out / "checklist.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows_csv = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows_csv[0][:3] == ["案件", "文書数", "読めない文書・エラー"]
    assert rows_csv[0][3].startswith("再委託")
    by_case = {r[0]: r for r in rows_csv[1:]}
    assert by_case["2026-001 検診"][3:] == ["○", "△", "×"]
    assert by_case["2026-002 印刷"][3:] == ["×", "○", "－"]
    assert "scan.pdf" in by_case["2026-003 壊れ"][2]

    # checklist.xlsx: same rows, frozen header, filter, second sheet with every finding
    from openpyxl import load_workbook

    wb = load_workbook(out / "checklist.xlsx")
    ws, ws2 = wb.worksheets
    sheet_rows = [[("" if v is None else str(v)) for v in r] for r in ws.iter_rows(values_only=True)]
    assert sheet_rows == rows_csv
    assert ws.freeze_panes == "B2" and ws.auto_filter.ref
    f_rows = list(ws2.iter_rows(values_only=True))
    assert f_rows[0][:8] == ("案件", "ルール", "チェック", "状態", "重要度", "ページ", "条項", "指摘内容")
    sub = [r for r in f_rows[1:] if r[0] == "2026-002 印刷" and r[1] == "subcontracting"]
    assert sub and sub[0][3] == "× 違反"
    assert sub[0][5] == "2" and sub[0][6] == "第7条"
    assert any(r[0] == "2026-003 壊れ" and r[2] == "document.damaged" for r in f_rows[1:])


def test_a_case_that_raises_does_not_stop_the_batch(tmp_path, fakes):
    src = make_cases(tmp_path / "in", {
        "a": {"c.txt": "subcontracting=ok\n"},
        "b": {"c.txt": "RAISE-CASE"},
        "c": {"c.txt": "RAISE-DOC", "d.txt": "password-handling=ok\n"},
    })
    out = tmp_path / "out"
    assert run([str(src), "--out", str(out), "--workers", "1", "--no-cache"]) == 1
    obj = json.loads((out / "results.json").read_text(encoding="utf-8"))
    cases = {Path(c["case"]).name: c for c in obj["cases"]}
    assert cases["a"]["rules"]["subcontracting"] == "ok" and "error" not in cases["a"]
    assert cases["b"]["error"]["code"] == "check_failed" and "ValueError" in cases["b"]["error"]["message"]
    # a reader that raises becomes a damaged document; the other document is still checked
    docs = {Path(d["path"]).name: d for d in cases["c"]["documents"]}
    assert docs["c.txt"]["error"]["code"] == "damaged" and docs["d.txt"]["error"] is None
    assert cases["c"]["rules"]["password-handling"] == "ok"
    html = (out / "index.html").read_text(encoding="utf-8")
    body = html.split("<tbody>")[1]
    assert body.index(">b<") < body.index(">a<") and body.index(">c<") < body.index(">a<")
    assert "ValueError" in html
    csv_text = (out / "checklist.csv").read_bytes().decode("utf-8-sig")
    assert "ValueError" in csv_text
    assert (out / "cases" / "b.html").is_file()


def test_exit_status_all_ok_and_nothing_readable(tmp_path, fakes):
    ok = make_cases(tmp_path / "ok", {"a": {"c.txt": "subcontracting=ok\n"}, "b": {"c.txt": "x"}})
    assert run([str(ok), "--out", str(tmp_path / "o1"), "--workers", "1", "--no-cache"]) == 0
    bad = make_cases(tmp_path / "bad", {"a": {"s.pdf": "BROKEN-DOC"}})
    assert run([str(bad), "--out", str(tmp_path / "o2"), "--workers", "1", "--no-cache"]) == 2
    assert (tmp_path / "o2" / "index.html").is_file()  # the outputs still say why


def test_usage_errors(tmp_path, fakes, capsys):
    assert run([str(tmp_path / "nope"), "--out", str(tmp_path / "o")]) == 2
    assert "見つかりません" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert run([str(tmp_path / "empty"), "--out", str(tmp_path / "o")]) == 2
    src = make_cases(tmp_path / "in", {"a": {"c.txt": "x"}})
    assert run([str(src), "--out", str(tmp_path / "o"), "--workers", "0"]) == 2


def test_output_folder_inside_the_input_is_not_a_case(tmp_path, fakes):
    src = make_cases(tmp_path / "in", {"a": {"c.txt": "subcontracting=ok\n"}})
    out = src / "report"
    assert run([str(src), "--out", str(out), "--workers", "1", "--no-cache"]) == 0
    assert run([str(src), "--out", str(out), "--workers", "1", "--no-cache"]) == 0
    assert [p.name for p in list_cases(src, out)] == ["a"]


def test_hostile_case_names_are_sanitised_and_escaped(tmp_path, fakes):
    names = ["<script>alert(1)</script>", "CON", "..", "=cmd", "a:b", "A:B"]
    src = tmp_path / "in"
    for n in names:
        if n == "..":
            continue
        d = src / n.replace("/", "／")
        d.mkdir(parents=True)
        (d / "c.txt").write_text("subcontracting=ok\n", encoding="utf-8")
    out = tmp_path / "out"
    run([str(src), "--out", str(out), "--workers", "1", "--no-cache"])
    files = sorted(p.name for p in (out / "cases").iterdir())
    assert all(not f.startswith(".") and "/" not in f and ":" not in f for f in files)
    assert "_CON.html" in files and "A_B.html" in files and "a_b-2.html" in files  # sorted: "A:B" first
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    csv_text = (out / "checklist.csv").read_bytes().decode("utf-8-sig")
    assert "'=cmd" in csv_text
    from openpyxl import load_workbook

    ws = load_workbook(out / "checklist.xlsx").worksheets[0]
    cell = next(c for c in ws["A"] if c.value == "=cmd")
    assert cell.data_type == "s"


@pytest.mark.parametrize("name, expected", [
    ("2026-001 がん検診", "2026-001 がん検診"),
    ("../../etc/passwd", "_.._etc_passwd"),
    ("..", "case"),
    ("nul.txt", "_nul.txt"),
    ("Com1", "_Com1"),
    ("trailing. ", "trailing"),
    ("a\x00b\nc", "a_b_c"),
    ("", "case"),
])
def test_safe_name(name, expected):
    assert safe_name(name) == expected


def test_safe_name_limits_length_and_names_are_unique():
    long = "個人情報取扱事務委託" * 30
    s = safe_name(long)
    assert len(s.encode("utf-8")) <= 120 and s.startswith("個人情報")
    assert unique_names(["a", "A", "a", "b/c", "b:c"]) == ["a", "A-2", "a-3", "b_c", "b_c-2"]


def test_exit_status_counts_failed_cases():
    from checker.batch import CaseOutcome
    from checker.model import Document

    good = Document(path="x", format="txt", sha256="", pages=1)
    assert exit_status([CaseOutcome(name="a", path="a", documents=(good,), error="boom")]) == 1
    assert exit_status([CaseOutcome(name="a", path="a", documents=())]) == 2


def test_output_folder_may_not_overlap_a_case(tmp_path, fakes):
    src = make_cases(tmp_path / "in", {"a": {"c.txt": "subcontracting=ok\n"}})
    assert run([str(src), "--out", str(src), "--no-cache"]) == 2
    assert run([str(src), "--out", str(src / "a" / "report"), "--no-cache"]) == 2
    assert run([str(src / "a"), "--out", str(src), "--no-cache"]) == 2
    assert not (src / "a" / "report").exists()


def test_an_interrupted_batch_resumes_from_the_cache(tmp_path, fakes):
    src = make_cases(tmp_path / "in", {
        "a": {"c.txt": "subcontracting=ok\n"},
        "b": {"c.txt": "password-handling=ok\n"},
        "c": {"c.txt": "subcontracting=ok\n"},
    })
    args = [str(src), "--out", str(tmp_path / "out"), "--workers", "1", "--cache-dir", str(tmp_path / "cache")]
    real = fakes.load_document

    def interrupted(path):
        if Path(path).parent.name == "c":
            raise KeyboardInterrupt  # Ctrl-C while the third case is read
        return real(path)

    import checker.api

    checker.api.load_document = interrupted  # restored by the fixture's monkeypatch
    assert run(args) == 130
    assert fakes.CALLS == ["c.txt", "c.txt"]
    fakes.CALLS.clear()
    checker.api.load_document = real
    assert run(args) == 0
    assert fakes.CALLS == ["c.txt"]  # a and b came from the cache


def test_a_rerun_rewrites_only_what_changed(tmp_path, fakes):
    src = make_cases(tmp_path / "in", {k: v for k, v in CORPUS.items() if "壊れ" not in k})
    out = tmp_path / "out"
    args = [str(src), "--out", str(out), "--workers", "1", "--no-cache"]
    run(args)
    files = sorted(p for p in out.rglob("*")  # index.html: the time of making; .itaku-batch.json: the xlsx's inputs
                   if p.is_file() and p.name != "index.html" and not p.name.startswith("."))
    before = {p: (p.stat().st_mtime_ns, p.stat().st_ino, p.read_bytes()) for p in files}
    run(args)
    assert {p: (p.stat().st_mtime_ns, p.stat().st_ino, p.read_bytes()) for p in files} == before  # left alone
    # one case changed: its reports, results.json and the checklists are rewritten, the other case's are not
    (src / "2026-001 検診" / "contract.txt").write_text("subcontracting=violation\n", encoding="utf-8")
    run(args)
    changed = {p.relative_to(out).as_posix() for p in files if p.stat().st_ino != before[p][1]}
    assert changed == {"cases/2026-001 検診.html", "cases/2026-001 検診.md", "results.json", "checklist.csv",
                       "checklist.xlsx"}
    from openpyxl import load_workbook

    rows = {r[0]: r for r in load_workbook(out / "checklist.xlsx").worksheets[0].iter_rows(min_row=2, values_only=True)}
    assert "×" in rows["2026-001 検診"]
    # an output edited or damaged since is written again, even when its inputs did not change
    (out / "checklist.xlsx").write_bytes(b"damaged")
    (out / "cases" / "2026-002 印刷.md").write_text("edited", encoding="utf-8")
    run(args)
    assert (out / "checklist.xlsx").read_bytes()[:2] == b"PK"
    assert (out / "cases" / "2026-002 印刷.md").read_text(encoding="utf-8") != "edited"
