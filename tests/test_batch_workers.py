"""Batch with worker processes: the real pipeline on the text corpus, and a dying worker."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import multiprocessing as mp
import re
import shutil
from pathlib import Path

import batch_fakes
from checker import batch
from checker.cli import main

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "cases"


def test_two_workers_match_one_on_the_corpus(tmp_path):
    src = tmp_path / "in"
    names = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())[:3]
    for n in names:
        shutil.copytree(FIXTURES / n, src / n)
    (src / "zz-broken").mkdir()
    (src / "zz-broken" / "contract.pdf").write_bytes(b"%PDF-1.4\n garbage")
    outs = {}
    for w in (1, 2):
        out = tmp_path / f"out{w}"
        code = main(["batch", str(src), "--out", str(out), "--workers", str(w), "--no-cache", "--as-of", "2026-11-26"])
        assert code == 1  # the broken document
        outs[w] = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert outs[1] == outs[2]
    # the case reports rendered in the workers are those the main process renders
    for f in sorted((tmp_path / "out1" / "cases").iterdir()):
        assert (tmp_path / "out2" / "cases" / f.name).read_bytes() == f.read_bytes(), f.name
    assert (tmp_path / "out2" / "checklist.csv").read_bytes() == (tmp_path / "out1" / "checklist.csv").read_bytes()
    cases = outs[2]["cases"]
    assert [Path(c["case"]).name for c in cases] == names + ["zz-broken"]
    assert cases[-1]["documents"][0]["error"]["code"] == "damaged"
    html = (tmp_path / "out2" / "index.html").read_text(encoding="utf-8")
    assert html.split("<tbody>")[1].index("zz-broken") < html.split("<tbody>")[1].index(names[0])


def test_a_dying_worker_is_reported_and_the_rest_finish(tmp_path, monkeypatch):
    batch_fakes.install(monkeypatch)
    # fork so that the workers inherit the fakes installed in this process
    monkeypatch.setattr(batch, "_mp_context", lambda: mp.get_context("fork"))
    cases = []
    for name, text in [("a", "subcontracting=ok\n"), ("b", "CRASH-WORKER"), ("c", "password-handling=missing\n"),
                       ("d", "subcontracting=ok\n")]:
        (tmp_path / name).mkdir()
        (tmp_path / name / "c.txt").write_text(text, encoding="utf-8")
        cases.append((name, str(tmp_path / name)))
    outs = batch.run_cases(cases, workers=2, cache_dir=None, profile_ref=None, as_of=dt.date(2026, 11, 26))
    by = {o.name: o for o in outs}
    assert [o.name for o in outs] == ["a", "b", "c", "d"]
    assert "異常終了" in by["b"].error
    assert by["a"].error is None and by["a"].result.rules["subcontracting"].value == "ok"
    assert by["c"].result.rules["password-handling"].value == "missing"
    assert by["d"].error is None
    assert len({o.pid for o in outs if o.error is None}) >= 1


def test_every_output_agrees_with_results_json_on_the_corpus(tmp_path):
    from openpyxl import load_workbook

    from checker.batch import MARKS

    src = tmp_path / "in"
    names = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())[:4]
    for n in names:
        shutil.copytree(FIXTURES / n, src / n)
    out = tmp_path / "out"
    main(["batch", str(src), "--out", str(out), "--workers", "1", "--no-cache", "--as-of", "2026-11-26"])
    obj = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert obj["schema"] == "itaku-check/1" and len(obj["cases"]) == len(names)
    rule_ids = list(obj["cases"][0]["rules"])
    assert rule_ids, "the shipped profile has rules"
    expected = {Path(c["case"]).name: [MARKS[c["rules"][r]] for r in rule_ids] for c in obj["cases"]}
    for c in obj["cases"]:  # SPEC v1: findings hold every check that is not not_applicable
        assert all(f["status"] != "not_applicable" and f["rule"] in c["rules"] for f in c["findings"])

    csv_rows = list(csv.reader(io.StringIO((out / "checklist.csv").read_bytes().decode("utf-8-sig"))))
    assert [h.split("（")[-1].rstrip("）") for h in csv_rows[0][3:]] == rule_ids
    assert {r[0]: r[3:] for r in csv_rows[1:]} == expected

    ws, ws2 = load_workbook(out / "checklist.xlsx").worksheets
    assert {r[0]: list(r[3:]) for r in ws.iter_rows(min_row=2, values_only=True)} == expected
    n_findings = sum(len(c["findings"]) for c in obj["cases"])
    assert ws2.max_row - 1 == n_findings

    html = (out / "index.html").read_text(encoding="utf-8")
    for name, marks in expected.items():
        row = html.split(f">{name}</a>")[1].split("</tr>")[0]
        assert re.findall(r'<td class="cell [a-z_]+"[^>]*><a [^>]*>(.)</a>', row) == marks


def test_two_workers_share_the_cache_and_rerun_reads_only_what_changed(tmp_path, monkeypatch):
    batch_fakes.install(monkeypatch)
    monkeypatch.setattr(batch, "_mp_context", lambda: mp.get_context("fork"))
    src = tmp_path / "in"
    for name in ("a", "b", "c", "d"):
        (src / name).mkdir(parents=True)
        (src / name / "c.txt").write_text(f"subcontracting=ok\n# {name}\n", encoding="utf-8")
    stats = tmp_path / "stats.json"
    monkeypatch.setenv("ITAKU_BATCH_STATS", str(stats))
    args = ["batch", str(src), "--out", str(tmp_path / "out"), "--workers", "2", "--cache-dir", str(tmp_path / "cache"),
            "--as-of", "2026-11-26"]

    def run() -> dict:
        assert main(args) == 0
        return {c["name"]: c for c in json.loads(stats.read_text(encoding="utf-8"))["cases"]}

    cold = run()
    assert all(c["cache_misses"] == 1 and c["cache_hits"] == 0 for c in cold.values())
    assert all(c["peak_rss_kb"] > 0 and c["pid"] for c in cold.values())
    (src / "c" / "c.txt").write_text("subcontracting=ok\n# changed\n", encoding="utf-8")
    warm = run()
    assert {n: (c["cache_hits"], c["cache_misses"]) for n, c in warm.items()} == {
        "a": (1, 0), "b": (1, 0), "c": (0, 1), "d": (1, 0)}
