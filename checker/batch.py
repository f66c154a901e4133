"""``itaku batch DIR --out OUT``: the secretariat's review of every case of the year.

Each subdirectory of DIR is a case. Cases are checked in worker processes (each loads the
language model at most once, lazily, and keeps it for every case it checks); documents and
per-sentence parses come from the content-addressed cache (:mod:`checker.cache`) when the
same bytes were seen before, so re-running after one file changed costs that file only and
an interrupted batch resumes where it stopped.

One broken document or case never stops the batch: a document that cannot be read carries
its error, and a case whose checking raised (even inside a worker, even a worker that died)
is reported with its error in every output.

Outputs (all written atomically): ``index.html`` (cases × rules matrix), ``cases/<case>.html``
and ``.md``, ``results.json`` (SPEC.md v1), ``checklist.xlsx`` and ``checklist.csv``.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import sys
import time
import traceback
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from checker.cli import EXIT_FLAGGED, EXIT_OK, EXIT_USAGE, UsageError

MARKS = {"ok": "○", "violation": "×", "missing": "×", "needs_review": "△", "not_applicable": "－"}
STATUS_LABELS = {"ok": "適合", "violation": "違反", "missing": "記載なし", "needs_review": "要確認",
                 "not_applicable": "対象外"}  # the words of the case reports (checker.ruledocs)
ERROR_MARK = "！"
ERROR_LABELS = {"encrypted": "暗号化", "damaged": "破損", "image_only": "画像のみ", "unsupported_type": "非対応の形式",
                "empty": "空", "too_large": "大きすぎ"}


# ----------------------------------------------------------------------------- outcome
@dataclass
class CaseOutcome:
    """What checking one case gave: a result, or the error that stopped it (plain data)."""

    name: str  # the subdirectory name, as shown to people
    path: str  # the case path as given on the command line (DIR/name)
    result: Any = None  # checker.model.CaseResult, or a placeholder when ``error`` is set
    error: str | None = None  # Japanese message when the case could not be checked
    documents: tuple = ()  # the documents read (also when the check itself failed)
    seconds: float = 0.0
    cache_hits: int = 0
    cache_misses: int = 0
    pid: int = 0
    peak_rss_kb: int = 0
    slug: str = ""
    model_loaded: bool = False  # whether this process had loaded spaCy/GiNZA by the end of the case
    reports: dict = field(default_factory=dict)  # fmt -> the case report, rendered where the case was checked

    @property
    def unreadable(self) -> list:
        return [d for d in self.documents if getattr(d, "error", None)]

    @property
    def broken(self) -> bool:
        """Shown on top of the index: the case failed or holds an unreadable document."""
        return bool(self.error or self.unreadable)


# ----------------------------------------------------------------------------- names
_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$", re.IGNORECASE)
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
_MAX_BYTES = 120  # leaves room for suffixes and "-NN" within a 255-byte file name


def safe_name(name: str) -> str:
    """A file name for a case: path separators, control and Windows-forbidden characters
    become ``_``; no leading dots (no hidden files, no ``..``), no trailing dots or spaces,
    no reserved device names (CON, NUL, COM1 …); Japanese is kept (NFC); at most 120 bytes."""
    s = unicodedata.normalize("NFC", name)
    s = _UNSAFE.sub("_", s)
    s = re.sub(r"\s+", " ", s).strip()
    s = s.lstrip(".").rstrip(". ")
    if not s:
        s = "case"
    if _RESERVED.match(s):
        s = "_" + s
    while len(s.encode("utf-8")) > _MAX_BYTES:
        s = s[:-1]
    return s.rstrip(". ") or "case"


def unique_names(names: list[str]) -> list[str]:
    """Safe names, made unique case-insensitively (Windows and macOS file systems)."""
    out, seen = [], set()
    for n in names:
        base = safe_name(n)
        cand, i = base, 2
        while cand.casefold() in seen:
            cand = f"{base}-{i}"
            i += 1
        seen.add(cand.casefold())
        out.append(cand)
    return out


# ----------------------------------------------------------------------------- workers
_STATE: dict[str, Any] = {}


def _init_worker(cache_dir: str | None, profile_ref: str | None, as_of: dt.date, render: tuple = ()) -> None:
    """Per process, once: the profile, the cache and the parse-cache hook. ``render``: the
    formats of the case reports to render right after each case (in the worker, in
    parallel, instead of one after another in the main process); ``redact`` rides along as
    ``("redact", ...)``."""
    from checker.profile import load_profile

    _STATE.clear()
    _STATE["profile"] = load_profile(profile_ref)
    _STATE["as_of"] = as_of
    _STATE["render"] = tuple(f for f in render if f in ("html", "md"))
    _STATE["redact"] = "redact" in render
    cache = None
    if cache_dir:
        from checker.cache import Cache

        cache = Cache(cache_dir)
        if cache.enabled:
            from checker import nlp

            nlp.CACHE = cache.parse_store()
        else:
            cache = None
    _STATE["cache"] = cache
    _STATE["case_context"] = _case_context(_STATE) if cache else None
    # one guarded reader process for every document this process reads (limits still
    # apply per document; see checker.read.guard.ReaderSession). Without a cache every
    # document is read: start it now, forked from this process while it is clean; with a
    # cache at the first document not in it (a rerun may read none).
    from checker.read.guard import open_session

    open_session(start=cache is None)


def _case_context(state: dict) -> str | None:
    """What a checked case depends on besides its files (see checker.cache.case_key): the
    whole program with its rules, templates and libraries, the profile's own files, the
    as-of date and the report options. None (no case cache) if it cannot be told."""
    try:
        import hashlib

        from checker.cache import _hash_tree, profile_fingerprint, program_version

        h = hashlib.sha256()
        h.update(f"{program_version()}\0{profile_fingerprint(state['profile'])}\0{state['as_of']}\0"
                 f"{state.get('render')}\0{state.get('redact')}\0".encode())
        templates = os.environ.get("ITAKU_REPORTS_DIR")
        if templates:
            _hash_tree(h, Path(templates), "ITAKU_REPORTS_DIR")
        return h.hexdigest()
    except Exception:  # noqa: BLE001 - without a sure key, nothing is cached
        return None


def _from_case_cache(cache, key: str, out: "CaseOutcome") -> bool:
    """Fill ``out`` from a case checked before with the same key; False when absent."""
    from checker.model import CaseResult

    hit = cache.get_case(key)
    res = hit.get("result") if hit else None
    reports = hit.get("reports") if hit else None
    if not isinstance(res, CaseResult) or not isinstance(reports, dict):
        return False
    out.result = res
    out.documents = tuple(res.documents)
    out.reports = dict(reports)
    cache.hits += len(out.documents)  # every document of the case came from the cache
    return True


def _to_case_cache(cache, key: str, out: "CaseOutcome", docs: list) -> None:
    """Store a checked case, unless it failed or holds a verdict that must be made again."""
    from checker.cache import cacheable_document

    res = out.result
    if (out.error or res is None or len(res.documents) != len(docs)
            or not all(a is b for a, b in zip(res.documents, docs)) or not all(cacheable_document(d) for d in docs)):
        return
    cache.put_case(key, {"result": res, "reports": dict(out.reports)})


def _peak_rss_kb() -> int:
    try:
        import resource

        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return int(rss // 1024) if sys.platform == "darwin" else int(rss)
    except Exception:  # noqa: BLE001 - not available on this platform
        return 0


def _unexpected(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def check_one(name: str, path: str) -> CaseOutcome:
    """Check one case in this process (worker or main). Never raises."""
    from checker import api
    from checker.model import Case, DocError, Document

    t0 = time.perf_counter()
    cache = _STATE.get("cache")
    h0, m0 = (cache.hits, cache.misses) if cache else (0, 0)
    out = CaseOutcome(name=name, path=path, pid=os.getpid())
    docs: list = []
    key = None
    if cache and _STATE.get("case_context"):
        from checker.cache import case_key

        key = case_key(Path(path), f"{_STATE['case_context']}\0{name}")
        if key and _from_case_cache(cache, key, out):
            out.cache_hits, out.cache_misses = cache.hits - h0, cache.misses - m0
            out.seconds = time.perf_counter() - t0
            out.peak_rss_kb = _peak_rss_kb()
            out.model_loaded = "spacy" in sys.modules
            return out
    try:
        files = api.case_files(Path(path))
        for f in files:
            try:
                doc = cache.load_document(f, api.load_document) if cache else api.load_document(f)
            except Exception as exc:  # noqa: BLE001 - a reader bug must not stop the case
                doc = Document(path=str(f), format=f.suffix.lower().lstrip("."), sha256="", pages=0,
                               error=DocError("damaged", f"{f.name}: 読み込み中に予期しないエラーが起きました（{_unexpected(exc)}）。"
                                                         "ファイルを開いて保存し直すか、PDF に出力し直してから再実行してください。"))
            docs.append(doc)
            if cache:
                cache.flush()  # an interrupted batch resumes from here
        out.documents = tuple(docs)
        if not files:
            out.error = f"{name}: 案件フォルダにファイルがありません。諮問書や契約書のファイルを入れてから再実行してください。"
        else:
            out.result = api.check_case(Case(name=path, documents=tuple(docs)), _STATE["as_of"], _STATE["profile"])
    except Exception as exc:  # noqa: BLE001 - one broken case never stops the batch
        out.documents = tuple(docs)
        out.error = (f"{name}: 案件の確認中に予期しないエラーが起きました（{_unexpected(exc)}）。"
                     "この案件の文書を確認し、解決しない場合は開発担当に次の情報を伝えてください: "
                     + traceback.format_exc(limit=-3).strip().splitlines()[-1])
    finally:
        if cache:
            cache.flush()
            out.cache_hits, out.cache_misses = cache.hits - h0, cache.misses - m0
    if _STATE.get("render"):
        import argparse

        ns = argparse.Namespace(as_of=_STATE["as_of"], redact=_STATE.get("redact", False))
        res = out.result if (out.result is not None and not out.error) else _placeholder(out)
        for fmt in _STATE["render"]:
            out.reports[fmt] = _render_case([res], fmt, ns, _STATE["profile"], out)
    if cache and key:
        _to_case_cache(cache, key, out, docs)
        cache.flush()
    out.seconds = time.perf_counter() - t0
    out.peak_rss_kb = _peak_rss_kb()
    out.model_loaded = "spacy" in sys.modules
    return out


def _worker_task(name: str, path: str) -> CaseOutcome:
    out = check_one(name, path)
    try:  # make sure what goes back pickles; else send the error instead
        import pickle

        pickle.dumps(out)
    except Exception as exc:  # noqa: BLE001
        out = CaseOutcome(name=name, path=path, documents=(), pid=os.getpid(), seconds=out.seconds,
                          error=f"{name}: 結果を受け渡せませんでした（{_unexpected(exc)}）。開発担当に連絡してください。")
    return out


def _mp_context():
    """fork on Linux while this process has no other thread: the workers then share the
    imports and the loaded profile of the main process for free (nothing else is open in
    it: no GiNZA, no cache connection). Otherwise a forkserver preloaded with the
    pipeline, or spawn where neither exists."""
    import multiprocessing as mp
    import threading

    methods = mp.get_all_start_methods()
    if sys.platform.startswith("linux") and "fork" in methods and threading.active_count() == 1:
        return mp.get_context("fork")
    if "forkserver" in methods:
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["checker.batch", "checker.api", "checker.model"])
        return ctx
    return mp.get_context("spawn")


# ----------------------------------------------------------------------------- running
def list_cases(root: Path, out_dir: Path | None = None) -> list[Path]:
    """The case directories of ``root``, sorted; hidden ones and the output folder skipped."""
    out_res = out_dir.resolve() if out_dir else None
    cases = []
    for p in sorted(root.iterdir(), key=lambda p: p.name):
        if p.name.startswith(".") or not p.is_dir():
            continue
        if out_res is not None and p.resolve() == out_res:
            continue
        cases.append(p)
    return cases


class _Progress:
    """A rich progress bar on a terminal; nothing otherwise."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.enabled = enabled and total > 0
        self.total = total
        self._p = None

    def start(self) -> None:
        """Start drawing (a thread): after the worker processes exist, so they fork clean."""
        if self.enabled and self._p is None:
            from rich.console import Console
            from rich.table import Column
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                                       TimeElapsedColumn, TimeRemainingColumn)

            self._p = Progress(TextColumn("[bold]案件"), BarColumn(), MofNCompleteColumn(),
                               TextColumn("経過"), TimeElapsedColumn(), TextColumn("残り"), TimeRemainingColumn(),
                               TextColumn("{task.description}", table_column=Column(no_wrap=True, overflow="ellipsis")),
                               console=Console(stderr=True), transient=False)
            self._task = self._p.add_task("", total=self.total)
            self._p.start()

    def update(self, done: int, current: list[str]) -> None:
        if self._p is not None:
            first = current[0] if current else ""
            first = first if len(first) <= 28 else first[:27] + "…"
            desc = first + (f" 他{len(current) - 1}件" if len(current) > 1 else "")
            self._p.update(self._task, completed=done, description=desc)

    def stop(self) -> None:
        if self._p is not None:
            self._p.stop()


