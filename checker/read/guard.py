"""Read a document in a child process with resource limits.

A PDF or DOCX comes from many hands. pdfminer inflates every stream it reads in memory,
so a small file can ask for gigabytes (a decompression bomb), thousands of pages can take
hours, and a broken parser may crash. ``read_guarded`` runs ``read_document`` in a child
process forked from a small, fresh *forkserver* (never from the parent, which may hold
GiNZA), caps its address space (RLIMIT_AS) and CPU time (RLIMIT_CPU), and waits at most a
wall-clock timeout. Whatever happens, the caller gets a :class:`RawDocument`: the
reader's own result, or a ``too_large`` / ``damaged`` error with a Japanese message that
names the file and says what to do.

The result crosses back as JSON (plain data), never as a pickle: the child parses
hostile input, the parent never unpickles what it sends.

Limits come from arguments or the environment:

* ``ITAKU_READ_MEMORY_MB``  address-space limit of the child (default 1024)
* ``ITAKU_READ_CPU``        CPU seconds of the child (default 300)
* ``ITAKU_READ_TIMEOUT``    wall-clock seconds (default 300)
* ``ITAKU_MAX_BYTES``       files larger than this are not opened at all (``checker.limits``)
* ``ITAKU_GUARD``           ``0`` reads in-process (no child); ``all`` guards text files too

A dense 200-page PDF (685,000 characters, tables on every page) reads in about a minute
within 512 MB here; the defaults leave twice to five times that.
"""
from __future__ import annotations

import json
import os
import signal
import sys
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from checker.model import Block, DocError, RawDocument, RawPage

GUARDED_FORMATS = ("pdf", "docx")
_MAX_RESULT_BYTES = 512 * 1024 * 1024


def _env_num(name: str, default: float) -> float:
    v = os.environ.get(name)
    if v is None or not v.strip():
        return default
    try:
        return float(v)
    except ValueError:
        return default


@dataclass(frozen=True)
class GuardLimits:
    """Resource limits of one guarded read."""

    memory_mb: int = 1024
    cpu_seconds: int = 300
    timeout_seconds: float = 300.0

    @classmethod
    def from_env(cls, **overrides) -> "GuardLimits":
        d = cls()
        vals = {
            "memory_mb": int(_env_num("ITAKU_READ_MEMORY_MB", d.memory_mb)),
            "cpu_seconds": int(_env_num("ITAKU_READ_CPU", d.cpu_seconds)),
            "timeout_seconds": _env_num("ITAKU_READ_TIMEOUT", d.timeout_seconds),
        }
        vals.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**vals)


def _coerce_limits(limits) -> GuardLimits:
    """Accept a GuardLimits, None (environment) or any object with the same attributes
    (for example a per-document limits object of ``checker.limits``)."""
    if isinstance(limits, GuardLimits):
        return limits
    if limits is None:
        return GuardLimits.from_env()
    over = {}
    for name, alts in (("memory_mb", ("memory_mb", "max_memory_mb")),
                       ("cpu_seconds", ("cpu_seconds", "max_cpu_seconds")),
                       ("timeout_seconds", ("timeout_seconds", "max_seconds", "timeout"))):
        for a in alts:
            v = getattr(limits, a, None)
            if isinstance(v, (int, float)) and v > 0:
                over[name] = type(getattr(GuardLimits, name))(v)
                break
    return GuardLimits.from_env(**over)


# --------------------------------------------------------------------------- plain data
def raw_to_plain(raw: RawDocument) -> dict:
    return asdict(raw)


def _tuplify(v):
    if isinstance(v, list):
        return tuple(_tuplify(x) for x in v)
    return v


def _known(cls, d: dict) -> dict:
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in d.items() if k in names}


