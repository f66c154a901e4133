"""Suppression with a reason (SPEC.md "Statuses": accepted findings).

A department that consciously accepts a finding for one case writes it down beside the
case, in ``itaku-accept.yaml`` in the case folder (``checker.api.case_files`` never reads
it as a document)::

    # itaku-accept.yaml
    - check: contractor-termination-right.clause
      reason: 契約課の標準約款であることを確認済み（令和8年6月12日 契約課 山田）
    - check: media-handover.confirmation
      reason: 課長確認に改めた授受簿の様式を別途提出済み
      match: 係長          # optional: only a finding whose message or quoted evidence contains this
      clause: 第３条        # optional: only a finding citing this clause / field

(``accept:`` as a top-level key holding the same list is also read.) Waivers are applied
after evaluation: the finding keeps its status, gets ``accepted = {"reason": …}``, stays
in every report and no longer counts for the exit status (``CaseResult.exit_flagged``).
Nothing is ever dropped: a waiver that matches no failing finding, or a waiver file that
cannot be read, becomes an informational case note (``waiver.unused``,
``waiver.invalid``) naming the file and what to do; a finding that is ``ok`` is never
marked accepted.

:func:`accept_findings` is the same operation for callers that keep acceptances
elsewhere (the web page's history): pass dicts with ``check``/``reason``
(``match``/``clause`` optional).
"""
from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

from checker.model import CaseResult, Finding, Note

WAIVER_FILE = "itaku-accept.yaml"
_KEYS = {"check", "reason", "match", "clause"}


class WaiverError(ValueError):
    """The waiver file is malformed; the message names the file (and entry) in Japanese."""


@dataclass(frozen=True)
class Waiver:
    check: str  # a check id (media-handover.confirmation) or a rule id (all its checks)
    reason: str
    match: str | None = None
    clause: str | None = None
    source: str = ""  # where it was written (file name or "history")

    def applies_to(self, f: Finding) -> bool:
        if not f.status.flagged:
            return False
        if self.check not in (f.check, f.rule):
            return False
        if self.match:
            hay = [f.message, *(e.text for e in f.evidence)]
            if not any(self.match in h for h in hay):
                return False
        if self.clause:
            want = _norm(self.clause)
            if not any(e.clause and want in _norm(e.clause) for e in f.evidence):
                return False
        return True


def _norm(s: str) -> str:
    import unicodedata

    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", s))


def parse_waivers(entries, source: str = "") -> list[Waiver]:
    """Waivers from a list of mappings; raises :class:`WaiverError` for a malformed entry."""
    if isinstance(entries, Mapping) and "accept" in entries:
        entries = entries["accept"]
    if entries is None:
        return []
    if not isinstance(entries, list):
        raise WaiverError(f"{source}: 承認の一覧（- check: … / reason: … の並び）を書いてください。")
    out = []
    for i, e in enumerate(entries, 1):
        where = f"{source} {i}件目" if source else f"{i}件目"
        if not isinstance(e, Mapping):
            raise WaiverError(f"{where}: check と reason を持つ項目を書いてください。")
        unknown = set(e) - _KEYS
        if unknown:
            raise WaiverError(f"{where}: 未知のキー {sorted(unknown)}（使えるキー: check, reason, match, clause）。")
        check = str(e.get("check") or "").strip()
        reason = str(e.get("reason") or "").strip()
        if not check:
            raise WaiverError(f"{where}: check（承認するチェックの id、例 media-handover.confirmation）がありません。")
        if not reason:
            raise WaiverError(f"{where}: {check} の reason（承認する理由）がありません。理由のない承認はできません。")
        out.append(Waiver(check=check, reason=reason,
                          match=str(e["match"]) if e.get("match") else None,
                          clause=str(e["clause"]) if e.get("clause") else None, source=source))
    return out


def load_waivers(path: Path) -> list[Waiver]:
    """Read a waiver file; raises :class:`WaiverError` naming the file."""
    import yaml

    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        raise WaiverError(f"{path.name}: 承認ファイルを読めません（{exc}）。UTF-8 で保存し直してください。") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"{mark.line + 1}行目: " if mark else ""
        raise WaiverError(f"{path.name}: {line}YAML の書式が不正です（{getattr(exc, 'problem', exc)}）。") from None
    return parse_waivers(data, source=path.name)


def apply_waivers(result: CaseResult, waivers: Iterable[Waiver], *, known_checks: Iterable[str] | None = None) -> CaseResult:
    """Mark the failing findings each waiver names as accepted; never removes anything.

    A waiver that matches no failing finding adds an informational note ``waiver.unused``.
    """
    waivers = list(waivers)
    if not waivers:
        return result
    used: set[int] = set()
    findings = []
    for f in result.findings:
        hit = next((i for i, w in enumerate(waivers) if w.applies_to(f)), None)
        if hit is not None and not f.accepted:
            used.add(hit)
            w = waivers[hit]
            f = dataclasses.replace(f, accepted={"reason": w.reason, **({"source": w.source} if w.source else {})})
        elif hit is not None:
            used.add(hit)
        findings.append(f)
    notes = list(result.notes)
    checks = set(known_checks) if known_checks is not None else set(result.checks)
    rules = set(result.rules)
    for i, w in enumerate(waivers):
        if i in used:
            continue
        src = f"{w.source}: " if w.source else ""
        if w.check not in checks and w.check not in rules:
            msg = (f"{src}承認の check {w.check!r} はこのプロファイルのチェックにありません。"
                   f"チェックの id（itaku rules で確認できます）を書き直してください。")
        else:
            st = result.checks.get(w.check)
            state = f"（結果は {st.value}）" if st is not None else ""
            msg = (f"{src}{w.check} の承認（理由: {w.reason}）に当てはまる指摘がありません{state}。"
                   f"指摘が解消していれば、この承認を削除してください。")
        notes.append(Note(code="waiver.unused", severity="info", message=msg))
    return dataclasses.replace(result, findings=tuple(findings), notes=tuple(notes))


def accept_findings(result: CaseResult, acceptances: Iterable[Mapping], source: str = "history") -> CaseResult:
    """The Python API for callers that keep acceptances themselves (the web history):
    ``acceptances`` are mappings with ``check`` and ``reason`` (``match``/``clause``
    optional). Raises :class:`WaiverError` for an entry without check or reason."""
    return apply_waivers(result, parse_waivers(list(acceptances), source=source))


def case_waiver_file(case_name: str) -> Path | None:
    """The waiver file of a case folder, if it has one."""
    try:
        p = Path(case_name)
        if p.is_dir():
            f = p / WAIVER_FILE
            return f if f.is_file() else None
    except (OSError, ValueError):
        return None
    return None


def apply_case_waivers(case, result: CaseResult) -> CaseResult:
    """Apply the waiver file beside the case (``itaku-accept.yaml`` in its folder), if any.
    A file that cannot be read is reported as a note and nothing is accepted."""
    f = case_waiver_file(case.name)
    if f is None:
        return result
    try:
        waivers = load_waivers(f)
    except WaiverError as exc:
        note = Note(code="waiver.invalid", severity="info",
                    message=f"{exc} 承認は適用していません（指摘はそのまま数えます）。{os.path.basename(str(f))} を直してください。")
        return dataclasses.replace(result, notes=(*result.notes, note))
    return apply_waivers(result, waivers)


__all__ = ["WAIVER_FILE", "Waiver", "WaiverError", "parse_waivers", "load_waivers", "apply_waivers",
           "accept_findings", "apply_case_waivers", "case_waiver_file"]
