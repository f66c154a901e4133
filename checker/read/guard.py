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
        mod_name, _, func_name = reader.partition(":")
        import importlib

        func = getattr(importlib.import_module(mod_name), func_name)
        raw = func(path)
        if (raw.error is not None and raw.error.code == "damaged" and memory_mb > 0
                and _peak_rss() >= memory_mb * 1024 * 1024 * 0.4):
            # the reader caught a MemoryError (pdfminer wraps it) and called the file damaged
            raise MemoryError
        payload = json.dumps({"ok": raw_to_plain(raw)}, ensure_ascii=False).encode("utf-8")
    except MemoryError:
        payload = b'{"memory": true}'
    except RecursionError:
        payload = b'{"recursion": true}'
    except BaseException as exc:  # noqa: BLE001 - anything else is a damaged file
        try:
            payload = json.dumps({"exception": type(exc).__name__}).encode()
        except MemoryError:
            payload = b'{"memory": true}'
    try:
        conn.send_bytes(payload)
    except MemoryError:
        conn.send_bytes(b'{"memory": true}')
    finally:
        conn.close()


def _peak_rss() -> int:
    try:
        import resource
    except ImportError:  # pragma: no cover - not POSIX
        return 0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KB


_ctx = None


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
            ctx.set_forkserver_preload(["checker.read", "checker.read.guard", "checker.read.pdf",
                                        "checker.read.docx", "checker.read.txt",
                                        "pdfplumber", "pdfminer.high_level", "pdfminer.pdfpage",
                                        "docx", "charset_normalizer"])
        except ValueError:  # pragma: no cover - no forkserver on this platform (Windows)
            ctx = mp.get_context("spawn")
        _ctx = ctx
    return _ctx


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


__all__ = ["GuardLimits", "read_guarded", "raw_to_plain", "raw_from_plain", "GUARDED_FORMATS"]