def _case_bytes(path: str) -> int:
    total = 0
    try:
        for root, _dirs, files in os.walk(path):
            for f in files:
                try:
                    total += os.stat(os.path.join(root, f)).st_size
                except OSError:
                    pass
    except OSError:
        pass
    return total


def _prepare_rendering(profile_ref: str | None) -> None:
    """Compile the report templates and build the profile's rule infos in this process,
    so that forked workers start with them instead of each doing it again."""
    try:
        from checker import report
        from checker.profile import load_profile
        from checker.ruledocs import rule_infos

        report.html_env().get_template("report.html.j2")
        report.markdown_env().get_template("report.md.j2")
        rule_infos(load_profile(profile_ref))
    except Exception:  # noqa: BLE001 - only a head start: the workers do it themselves if need be
        pass


def run_cases(cases: list[tuple[str, str]], *, workers: int, cache_dir: str | None, profile_ref: str | None,
              as_of: dt.date, progress: bool = False, render: tuple = ()) -> list[CaseOutcome]:
    """Check ``cases`` (name, path) with ``workers`` processes; outcomes in input order.
    ``render``: see :func:`_init_worker`."""
    bar = _Progress(len(cases), progress)
    results: dict[str, CaseOutcome] = {}
    try:
        if workers <= 1 or len(cases) <= 1:
            _init_worker(cache_dir, profile_ref, as_of, render)
            bar.start()
            try:
                for i, (name, path) in enumerate(cases):
                    bar.update(i, [name])
                    results[name] = check_one(name, path)
                bar.update(len(cases), [])
            finally:
                from checker.read.guard import close_session

                close_session()
                cache = _STATE.get("cache")
                if cache:
                    cache.close()
                    from checker import nlp

                    nlp.CACHE = None
        else:
            # biggest cases first: the last case to finish is a small one, so no worker
            # waits long for the other at the end (sorted is stable: equal sizes keep their order)
            order = sorted(cases, key=lambda c: -_case_bytes(c[1]))
            if _mp_context().get_start_method() == "fork":
                # once here, not once per worker: the workers are forked from this process
                if cache_dir is None:  # (with a cache, perhaps nothing is read)
                    from checker.read.guard import preload_readers

                    preload_readers()
                if render:
                    _prepare_rendering(profile_ref)
            _run_pool(order, min(workers, len(cases)), cache_dir, profile_ref, as_of, bar, results, render)
    finally:
        bar.stop()
    return [results[n] for n, _ in cases]


