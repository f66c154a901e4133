"""The pipeline as functions: paths -> cases -> results.

read -> normalise -> structure (``checker.structure.build_document``) -> evaluate
(``checker.engine.evaluate``). The CLI, batch runner and web page all call these, so the
same files always give the same statuses.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from checker.model import Case, CaseResult, Document
from checker.read import SUPPORTED_SUFFIXES, read_document


def case_files(path: Path) -> list[Path]:
    """The files of a case directory, sorted; hidden files and our own outputs skipped.

    Every regular file is listed (an unsupported one becomes a document error, so the
    clerk learns it was not read) except hidden files and ``*.accept.*`` waiver files.
    """
    out = []
    for p in sorted(path.rglob("*")):
        if not p.is_file() or any(part.startswith(".") for part in p.relative_to(path).parts):
            continue
        if p.name in ("expected.yaml", "accepted.yaml", "itaku-accept.yaml", "itaku-accept.toml"):
            continue
        out.append(p)
    return out


def load_document(path: Path) -> Document:
    """Read and structure one file. Never raises for a bad file."""
    from checker.structure import build_document

    from checker.read.guard import read_guarded

    raw = read_guarded(path)  # PDF/DOCX in a child process with memory/CPU/time limits
    return build_document(raw)


def load_case(path: Path, name: str | None = None) -> Case:
    """A directory is one case (every file in it); a single file is a case of one."""
    path = Path(path)
    files = case_files(path) if path.is_dir() else [path]
    docs = tuple(load_document(f) for f in files)
    return Case(name=name or str(path), documents=docs)


def check_case(case: Case, as_of: dt.date, profile=None) -> CaseResult:
    """Evaluate one case with the active profile's rulebook; then the profile's standard
    (``CaseResult.comparisons``) and the case's waivers (``checker.waivers``) are applied."""
    from checker.engine import evaluate
    from checker.profile import load_profile

    prof = profile if profile is not None else load_profile(None)
    result = evaluate(case, prof.rulebook, as_of)
    finish = getattr(prof, "finish", None)  # the profile's standard: comparisons, its wording as fix
    if finish is not None:
        result = finish(case, result)
    from checker.waivers import apply_case_waivers

    return apply_case_waivers(case, result)  # itaku-accept.yaml beside the case: accepted, never dropped


def check_paths(paths: list[Path], as_of: dt.date, profile=None) -> list[CaseResult]:
    return [check_case(load_case(Path(p)), as_of, profile) for p in paths]


__all__ = ["SUPPORTED_SUFFIXES", "case_files", "load_document", "load_case", "check_case", "check_paths"]
