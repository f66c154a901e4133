"""Nothing lost (issue 7, item 6): reports are written atomically, an interrupted batch
resumes from its cache, and concurrent web checks never mix files between cases."""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from checker.atomic import write_text_atomic

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "fixtures" / "cases"
AS_OF = "2026-11-26"


# --------------------------------------------------------------------------- atomic writes
def test_atomic_write_keeps_the_old_file_when_interrupted(tmp_path, monkeypatch):
    target = tmp_path / "report.html"
    write_text_atomic(target, "old report\n")

    def boom(src, dst):
        raise KeyboardInterrupt  # the process is stopped between writing and renaming

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(KeyboardInterrupt):
        write_text_atomic(target, "new report that never lands\n" * 1000)
    assert target.read_text() == "old report\n"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]  # no temporary left behind


def test_every_report_writer_is_atomic():
    """Report files, checklists and exports go through checker.atomic; the only other
    file writes are the upload spool (a private temporary folder) and the cache/history
    databases (SQLite transactions)."""
    import re

    allowed = {"checker/atomic.py", "checker/web/upload.py"}
    opened_for_writing = re.compile(r"\bopen\([^)]*['\"][wax]b?\+?['\"]")
    offenders = []
    for p in sorted((ROOT / "checker").rglob("*.py")):
        rel = p.relative_to(ROOT).as_posix()
        if rel in allowed:
            continue
        for line in p.read_text(encoding="utf-8").splitlines():
            s = line.strip()
            if s.startswith("#"):
                continue
            if ".write_text(" in s or ".write_bytes(" in s or opened_for_writing.search(s):
                offenders.append(f"{rel}: {s}")
            elif re.search(r"\.save\((?!\s*(buf|bio|io|stream|fh)\b)", s):
                offenders.append(f"{rel}: {s}")
    assert not offenders, offenders


# --------------------------------------------------------------------------- batch resume
def _copy_cases(dst: Path, n: int) -> list[str]:
    names = []
    for src in sorted(p for p in CASES.iterdir() if p.is_dir())[:n]:
        d = dst / src.name
        d.mkdir(parents=True)
        for f in src.iterdir():
            if f.is_file() and f.suffix in (".txt", ".pdf", ".docx"):
                shutil.copy(f, d / f.name)
        names.append(src.name)
    return names


def _cached_documents(cache_dir: Path) -> int:
    db = cache_dir / "itaku-cache.sqlite3"
    if not db.exists():
        return 0
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            return con.execute("SELECT count(*) FROM entries WHERE kind='doc'").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return 0


@pytest.mark.slow
def test_interrupted_batch_resumes_from_the_cache(tmp_path):
    src = tmp_path / "in"
    names = _copy_cases(src, 6)
    out, cache = tmp_path / "out", tmp_path / "cache"
    cmd = [sys.executable, "-m", "checker.cli", "batch", str(src), "--out", str(out), "--workers", "1",
           "--cache-dir", str(cache), "--as-of", AS_OF]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 300
    interrupted = False
    while time.monotonic() < deadline and proc.poll() is None:
        if _cached_documents(cache) >= 2:
            os.killpg(proc.pid, signal.SIGKILL)  # a power cut, not a polite stop
            interrupted = True
            break
        time.sleep(0.05)
    proc.wait(30)
    assert interrupted, "the batch finished before it could be interrupted"
    # nothing half-written: whatever exists is whole
    for p in out.rglob("*") if out.exists() else ():
        if p.is_file() and p.suffix == ".json" and not p.name.startswith("."):
            json.loads(p.read_text(encoding="utf-8"))
    done_before = _cached_documents(cache)
    assert done_before >= 2

    stats = tmp_path / "stats.json"
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600,
                       env={**os.environ, "ITAKU_BATCH_STATS": str(stats)})
    assert r.returncode in (0, 1), r.stderr
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    text = json.dumps(results, ensure_ascii=False)
    for name in names:
        assert name in text
    st = json.loads(stats.read_text(encoding="utf-8"))
    assert sum(c["cache_hits"] for c in st["cases"]) >= 1  # the documents read before the cut were reused


# --------------------------------------------------------------------------- parallel uploads
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def live_server(tmp_path):
    uvicorn = pytest.importorskip("uvicorn")
    httpx = pytest.importorskip("httpx")
    from checker.web.app import create_app

    uploads = tmp_path / "uploads"
    uploads.mkdir()
    app = create_app(tmp_path / "history.sqlite3", tmp_root=uploads)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    th = threading.Thread(target=server.run, daemon=True)
    th.start()
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            if httpx.get(base + "/api/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.05)
    yield base, uploads
    server.should_exit = True
    th.join(10)


SPEC_DOCX = (ROOT / "fixtures" / "docs" / "specification.docx").read_bytes()


def _contract(marker: str) -> str:
    return ("# 個人情報取扱特記事項\n"
            f"第1条（再委託の禁止）乙は、あらかじめ甲の書面による承諾を得た場合を除き、{marker}業務に係る個人情報の取扱いを"
            "第三者に委託してはならない。\n"
            f"第2条（秘密の保持）乙は、{marker}業務に関して知り得た個人情報を他に漏らしてはならない。\n")


def test_parallel_uploads_do_not_mix(live_server):
    import httpx

    base, uploads = live_server
    markers = ["健診", "介護", "保育", "税務", "図書", "給付"]
    results: dict[str, dict] = {}
    errors: list[BaseException] = []

    def one(i: int, marker: str) -> None:
        try:
            files = [("files", (f"契約{i}.txt", _contract(marker).encode("utf-8"), "text/plain")),
                     ("files", ("memo.txt", f"# メモ\n{marker}のメモ。\n".encode("utf-8"), "text/plain")),
                     ("files", ("仕様書.docx", SPEC_DOCX, "application/octet-stream"))]  # read in the guard
            r = httpx.post(base + "/api/check", data={"case": f"案件{i}-{marker}", "as_of": AS_OF}, files=files,
                           headers={"origin": base}, timeout=300)
            assert r.status_code == 200, r.text
            results[marker] = r.json()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(i, m)) for i, m in enumerate(markers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(400)
    assert not errors, errors
    run_ids = set()
    for i, marker in enumerate(markers):
        obj = results[marker]
        case = obj["cases"][0]
        names = sorted(Path(d["path"]).name for d in case["documents"])
        assert names == sorted([f"契約{i}.txt", "memo.txt", "仕様書.docx"]), names
        assert all(d["error"] is None for d in case["documents"]), case["documents"]
        text = json.dumps(case, ensure_ascii=False)
        assert marker in text
        for other in markers:
            if other != marker:
                assert other not in text, (marker, other)
        run_ids.add(obj["history"]["run_id"])
    assert len(run_ids) == len(markers)
    assert list(uploads.iterdir()) == []  # every request's folder removed