def _run_pool(cases, workers, cache_dir, profile_ref, as_of, bar, results, render=()) -> None:
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    todo = list(cases)
    attempts: dict[str, int] = {}
    isolate = False
    while todo:
        retry: list[tuple[str, str]] = []
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=_mp_context(),
                                   initializer=_init_worker, initargs=(cache_dir, profile_ref, as_of, render))
        running: dict = {}
        queue = list(todo)
        try:
            while queue or running:
                # one case waiting per worker (no idle gap between cases), except when isolating
                # cases after a worker died: then only the case that runs may be lost
                while queue and len(running) < (2 * workers if isolate is False else workers):
                    name, path = queue.pop(0)
                    attempts[name] = attempts.get(name, 0) + 1
                    running[pool.submit(_worker_task, name, path)] = (name, path)
                bar.start()
                bar.update(len(results), [n for n, _ in list(running.values())[:workers]])
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for fut in done:
                    name, path = running.pop(fut)
                    try:
                        results[name] = fut.result()
                    except BrokenProcessPool:
                        retry.append((name, path))
                    except Exception as exc:  # noqa: BLE001
                        results[name] = CaseOutcome(name=name, path=path, error=f"{name}: 案件の確認中に予期しないエラーが起きました（{_unexpected(exc)}）。")
                if any(isinstance(f.exception(), BrokenProcessPool) for f in done if not f.cancelled()):
                    # a worker died: everything in flight is lost; retry it in a new pool
                    retry.extend(running.values())
                    retry.extend(queue)
                    running.clear()
                    queue.clear()
            bar.update(len(results), [])
        except KeyboardInterrupt:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        todo = []
        for name, path in retry:
            if attempts.get(name, 0) >= 2:
                results[name] = CaseOutcome(
                    name=name, path=path,
                    error=f"{name}: 案件の確認中に処理が異常終了しました（メモリ不足や壊れたファイルの可能性があります）。"
                          "この案件だけを itaku check で確認し、文書を保存し直してから再実行してください。")
            else:
                todo.append((name, path))
        if todo:
            workers = 1  # isolate the case that kills its worker
            isolate = True


