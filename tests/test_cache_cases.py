"""The cache of checked cases: a rerun checks nothing again, and never hands back a stale case.

A checked case (its result and rendered reports) is keyed by every file under the case
folder, the whole program with its rules and templates, the profile's own files, the as-of
date, the report options and the reading limits (checker.cache.case_key, batch._case_context).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import batch_fakes
from checker import cache as C
from checker.cli import main
from checker.model import DocError, Document


@pytest.fixture
def fakes(monkeypatch):
    batch_fakes.install(monkeypatch)
    checked: list[str] = []
    real = batch_fakes.check_case

    def counting(case, as_of, profile=None):
        checked.append(Path(case.name).name)
        return real(case, as_of, profile)

    from checker import api

    monkeypatch.setattr(api, "check_case", counting)
    return checked


def make(src: Path) -> Path:
    for case, text in (("a", "subcontracting=ok\n"), ("b", "password-handling=needs_review\n"),
                       ("c", "subcontracting=violation\n")):
        (src / case).mkdir(parents=True)
        (src / case / "contract.txt").write_text(text, encoding="utf-8")
    return src


def run(tmp_path: Path, *extra: str, as_of: str = "2026-11-26") -> dict:
    main(["batch", str(tmp_path / "in"), "--out", str(tmp_path / "out"), "--workers", "1",
          "--cache-dir", str(tmp_path / "cache"), "--as-of", as_of, *extra])
    return json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))


def test_a_rerun_checks_no_case_again_and_gives_the_same_outputs(tmp_path, fakes):
    make(tmp_path / "in")
    cold = run(tmp_path)
    reports = {p.name: p.read_bytes() for p in (tmp_path / "out" / "cases").iterdir()}
    assert sorted(fakes) == ["a", "b", "c"] and sorted(batch_fakes.CALLS) == ["contract.txt"] * 3
    fakes.clear()
    batch_fakes.CALLS.clear()
    assert run(tmp_path) == cold
    assert fakes == [] and batch_fakes.CALLS == []
    assert {p.name: p.read_bytes() for p in (tmp_path / "out" / "cases").iterdir()} == reports


def test_any_file_of_the_case_folder_counts(tmp_path, fakes):
    src = make(tmp_path / "in")
    run(tmp_path)
    fakes.clear()
    (src / "b" / "annex.txt").write_text("privacy-mark-validity=missing\n", encoding="utf-8")  # a new document
    (src / "c" / "itaku-accept.yaml").write_text("- check: x\n  reason: y\n", encoding="utf-8")  # a waiver file
    obj = run(tmp_path)
    assert sorted(fakes) == ["b", "c"]
    assert obj["cases"][1]["rules"]["privacy-mark-validity"] == "missing"  # never stale
    fakes.clear()
    (src / "c" / "itaku-accept.yaml").write_text("- check: x\n  reason: z\n", encoding="utf-8")
    run(tmp_path)
    assert fakes == ["c"]
    fakes.clear()
    (src / "c" / "itaku-accept.yaml").unlink()
    run(tmp_path)
    assert fakes == []  # the folder as it was at first: the case as checked then


def test_the_as_of_date_the_program_and_the_limits_count(tmp_path, fakes, monkeypatch):
    make(tmp_path / "in")
    run(tmp_path)
    fakes.clear()
    run(tmp_path, as_of="2027-04-01")
    assert sorted(fakes) == ["a", "b", "c"]
    fakes.clear()
    monkeypatch.setenv("ITAKU_MAX_PAGES", "5")
    run(tmp_path)
    assert sorted(fakes) == ["a", "b", "c"]
    monkeypatch.delenv("ITAKU_MAX_PAGES")
    fakes.clear()
    run(tmp_path)
    assert fakes == []  # back to what was cached under the default limits
    C.program_version.cache_clear()
    monkeypatch.setattr(C, "program_version", lambda: "another program")
    run(tmp_path)
    assert sorted(fakes) == ["a", "b", "c"]


def test_the_profiles_own_files_count(tmp_path):
    toml = tmp_path / "p.toml"
    toml.write_text('name = "p"\n', encoding="utf-8")
    local = tmp_path / "local"
    local.mkdir()
    (local / "r.yaml").write_text("id: r\n", encoding="utf-8")
    std = tmp_path / "std.txt"
    std.write_text("第1条", encoding="utf-8")
    import types

    prof = types.SimpleNamespace(name="p", source=str(toml), local_dirs=(local,), standard=std)
    seen = {C.profile_fingerprint(prof)}
    for f, text in ((toml, 'name = "p"\ndescription = "x"\n'), (local / "r.yaml", "id: r2\n"), (std, "第2条")):
        f.write_text(text, encoding="utf-8")
        seen.add(C.profile_fingerprint(prof))
    (local / "new.yaml").write_text("id: n\n", encoding="utf-8")
    seen.add(C.profile_fingerprint(prof))
    assert len(seen) == 5


def test_verdicts_a_situation_made_are_read_again(tmp_path, monkeypatch, fakes):
    """A document refused for a limit (a timeout on a busy machine, memory) or called damaged
    is read again on the next run, and its case checked again; one the bytes alone decide
    (encrypted) comes from the cache."""
    src = tmp_path / "in"
    for case in ("big", "locked"):
        (src / case).mkdir(parents=True)
        (src / case / "doc.pdf").write_text(case, encoding="utf-8")
    calls = []

    def load(path):
        p = Path(path)
        calls.append(p.parent.name)
        code = {"big": "too_large", "locked": "encrypted"}[p.parent.name]
        return Document(path=str(p), format="pdf", sha256="", pages=0, error=DocError(code, f"{p.name}: だめです。"))

    from checker import api

    monkeypatch.setattr(api, "load_document", load)
    run(tmp_path)
    assert sorted(calls) == ["big", "locked"]
    calls.clear()
    fakes.clear()
    run(tmp_path)
    assert calls == ["big"] and fakes == ["big"]


def test_a_damaged_case_entry_is_ignored(tmp_path, fakes):
    make(tmp_path / "in")
    cold = run(tmp_path)
    import sqlite3

    con = sqlite3.connect(tmp_path / "cache" / C.CACHE_FILE)
    for key, value in con.execute("SELECT key, value FROM entries WHERE kind='case'").fetchall():
        con.execute("UPDATE entries SET value=? WHERE kind='case' AND key=?", (bytes(value[:-3]) + b"xyz", key))
    con.commit()
    con.close()
    fakes.clear()
    assert run(tmp_path) == cold
    assert sorted(fakes) == ["a", "b", "c"]


def test_the_real_pipeline_gives_the_same_outputs_from_the_cache(tmp_path, monkeypatch):
    """Cold, then warm (every case from the cache), then without a cache: the same results
    and case reports, on fixture cases read and checked for real."""
    import shutil

    fixtures = Path(__file__).resolve().parent.parent / "fixtures" / "cases"
    src = tmp_path / "in"
    for n in sorted(p.name for p in fixtures.iterdir() if p.is_dir())[:3]:
        shutil.copytree(fixtures / n, src / n)
    stats = tmp_path / "stats.json"
    monkeypatch.setenv("ITAKU_BATCH_STATS", str(stats))

    def outputs(out: Path) -> tuple:
        obj = json.loads((out / "results.json").read_text(encoding="utf-8"))
        return obj, {p.name: p.read_bytes() for p in (out / "cases").iterdir()}

    common = [str(src), "--workers", "1", "--as-of", "2026-11-26"]
    main(["batch", *common, "--out", str(tmp_path / "cold"), "--cache-dir", str(tmp_path / "cache")])
    main(["batch", *common, "--out", str(tmp_path / "warm"), "--cache-dir", str(tmp_path / "cache")])
    warm = json.loads(stats.read_text(encoding="utf-8"))["cases"]
    assert all(c["cache_misses"] == 0 and c["cache_hits"] > 0 for c in warm)
    main(["batch", *common, "--out", str(tmp_path / "none"), "--no-cache"])
    assert outputs(tmp_path / "cold") == outputs(tmp_path / "warm") == outputs(tmp_path / "none")