def raw_from_plain(d: dict) -> RawDocument:
    pages = []
    for p in d.get("pages") or ():
        blocks = tuple(Block(**{k: _tuplify(v) for k, v in _known(Block, b).items()}) for b in p.get("blocks") or ())
        pd = {k: _tuplify(v) for k, v in _known(RawPage, p).items() if k != "blocks"}
        pages.append(RawPage(blocks=blocks, **pd))
    err = d.get("error")
    rest = {k: _tuplify(v) for k, v in _known(RawDocument, d).items() if k not in ("pages", "error")}
    return RawDocument(pages=tuple(pages), error=DocError(**_known(DocError, err)) if err else None, **rest)


# --------------------------------------------------------------------------- the child
def _child_main(conn, path: str, memory_mb: int, cpu_seconds: int, reader: str, extra_path: list[str],
                env: dict | None = None, cwd: str | None = None) -> None:
    """Runs in the child: limit ourselves, read, send JSON back."""
    if cwd:
        try:
            os.chdir(cwd)  # a relative path means what it means to the caller
        except OSError:
            pass
    if env is not None:
        # the forkserver's environment is the one it started with: take the caller's
        # ITAKU_* settings (per-document limits of checker.limits) as they are now
        for k in [k for k in os.environ if k.startswith("ITAKU_")]:
            del os.environ[k]
        os.environ.update(env)
    try:
        import resource
    except ImportError:  # pragma: no cover - not POSIX (Windows): the wall-clock timeout still holds
        resource = None
    if resource is not None:
        try:
            if memory_mb > 0:
                lim = memory_mb * 1024 * 1024
                resource.setrlimit(resource.RLIMIT_AS, (lim, lim))
            if cpu_seconds > 0:
                # SIGXCPU at the soft limit (default action: terminate), SIGKILL at the hard one
                resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        except (ValueError, OSError):
            pass
    for p in reversed(extra_path):
        if p not in sys.path:
            sys.path.insert(0, p)
    try:
        _send_payload(conn, _read_payload(reader, path, memory_mb, with_rss=False))
    finally:
        conn.close()


def _read_payload(reader: str, path, memory_mb: int, *, with_rss: bool) -> bytes:
    """Read one document in this (guarded) child and encode the verdict for the parent."""
    try:
        mod_name, _, func_name = reader.partition(":")
        import importlib

        func = getattr(importlib.import_module(mod_name), func_name)
        raw = func(path)
        if (raw.error is not None and raw.error.code == "damaged" and memory_mb > 0
                and _peak_rss() >= memory_mb * 1024 * 1024 * 0.4):
            # the reader caught a MemoryError (pdfminer wraps it) and called the file damaged
            raise MemoryError
        out = {"ok": raw_to_plain(raw)}
        del raw
        if with_rss:
            out["rss"] = _rss_bytes()
        return json.dumps(out, ensure_ascii=False).encode("utf-8")
    except MemoryError:
        return b'{"memory": true}'
    except RecursionError:
        return b'{"recursion": true}'
    except BaseException as exc:  # noqa: BLE001 - anything else is a damaged file
        try:
            return json.dumps({"exception": type(exc).__name__}).encode()
        except MemoryError:
            return b'{"memory": true}'


def _send_payload(conn, payload: bytes) -> None:
    try:
        conn.send_bytes(payload)
    except MemoryError:
        conn.send_bytes(b'{"memory": true}')


def _peak_rss() -> int:
    try:
        import resource
    except ImportError:  # pragma: no cover - not POSIX
        return 0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KB


_ctx = None
READER_MODULES = ("checker.read", "checker.read.guard", "checker.read.pdf", "checker.read.docx", "checker.read.txt",
                  "pdfplumber", "pdfminer.high_level", "pdfminer.pdfpage", "docx", "charset_normalizer")


def preload_readers() -> None:
    """Import the readers and their libraries in this process (what the forkserver
    preloads), so that a session's child forked from here starts with them."""
    import importlib

    for name in READER_MODULES:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a missing library is the reader's to report
            pass


def _vm_bytes() -> int:
    try:
        with open("/proc/self/statm", "rb") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, AttributeError):
        return 1 << 62