# ----------------------------------------------------------------------------- outputs
def _placeholder(outcome: CaseOutcome):
    """A CaseResult standing for a case whose check failed: its documents, no statuses."""
    from checker.model import CaseResult

    return CaseResult(case=outcome.path, documents=tuple(outcome.documents), rules={}, findings=(), notes=())


def _status_value(s) -> str:
    return getattr(s, "value", s)


def rule_ids(outcomes: list[CaseOutcome], profile) -> list[str]:
    """The rules of the profile in its order (falling back to the order results give)."""
    ids: list[str] = []
    for o in outcomes:
        if o.result is not None and not o.error:
            for r in o.result.rules:
                if r not in ids:
                    ids.append(r)
    ordered = [r for r in _profile_rule_ids(profile) if r in ids] if profile is not None else []
    return ordered + [r for r in ids if r not in ordered]


def _rule_infos(profile) -> list:
    try:
        from checker.ruledocs import rule_infos

        return rule_infos(profile)
    except Exception:  # noqa: BLE001 - titles are a nicety; ids always work
        return []


def _profile_rule_ids(profile) -> list[str]:
    return [r.id for r in _rule_infos(profile) if getattr(r, "id", None)]


def rule_titles(profile) -> dict[str, str]:
    return {r.id: r.title for r in _rule_infos(profile) if getattr(r, "id", None) and getattr(r, "title", None)}


