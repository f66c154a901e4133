#!/usr/bin/env python
"""Batch benchmark: ratios measured side by side in one run (issue 4, goals).

    .venv/bin/python benchmarks/bench_batch.py            # measure, print, write RESULTS.md
    .venv/bin/python benchmarks/bench_batch.py --stages   # also time each stage in-process
    .venv/bin/python benchmarks/bench_batch.py --profile  # also a pyinstrument profile of a cold
                                                          # 1-worker batch (profile-cold1.txt beside RESULTS.md)

The batch is made from ``fixtures/cases_pdf``: its cases are copied (PDFs only) round-robin
into a temporary folder until there are at least ``--min-cases`` cases and ``--min-pages``
pages. Every measurement is a whole process (``itaku`` as installed in this venv), so
start-up, imports and the model's loading are included:

* bare:   a process that opens each PDF with pdfplumber and calls ``extract_text`` on every page
* cold1:  ``itaku batch --workers 1 --no-cache``
* cold2:  ``itaku batch --workers 2 --no-cache``
* fill:   ``itaku batch --workers 1`` with an empty cache folder (the cold run of the cache)
* warm:   the same command again, everything unchanged
* help:   ``itaku --help`` (median of 5)

Peak memory per worker comes from the batch itself (``ITAKU_BATCH_STATS``: each worker
reports ``getrusage(RUSAGE_SELF).ru_maxrss`` with every case it returns).
The goals are printed beside the figures; nothing is asserted.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = Path(sys.executable)
ITAKU_MAIN = "import sys; from checker.cli import main; sys.exit(main())"  # what the console script runs
SNAPSHOT: Path | None = None  # a frozen copy of the program, so edits during the run change nothing
CWD: Path | None = None  # not the checkout: `python -c` puts the working directory first on sys.path


def snapshot(dest: Path) -> Path:
    """Copy the program (checker/, rules/, reports/, profiles/, pyproject.toml) to ``dest``;
    every measured process imports it from there (PYTHONPATH)."""
    dest.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("checker", "rules", "reports", "profiles"):
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, dest / name, ignore=ignore)
    shutil.copy2(ROOT / "pyproject.toml", dest / "pyproject.toml")
    return dest


def env_for(**extra: str) -> dict:
    env = dict(os.environ, **extra)
    if SNAPSHOT is not None:
        env["PYTHONPATH"] = str(SNAPSHOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def itaku(*args: str) -> list[str]:
    return [str(PY), "-c", ITAKU_MAIN, *args]

BARE = r"""
import sys, pdfplumber
n = 0
for f in sys.argv[1:]:
    with pdfplumber.open(f) as pdf:
        for page in pdf.pages:
            page.extract_text()
            n += 1
print(n)
"""


# Runs a command as a child subreaper (Linux): every descendant -- the batch's workers, the
# reader's forkserver and its children -- is waited for, so RUSAGE_CHILDREN holds the CPU
# time of the whole process tree. Wall time is measured here too. CPU seconds barely
# change when other programs load the machine; wall seconds do.
LAUNCH = r"""
import ctypes, json, os, resource, subprocess, sys, time
try:
    ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
except Exception:
    pass
t = time.perf_counter()
rc = subprocess.call(sys.argv[2:])
wall = time.perf_counter() - t
deadline = time.time() + 30
while time.time() < deadline:
    try:
        pid, _ = os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        break
    if pid == 0:
        time.sleep(0.02)
r = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(sys.argv[1], "w") as fh:
    json.dump({"rc": rc, "wall": wall, "cpu": r.ru_utime + r.ru_stime, "maxrss_kb": r.ru_maxrss}, fh)
"""


CALIBRATE = r"""
import multiprocessing as mp, sys, time
def spin(n):
    s = 0
    for i in range(n):
        s += i
    return s
if __name__ == "__main__":
    n = 15_000_000
    t = time.perf_counter(); spin(n); spin(n); serial = time.perf_counter() - t
    with mp.get_context("fork").Pool(2) as pool:
        pool.map(spin, [1000, 1000])  # start both
        t = time.perf_counter(); pool.map(spin, [n, n], chunksize=1); parallel = time.perf_counter() - t
    print(serial / parallel)
