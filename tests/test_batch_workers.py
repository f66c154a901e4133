"""Batch with worker processes: the real pipeline on the text corpus, and a dying worker."""
from __future__ import annotations

import datetime as dt
import json
import multiprocessing as mp
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