def _render_case(results, fmt: str, args, profile, outcome: CaseOutcome) -> str:
    from checker import report

    try:
        return report.render(results, fmt, as_of=args.as_of, redact=args.redact, profile=profile)
    except Exception as exc:  # noqa: BLE001 - one report that fails must not stop the others
        msg = outcome.error or f"{outcome.name}: 報告書を作成できませんでした（{_unexpected(exc)}）。"
        if fmt == "md":
            return f"# {outcome.name}\n\n{msg}\n"
        from markupsafe import escape

        return (f"<!doctype html><html lang=\"ja\"><meta charset=\"utf-8\"><title>{escape(outcome.name)}</title>"
                f"<h1>{escape(outcome.name)}</h1><p>{escape(msg)}</p></html>\n")


def _json_obj(outcomes: list[CaseOutcome], args, profile) -> dict:
    from checker import report

    results = [o.result for o in outcomes]
    try:
        obj = json.loads(report.render(results, "json", as_of=args.as_of, redact=args.redact, profile=profile))
    except Exception:  # noqa: BLE001 - fall back to the plain helper
        obj = report.to_json_obj(results, args.as_of)
    for o, c in zip(outcomes, obj.get("cases", [])):
        c["report"] = {"html": f"cases/{o.slug}.html", "md": f"cases/{o.slug}.md"}
        if o.error:
            c["error"] = {"code": "check_failed", "message": o.error}
    return obj


MANIFEST = ".itaku-batch.json"  # in OUT: what checklist.xlsx was made from (see _Writer)