def _can_fork_here(memory_mb: int | None = None) -> bool:
    """Whether a session's child may be forked from this very process: Linux, one thread
    (a fork copies no other thread's locks), no language model, and a small address space
    (what the child inherits counts against its limit: at most a quarter of it)."""
    import multiprocessing as mp
    import threading

    if memory_mb is None:
        memory_mb = GuardLimits.from_env().memory_mb
    small = memory_mb <= 0 or _vm_bytes() <= memory_mb * 1024 * 1024 // 4
    return (sys.platform.startswith("linux") and "fork" in mp.get_all_start_methods()
            and threading.active_count() == 1 and "spacy" not in sys.modules and "torch" not in sys.modules and small)


def _close_inherited_fds(keep: set[int]) -> None:
    """In a child forked from a batch worker: drop the worker's open files (the cache
    database, outputs) so that the reader never holds them."""
    try:
        fds = [int(x) for x in os.listdir("/proc/self/fd")]
    except (OSError, ValueError):
        return
    for fd in fds:
        if fd > 2 and fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass


def _context():
    """The forkserver context, its server preloaded with the readers (started once)."""
    global _ctx
    if _ctx is None:
        import multiprocessing as mp

        try:
            ctx = mp.get_context("forkserver")
            # the server imports the readers once; each child is a cheap fork of it.
            # Failed imports are ignored by multiprocessing.
            # The readers import their libraries lazily, so the libraries are named too:
            # without them every child imported pdfplumber again (benchmarks/RESULTS.md:
            # 5.4 -> 3.3 s CPU for 58 PDFs).
            ctx.set_forkserver_preload(list(READER_MODULES))
        except ValueError:  # pragma: no cover - no forkserver on this platform (Windows)
            ctx = mp.get_context("spawn")
        _ctx = ctx
    return _ctx


# --------------------------------------------------------------------------- a reader session
def _rss_bytes() -> int:
    try:
        with open("/proc/self/statm", "rb") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, AttributeError):
        return 0


def _session_main(conn, memory_mb: int, extra_path: list[str], forked: bool = False) -> None:
    """Runs in a session's child: the same limits as :func:`_child_main`, but reads one
    document per request until the parent closes the pipe. CPU time is limited per
    document (the soft RLIMIT_CPU is moved on before each read); the wall-clock timeout
    is the parent's. A reader that raises, runs out of memory or recurses too deep is
    answered as in a single-document child; the parent then re-reads that document in a
    fresh child (its verdict must not depend on what this process read before)."""
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; it ends us
    except (ValueError, OSError):
        pass
    if forked:
        _close_inherited_fds({conn.fileno()})
    try:
        import resource
    except ImportError:  # pragma: no cover - not POSIX
        resource = None
    if resource is not None:
        try:
            if memory_mb > 0:
                lim = memory_mb * 1024 * 1024
                resource.setrlimit(resource.RLIMIT_AS, (lim, lim))
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        except (ValueError, OSError):
            pass
    for p in reversed(extra_path):
        if p not in sys.path:
            sys.path.insert(0, p)
    import importlib

    base_env = {k: v for k, v in os.environ.items() if k.startswith("ITAKU_")}
    while True:
        try:
            req = json.loads(conn.recv_bytes(1 << 20))
        except (EOFError, OSError, ValueError):
            break
        if not isinstance(req, dict) or "path" not in req:
            break
        cwd, env = req.get("cwd"), req.get("env")
        if cwd:
            try:
                os.chdir(cwd)
            except OSError:
                pass
        if isinstance(env, dict):
            for k in [k for k in os.environ if k.startswith("ITAKU_")]:
                del os.environ[k]
            os.environ.update(env)
        else:
            os.environ.update(base_env)
        cpu = int(req.get("cpu_seconds") or 0)
        if resource is not None and cpu > 0:
            try:
                ru = resource.getrusage(resource.RUSAGE_SELF)
                used = int(ru.ru_utime + ru.ru_stime) + 1
                hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
                soft = used + cpu if hard == resource.RLIM_INFINITY else min(used + cpu, hard)
                resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))  # SIGXCPU ends this process
            except (ValueError, OSError):
                pass
        # a "memory" verdict here may be pdfminer wrapping a MemoryError: decided in a fresh child
        payload = _read_payload(str(req.get("reader") or "checker.read:read_document"), req["path"],
                                memory_mb, with_rss=True)
        _send_payload(conn, payload)
        del payload
    conn.close()


