"""A content-addressed cache of what reading and language analysis produced.

Two kinds of entries, both keyed so that they can never be handed back stale:

* **documents**: the structured :class:`~checker.model.Document` of one file, keyed by the
  sha256 of the file's bytes, the file's path (messages name the file), the program's
  version and a hash of the source code of everything upstream of the rules (readers,
  normalisation, structure, dates, kinds, the model, the NLP layer) plus the versions of the
  libraries that read (pdfplumber, python-docx, spaCy, GiNZA). Rules and profiles do not
  enter: a Document does not depend on them.
* **parses**: per-sentence GiNZA parses (spaCy ``Doc`` bytes) handed to
  :data:`checker.nlp.CACHE`; keyed by the sentence text, the model's name (in the key
  ``checker.nlp`` makes) and the model's and spaCy's versions (added here). Rules cannot
  make a parse stale.

Storage is one SQLite file (WAL mode, safe for several worker processes). Values are
never unpickled from disk: a Document is stored as tagged JSON of the model's own
dataclasses, compressed, with a sha256 of the payload. An entry that fails its check or
does not decode is ignored (and dropped), never fatal; a cache file that is not a
database is moved aside and a new one started.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import sqlite3
import sys
import time
import zlib
from collections.abc import MutableMapping
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

CACHE_FILE = "itaku-cache.sqlite3"
SCHEMA = 1

# Modules downstream of the Document: their code cannot change what a Document holds, so
# they stay out of the code hash (editing a rule or a report keeps the cache warm).
# Anything not listed here (including modules added later) counts as upstream: the cache
# may be invalidated more often than needed, never less.
_DOWNSTREAM = frozenset({
    "api.py", "batch.py", "cache.py", "checklist.py", "cli.py", "commands.py", "engine.py",
    "extract.py", "history.py", "matchers.py", "profile.py", "report.py", "rulebook.py",
    "redact.py", "resources.py", "atomic.py", "__main__.py",
})
_DOWNSTREAM_DIRS = frozenset({"web", "rules", "reports", "profiles"})
_LIBRARIES = ("pdfplumber", "pdfminer.six", "python-docx", "charset-normalizer", "spacy", "ginza", "ja-ginza")


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/itaku`` or ``~/.cache/itaku``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "itaku"


def _lib_version(name: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "-"


@lru_cache(maxsize=1)
def code_version() -> str:
    """A hash of the program version, the upstream source code and the reading libraries."""
    from checker import __version__

    h = hashlib.sha256(f"itaku {__version__} cache-schema {SCHEMA}\n".encode())
    pkg = Path(__file__).resolve().parent
    for p in sorted(pkg.rglob("*.py")):
        rel = p.relative_to(pkg)
        if rel.parts[0] in _DOWNSTREAM_DIRS or (len(rel.parts) == 1 and rel.name in _DOWNSTREAM):
            continue
        h.update(str(rel).encode() + b"\0")
        h.update(p.read_bytes())
        h.update(b"\0")
    for lib in _LIBRARIES:
        h.update(f"{lib}={_lib_version(lib)}\n".encode())
    return h.hexdigest()[:32]


@lru_cache(maxsize=1)
def parse_version() -> str:
    """What a cached parse depends on besides the sentence: the model and spaCy versions."""
    return f"ja-ginza={_lib_version('ja-ginza')};ginza={_lib_version('ginza')};spacy={_lib_version('spacy')}"


def _limits_in_force() -> str:
    """The reading limits (ITAKU_MAX_*, ITAKU_READ_*, ITAKU_GUARD): a document read under
    other limits may have another verdict (too_large), so they are part of its key."""
    env = {k: v for k, v in os.environ.items()
           if k.startswith(("ITAKU_MAX_", "ITAKU_READ_")) or k == "ITAKU_GUARD"}
    return json.dumps(env, sort_keys=True)


def document_key(file_sha256: str, path: str) -> str:
    return hashlib.sha256(f"doc\0{code_version()}\0{_limits_in_force()}\0{file_sha256}\0{path}".encode()).hexdigest()


# Document errors that the file's bytes alone decide. Others (too_large: a limit, a
# timeout on a busy machine; damaged: perhaps a crash of the reader) are not cached, so
# a rerun reads the file again rather than repeat a verdict the situation may have made.
CACHEABLE_ERRORS = frozenset({"encrypted", "image_only", "unsupported_type", "empty"})


def cacheable_document(doc) -> bool:
    err = getattr(doc, "error", None)
    return err is None or getattr(err, "code", None) in CACHEABLE_ERRORS


_OUTPUT_LIBRARIES = ("jinja2", "markupsafe", "openpyxl", "pyyaml")


def _hash_tree(h, root: Path, label: str) -> None:
    root = Path(root)
    if root.is_file():
        h.update(f"{label}\0".encode() + root.read_bytes() + b"\0")
        return
    if not root.is_dir():
        h.update(f"{label}: missing\0".encode())
        return
    for p in sorted(root.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc":
            h.update(f"{label}/{p.relative_to(root).as_posix()}\0".encode())
            h.update(p.read_bytes())
            h.update(b"\0")


@lru_cache(maxsize=1)
def program_version() -> str:
    """A hash of everything a case's result and reports are made by: the whole program
    (every file of the package, not only the upstream part), the shipped rules, report
    templates and profiles, and the versions of the libraries that read, parse and render."""
    from checker.resources import data_dir

    h = hashlib.sha256(f"program {code_version()}\0".encode())
    _hash_tree(h, Path(__file__).resolve().parent, "checker")
    for name in ("rules", "reports", "profiles"):
        try:
            _hash_tree(h, data_dir(name), name)
        except (OSError, ValueError):
            h.update(f"{name}: unavailable\0".encode())
    for lib in _OUTPUT_LIBRARIES:
        h.update(f"{lib}={_lib_version(lib)}\n".encode())
    return h.hexdigest()[:32]


def profile_fingerprint(profile) -> str:
    """What the profile is built from besides the shipped rules (in program_version): its
    TOML file, its own rule folders and its standard special provisions."""
    h = hashlib.sha256(f"profile {getattr(profile, 'name', None)!r}\0".encode())
    src = getattr(profile, "source", None)
    paths = [Path(src)] if src else []
    paths += [Path(d) for d in (getattr(profile, "local_dirs", None) or ())]
    std = getattr(profile, "standard", None)
    if std:
        paths.append(Path(std))
    for p in paths:
        try:
            _hash_tree(h, p, str(p))
        except OSError:
            h.update(f"{p}: unreadable\0".encode())
    return h.hexdigest()


def case_key(case_dir: Path, context: str) -> str | None:
    """The key of a checked case: ``context`` (program, profile, as-of date, options) and
    every file under the case folder (its path and the sha256 of its bytes; hidden files
    and waivers included). None when a file cannot be read."""
    root = Path(case_dir)
    h = hashlib.sha256(f"case\0{context}\0{_limits_in_force()}\0{root}\0".encode())
    try:
        for p in sorted(root.rglob("*")):
            if p.is_file() or p.is_symlink():
                h.update(p.relative_to(root).as_posix().encode() + b"\0")
                h.update(hashlib.sha256(p.read_bytes()).digest())
    except OSError:
        return None
    return h.hexdigest()


def encode_value(value) -> bytes:
    """Tagged JSON (model dataclasses), compressed, sealed with its sha256."""
    return _seal(zlib.compress(json.dumps(_enc(value), ensure_ascii=False, separators=(",", ":")).encode(), 3))


def decode_value(blob: bytes):
    """The value of :func:`encode_value`; ValueError when damaged or not decodable."""
    data = _unseal(blob)
    if data is None:
        raise ValueError("cache entry checksum mismatch")
    try:
        return _dec(json.loads(zlib.decompress(data)), _model_classes())
    except Exception as exc:  # noqa: BLE001
        raise ValueError(f"cache entry undecodable: {exc}") from exc


# ----------------------------------------------------------------------------- codec
@lru_cache(maxsize=1)
def _model_classes() -> dict[str, type]:
    from checker import model

    return {name: obj for name, obj in vars(model).items()
            if isinstance(obj, type) and dataclasses.is_dataclass(obj)}


def _enc(v: Any) -> Any:
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        if _model_classes().get(type(v).__name__) is not type(v):  # it could not be decoded
            raise TypeError(f"cannot cache a {type(v).__name__} (not a class of checker.model)")
        d = {f.name: _enc(getattr(v, f.name)) for f in dataclasses.fields(v)}
        d["$t"] = type(v).__name__
        return d
    if isinstance(v, dt.datetime):
        return {"$dt": v.isoformat()}
    if isinstance(v, dt.date):
        return {"$d": v.isoformat()}
    if isinstance(v, (list, tuple)):
        return [_enc(x) for x in v]
    if isinstance(v, str) and hasattr(v, "value") and type(v) is not str:  # str Enum
        return {"$e": type(v).__name__, "v": v.value}
    if isinstance(v, dict) or hasattr(v, "items"):
        return {"$m": [[_enc(k), _enc(x)] for k, x in v.items()]}
    if v is None or isinstance(v, (str, int, float, bool)):
        return v
    raise TypeError(f"cannot cache a value of type {type(v).__name__}")


def _dec(v: Any, classes: dict[str, type]) -> Any:
    if isinstance(v, list):
        return tuple(_dec(x, classes) for x in v)
    if isinstance(v, dict):
        if "$t" in v:
            cls = classes[v["$t"]]
            names = {f.name for f in dataclasses.fields(cls)}
            kwargs = {k: _dec(x, classes) for k, x in v.items() if k != "$t" and k in names}
            return cls(**kwargs)
        if "$d" in v:
            return dt.date.fromisoformat(v["$d"])
        if "$dt" in v:
            return dt.datetime.fromisoformat(v["$dt"])
        if "$e" in v:
            return classes_enum(v["$e"])(v["v"])
        if "$m" in v:
            return {_dec(k, classes): _dec(x, classes) for k, x in v["$m"]}
        raise ValueError("unknown tagged value")
    return v


def classes_enum(name: str):
    from checker import model

    obj = getattr(model, name)
    if not isinstance(obj, type):
        raise ValueError(name)
    return obj


def encode_document(doc) -> bytes:
    """The tagged-JSON bytes of a Document (zlib-compressed, prefixed with its sha256)."""
    payload = zlib.compress(json.dumps(_enc(doc), ensure_ascii=False, separators=(",", ":")).encode(), 3)
    return hashlib.sha256(payload).digest() + payload


def decode_document(blob: bytes):
    """The Document of :func:`encode_document`; raises ValueError when the entry is damaged."""
    from checker.model import Document

    if len(blob) < 33 or hashlib.sha256(blob[32:]).digest() != blob[:32]:
        raise ValueError("cache entry checksum mismatch")
    try:
        obj = _dec(json.loads(zlib.decompress(blob[32:])), _model_classes())
    except Exception as exc:  # noqa: BLE001 - any decoding problem means a bad entry
        raise ValueError(f"cache entry undecodable: {exc}") from exc
    if not isinstance(obj, Document):
        raise ValueError("cache entry is not a Document")
    return obj


def _seal(data: bytes) -> bytes:
    return hashlib.sha256(data).digest() + data


def _unseal(blob: bytes) -> bytes | None:
    if not isinstance(blob, (bytes, bytearray)) or len(blob) < 32:
        return None
    blob = bytes(blob)
    if hashlib.sha256(blob[32:]).digest() != blob[:32]:
        return None
    return blob[32:]


# ----------------------------------------------------------------------------- store
class Cache:
    """The cache file. Open one per process (sqlite connections are not shared)."""

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)
        self.path = self.directory / CACHE_FILE
        self.hits = 0
        self.misses = 0
        self._pending: dict[tuple[str, str], bytes] = {}
        self._conn = self._open()

    # -- connection
    def _open(self) -> sqlite3.Connection | None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            return self._connect()
        except sqlite3.DatabaseError:
            # Not a database (truncated, overwritten): set it aside, start afresh.
            try:
                os.replace(self.path, self.path.with_name(f"{CACHE_FILE}.corrupt-{int(time.time())}-{os.getpid()}"))
                for suffix in ("-wal", "-shm"):
                    try:
                        os.unlink(str(self.path) + suffix)
                    except OSError:
                        pass
                return self._connect()
            except (OSError, sqlite3.Error) as exc:
                _warn(f"キャッシュ {self.path} を開けないため、キャッシュなしで続けます（{exc}）。--cache-dir で別の場所を指定できます。")
                return None
        except (OSError, sqlite3.Error) as exc:
            _warn(f"キャッシュ {self.path} を開けないため、キャッシュなしで続けます（{exc}）。--cache-dir で別の場所を指定できます。")
            return None

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(str(self.path), timeout=30.0, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA busy_timeout=30000")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("CREATE TABLE IF NOT EXISTS entries (kind TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL, "
                     "PRIMARY KEY (kind, key)) WITHOUT ROWID")
        conn.execute("SELECT count(*) FROM entries WHERE kind='probe'").fetchone()  # raises on a damaged file
        return conn

    @property
    def enabled(self) -> bool:
        return self._conn is not None

    def close(self) -> None:
        self.flush()
        if self._conn is not None:
            try:
                self._conn.close()
            except sqlite3.Error:
                pass
            self._conn = None

    # -- raw access
    def get(self, kind: str, key: str) -> bytes | None:
        pending = self._pending.get((kind, key))
        if pending is not None:
            return pending
        if self._conn is None:
            return None
        try:
            row = self._conn.execute("SELECT value FROM entries WHERE kind=? AND key=?", (kind, key)).fetchone()
        except sqlite3.Error:
            return None
        return bytes(row[0]) if row else None

    def put(self, kind: str, key: str, value: bytes) -> None:
        """Queue a write; :meth:`flush` writes the queue in one transaction."""
        if self._conn is None:
            return
        self._pending[(kind, key)] = value
        if len(self._pending) >= 500:
            self.flush()

    def delete(self, kind: str, key: str) -> None:
        self._pending.pop((kind, key), None)
        if self._conn is None:
            return
        try:
            self._conn.execute("DELETE FROM entries WHERE kind=? AND key=?", (kind, key))
        except sqlite3.Error:
            pass

    def flush(self) -> None:
        if not self._pending or self._conn is None:
            self._pending.clear()
            return
        items = [(k, key, v) for (k, key), v in self._pending.items()]
        self._pending.clear()
        try:
            self._conn.execute("BEGIN IMMEDIATE")
            self._conn.executemany("INSERT OR REPLACE INTO entries (kind, key, value) VALUES (?, ?, ?)", items)
            self._conn.execute("COMMIT")
        except sqlite3.Error as exc:
            try:
                self._conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass
            _warn(f"キャッシュ {self.path} に書き込めませんでした（{exc}）。結果には影響しません。")

    # -- documents
    def load_document(self, path: Path, loader) -> Any:
        """The Document of ``path``: from the cache when its bytes were seen, else ``loader(path)``."""
        try:
            data = Path(path).read_bytes()
        except OSError:
            return loader(path)  # the reader reports the error itself
        key = document_key(hashlib.sha256(data).hexdigest(), str(path))
        blob = self.get("doc", key)
        if blob is not None:
            try:
                doc = decode_document(blob)
                self.hits += 1
                return doc
            except ValueError:
                self.delete("doc", key)  # a damaged entry is dropped and rebuilt
        self.misses += 1
        doc = loader(path)
        if self._conn is not None and cacheable_document(doc):
            try:
                self.put("doc", key, encode_document(doc))
            except (TypeError, ValueError) as exc:
                _warn(f"{Path(path).name}: 読み取り結果をキャッシュに保存できませんでした（{exc}）。結果には影響しません。")
        return doc

    # -- checked cases
    def get_case(self, key: str) -> dict | None:
        """A checked case stored by :meth:`put_case` (a dict of model values), or None."""
        blob = self.get("case", key)
        if blob is None:
            return None
        try:
            value = decode_value(blob)
        except ValueError:
            self.delete("case", key)
            return None
        return value if isinstance(value, dict) else None

    def put_case(self, key: str, value: dict) -> bool:
        if self._conn is None:
            return False
        try:
            self.put("case", key, encode_value(value))
            return True
        except (TypeError, ValueError):
            return False  # something the codec does not know (e.g. a comparison): not cached

    def parse_store(self) -> "ParseStore":
        return ParseStore(self)


class ParseStore(MutableMapping):
    """The per-sentence parse mapping handed to :data:`checker.nlp.CACHE`.

    Keys are those of ``checker.nlp`` (model name + sentence hash); the model's and spaCy's
    versions are added here. Values are sealed with their sha256; a damaged value reads as
    absent.
    """

    def __init__(self, cache: Cache) -> None:
        self.cache = cache
        self.prefix = parse_version() + "\0"

    def __getitem__(self, key: str) -> bytes:
        blob = self.cache.get("parse", self.prefix + key)
        if blob is None:
            raise KeyError(key)
        data = _unseal(blob)
        if data is None:
            self.cache.delete("parse", self.prefix + key)
            raise KeyError(key)
        return data

    def __setitem__(self, key: str, value: bytes) -> None:
        self.cache.put("parse", self.prefix + key, _seal(bytes(value)))

    def __delitem__(self, key: str) -> None:
        self.cache.delete("parse", self.prefix + key)

    def __iter__(self) -> Iterator[str]:
        return iter(())  # never enumerated

    def __len__(self) -> int:
        return 0


def _warn(msg: str) -> None:
    print(f"itaku: {msg}", file=sys.stderr)