class _Writer:
    """Writes the outputs atomically (checker.atomic), several at a time, and leaves a file
    alone when it already holds exactly the bytes to be written (a rerun where nothing
    changed rewrites nothing; a file edited or damaged since is rewritten).

    checklist.xlsx is not byte-stable (openpyxl stamps the time), so it is compared by what
    it is made from: a hash of the table, the checklist code and openpyxl's version, kept
    in OUT/.itaku-batch.json together with the sha256 of the file written then."""

    def __init__(self, out_dir: Path) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self.out_dir = out_dir
        self._pool = ThreadPoolExecutor(max_workers=4)  # fsync of one file waits for the disk; others go on
        self._futures = []
        self.written = self.kept = 0
        try:
            self.manifest = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
            if not isinstance(self.manifest, dict):
                self.manifest = {}
        except (OSError, ValueError):
            self.manifest = {}
        self._new_manifest: dict = {}

    @staticmethod
    def _same(path: Path, data: bytes) -> bool:
        try:
            if path.stat().st_size != len(data):
                return False
            return path.read_bytes() == data
        except OSError:
            return False

    def put(self, path: Path, data: bytes | str) -> None:
        if isinstance(data, str):
            data = data.encode("utf-8")
        if self._same(path, data):
            self.kept += 1
            return
        from checker.atomic import write_bytes_atomic

        self.written += 1
        self._futures.append(self._pool.submit(write_bytes_atomic, path, data))

    def put_derived(self, path: Path, key: str, make) -> None:
        """Write ``make()`` unless ``path`` is the file written last time from ``key``."""
        import hashlib

        rec = self.manifest.get(path.name)
        if isinstance(rec, dict) and rec.get("key") == key:
            try:
                if hashlib.sha256(path.read_bytes()).hexdigest() == rec.get("sha256"):
                    self.kept += 1
                    self._new_manifest[path.name] = rec
                    return
            except OSError:
                pass
        data = make()
        self._new_manifest[path.name] = {"key": key, "sha256": hashlib.sha256(data).hexdigest()}
        self.put(path, data)

    def close(self) -> None:
        try:
            for f in self._futures:
                f.result()  # an error writing a report is raised here
        finally:
            self._pool.shutdown(wait=True)
        if self._new_manifest != self.manifest:
            from checker.atomic import write_text_atomic

            write_text_atomic(self.out_dir / MANIFEST, json.dumps(self._new_manifest, ensure_ascii=False, indent=1))


def _table_key(table) -> str:
    """What checklist.xlsx depends on: the table, the checklist code, openpyxl's version."""
    import dataclasses
    import hashlib

    from checker import checklist
    from checker.cache import _lib_version

    h = hashlib.sha256()
    h.update(Path(checklist.__file__).read_bytes())
    h.update(f"openpyxl={_lib_version('openpyxl')}\0".encode())
    h.update(json.dumps(dataclasses.asdict(table) if dataclasses.is_dataclass(table) else repr(table),
                        ensure_ascii=False, default=repr, sort_keys=True).encode())
    return h.hexdigest()


def _xlsx(checklist, table) -> bytes:
    """checklist.to_xlsx without importing numpy: openpyxl imports it only to recognise
    numpy numbers, which a checklist never holds (0.06 s of a rerun's start)."""
    if "openpyxl" not in sys.modules and "numpy" not in sys.modules:
        sys.modules["numpy"] = None  # type: ignore[assignment]  # "not installed" for this import
        try:
            import openpyxl  # noqa: F401
        except ImportError:
            pass
        finally:
            if sys.modules.get("numpy", 0) is None:
                del sys.modules["numpy"]
    return checklist.to_xlsx(table)


def write_outputs(out_dir: Path, outcomes: list[CaseOutcome], args, profile) -> None:
    from checker import checklist

    slugs = unique_names([o.name for o in outcomes])
    for o, s in zip(outcomes, slugs):
        o.slug = s
        if o.result is None or o.error:
            o.result = _placeholder(o)
    cases_dir = out_dir / "cases"
    w = _Writer(out_dir)
    try:
        for o in outcomes:
            for fmt in ("html", "md"):
                text = o.reports.get(fmt)
                if text is None:
                    text = _render_case([o.result], fmt, args, profile, o)
                w.put(cases_dir / f"{o.slug}.{fmt}", text)
        ids = rule_ids(outcomes, profile)
        titles = rule_titles(profile)
        obj = _json_obj(outcomes, args, profile)
        w.put(out_dir / "results.json", json.dumps(obj, ensure_ascii=False, indent=2) + "\n")
        table = checklist.build(_redacted(outcomes) if args.redact else outcomes, ids, titles)
        w.put_derived(out_dir / "checklist.xlsx", _table_key(table), lambda: _xlsx(checklist, table))
        w.put(out_dir / "checklist.csv", checklist.to_csv(table))
        w.put(out_dir / "index.html", render_index(outcomes, ids, titles, args, profile))
    finally:
        w.close()