class ReaderSession:
    """One guarded reader process for many documents, read one at a time.

    A fresh child per document (:func:`_run_child`) costs a fork, the loss of pdfminer's
    font-map caches and process start-up and exit: about 20 ms a PDF. A session keeps one
    child, forked from the same preloaded forkserver with the same address-space limit,
    and sends it one path at a time; CPU time and wall-clock time stay limited per
    document. Because documents go one at a time, a document that kills the child or
    exceeds a limit is known exactly:

    * wall-clock timeout, CPU limit, an over-long result: the document's own error, as in
      a fresh child (these limits are measured per document);
    * anything else (crash, out of memory, an exception escaping the reader, deep
      recursion): the session's child is ended and that document is read again in a
      fresh child of its own (:func:`_run_child`), whose verdict stands, so it never
      depends on what was read before it.

    The next document starts a new child. After ``max_failures`` such failures the
    session stops and every further document gets a fresh child. The child is also
    replaced after ``max_documents`` documents or when its memory grew past
    ``recycle_fraction`` of the limit.
    """

    def __init__(self, *, max_documents: int = 200, recycle_fraction: float = 0.35, max_failures: int = 5) -> None:
        self.max_documents = max_documents
        self.recycle_fraction = recycle_fraction
        self.max_failures = max_failures
        self.failures = 0
        self.documents = 0
        self.children = 0
        self._proc = None
        self._conn = None
        self._memory_mb: int | None = None
        self._count = 0
        self._recycle = False

    # -- the child
    def start(self, memory_mb: int | None = None) -> bool:
        """Start the child now (a batch worker does, before any thread or model exists)."""
        if self._proc is None:
            return self._start(GuardLimits.from_env().memory_mb if memory_mb is None else memory_mb)
        return True

    def _start(self, memory_mb: int) -> bool:
        import multiprocessing as mp

        # forked from this process when that is clean (no thread, no model: a batch worker
        # at its start, the readers preloaded), else from the guard's forkserver
        forked = _can_fork_here(memory_mb)
        if forked:
            preload_readers()  # in this process, once: the child (and any later one) inherits them
        ctx = mp.get_context("fork") if forked else _context()
        parent, child = ctx.Pipe(duplex=True)
        proc = ctx.Process(target=_session_main, args=(child, memory_mb, list(sys.path), forked),
                           name="itaku-read-session", daemon=True)
        cfg = mp.current_process()._config  # type: ignore[attr-defined]
        was_daemon = cfg.get("daemon")
        try:
            if was_daemon:
                cfg["daemon"] = False  # see _run_child
            proc.start()
        except Exception:  # noqa: BLE001 - the caller falls back to a child per document
            parent.close()
            child.close()
            return False
        finally:
            if was_daemon:
                cfg["daemon"] = was_daemon
        child.close()
        self._proc, self._conn, self._memory_mb, self._count, self._recycle = proc, parent, memory_mb, 0, False
        self.children += 1
        return True

    def _stop(self) -> None:
        conn, proc = self._conn, self._proc
        self._conn = self._proc = None
        if conn is not None:
            try:
                conn.close()  # the child sees EOF and ends
            except OSError:
                pass
        if proc is not None:
            # poll rather than join(timeout): a child forked from this process closed its
            # inherited files, the end of the pipe multiprocessing's join() watches among them
            deadline = time.monotonic() + 2
            while proc.is_alive() and time.monotonic() < deadline:
                time.sleep(0.005)
            if proc.is_alive():
                proc.kill()
            proc.join()

    def _kill(self) -> int | None:
        proc = self._proc
        if proc is not None and proc.is_alive():
            proc.kill()
        if proc is not None:
            proc.join()  # killed: returns at once
        code = proc.exitcode if proc is not None else None
        if self._conn is not None:
            try:
                self._conn.close()
            except OSError:
                pass
        self._conn = self._proc = None
        return code

    def close(self) -> None:
        self._stop()

    # -- reading
    def read(self, p: Path, fmt: str, lim: GuardLimits, reader: str) -> RawDocument | None:
        """The document read by the session's child, or None: read it in a fresh child."""
        if self.failures >= self.max_failures:
            return None
        if self._proc is not None and (self._memory_mb != lim.memory_mb or self._recycle or not self._proc.is_alive()
                                       or self._count >= self.max_documents):
            self._stop()
        if self._proc is None and not self._start(lim.memory_mb):
            return None
        env = {k: v for k, v in os.environ.items() if k.startswith("ITAKU_")}
        req = json.dumps({"path": str(p), "cpu_seconds": lim.cpu_seconds, "reader": reader, "env": env, "cwd": _cwd()},
                         ensure_ascii=False).encode("utf-8")
        self._count += 1
        self.documents += 1
        try:
            self._conn.send_bytes(req)
        except (OSError, ValueError):
            self._kill()
            return None  # the child was gone before it read anything: a fresh child reads it
        deadline = time.monotonic() + lim.timeout_seconds
        payload: bytes | None = None
        timed_out = too_big = False
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                timed_out = True
                break
            try:
                if self._conn.poll(min(left, 1.0)):
                    payload = self._conn.recv_bytes(_MAX_RESULT_BYTES)
                    break
            except EOFError:
                break  # the child died
            except OSError:
                too_big = True
                break
            if not self._proc.is_alive() and not self._conn.poll(0):
                break
        if timed_out:
            self._kill()
            return RawDocument(path=str(p), format=fmt, sha256="",
                               error=_too_large(p, f"読み込みに時間がかかりすぎた（{lim.timeout_seconds:.0f}秒、環境変数 ITAKU_READ_TIMEOUT）"))
        if too_big:
            self._kill()
            return RawDocument(path=str(p), format=fmt, sha256="", error=_too_large(p, "読み取った文字量が多すぎる"))
        if payload is None:
            code = self._kill()
            if code is not None and code == -getattr(signal, "SIGXCPU", 24):
                return RawDocument(path=str(p), format=fmt, sha256="",
                                   error=_too_large(p, f"読み込みの処理量が多すぎる（CPU時間{lim.cpu_seconds}秒、環境変数 ITAKU_READ_CPU）"))
            self.failures += 1
            return None  # crashed or killed for memory: a fresh child of its own decides
        try:
            msg = json.loads(payload.decode("utf-8"))
        except (ValueError, UnicodeDecodeError, MemoryError):
            msg = None
        del payload
        if not isinstance(msg, dict) or "ok" not in msg:
            self.failures += 1
            self._kill()  # its memory or state is suspect after this
            return None
        rss = msg.get("rss") or 0
        if lim.memory_mb > 0 and rss > lim.memory_mb * 1024 * 1024 * self.recycle_fraction:
            self._recycle = True
        try:
            return raw_from_plain(msg["ok"])
        except Exception:  # noqa: BLE001
            return RawDocument(path=str(p), format=fmt, sha256="", error=_damaged(p, "読み込み結果を受け取れなかった"))


