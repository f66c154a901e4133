"""A reader session: one guarded child reads many documents, limits still per document.

``checker.read.guard.ReaderSession`` keeps one child process (forked from the guard's
forkserver, address space limited) and sends it one path at a time. These tests drive it
with a stand-in reader that misbehaves by file name (the stand-ins of
fixtures/hostile/targets.py) between documents that read normally, and check that each
misbehaving document ends as its own error while the others are read as without a
session.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from checker.read import read_document
from checker.read.guard import GuardLimits, ReaderSession, read_guarded, reader_session

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = ROOT / "fixtures" / "hostile"
DOCS = ROOT / "fixtures" / "docs"
if str(HOSTILE) not in sys.path:
    sys.path.insert(0, str(HOSTILE))  # the children inherit sys.path: targets.py, this module

LIMITS = GuardLimits(memory_mb=768, cpu_seconds=20, timeout_seconds=30)
READER = "test_read_guard_session:by_name"


def by_name(path):
    """Runs in the child: misbehave as the file's name says, else read it."""
    import targets

    stem = Path(path).name.split("-")[0]
    if stem == "work":  # about 0.6 s of CPU, then an ordinary read
        t = time.process_time()
        while time.process_time() - t < 0.6:
            pass
        return read_document(DOCS / "special_provisions.cid.pdf")
    if hasattr(targets, stem):
        return getattr(targets, stem)(path)
    return read_document(path)


def good_files(tmp_path: Path) -> list[Path]:
    out = []
    for i, src in enumerate([DOCS / "special_provisions.cid.pdf", DOCS / "consultation_form.ttf.pdf",
                             DOCS / "consultation_form.docx"]):
        p = tmp_path / f"good{i}{src.suffix}"
        p.write_bytes(src.read_bytes())
        out.append(p)
    return out


def dummy(tmp_path: Path, name: str) -> Path:
    p = tmp_path / f"{name}-契約書.pdf"
    p.write_bytes(b"%PDF-1.7\n%%EOF\n")
    return p


def test_one_child_reads_every_document_as_a_fresh_child_would(tmp_path):
    files = good_files(tmp_path)
    with reader_session() as s:
        got = [read_guarded(p, LIMITS) for p in files]
    assert got == [read_document(p) for p in files]
    assert s.children == 1 and s.documents == len(files) and s.failures == 0


@pytest.mark.parametrize("target, code", [("crash", "damaged"), ("boom", "damaged"), ("recurse", "damaged"),
                                          ("exit_quietly", "damaged"), ("hog", "too_large"), ("flood", "too_large")])
def test_a_misbehaving_document_fails_alone(tmp_path, target, code):
    good = good_files(tmp_path)
    bad = dummy(tmp_path, target)
    order = [good[0], bad, good[1], good[2]]
    t0 = time.monotonic()
    with reader_session() as s:
        got = {p.name: read_guarded(p, LIMITS, reader=READER) for p in order}
    assert time.monotonic() - t0 < 60
    err = got[bad.name].error
    assert err is not None and err.code == code and bad.name in err.message and err.message.endswith("。")
    for p in good:
        assert got[p.name] == read_document(p), p.name
    assert s.children >= 2  # the child after the bad document is a new one


def test_after_repeated_failures_every_document_gets_its_own_child(tmp_path):
    good = good_files(tmp_path)[0]
    with reader_session(max_failures=2) as s:
        for i in range(3):
            assert read_guarded(dummy(tmp_path, f"boom-{i}"), LIMITS, reader=READER).error.code == "damaged"
        assert s.failures == 2
        assert read_guarded(good, LIMITS, reader=READER) == read_document(good)
        assert s.children == 2  # no new session child after the limit: a fresh child per document


def test_timeout_is_per_document_and_the_next_document_is_read(tmp_path):
    good = good_files(tmp_path)
    with reader_session() as s:
        assert read_guarded(good[0], LIMITS, reader=READER).error is None
        t0 = time.monotonic()
        raw = read_guarded(dummy(tmp_path, "sleep"), GuardLimits(memory_mb=768, cpu_seconds=20, timeout_seconds=2),
                           reader=READER)
        assert 1.5 < time.monotonic() - t0 < 10
        assert raw.error.code == "too_large" and "ITAKU_READ_TIMEOUT" in raw.error.message
        assert read_guarded(good[1], LIMITS, reader=READER) == read_document(good[1])
    assert s.failures == 0  # a timeout is the document's own verdict: not read twice


