"""Streaming multipart uploads into a fresh temporary folder, with limits.

Starlette's own form parser spools files into the system temp directory and only limits
non-file parts; a clerk's upload must instead (1) be refused whole, with 413, once the
body exceeds the total limit — checked from ``Content-Length`` before reading and again
while streaming, since the header may be absent or lie; (2) land in one folder per request
under a sanitised name that can never point outside it; (3) stop writing a single file
that exceeds the per-document limit (it becomes a ``too_large`` document error, the rest
of the case is still checked).
"""
from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from python_multipart.multipart import MultipartParser, parse_options_header


class UploadTooLarge(Exception):
    """The request body is over the total limit."""


class BadUpload(Exception):
    """The request is not a usable multipart form; the message is Japanese."""


@dataclass
class UploadedFile:
    original_name: str  # as the browser sent it (for messages)
    name: str  # the sanitised name inside the folder
    path: Path
    size: int = 0
    too_large: bool = False  # writing stopped at the per-document limit


@dataclass
class ParsedUpload:
    fields: dict[str, str] = field(default_factory=dict)
    files: list[UploadedFile] = field(default_factory=list)
    total: int = 0


_BAD_CHARS = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
_MAX_NAME = 120


def sanitise_filename(raw: str, index: int) -> str:
    """A safe file name from what the browser sent: the last path component only, NFC,
    no control or reserved characters, no leading dots, at most 120 characters (the
    suffix kept). Japanese names stay readable."""
    name = unicodedata.normalize("NFC", raw or "")
    name = re.split(r"[\\/]", name)[-1]
    name = _BAD_CHARS.sub("_", name).strip().lstrip(".").strip()
    if name in ("", ".", ".."):
        name = f"file-{index + 1}"
    if len(name) > _MAX_NAME:
        stem, dot, suffix = name.rpartition(".")
        if dot and 0 < len(suffix) <= 10:
            name = stem[: _MAX_NAME - len(suffix) - 1] + "." + suffix
        else:
            name = name[:_MAX_NAME]
    return name


def _unique(folder: Path, name: str, taken: set[str]) -> str:
    if name.lower() not in taken:
        return name
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    n = 2
    while True:
        cand = f"{stem}-{n}" + (f".{suffix}" if suffix else "")
        if cand.lower() not in taken:
            return cand
        n += 1


def safe_path(folder: Path, name: str) -> Path:
    """``folder / name``, refusing anything that would resolve outside ``folder``."""
    base = folder.resolve()
    p = (base / name).resolve()
    if p.parent != base:
        raise BadUpload(f"{name}: ファイル名が不正です。ファイル名を変更してからアップロードしてください。")
    return p


MAX_FIELD_BYTES = 64 * 1024
MAX_FILES = 200


async def parse_upload(request, folder: Path, *, max_total: int, max_file: int,
                       file_field: str = "files") -> ParsedUpload:
    """Parse ``request``'s multipart body into ``folder``; raise UploadTooLarge / BadUpload."""
    ctype = request.headers.get("content-type", "")
    mime, params = parse_options_header(ctype)
    if mime != b"multipart/form-data" or b"boundary" not in params:
        raise BadUpload("ファイルが送られていません。multipart/form-data 形式でフィールド files にファイルを付けて送ってください。")
    length = request.headers.get("content-length")
    if length is not None:
        try:
            if int(length) > max_total:
                raise UploadTooLarge()
        except ValueError:
            raise BadUpload("Content-Length が不正です。") from None

    out = ParsedUpload()
    taken: set[str] = set()
    state: dict = {"headers": [], "hname": b"", "hval": b"", "kind": None, "name": "", "buf": bytearray(),
                   "fh": None, "file": None}

    def on_part_begin() -> None:
        state.update(headers=[], kind=None, name="", buf=bytearray(), fh=None, file=None)

    def on_header_field(data: bytes, start: int, end: int) -> None:
        state["hname"] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        state["hval"] += data[start:end]

    def on_header_end() -> None:
        state["headers"].append((state["hname"].lower(), state["hval"]))
        state["hname"], state["hval"] = b"", b""

    def on_headers_finished() -> None:
        disp = next((v for k, v in state["headers"] if k == b"content-disposition"), b"")
        _, opts = parse_options_header(disp)
        name = opts.get(b"name", b"").decode("utf-8", "replace")
        state["name"] = name
        if b"filename" in opts:
            if len(out.files) >= MAX_FILES:
                raise BadUpload(f"ファイルが多すぎます（上限 {MAX_FILES} 件）。案件ごとに分けてアップロードしてください。")
            raw_name = opts[b"filename"].decode("utf-8", "replace")
            if name != file_field or not raw_name:
                state["kind"] = "skip"  # an empty file input sends a part without a name
                return
            clean = _unique(folder, sanitise_filename(raw_name, len(out.files)), taken)
            taken.add(clean.lower())
            path = safe_path(folder, clean)
            uf = UploadedFile(original_name=raw_name, name=clean, path=path)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            state["fh"] = os.fdopen(fd, "wb")
            state["file"] = uf
            state["kind"] = "file"
            out.files.append(uf)
        else:
            state["kind"] = "field"

    def on_part_data(data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        if state["kind"] == "file":
            uf: UploadedFile = state["file"]
            uf.size += len(chunk)
            if uf.size > max_file:
                uf.too_large = True
                if state["fh"] is not None:
                    state["fh"].close()
                    state["fh"] = None
                    uf.path.write_bytes(b"")  # keep nothing of an oversized document
                return
            state["fh"].write(chunk)
        elif state["kind"] == "field":
            if len(state["buf"]) + len(chunk) > MAX_FIELD_BYTES:
                raise BadUpload(f"入力欄「{state['name']}」が長すぎます。短くしてください。")
            state["buf"] += chunk

    def on_part_end() -> None:
        if state["kind"] == "file" and state["fh"] is not None:
            state["fh"].close()
            state["fh"] = None
        elif state["kind"] == "field":
            out.fields[state["name"]] = bytes(state["buf"]).decode("utf-8", "replace")

    parser = MultipartParser(params[b"boundary"], {
        "on_part_begin": on_part_begin, "on_part_data": on_part_data, "on_part_end": on_part_end,
        "on_header_field": on_header_field, "on_header_value": on_header_value,
        "on_header_end": on_header_end, "on_headers_finished": on_headers_finished,
    })
    try:
        async for chunk in request.stream():
            out.total += len(chunk)
            if out.total > max_total:
                raise UploadTooLarge()
            parser.write(chunk)
        parser.finalize()
    except (UploadTooLarge, BadUpload):
        raise
    except Exception as exc:  # python_multipart's parse errors
        raise BadUpload("アップロードの形式が壊れています。ページを再読み込みしてからもう一度送ってください。") from exc
    finally:
        if state.get("fh") is not None:
            state["fh"].close()
    return out