def _redacted(outcomes: list[CaseOutcome]) -> list[CaseOutcome]:
    """Copies whose results have personal data masked (for the checklist's messages)."""
    import copy

    from checker.report import redact_results

    out = []
    for o in outcomes:
        c = copy.copy(o)
        if not o.error:
            c.result = redact_results([o.result])[0]
        out.append(c)
    return out


def render_index(outcomes: list[CaseOutcome], ids: list[str], titles: dict[str, str], args, profile) -> str:
    from jinja2 import Environment, FileSystemLoader

    from checker.resources import data_dir

    order = sorted(outcomes, key=lambda o: (not o.broken, o.name))
    counts = {r: {k: 0 for k in ("ok", "flagged", "needs_review", "not_applicable", "error")} for r in ids}
    rows = []
    for o in order:
        cells = []
        rules = {} if o.error else {k: _status_value(v) for k, v in o.result.rules.items()}
        for r in ids:
            st = rules.get(r)
            if st is None:
                counts[r]["error"] += 1
                cells.append({"mark": ERROR_MARK if o.error else "", "status": "error" if o.error else "none",
                              "label": "確認できず" if o.error else "", "href": f"cases/{o.slug}.html"})
                continue
            counts[r]["flagged" if st in ("violation", "missing") else st] += 1
            cells.append({"mark": MARKS.get(st, "?"), "status": st, "label": STATUS_LABELS.get(st, st),
                          "href": f"cases/{o.slug}.html#c1-{r}"})  # the case report's rule section
        rows.append({
            "name": o.name, "href": f"cases/{o.slug}.html", "md": f"cases/{o.slug}.md", "cells": cells,
            "error": o.error, "documents": len(o.documents),
            "unreadable": [{"path": Path(d.path).name, "code": d.error.code, "label": ERROR_LABELS.get(d.error.code, d.error.code),
                            "message": d.error.message}
                           for d in o.unreadable],
        })
    env = Environment(loader=FileSystemLoader(str(data_dir("reports"))), autoescape=True,
                      trim_blocks=True, lstrip_blocks=True)
    tpl = env.get_template("batch_index.html.j2")
    return tpl.render(
        as_of=args.as_of.isoformat() if hasattr(args.as_of, "isoformat") else str(args.as_of),
        profile=getattr(profile, "name", None) or "",
        generated=dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        rules=[{"id": r, "title": titles.get(r, r), "counts": counts[r]} for r in ids],
        rows=rows, total=len(outcomes), broken=sum(o.broken for o in outcomes),
        flagged=sum(1 for o in outcomes if _flagged(o)), marks=MARKS, labels=STATUS_LABELS,
        redact=bool(args.redact),
    )


def _flagged(o: CaseOutcome) -> bool:
    if o.error:
        return True
    return bool(getattr(o.result, "exit_flagged", False))


def exit_status(outcomes: list[CaseOutcome]) -> int:
    """SPEC.md: 0 all ok / n.a. and all read; 1 anything flagged, unreadable or failed;
    2 when nothing could be read at all."""
    docs = [d for o in outcomes for d in o.documents]
    if not docs or all(getattr(d, "error", None) for d in docs):
        return EXIT_USAGE
    return EXIT_FLAGGED if any(_flagged(o) for o in outcomes) else EXIT_OK


def write_stats(path: Path, outcomes: list[CaseOutcome], workers: int, cache_dir: str | None,
                check_seconds: float, total_seconds: float) -> None:
    from checker.atomic import write_text_atomic

    obj = {"workers": workers, "cache": cache_dir, "check_seconds": round(check_seconds, 3),
           "total_seconds": round(total_seconds, 3),
           "cases": [{"name": o.name, "seconds": round(o.seconds, 3), "pid": o.pid, "peak_rss_kb": o.peak_rss_kb,
                      "cache_hits": o.cache_hits, "cache_misses": o.cache_misses, "model_loaded": o.model_loaded,
                      "error": o.error}
                     for o in outcomes]}
    write_text_atomic(path, json.dumps(obj, ensure_ascii=False, indent=1))