"""


def machine_parallelism() -> float:
    """How much faster two CPU-bound Python processes finish two equal jobs than one process
    doing both: the ceiling of any 2-worker speed-up on this machine (2.0 on two free cores)."""
    out = subprocess.run([str(PY), "-c", CALIBRATE], capture_output=True, text=True, cwd=CWD).stdout.strip()
    try:
        return float(out)
    except ValueError:
        return float("nan")


def page_count(pdf: Path) -> int:
    import pdfplumber

    with pdfplumber.open(pdf) as p:
        return len(p.pages)


def make_batch(dest: Path, source: Path, min_cases: int, min_pages: int) -> tuple[int, int, list[Path]]:
    """Copy the PDF cases of ``source`` round-robin into ``dest``; (cases, pages, pdfs)."""
    sources = [d for d in sorted(source.iterdir()) if d.is_dir() and list(d.glob("*.pdf"))]
    if not sources:
        raise SystemExit(f"{source}: PDF の案件がありません。fixtures/build.py で作成してください。")
    pages_of = {d: sum(page_count(p) for p in d.glob("*.pdf")) for d in sources}
    cases = pages = 0
    pdfs: list[Path] = []
    i = 0
    while cases < min_cases or pages < min_pages:
        src = sources[i % len(sources)]
        case = dest / f"{i + 1:03d}-{src.name}"
        case.mkdir(parents=True)
        for p in sorted(src.glob("*.pdf")):
            shutil.copy2(p, case / p.name)
            pdfs.append(case / p.name)
        cases += 1
        pages += pages_of[src]
        i += 1
    return cases, pages, pdfs


CPU: dict[str, list[float]] = {}
MAXRSS: dict[str, list[int]] = {}


def timed(cmd: list[str], env: dict | None = None, label: str | None = None) -> tuple[float, int, str]:
    """Wall seconds of ``cmd`` as a whole process tree; its CPU seconds go to CPU[label]."""
    rec = Path(tempfile.mkstemp(prefix="itaku-bench-", suffix=".json")[1])
    try:
        proc = subprocess.run([str(PY), "-c", LAUNCH, str(rec), *cmd], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env=env or env_for(), text=True, cwd=CWD)
        m = json.loads(rec.read_text() or "{}")
    finally:
        rec.unlink(missing_ok=True)
    if m.get("rc") not in (0, 1):
        sys.stderr.write(proc.stderr[-3000:])
        raise SystemExit(f"failed ({m.get('rc')}): {' '.join(cmd)}")
    if label:
        CPU.setdefault(label, []).append(m["cpu"])
        MAXRSS.setdefault(label, []).append(m["maxrss_kb"])
    return m["wall"], m["rc"], proc.stderr


def batch(batch_dir: Path, out: Path, workers: int, cache: Path | None, stats: Path, label: str) -> tuple[float, dict]:
    cmd = itaku("batch", str(batch_dir), "--out", str(out), "--workers", str(workers), "--as-of", "2026-11-26")
    cmd += ["--cache-dir", str(cache)] if cache else ["--no-cache"]
    env = env_for(ITAKU_BATCH_STATS=str(stats))
    seconds, _, _ = timed(cmd, env, label)
    return seconds, json.loads(stats.read_text(encoding="utf-8"))


def peak_per_worker_mb(stats: dict) -> float:
    per_pid: dict[int, int] = {}
    for c in stats["cases"]:
        per_pid[c["pid"]] = max(per_pid.get(c["pid"], 0), c["peak_rss_kb"])
    return max(per_pid.values(), default=0) / 1024


def stage_times(batch_dir: Path, limit: int, out_dir: Path) -> dict[str, tuple[float, float | None]]:
    """(wall, CPU) seconds of each stage of a cold 1-worker batch, in-process, first ``limit`` cases.
    The guarded read runs in child processes: its CPU is not this process's (None)."""
    sys.path.insert(0, str(SNAPSHOT or ROOT))
    import argparse as _ap
    import datetime as dt

    acc: dict[str, list[float]] = {}

    class stage:
        def __init__(self, name: str, cpu: bool = True):
            self.name, self.cpu = name, cpu

        def __enter__(self):
            self.t, self.c = time.perf_counter(), time.process_time()

        def __exit__(self, *exc):
            a = acc.setdefault(self.name, [0.0, 0.0 if self.cpu else None])
            a[0] += time.perf_counter() - self.t
            if self.cpu:
                a[1] += time.process_time() - self.c

    with stage("imports + profile (YAML rules)"):
        from checker import api, batch as B
        from checker.model import Case
        from checker.profile import load_profile
        from checker.read import read_document
        from checker.structure import build_document

        profile = load_profile(None)
    as_of = dt.date(2026, 11, 26)
    outcomes = []
    for case_dir in sorted(p for p in batch_dir.iterdir() if p.is_dir())[:limit]:
        docs = []
        for f in api.case_files(case_dir):
            with stage("read, in-process (pdfplumber)"):
                raw = read_document(f)
            with stage("structure"):
                docs.append(build_document(raw))
        with stage("evaluate"):
            res = api.check_case(Case(name=str(case_dir), documents=tuple(docs)), as_of, profile)
        outcomes.append(B.CaseOutcome(name=case_dir.name, path=str(case_dir), result=res, documents=tuple(docs)))
    with stage("outputs (reports, xlsx, csv, index)"):
        B.write_outputs(out_dir, outcomes, _ap.Namespace(as_of=as_of, redact=False), profile)
    if "spacy" not in sys.modules:
        from checker import nlp

        with stage("GiNZA load (not needed by this batch)"):
            nlp.parser()
    return {k: (v[0], v[1]) for k, v in acc.items()}