_SESSION: ReaderSession | None = None


class reader_session:
    """``with reader_session(): ...``: guarded reads of this process (every thread) go to
    one :class:`ReaderSession` until the block ends. Nested uses share the outer one."""

    def __init__(self, **kwargs) -> None:
        self.kwargs = kwargs
        self.session: ReaderSession | None = None
        self._outer = None

    def __enter__(self) -> ReaderSession:
        global _SESSION
        self._outer = _SESSION
        if _SESSION is None:
            self.session = ReaderSession(**self.kwargs)
            _SESSION = self.session
        return _SESSION

    def __exit__(self, *exc) -> None:
        global _SESSION
        if self.session is not None:
            _SESSION = self._outer
            self.session.close()


def open_session(*, start: bool = False, **kwargs) -> ReaderSession:
    """Start a session for the rest of this process (a batch worker): closed at exit.
    ``start``: preload the readers and start the child now, forked from this process
    while it is clean (else at the first read, from the forkserver)."""
    global _SESSION
    if _SESSION is None:
        _SESSION = ReaderSession(**kwargs)
        from multiprocessing import util

        util.Finalize(_SESSION, _SESSION.close, exitpriority=10)
    if start and _guard_mode() not in ("0", "off", "no", "false") and _can_fork_here():
        _SESSION.start()
    return _SESSION