def test_cpu_limit_is_per_document_not_per_session(tmp_path):
    lim = GuardLimits(memory_mb=768, cpu_seconds=1, timeout_seconds=60)
    with reader_session() as s:
        # 0.6 s each: three of them exceed one CPU second together, never alone
        for i in range(3):
            raw = read_guarded(dummy(tmp_path, f"work-{i}"), lim, reader=READER)
            assert raw.error is None, raw.error
        assert s.children == 1
        t0 = time.monotonic()
        raw = read_guarded(dummy(tmp_path, "spin"), lim, reader=READER)
        assert time.monotonic() - t0 < 15
        assert raw.error.code == "too_large" and "CPU" in raw.error.message


def test_the_child_sees_the_callers_limits_as_they_are_now(tmp_path, monkeypatch):
    import importlib.util

    spec = importlib.util.spec_from_file_location("hostile_make", HOSTILE / "make.py")
    make = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make)
    p = make.many_pages_pdf(tmp_path / "pages.pdf", pages=30)
    with reader_session() as s:
        assert read_guarded(p, LIMITS).error is None
        monkeypatch.setenv("ITAKU_MAX_PAGES", "10")
        raw = read_guarded(p, LIMITS)
        assert raw.error is not None and raw.error.code == "too_large" and "30" in raw.error.message
        monkeypatch.delenv("ITAKU_MAX_PAGES")
        assert read_guarded(p, LIMITS).error is None
    assert s.children == 1


def test_a_grown_child_is_replaced(tmp_path):
    good = good_files(tmp_path)
    s = ReaderSession(recycle_fraction=0.0001)  # any child has grown past this
    try:
        for p in good:
            assert s.read(p, "pdf", LIMITS, "checker.read:read_document") == read_document(p)
        assert s.children == len(good)
    finally:
        s.close()


def test_session_ends_its_child(tmp_path):
    with reader_session() as s:
        read_guarded(good_files(tmp_path)[0], LIMITS)
        proc = s._proc
        assert proc is not None and proc.is_alive()
    assert not proc.is_alive()


SCRIPT = r"""
import json, sys
sys.path[:0] = sys.argv[1:3]
from multiprocessing import forkserver
from checker.read.guard import GuardLimits, open_session, read_guarded, close_session
import os, time
held = open(os.environ["SECRET"], "rb")  # a worker's open file (its cache database)
s = open_session(start=True)  # a batch worker: the child is forked from this clean process
forked = s._proc is not None and forkserver._forkserver._forkserver_pid is None
time.sleep(0.3)
fd_dir = f"/proc/{s._proc.pid}/fd"
child_files = [os.readlink(os.path.join(fd_dir, f)) for f in os.listdir(fd_dir)]
lim = GuardLimits(memory_mb=768, cpu_seconds=20, timeout_seconds=30)
out = {}
for p in sys.argv[3:]:
    raw = read_guarded(p, lim, reader="test_read_guard_session:by_name")
    out[p] = [raw.error.code if raw.error else None, raw.error.message if raw.error else len(raw.pages)]
out["forked"] = forked
out["child_holds_secret"] = any(f.endswith("secret.db") for f in child_files)
out["children"] = s.children
close_session()
print(json.dumps(out))
"""


def test_a_child_forked_from_a_clean_worker_keeps_every_limit(tmp_path):
    """open_session(start=True) forks the session's child from the (clean) worker itself;
    a crash, a memory hog and a gigantic result there still fail alone."""
    import json
    import subprocess

    good = good_files(tmp_path)
    bad = [dummy(tmp_path, t) for t in ("crash", "hog", "flood")]
    order = [good[0], bad[0], good[1], bad[1], good[2], bad[2], good[0]]
    secret = tmp_path / "secret.db"
    secret.write_bytes(b"x")
    import os

    r = subprocess.run([sys.executable, "-c", SCRIPT, str(Path(__file__).parent), str(HOSTILE), *map(str, order)],
                       capture_output=True, text=True, timeout=120, cwd=ROOT, env={**os.environ, "SECRET": str(secret)})
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out.pop("forked") is True
    assert out.pop("child_holds_secret") is False  # the worker's files are closed in the child
    assert out.pop("children") >= 3
    for p in good:
        assert out[str(p)] == [None, len(read_document(p).pages)]
    assert [out[str(p)][0] for p in bad] == ["damaged", "too_large", "too_large"]
    assert all(p.name in out[str(p)][1] for p in bad)