LOAD_ALL = r"""
import sys
def main():
    from checker.api import load_document
    if sys.argv[1] == "session":  # as a batch worker reads: one guarded reader process for all
        from checker.read.guard import open_session, close_session
        open_session(start=True)
    for p in sys.argv[2:]:
        load_document(p)
    if sys.argv[1] == "session":
        close_session()
if __name__ == "__main__":
    main()
"""


def reading_costs(pdfs: list[Path]) -> dict[str, tuple[float, float]]:
    """(wall, CPU) of a whole process that only calls ``checker.api.load_document`` on every
    PDF: a guarded child per document (``itaku check``), one guarded reader session (a batch
    worker), and in-process (ITAKU_GUARD=0)."""
    script = Path(CWD) / "load_all.py"
    script.write_text(LOAD_ALL, encoding="utf-8")
    out = {}
    for label, mode, extra in (("load_document, a guarded child per PDF (itaku check)", "plain", {}),
                               ("load_document, one guarded reader session (batch worker)", "session", {}),
                               ("load_document, in-process (ITAKU_GUARD=0)", "plain", {"ITAKU_GUARD": "0"})):
        best = None
        for _ in range(2):
            w, _, _ = timed([str(PY), str(script), mode, *map(str, pdfs)], env_for(**extra), label)
            c = CPU[label][-1]
            best = (w, c) if best is None or c < best[1] else best
        out[label] = best
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--source", type=Path, default=ROOT / "fixtures" / "cases_pdf")
    ap.add_argument("--min-cases", type=int, default=20)
    ap.add_argument("--min-pages", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=3, help="runs of each measurement; the fastest counts (default 3)")
    ap.add_argument("--stages", action="store_true", help="also time each stage in-process")
    ap.add_argument("--profile", action="store_true", help="also profile a cold 1-worker batch with pyinstrument")
    ap.add_argument("--results", type=Path, default=Path(__file__).resolve().parent / "RESULTS.md")
    args = ap.parse_args(argv)

    global SNAPSHOT, CWD
    tmp = Path(tempfile.mkdtemp(prefix="itaku-bench-"))
    try:
        SNAPSHOT = snapshot(tmp / "program")
        CWD = tmp
        check = subprocess.run([str(PY), "-c", "import checker; print(checker.__file__)"], env=env_for(),
                               capture_output=True, text=True, cwd=CWD).stdout.strip()
        if not check.startswith(str(SNAPSHOT)):
            raise SystemExit(f"the snapshot is not the program imported ({check})")
        bdir = tmp / "cases"
        n_cases, n_pages, pdfs = make_batch(bdir, args.source, args.min_cases, args.min_pages)
        print(f"batch: {n_cases} cases, {len(pdfs)} PDFs, {n_pages} pages ({tmp})", flush=True)
        rows: list[tuple[str, str, str, str]] = []
        fig: dict[str, float] = {}

        ceiling = max(machine_parallelism() for _ in range(2))
        print(f"  two processes on this machine finish {ceiling:.2f}× faster than one (ceiling of a 2-worker speed-up)",
              flush=True)
        runs: dict[str, list[float]] = {k: [] for k in ("bare", "cold1", "cold2", "fill", "warm")}
        for rep in range(args.repeat):  # interleaved, so a busy moment of the machine hits all alike
            runs["bare"].append(timed([str(PY), "-c", BARE, *map(str, pdfs)], label="bare")[0])
            t, s_cold1 = batch(bdir, tmp / "o1", 1, None, tmp / "s1.json", "cold1")
            runs["cold1"].append(t)
            t, s_cold2 = batch(bdir, tmp / "o2", 2, None, tmp / "s2.json", "cold2")
            runs["cold2"].append(t)
            t, _ = batch(bdir, tmp / "o3", 1, tmp / f"cache{rep}", tmp / "s3.json", "fill")
            runs["fill"].append(t)
            t, s_warm = batch(bdir, tmp / "o4", 1, tmp / f"cache{rep}", tmp / "s4.json", "warm")
            runs["warm"].append(t)
            print(f"  run {rep + 1}: " + ", ".join(f"{k} {v[-1]:.2f} s ({CPU[k][-1]:.2f} CPU)" for k, v in runs.items()),
                  flush=True)
        fig.update({k: min(v) for k, v in runs.items()})
        cpu = {k: min(v) for k, v in CPU.items()}
        model_loaded = any(c.get("model_loaded") for c in s_cold1["cases"])
        helps = [timed(itaku("--help"))[0] for _ in range(5)]
        fig["help"] = statistics.median(helps)
        mem1, mem2 = peak_per_worker_mb(s_cold1), peak_per_worker_mb(s_cold2)
        tree_mb = max(MAXRSS.get("cold1", [0]) + MAXRSS.get("cold2", [0])) / 1024
        workers2 = len({c["pid"] for c in s_cold2["cases"]})

        r_bare = fig["cold1"] / fig["bare"]
        r_par = fig["cold1"] / fig["cold2"]
        r_warm = fig["warm"] / fig["fill"]
        ok = lambda b: "met" if b else "MISSED"  # noqa: E731
        c_bare = cpu["cold1"] / cpu["bare"]
        c_warm = cpu["warm"] / cpu["fill"]
        rows = [
            ("cold batch (1 worker, no cache) / bare pdfplumber", f"{r_bare:.2f}× wall, {c_bare:.2f}× CPU",
             f"wall {fig['cold1']:.2f} s / {fig['bare']:.2f} s; CPU {cpu['cold1']:.2f} s / {cpu['bare']:.2f} s",
             f"≤ 2× — {ok(r_bare <= 2)} (CPU: {ok(c_bare <= 2)})"),
            ("speed-up, 2 workers vs 1 (no cache)", f"{r_par:.2f}× wall",
             f"wall {fig['cold1']:.2f} s / {fig['cold2']:.2f} s ({workers2} worker processes used); "
             f"CPU {cpu['cold1']:.2f} s / {cpu['cold2']:.2f} s; this machine's ceiling for two processes: {ceiling:.2f}×",
             f"≥ 1.5× — {ok(r_par >= 1.5)}"),
            ("warm rerun / cold run (cache, 1 worker)", f"{r_warm:.2f}× wall, {c_warm:.2f}× CPU",
             f"wall {fig['warm']:.2f} s / {fig['fill']:.2f} s; CPU {cpu['warm']:.2f} s / {cpu['fill']:.2f} s (documents from cache: "
             f"{sum(c['cache_hits'] for c in s_warm['cases'])}/{sum(c['cache_hits'] + c['cache_misses'] for c in s_warm['cases'])})",
             f"≤ 0.2× — {ok(r_warm <= 0.2)}"),
            ("`itaku --help` (median of 5)", f"{fig['help']:.3f} s", ", ".join(f"{h:.3f}" for h in helps),
             f"< 0.5 s — {ok(fig['help'] < 0.5)}"),
            ("peak RSS per worker", f"{max(mem1, mem2):.0f} MB",
             f"1 worker {mem1:.0f} MB; 2 workers {mem2:.0f} MB each at most; largest process of the tree "
             f"(a reader child included) {tree_mb:.0f} MB",
             f"< 1 GB — {ok(max(mem1, mem2, tree_mb) < 1024)}"),
        ]
        print()
        w = max(len(r[0]) for r in rows)
        for r in rows:
            print(f"{r[0]:<{w}}  {r[1]:>9}  {r[3]:<16}  {r[2]}")

        stages = stage_times(bdir, n_cases, tmp / "o6") if args.stages else None
        if stages:
            stages = {**reading_costs(pdfs), **stages}
        if stages:
            print("\nstages (wall s, CPU s):")
            for k, (w, c) in stages.items():
                print(f"  {k:<40} {w:7.2f} {'' if c is None else f'{c:7.2f}'}")
        prof_file = None
        if args.profile:
            prof_file = args.results.with_name("profile-cold1.txt")
            for renderer, target in (("text", prof_file),):
                subprocess.run([str(PY), "-m", "pyinstrument", "-r", renderer, "-o", str(target), "-c", ITAKU_MAIN, "batch",
                                str(bdir), "--out", str(tmp / "o5"), "--workers", "1", "--no-cache", "--as-of", "2026-11-26"],
                               check=False, env=env_for(), cwd=CWD, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            print(f"\nprofile: {prof_file}")
        print(f"\nGiNZA loaded by the batch: {'yes' if model_loaded else 'no (no rule needed the language)'}")
        write_results(args.results, n_cases, len(pdfs), n_pages, rows, stages, fig, args.repeat, model_loaded,
                      os.getloadavg()[0])
        print(f"\nwritten: {args.results}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


def write_results(path: Path, cases: int, files: int, pages: int, rows, stages, fig, repeat: int,
                  model_loaded: bool, load: float) -> None:
    from checker import __version__

    lines = [
        "# Batch benchmark results",
        "",
        f"Measured by `benchmarks/bench_batch.py` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: "
        f"itaku {__version__}, Python {platform.python_version()}, {platform.machine()}, "
        f"{os.cpu_count()} cores. Batch: {cases} cases, {files} PDFs, {pages} pages "
        "(the cases of `fixtures/cases_pdf` copied round-robin). Every figure is a whole process tree "
        f"(workers and reader children included), the fastest of {repeat} interleaved runs. Wall seconds "
        f"depend on what else runs on the machine (load average at the end: {load:.1f}); CPU seconds "
        "(user + system of every process of the tree) much less, so both are given. "
        f"GiNZA loaded during the batch: {'yes' if model_loaded else 'no — no rule of the profile needed it'}.",
        "",
        "| measure | ratio / value | figures | goal |",
        "| --- | --- | --- | --- |",
    ]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    if stages:
        lines += ["", "Where a cold 1-worker batch spends its time: the `load_document` rows are whole process trees "
                  "reading every PDF of the batch (nothing else); the other rows time each stage inside one process:", "",
                  "| stage | wall s | CPU s |", "| --- | --- | --- |"]
        lines += [f"| {k} | {w:.2f} | {'—' if c is None else f'{c:.2f}'} |" for k, (w, c) in stages.items()]
    lines += [
        "",
        "## Reproduce",
        "",
        "```",
        ".venv/bin/python benchmarks/bench_batch.py            # figures above",
        ".venv/bin/python benchmarks/bench_batch.py --stages   # plus the per-stage table",
        ".venv/bin/pip install -e '.[bench]' && .venv/bin/python benchmarks/bench_batch.py --profile",
        "```",
        "",
        "Options: `--repeat N` (default 3), `--min-cases N --min-pages N` (defaults 20 and 100), `--source DIR` (a folder of",
        "case folders holding PDFs). The script copies the cases into a temporary folder, runs",
        "each measurement as a separate process and deletes the folder afterwards.",
        "",
    ]
    # a hand-written analysis below the marker survives re-measuring
    marker = "<!-- analysis: kept when the figures are measured again -->"
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    if marker in old:
        lines += [marker + old.split(marker, 1)[1].rstrip("\n"), ""]
    path.write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