def close_session() -> None:
    global _SESSION
    s, _SESSION = _SESSION, None
    if s is not None:
        s.close()


# --------------------------------------------------------------------------- messages
def _too_large(p: Path, what: str) -> DocError:
    return DocError("too_large", f"{p.name}: {what}ため、読み込みを中止しました。"
                                 "ファイルを分割するか、不要なページや添付を除いたPDFを作り直して提出してください。")


def _damaged(p: Path, what: str) -> DocError:
    return DocError("damaged", f"{p.name}: {what}ため、読み込めませんでした。"
                               "ファイルが壊れている可能性があります。作成元のアプリケーションでPDF又はDOCXに保存し直してください。")


def _sniff(p: Path) -> str:
    from checker.read import sniff_format

    try:
        with open(p, "rb") as fh:
            head = fh.read(8)
    except OSError:
        head = b""
    return sniff_format(p, head)


def _guard_mode() -> str:
    return os.environ.get("ITAKU_GUARD", "1").strip().lower()


def read_guarded(path: str | Path, limits=None, *, reader: str = "checker.read:read_document",
                 force: bool = False) -> RawDocument:
    """Read ``path`` like :func:`checker.read.read_document`, bounded in memory and time.

    PDFs and DOCX files are read in a child process (``ITAKU_GUARD=0`` reads everything
    in-process, ``ITAKU_GUARD=all`` guards every format; ``force=True`` guards this one).
    Never raises for a bad file.
    """
    p = Path(path)
    lim = _coerce_limits(limits)
    mode = _guard_mode()
    fmt = _sniff(p)
    guarded = force or mode == "all" or (mode not in ("0", "off", "no", "false") and fmt in GUARDED_FORMATS)
    try:
        size = p.stat().st_size
    except OSError:
        size = 0
    from checker.limits import get_limits, human_bytes, too_large_message

    max_bytes = get_limits().max_bytes
    if size > max_bytes:  # not even read into memory
        return RawDocument(path=str(p), format=fmt, sha256="", error=DocError(
            "too_large", too_large_message(p.name, "ファイルの大きさ", human_bytes(size), human_bytes(max_bytes),
                                           "ITAKU_MAX_BYTES")))
    if not guarded:
        mod_name, _, func_name = reader.partition(":")
        import importlib

        return getattr(importlib.import_module(mod_name), func_name)(p)
    if _SESSION is not None:
        raw = _SESSION.read(p, fmt, lim, reader)
        if raw is not None:
            return raw
    return _run_child(p, fmt, lim, reader)


def _cwd() -> str | None:
    try:
        return os.getcwd()
    except OSError:
        return None