# ----------------------------------------------------------------------------- entry
def run_batch(args) -> int:
    root = Path(args.dir)
    if not root.is_dir():
        raise UsageError(f"{root}: フォルダが見つかりません。案件ごとのフォルダを入れたフォルダを指定してください。")
    out_dir = Path(args.out)
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"{out_dir}: ファイルが既にあります。--out には出力先のフォルダを指定してください。")
    workers = args.workers if args.workers is not None else (os.cpu_count() or 1)
    if workers < 1:
        raise UsageError(f"--workers {workers}: 1 以上の数を指定してください。")
    out_res = out_dir.resolve()
    if out_res == root.resolve() or root.resolve().is_relative_to(out_res):
        raise UsageError(f"{out_dir}: 出力先が案件のフォルダ {root} と重なっています。別のフォルダを --out に指定してください。")
    dirs = list_cases(root, out_dir)
    for d in dirs:
        if out_res.is_relative_to(d.resolve()):
            raise UsageError(f"{out_dir}: 出力先が案件 {d.name} のフォルダの中にあり、次回はその文書として読まれてしまいます。"
                             "案件のフォルダの外を --out に指定してください。")
    if not dirs:
        raise UsageError(f"{root}: 案件のフォルダがありません。案件ごとにサブフォルダを作り、文書を入れてください。")
    loose = [p.name for p in root.iterdir() if p.is_file() and not p.name.startswith(".")]
    if loose:
        print(f"itaku: {root} の直下のファイル（{'、'.join(sorted(loose)[:5])}{' …' if len(loose) > 5 else ''}）は"
              "どの案件にも属さないため確認しません。案件のフォルダに入れてください。", file=sys.stderr)
    from checker.profile import load_profile

    try:
        profile = load_profile(args.profile)
    except UsageError:
        raise
    except Exception as exc:  # noqa: BLE001 - a bad profile is a usage error
        which = f"プロファイル {args.profile}" if args.profile else "既定のルール"
        raise UsageError(f"{which}を読み込めません（{exc}）。名前又はファイル、ルールファイルの記述を確認してください。") from exc
    if args.redact:
        try:
            import checker.redact  # noqa: F401 - fail before the work, not after it
        except ImportError as exc:
            raise UsageError(f"--redact: 個人情報を伏せる機能を読み込めません（{exc}）。--redact を付けずに実行してください。") from exc
    cache_dir = None
    if not args.no_cache:
        from checker.cache import Cache, default_cache_dir

        cache_dir = str(Path(args.cache_dir) if args.cache_dir else default_cache_dir())
        probe = Cache(cache_dir)  # creates it, or sets a damaged file aside, before workers start
        if not probe.enabled:
            cache_dir = None
        probe.close()
    cases = [(p.name, str(p)) for p in dirs]
    tty = sys.stderr.isatty()
    t0 = time.perf_counter()
    outcomes = run_cases(cases, workers=workers, cache_dir=cache_dir, profile_ref=args.profile,
                         as_of=args.as_of, progress=tty, render=("html", "md") + (("redact",) if args.redact else ()))
    elapsed = time.perf_counter() - t0
    write_outputs(out_dir, outcomes, args, profile)
    code = exit_status(outcomes)
    stats = os.environ.get("ITAKU_BATCH_STATS")
    if stats:  # for benchmarks/bench_batch.py: per-case timing, cache use and worker memory
        write_stats(Path(stats), outcomes, workers, cache_dir, elapsed, time.perf_counter() - t0)
    for o in outcomes:
        if o.error:
            print(f"itaku: {o.error}", file=sys.stderr)
        for d in o.unreadable:
            print(f"itaku: {o.name}: {d.error.message}", file=sys.stderr)
    if tty:
        print(f"{len(outcomes)} 件の案件を {time.perf_counter() - t0:.1f} 秒で確認しました"
              f"（要対応 {sum(_flagged(o) for o in outcomes)} 件）: {out_dir / 'index.html'}", file=sys.stderr)
    return code