def _run_child(p: Path, fmt: str, lim: GuardLimits, reader: str) -> RawDocument:
    import multiprocessing as mp

    ctx = _context()
    recv, send = ctx.Pipe(duplex=False)
    env = {k: v for k, v in os.environ.items() if k.startswith("ITAKU_")}
    proc = ctx.Process(target=_child_main, args=(send, str(p), lim.memory_mb, lim.cpu_seconds, reader, list(sys.path), env,
                                                        _cwd()),
                       name="itaku-read", daemon=False)
    # a batch worker may itself be a daemonic pool process, which multiprocessing forbids
    # to have children; ours is short-lived and always reaped below.
    cfg = mp.current_process()._config  # type: ignore[attr-defined]
    was_daemon = cfg.get("daemon")
    try:
        if was_daemon:
            cfg["daemon"] = False
        proc.start()
    except Exception as exc:  # cannot start a child at all: read in-process rather than not at all
        recv.close()
        send.close()
        import importlib

        mod_name, _, func_name = reader.partition(":")
        try:
            return getattr(importlib.import_module(mod_name), func_name)(p)
        except Exception:
            return RawDocument(path=str(p), format=fmt, sha256="",
                               error=_damaged(p, f"読み込み処理を開始できなかった（{type(exc).__name__}）"))
    finally:
        if was_daemon:
            cfg["daemon"] = was_daemon
    send.close()
    deadline = time.monotonic() + lim.timeout_seconds
    payload: bytes | None = None
    timed_out = False
    too_big = False
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                timed_out = True
                break
            if recv.poll(min(left, 1.0)):
                try:
                    payload = recv.recv_bytes(_MAX_RESULT_BYTES)
                except EOFError:
                    payload = None  # the child died without answering
                except OSError:
                    too_big = True  # message longer than the cap
                break
            if not proc.is_alive() and not recv.poll(0):
                break
    finally:
        recv.close()
        if proc.is_alive():
            proc.kill()
        proc.join(10)
    if timed_out:
        return RawDocument(path=str(p), format=fmt, sha256="",
                           error=_too_large(p, f"読み込みに時間がかかりすぎた（{lim.timeout_seconds:.0f}秒、環境変数 ITAKU_READ_TIMEOUT）"))
    if too_big:
        return RawDocument(path=str(p), format=fmt, sha256="",
                           error=_too_large(p, "読み取った文字量が多すぎる"))
    if payload is None:
        code = proc.exitcode
        if code is not None and code == -getattr(signal, "SIGXCPU", 24):
            return RawDocument(path=str(p), format=fmt, sha256="",
                               error=_too_large(p, f"読み込みの処理量が多すぎる（CPU時間{lim.cpu_seconds}秒、環境変数 ITAKU_READ_CPU）"))
        if code is not None and code == -getattr(signal, "SIGKILL", 9):  # CPU hard limit or the system's OOM killer
            return RawDocument(path=str(p), format=fmt, sha256="",
                               error=_too_large(p, f"読み込みに必要なメモリ又は処理量が上限（{lim.memory_mb}MB、CPU時間{lim.cpu_seconds}秒）を超えた"))
        return RawDocument(path=str(p), format=fmt, sha256="",
                           error=_damaged(p, f"読み込み中に処理が異常終了した（終了コード{code}）"))
    try:
        msg = json.loads(payload.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, MemoryError):
        return RawDocument(path=str(p), format=fmt, sha256="", error=_damaged(p, "読み込み結果を受け取れなかった"))
    del payload
    if msg.get("memory"):
        return RawDocument(path=str(p), format=fmt, sha256="",
                           error=_too_large(p, f"読み込みに必要なメモリが上限（{lim.memory_mb}MB、環境変数 ITAKU_READ_MEMORY_MB）を超えた"
                                                  "（圧縮されたデータが極端に大きく展開される等）"))
    if msg.get("recursion"):
        return RawDocument(path=str(p), format=fmt, sha256="",
                           error=_damaged(p, "構造の入れ子が深すぎる又は循環している"))
    if "exception" in msg:
        return RawDocument(path=str(p), format=fmt, sha256="",
                           error=_damaged(p, f"読み込み中にエラーが起きた（{msg['exception']}）"))
    try:
        return raw_from_plain(msg["ok"])
    except Exception:
        return RawDocument(path=str(p), format=fmt, sha256="", error=_damaged(p, "読み込み結果を受け取れなかった"))


__all__ = ["GuardLimits", "read_guarded", "raw_to_plain", "raw_from_plain", "GUARDED_FORMATS", "ReaderSession",
           "reader_session", "open_session", "close_session", "preload_readers"]
