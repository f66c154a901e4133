"""The case history: every check stored in SQLite, and the life of each finding.

The secretariat must know, across the year, which findings the departments have answered
(as in section (8) of the 2017 minutes, where the council hears the answers to its earlier
comments). So every check run is stored — case name, department, date, reference date,
the documents (names and SHA-256, never their content) and the findings — and every
flagged finding becomes an *item* with a lifecycle:

    open ──answer──▶ answered ──resolve──▶ resolved
      │                 │
      └────accept───────┴──▶ accepted (a conscious waiver, with a reason)

An item's identity across runs is (case name, check id, normalised evidence location):
re-checking a revised case under the same name links the run to the previous one and
shows what changed — resolved (flagged before, not now), still open, new. An item that
disappears on a re-check is resolved automatically; one that comes back is reopened. An
accepted item stays accepted: its findings carry SPEC.md's ``"accepted": {"reason": …}``
and no longer count for the exit status.

Storage: one SQLite file, WAL journal, ``busy_timeout``, one short connection per
operation and ``BEGIN IMMEDIATE`` for every write, so a few clerks checking at once (threads
of the web server, or separate processes) neither corrupt nor lose anything.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import sqlite3
import sys
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

from checker.model import (
    CaseResult,
    DocError,
    Document,
    Evidence,
    Finding,
    Note,
    Status,
)

SCHEMA_VERSION = 1

STATES = ("open", "answered", "resolved", "accepted")
STATE_LABELS = {"open": "未対応", "answered": "回答済", "resolved": "解消", "accepted": "了承（許容）"}

#: Allowed lifecycle transitions (from -> tos). ``answered -> answered`` edits the answer.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "open": ("answered", "accepted", "resolved"),
    "answered": ("answered", "resolved", "accepted", "open"),
    "accepted": ("open",),
    "resolved": ("open",),
}

CHANGE_LABELS = {"new": "新規", "still_open": "継続", "resolved": "解消"}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    case_name       TEXT    NOT NULL,
    department      TEXT    NOT NULL DEFAULT '',
    created_at      TEXT    NOT NULL,
    as_of           TEXT    NOT NULL,
    previous_run_id INTEGER REFERENCES runs(id),
    profile         TEXT,
    redacted        INTEGER NOT NULL DEFAULT 0,
    exit_flagged    INTEGER NOT NULL,
    result_json     TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_case ON runs(case_name, id);
CREATE TABLE IF NOT EXISTS run_documents (
    run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    name       TEXT    NOT NULL,
    sha256     TEXT    NOT NULL,
    pages      INTEGER NOT NULL DEFAULT 0,
    kinds      TEXT    NOT NULL DEFAULT '[]',
    error_code TEXT,
    PRIMARY KEY (run_id, position)
);
CREATE TABLE IF NOT EXISTS items (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    case_name       TEXT    NOT NULL,
    check_id        TEXT    NOT NULL,
    location        TEXT    NOT NULL,
    rule            TEXT    NOT NULL,
    department      TEXT    NOT NULL DEFAULT '',
    state           TEXT    NOT NULL CHECK (state IN ('open', 'answered', 'resolved', 'accepted')),
    answer          TEXT,
    accepted_reason TEXT,
    first_run_id    INTEGER NOT NULL REFERENCES runs(id),
    last_run_id     INTEGER NOT NULL REFERENCES runs(id),
    last_status     TEXT    NOT NULL,
    severity        TEXT    NOT NULL DEFAULT '',
    message         TEXT    NOT NULL,
    where_text      TEXT    NOT NULL DEFAULT '',
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL,
    UNIQUE (case_name, check_id, location)
);
CREATE INDEX IF NOT EXISTS items_state ON items(state, department, rule);
CREATE TABLE IF NOT EXISTS run_findings (
    run_id    INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    item_id   INTEGER REFERENCES items(id),
    rule      TEXT    NOT NULL,
    check_id  TEXT    NOT NULL,
    status    TEXT    NOT NULL,
    severity  TEXT    NOT NULL,
    message   TEXT    NOT NULL,
    change    TEXT,
    PRIMARY KEY (run_id, position)
);
CREATE INDEX IF NOT EXISTS run_findings_item ON run_findings(item_id);
CREATE TABLE IF NOT EXISTS item_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id    INTEGER NOT NULL REFERENCES items(id),
    at         TEXT    NOT NULL,
    from_state TEXT,
    to_state   TEXT    NOT NULL,
    text       TEXT,
    run_id     INTEGER REFERENCES runs(id)
);
"""


class HistoryError(Exception):
    """A request the history cannot carry out; the message is Japanese and says what to do."""


class LifecycleError(HistoryError):
    """A transition the lifecycle does not allow (e.g. answering a resolved finding)."""


# --------------------------------------------------------------------------- identity
_KANJI_NUM = re.compile(r"第([〇零一二三四五六七八九十百千]+)(条|項|号|章|節)?")
_SPACE = re.compile(r"\s+")


def normalise_location(label: str | None) -> str:
    """A clause or field label as an identity key: NFKC, no spaces, kanji numerals in
    「第…条」 as digits, so 「第７条」, 「第7条」 and 「第七条」 are one location."""
    if not label:
        return ""
    s = unicodedata.normalize("NFKC", label)
    s = _SPACE.sub("", s)

    def _num(m: re.Match) -> str:
        from checker.dates import kanji_to_int

        n = kanji_to_int(m.group(1))
        return f"第{n if n is not None else m.group(1)}{m.group(2) or ''}"

    return _KANJI_NUM.sub(_num, s)


def finding_location(f: Finding) -> str:
    """The normalised evidence location of a finding: its cited clauses/fields, sorted.

    File names and pages are left out on purpose: a revised draft is often renamed
    (契約書_修正版.pdf) and its pages move, but 第7条 is still 第7条."""
    locs = sorted({normalise_location(e.clause) for e in f.evidence if e.clause})
    return "|".join(locs)


def finding_key(case_name: str, f: Finding) -> tuple[str, str, str]:
    return (case_name, f.check, finding_location(f))


def _where(f: Finding) -> str:
    parts = []
    for e in f.evidence:
        loc = " ".join(x for x in (f"p.{e.page}" if e.page else "", e.clause or "") if x)
        name = Path(e.path).name if e.path else ""
        parts.append(f"{name} {loc}".strip())
    return "、".join(dict.fromkeys(p for p in parts if p))


# --------------------------------------------------------------------------- JSON bridge
def result_to_obj(result: CaseResult) -> dict:
    """One case of SPEC.md's JSON v1 (``cases[i]``), via checker.report when present."""
    try:
        from checker.report import to_json_obj  # the reports helper's canonical form
    except ImportError:  # pragma: no cover - only before the reports module lands
        to_json_obj = None
    if to_json_obj is not None:
        obj = to_json_obj([result], None)["cases"][0]
        _label_comparisons(obj, result)
        return obj
    return _fallback_case_obj(result)


def _label_comparisons(obj: dict, result: CaseResult) -> None:
    """Keep, beside each stored comparison row, the labels of both articles (the standard's
    第10条 may be the contract's 第9条), so a past run's comparison still shows both."""
    for cj, cmp in zip(obj.get("comparisons") or (), getattr(result, "comparisons", None) or ()):
        diffs = getattr(cmp, "diffs", None)
        if diffs is None:
            continue
        for dj, d in zip(cj.get("diffs") or (), diffs):
            for key, clause in (("standard_article", getattr(d, "standard", None)),
                                ("contract_article", getattr(d, "target", None))):
                if clause is not None and getattr(clause, "label", None):
                    dj[key] = clause.label


def _fallback_case_obj(r: CaseResult) -> dict:
    def ev(e: Evidence) -> dict:
        return {"path": e.path, "page": e.page, "clause": e.clause, "text": e.text}

    findings = []
    for f in r.findings:
        d = {"rule": f.rule, "check": f.check, "status": Status(f.status).value, "severity": f.severity,
             "message": f.message, "evidence": [ev(e) for e in f.evidence]}
        if f.fix:
            d["fix"] = f.fix
        if f.accepted:
            d["accepted"] = dict(f.accepted)
        findings.append(d)
    return {
        "case": r.case,
        "documents": [{"path": d.path, "kind": list(d.kinds), "pages": d.pages,
                       "error": ({"code": d.error.code, "message": d.error.message} if d.error else None),
                       "warnings": list(d.warnings)} for d in r.documents],
        "rules": {k: Status(v).value for k, v in r.rules.items()},
        "findings": findings,
        "notes": [{"code": n.code, "severity": n.severity, "message": n.message} for n in r.notes],
    }


def result_from_obj(obj: Mapping[str, Any], sha: Mapping[str, str] | None = None) -> CaseResult:
    """Rebuild a CaseResult (without document text) from one stored JSON case, so the
    reports of a past run can be rendered again."""
    sha = sha or {}
    docs = []
    for d in obj.get("documents", []):
        err = d.get("error")
        docs.append(Document(
            path=d.get("path", ""), format=Path(d.get("path", "")).suffix.lstrip(".").lower(),
            sha256=sha.get(d.get("path", ""), ""), pages=int(d.get("pages") or 0),
            kinds=tuple(d.get("kind") or ()),
            error=DocError(err["code"], err.get("message", "")) if err else None,
            warnings=tuple(d.get("warnings") or ()),
        ))
    findings = []
    for f in obj.get("findings", []):
        findings.append(Finding(
            rule=f["rule"], check=f["check"], status=Status(f["status"]), severity=f.get("severity", ""),
            message=f.get("message", ""),
            evidence=tuple(Evidence(path=e.get("path", ""), page=e.get("page"), clause=e.get("clause"),
                                    text=e.get("text", "")) for e in f.get("evidence", [])),
            fix=f.get("fix"), accepted=f.get("accepted"),
        ))
    checks = {f.check: f.status for f in findings}
    for cid, st in (obj.get("checks") or {}).items():
        checks.setdefault(cid, Status(st))
    return CaseResult(
        case=obj.get("case", ""), documents=tuple(docs),
        rules={k: Status(v) for k, v in (obj.get("rules") or {}).items()},
        findings=tuple(findings),
        notes=tuple(Note(n["code"], n.get("severity", "info"), n.get("message", "")) for n in obj.get("notes", [])),
        checks=checks,
        comparisons=tuple(dict(c) for c in (obj.get("comparisons") or ()) if isinstance(c, Mapping)),
    )


# --------------------------------------------------------------------------- records
@dataclass(frozen=True)
class RunInfo:
    id: int
    case_name: str
    department: str
    created_at: str
    as_of: str
    previous_run_id: int | None
    profile: str | None
    redacted: bool
    exit_flagged: bool
    flagged: int = 0
    documents: tuple[dict, ...] = ()


@dataclass(frozen=True)
class Item:
    id: int
    case_name: str
    check_id: str
    location: str
    rule: str
    department: str
    state: str
    answer: str | None
    accepted_reason: str | None
    first_run_id: int
    last_run_id: int
    last_status: str
    severity: str
    message: str
    where: str
    created_at: str
    updated_at: str

    @property
    def state_label(self) -> str:
        return STATE_LABELS.get(self.state, self.state)


@dataclass(frozen=True)
class RunFinding:
    position: int
    item_id: int | None
    rule: str
    check_id: str
    status: str
    severity: str
    message: str
    change: str | None


@dataclass(frozen=True)
class Recorded:
    """What :meth:`History.record` did: the run id, the previous run of the same case,
    the result with acceptances applied, and what changed since the previous run."""

    run_id: int
    previous_run_id: int | None
    result: CaseResult
    item_ids: tuple[int | None, ...]  # per finding of ``result``: its item, None when not flagged
    changes: Mapping[str, tuple[int, ...]]  # "new" / "still_open" / "resolved" -> item ids


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).astimezone().isoformat(timespec="seconds")


def default_db_path() -> Path:
    """``$ITAKU_DB``, else ``$XDG_DATA_HOME/itaku/history.sqlite3`` (~/.local/share/…)."""
    env = os.environ.get("ITAKU_DB")
    if env:
        return Path(env)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "itaku" / "history.sqlite3"


class History:
    """The case history in one SQLite file. Cheap to create; thread- and process-safe:
    every method opens its own short connection."""

    def __init__(self, path: str | Path, *, create: bool = True, busy_timeout_ms: int = 30000):
        self.path = Path(path)
        self.busy_timeout_ms = busy_timeout_ms
        if not create and not self.path.exists():
            raise HistoryError(f"{self.path}: 履歴データベースが見つかりません。--db のパスを確認してください"
                               "（itaku serve --db で作成されます）。")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with self._connect() as con:
                con.execute("PRAGMA journal_mode=WAL")
                with self._write(con):
                    for stmt in _SCHEMA.split(";"):
                        if stmt.strip():
                            con.execute(stmt)
                    version = con.execute("PRAGMA user_version").fetchone()[0]
                    if version == 0:
                        con.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
                    elif version > SCHEMA_VERSION:
                        raise HistoryError(f"{self.path}: この履歴データベースは新しい版の委託チェッカーで作られています"
                                           f"（形式 {version}）。委託チェッカーを更新してください。")
        except sqlite3.DatabaseError as exc:
            raise HistoryError(f"{self.path}: 履歴データベースとして読めません（{exc}）。"
                               "--db に委託チェッカーの履歴ファイル（SQLite）を指定してください。") from None

    # ------------------------------------------------------------------ plumbing
    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        try:
            con = sqlite3.connect(self.path, timeout=self.busy_timeout_ms / 1000, isolation_level=None,
                                  check_same_thread=False)
        except sqlite3.Error as exc:
            raise HistoryError(f"{self.path}: 履歴データベースを開けませんでした（{exc}）。パスと権限を確認してください。")
        try:
            con.row_factory = sqlite3.Row
            con.execute(f"PRAGMA busy_timeout={int(self.busy_timeout_ms)}")
            con.execute("PRAGMA foreign_keys=ON")
            con.execute("PRAGMA synchronous=FULL")
            yield con
        finally:
            con.close()

    @contextmanager
    def _write(self, con: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
        """One write transaction; the write lock is taken at once (no upgrade deadlock)."""
        con.execute("BEGIN IMMEDIATE")
        try:
            yield con
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")

    # ------------------------------------------------------------------ acceptances
    def accepted_reasons(self, case_name: str) -> dict[tuple[str, str], str]:
        """{(check id, location): reason} of the accepted items of a case."""
        with self._connect() as con:
            rows = con.execute("SELECT check_id, location, accepted_reason FROM items "
                               "WHERE case_name=? AND state='accepted'", (case_name,)).fetchall()
        return {(r["check_id"], r["location"]): r["accepted_reason"] or "" for r in rows}

    def apply_acceptances(self, result: CaseResult, case_name: str | None = None) -> CaseResult:
        """The result with SPEC.md's ``accepted`` set on the findings the case has waived."""
        reasons = self.accepted_reasons(case_name if case_name is not None else result.case)
        return _with_acceptances(result, reasons)

    # ------------------------------------------------------------------ recording
    def record(self, result: CaseResult, *, department: str = "", as_of: dt.date | str | None = None,
               profile: str | None = None, redacted: bool = False, case_name: str | None = None) -> Recorded:
        """Store one check run and update the items of its case, in one transaction."""
        case_name = case_name if case_name is not None else result.case
        as_of_s = as_of.isoformat() if isinstance(as_of, dt.date) else (as_of or dt.date.today().isoformat())
        now = _now()
        with self._connect() as con, self._write(con):
            prev = con.execute("SELECT id FROM runs WHERE case_name=? ORDER BY id DESC LIMIT 1",
                               (case_name,)).fetchone()
            prev_id = prev["id"] if prev else None
            prev_flagged: set[int] = set()
            if prev_id is not None:
                prev_flagged = {r["item_id"] for r in con.execute(
                    "SELECT item_id FROM run_findings WHERE run_id=? AND item_id IS NOT NULL", (prev_id,))}
            reasons = {(r["check_id"], r["location"]): r["accepted_reason"] or "" for r in con.execute(
                "SELECT check_id, location, accepted_reason FROM items WHERE case_name=? AND state='accepted'",
                (case_name,))}
            result = _with_acceptances(result, reasons)
            obj = result_to_obj(result)
            cur = con.execute(
                "INSERT INTO runs(case_name, department, created_at, as_of, previous_run_id, profile, redacted,"
                " exit_flagged, result_json) VALUES (?,?,?,?,?,?,?,?,?)",
                (case_name, department or "", now, as_of_s, prev_id, profile, int(bool(redacted)),
                 int(result.exit_flagged), json.dumps(obj, ensure_ascii=False)))
            run_id = int(cur.lastrowid)
            for i, d in enumerate(result.documents):
                con.execute("INSERT INTO run_documents(run_id, position, name, sha256, pages, kinds, error_code)"
                            " VALUES (?,?,?,?,?,?,?)",
                            (run_id, i, Path(d.path).name or d.path, d.sha256 or "", d.pages or 0,
                             json.dumps(list(d.kinds)), d.error.code if d.error else None))
            item_ids: list[int | None] = []
            seen: set[int] = set()
            changes: dict[str, list[int]] = {"new": [], "still_open": [], "resolved": []}
            for pos, f in enumerate(result.findings):
                status = Status(f.status)
                item_id = None
                change = None
                if status.flagged:
                    item_id, change = self._upsert_item(con, case_name, department, f, run_id, now, prev_flagged)
                    if item_id in seen:  # two findings of one identity in a run: one item
                        change = None
                    else:
                        seen.add(item_id)
                        changes[change].append(item_id)
                item_ids.append(item_id)
                con.execute("INSERT INTO run_findings(run_id, position, item_id, rule, check_id, status, severity,"
                            " message, change) VALUES (?,?,?,?,?,?,?,?,?)",
                            (run_id, pos, item_id, f.rule, f.check, status.value, f.severity, f.message, change))
            # flagged last time, not now: resolved by the revision
            for item_id in sorted(prev_flagged - seen):
                row = con.execute("SELECT state FROM items WHERE id=?", (item_id,)).fetchone()
                changes["resolved"].append(item_id)
                if row and row["state"] != "resolved":
                    self._transition(con, item_id, row["state"], "resolved", "再チェックで指摘が解消しました", run_id, now)
        return Recorded(run_id=run_id, previous_run_id=prev_id, result=result, item_ids=tuple(item_ids),
                        changes={k: tuple(v) for k, v in changes.items()})

    def _upsert_item(self, con, case_name, department, f: Finding, run_id, now, prev_flagged) -> tuple[int, str]:
        loc = finding_location(f)
        row = con.execute("SELECT id, state FROM items WHERE case_name=? AND check_id=? AND location=?",
                          (case_name, f.check, loc)).fetchone()
        status = Status(f.status).value
        if row is None:
            cur = con.execute(
                "INSERT INTO items(case_name, check_id, location, rule, department, state, first_run_id, last_run_id,"
                " last_status, severity, message, where_text, created_at, updated_at)"
                " VALUES (?,?,?,?,?,'open',?,?,?,?,?,?,?,?)",
                (case_name, f.check, loc, f.rule, department or "", run_id, run_id, status, f.severity,
                 f.message, _where(f), now, now))
            item_id = int(cur.lastrowid)
            con.execute("INSERT INTO item_events(item_id, at, from_state, to_state, text, run_id)"
                        " VALUES (?,?,NULL,'open','チェックで指摘されました',?)", (item_id, now, run_id))
            return item_id, "new"
        item_id = int(row["id"])
        con.execute("UPDATE items SET last_run_id=?, last_status=?, severity=?, message=?, where_text=?, rule=?,"
                    " department=CASE WHEN ?<>'' THEN ? ELSE department END, updated_at=? WHERE id=?",
                    (run_id, status, f.severity, f.message, _where(f), f.rule, department or "", department or "",
                     now, item_id))
        if row["state"] == "resolved":
            self._transition(con, item_id, "resolved", "open", "再チェックで再び指摘されました", run_id, now)
        return item_id, ("still_open" if item_id in prev_flagged else "new")

    def _transition(self, con, item_id: int, from_state: str, to_state: str, text: str | None,
                    run_id: int | None, now: str) -> None:
        con.execute("UPDATE items SET state=?, updated_at=? WHERE id=?", (to_state, now, item_id))
        con.execute("INSERT INTO item_events(item_id, at, from_state, to_state, text, run_id) VALUES (?,?,?,?,?,?)",
                    (item_id, now, from_state, to_state, text, run_id))

    # ------------------------------------------------------------------ lifecycle
    def answer(self, item_id: int, text: str) -> Item:
        """The department's reply: open/answered -> answered."""
        text = (text or "").strip()
        if not text:
            raise HistoryError("回答が空です。指摘に対する所管課の回答（対応内容）を入力してください。")
        return self._move(item_id, "answered", text, answer=text)

    def resolve(self, item_id: int, note: str = "") -> Item:
        return self._move(item_id, "resolved", (note or "").strip() or "解消済みとしました")

    def accept(self, item_id: int, reason: str) -> Item:
        """A conscious waiver: the finding keeps its status but no longer counts."""
        reason = (reason or "").strip()
        if not reason:
            raise HistoryError("許容する理由が空です。この指摘を許容（了承）する理由を入力してください。")
        return self._move(item_id, "accepted", reason, accepted_reason=reason)

    def reopen(self, item_id: int, note: str = "") -> Item:
        return self._move(item_id, "open", (note or "").strip() or "未対応に戻しました", accepted_reason=None)

    _KEEP = object()

    def _move(self, item_id: int, to_state: str, text: str, *, answer: Any = _KEEP,
              accepted_reason: Any = _KEEP) -> Item:
        now = _now()
        with self._connect() as con, self._write(con):
            row = con.execute("SELECT state FROM items WHERE id=?", (item_id,)).fetchone()
            if row is None:
                raise HistoryError(f"指摘 #{item_id} は履歴にありません。一覧から選び直してください。")
            frm = row["state"]
            if to_state not in TRANSITIONS.get(frm, ()):
                raise LifecycleError(
                    f"指摘 #{item_id} は「{STATE_LABELS[frm]}」のため「{STATE_LABELS[to_state]}」にはできません。"
                    + ("先に「未対応に戻す」を行ってください。" if "open" in TRANSITIONS.get(frm, ()) else ""))
            if answer is not self._KEEP:
                con.execute("UPDATE items SET answer=? WHERE id=?", (answer, item_id))
            if accepted_reason is not self._KEEP:
                con.execute("UPDATE items SET accepted_reason=? WHERE id=?", (accepted_reason, item_id))
            self._transition(con, item_id, frm, to_state, text, None, now)
            if "accepted" in (frm, to_state):
                self._refresh_exit_flags(con, item_id)
        return self.item(item_id)

    @staticmethod
    def _refresh_exit_flags(con, item_id: int) -> None:
        """An acceptance given or withdrawn changes whether the case's stored runs count for
        the exit status (SPEC.md "Statuses"): recompute ``runs.exit_flagged`` of the case."""
        case_name = con.execute("SELECT case_name FROM items WHERE id=?", (item_id,)).fetchone()["case_name"]
        reasons = {(r["check_id"], r["location"]): r["accepted_reason"] or "" for r in con.execute(
            "SELECT check_id, location, accepted_reason FROM items WHERE case_name=? AND state='accepted'",
            (case_name,))}
        for r in con.execute("SELECT id, result_json FROM runs WHERE case_name=?", (case_name,)).fetchall():
            res = _with_acceptances(_strip_acceptances(result_from_obj(json.loads(r["result_json"]))), reasons)
            con.execute("UPDATE runs SET exit_flagged=? WHERE id=?", (int(res.exit_flagged), r["id"]))

    # ------------------------------------------------------------------ queries
    def runs(self, case_name: str | None = None, limit: int | None = None) -> list[RunInfo]:
        sql = ("SELECT r.*, (SELECT COUNT(*) FROM run_findings f WHERE f.run_id=r.id AND f.item_id IS NOT NULL)"
               " AS flagged FROM runs r")
        params: list[Any] = []
        if case_name is not None:
            sql += " WHERE r.case_name=?"
            params.append(case_name)
        sql += " ORDER BY r.id DESC"
        if limit:
            sql += f" LIMIT {int(limit)}"
        with self._connect() as con:
            rows = con.execute(sql, params).fetchall()
            docs = {}
            for r in rows:
                docs[r["id"]] = tuple(dict(d) for d in con.execute(
                    "SELECT name, sha256, pages, kinds, error_code FROM run_documents WHERE run_id=? ORDER BY position",
                    (r["id"],)))
        return [self._run_info(r, docs[r["id"]]) for r in rows]

    @staticmethod
    def _run_info(r: sqlite3.Row, docs: tuple[dict, ...]) -> RunInfo:
        return RunInfo(id=r["id"], case_name=r["case_name"], department=r["department"], created_at=r["created_at"],
                       as_of=r["as_of"], previous_run_id=r["previous_run_id"], profile=r["profile"],
                       redacted=bool(r["redacted"]), exit_flagged=bool(r["exit_flagged"]),
                       flagged=r["flagged"] if "flagged" in r.keys() else 0, documents=docs)

    def run(self, run_id: int) -> RunInfo:
        with self._connect() as con:
            r = con.execute("SELECT r.*, (SELECT COUNT(*) FROM run_findings f WHERE f.run_id=r.id AND"
                            " f.item_id IS NOT NULL) AS flagged FROM runs r WHERE id=?", (run_id,)).fetchone()
            if r is None:
                raise HistoryError(f"チェック #{run_id} は履歴にありません。itaku history list で番号を確認してください。")
            docs = tuple(dict(d) for d in con.execute(
                "SELECT name, sha256, pages, kinds, error_code FROM run_documents WHERE run_id=? ORDER BY position",
                (run_id,)))
        return self._run_info(r, docs)

    def run_result(self, run_id: int, *, current_acceptances: bool = True) -> CaseResult:
        """The stored result of a run (no document text), with today's acceptances."""
        with self._connect() as con:
            r = con.execute("SELECT case_name, result_json FROM runs WHERE id=?", (run_id,)).fetchone()
        if r is None:
            raise HistoryError(f"チェック #{run_id} は履歴にありません。itaku history list で番号を確認してください。")
        result = result_from_obj(json.loads(r["result_json"]))
        if current_acceptances:
            result = _with_acceptances(_strip_acceptances(result), self.accepted_reasons(r["case_name"]))
        return result

    def run_findings(self, run_id: int) -> list[RunFinding]:
        with self._connect() as con:
            rows = con.execute("SELECT * FROM run_findings WHERE run_id=? ORDER BY position", (run_id,)).fetchall()
        return [RunFinding(r["position"], r["item_id"], r["rule"], r["check_id"], r["status"], r["severity"],
                           r["message"], r["change"]) for r in rows]

    def run_changes(self, run_id: int) -> dict[str, list[Item]]:
        """What changed since the previous run of the same case: new / still_open / resolved items."""
        run = self.run(run_id)
        out: dict[str, list[Item]] = {"new": [], "still_open": [], "resolved": []}
        cur = self.run_findings(run_id)
        ids_now = {f.item_id for f in cur if f.item_id is not None}
        for f in cur:
            if f.item_id is not None and f.change in out:
                out[f.change].append(self.item(f.item_id))
        if run.previous_run_id is not None:
            prev_ids = {f.item_id for f in self.run_findings(run.previous_run_id) if f.item_id is not None}
            out["resolved"] = [self.item(i) for i in sorted(prev_ids - ids_now)]
        return out

    def item(self, item_id: int) -> Item:
        with self._connect() as con:
            r = con.execute("SELECT * FROM items WHERE id=?", (item_id,)).fetchone()
        if r is None:
            raise HistoryError(f"指摘 #{item_id} は履歴にありません。一覧から選び直してください。")
        return _item(r)

    def items(self, *, states: Iterable[str] | None = None, department: str | None = None,
              rule: str | None = None, case_name: str | None = None) -> list[Item]:
        sql, params = "SELECT * FROM items WHERE 1=1", []
        if states is not None:
            states = list(states)
            sql += f" AND state IN ({','.join('?' * len(states))})"
            params += states
        for col, val in (("department", department), ("rule", rule), ("case_name", case_name)):
            if val is not None:
                sql += f" AND {col}=?"
                params.append(val)
        sql += " ORDER BY department, rule, case_name, check_id, id"
        with self._connect() as con:
            return [_item(r) for r in con.execute(sql, params)]

    def events(self, item_id: int) -> list[dict]:
        with self._connect() as con:
            return [dict(r) for r in con.execute("SELECT * FROM item_events WHERE item_id=? ORDER BY id", (item_id,))]

    def departments(self) -> list[str]:
        with self._connect() as con:
            return [r[0] for r in con.execute("SELECT DISTINCT department FROM items ORDER BY department")]


def _item(r: sqlite3.Row) -> Item:
    return Item(id=r["id"], case_name=r["case_name"], check_id=r["check_id"], location=r["location"], rule=r["rule"],
                department=r["department"], state=r["state"], answer=r["answer"],
                accepted_reason=r["accepted_reason"], first_run_id=r["first_run_id"], last_run_id=r["last_run_id"],
                last_status=r["last_status"], severity=r["severity"], message=r["message"], where=r["where_text"],
                created_at=r["created_at"], updated_at=r["updated_at"])


def _with_acceptances(result: CaseResult, reasons: Mapping[tuple[str, str], str]) -> CaseResult:
    """The result with the history's acceptances applied through
    :func:`checker.waivers.accept_findings` (issue 6, "suppression with a reason"): the
    same operation as a waiver file beside a case, so each accepted finding keeps its
    status, carries SPEC.md's ``"accepted": {"reason": …}`` in every report and no longer
    counts for the exit status. An item is one (check, location); the waiver is applied
    to exactly the findings of that identity (not to the check's findings elsewhere)."""
    if not reasons:
        return result
    from checker.waivers import accept_findings

    findings = list(result.findings)
    for (check, loc), reason in reasons.items():
        idx = [i for i, f in enumerate(findings)
               if f.check == check and not f.accepted and Status(f.status).flagged and finding_location(f) == loc]
        if not idx:
            continue
        part = replace(result, findings=tuple(findings[i] for i in idx), notes=())
        done = accept_findings(part, [{"check": check, "reason": reason or "理由の記載なし"}], source="")
        for i, f in zip(idx, done.findings):
            findings[i] = f
    return replace(result, findings=tuple(findings))


def _strip_acceptances(result: CaseResult) -> CaseResult:
    return replace(result, findings=tuple(replace(f, accepted=None) if f.accepted else f for f in result.findings))


# --------------------------------------------------------------------------- answers report
def answers_report(items: Iterable[Item], *, title: str | None = None) -> str:
    """The answers to earlier findings, laid out like section (8) of the minutes:

        <案件名 (所管課)>
        - 指摘
        ⇒ 回答
    """
    groups: dict[tuple[str, str], list[Item]] = {}
    for it in items:
        if it.state == "answered" or (it.state in ("resolved", "accepted") and (it.answer or it.accepted_reason)):
            groups.setdefault((it.case_name, it.department), []).append(it)
    lines = [title or f"○ 指摘事項に対する所管課の回答（{dt.date.today().isoformat()} 現在）", ""]
    if not groups:
        lines.append("（回答のある指摘はまだありません）")
    for (case, dept), its in groups.items():
        lines.append(f"< {case} ({dept or '所管課未記入'}) >")
        lines.append("")
        for it in its:
            first_file = it.where.split(" ", 1)[0] if it.where else ""
            where = f"（{it.where}）" if it.where and first_file not in it.message else ""
            lines.append(f"- {it.message}{where}")
            if it.answer:
                lines.append(f"- ⇒ {it.answer}")
            if it.state == "accepted" and it.accepted_reason:
                lines.append(f"- ⇒ 【許容】{it.accepted_reason}")
            if it.state == "resolved":
                lines.append("  （再チェックで解消を確認）")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


# --------------------------------------------------------------------------- CLI
def _item_dict(it: Item) -> dict:
    return {"id": it.id, "case": it.case_name, "department": it.department, "rule": it.rule, "check": it.check_id,
            "location": it.location, "where": it.where, "state": it.state, "status": it.last_status,
            "severity": it.severity, "message": it.message, "answer": it.answer,
            "accepted": ({"reason": it.accepted_reason} if it.state == "accepted" else None),
            "first_run": it.first_run_id, "last_run": it.last_run_id, "updated_at": it.updated_at}


def _run_dict(r: RunInfo) -> dict:
    return {"id": r.id, "case": r.case_name, "department": r.department, "created_at": r.created_at,
            "as_of": r.as_of, "previous_run": r.previous_run_id, "flagged": r.flagged,
            "exit_flagged": r.exit_flagged, "redacted": r.redacted,
            "documents": [{"name": d["name"], "sha256": d["sha256"], "pages": d["pages"],
                           "kind": json.loads(d["kinds"] or "[]"), "error": d["error_code"]} for d in r.documents]}


def _csv(rows: list[dict], fields: list[str]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=fields, extrasaction="ignore", lineterminator="\r\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: (json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else v)
                    for k, v in r.items()})
    return "\ufeff" + buf.getvalue()  # BOM: Excel opens Japanese CSV correctly


RUN_FIELDS = ["id", "case", "department", "created_at", "as_of", "previous_run", "flagged", "exit_flagged"]
ITEM_FIELDS = ["id", "case", "department", "rule", "check", "where", "status", "severity", "state", "message",
               "answer", "accepted", "first_run", "last_run", "updated_at"]


def render_list(h: History, fmt: str) -> str:
    runs = h.runs()
    if fmt == "json":
        return json.dumps({"schema": "itaku-history/1", "runs": [_run_dict(r) for r in runs]},
                          ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        return _csv([_run_dict(r) for r in runs], RUN_FIELDS)
    if not runs:
        return "履歴にチェックの記録はまだありません。\n"
    lines = [f"{'#':>5}  {'日時':<25}  {'基準日':<10}  {'指摘':>4}  所管課 / 案件"]
    for r in runs:
        prev = f"（前回 #{r.previous_run_id}）" if r.previous_run_id else ""
        lines.append(f"{r.id:>5}  {r.created_at:<25}  {r.as_of:<10}  {r.flagged:>4}  "
                     f"{r.department or '-'} / {r.case_name}{prev}")
    return "\n".join(lines) + "\n"


def render_show(h: History, run_id: int, fmt: str) -> str:
    run = h.run(run_id)
    findings = h.run_findings(run_id)
    changes = h.run_changes(run_id)
    items = {f.item_id: h.item(f.item_id) for f in findings if f.item_id is not None}
    if fmt == "json":
        d = _run_dict(run)
        d["findings"] = [{"rule": f.rule, "check": f.check_id, "status": f.status, "severity": f.severity,
                          "message": f.message, "change": f.change,
                          "item": _item_dict(items[f.item_id]) if f.item_id in items else None} for f in findings]
        d["changes"] = {k: [i.id for i in v] for k, v in changes.items()}
        d["result"] = result_to_obj(h.run_result(run_id))
        return json.dumps(d, ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        rows = []
        for f in findings:
            it = items.get(f.item_id)
            rows.append({"run": run_id, "rule": f.rule, "check": f.check_id, "status": f.status,
                         "severity": f.severity, "change": f.change or "", "state": it.state if it else "",
                         "answer": (it.answer or "") if it else "", "message": f.message})
        return _csv(rows, ["run", "rule", "check", "status", "severity", "change", "state", "answer", "message"])
    lines = [f"チェック #{run.id}  {run.case_name}（{run.department or '所管課未記入'}）",
             f"日時 {run.created_at}  基準日 {run.as_of}" + (f"  前回 #{run.previous_run_id}" if run.previous_run_id else ""),
             "文書:"]
    for d in run.documents:
        err = f"  読込不可: {d['error_code']}" if d["error_code"] else ""
        lines.append(f"  {d['name']}  sha256:{d['sha256'][:12]}  {d['pages']}頁{err}")
    if run.previous_run_id:
        lines.append("前回からの変化: " + "、".join(f"{CHANGE_LABELS[k]} {len(v)}件" for k, v in changes.items()))
    lines.append("指摘:")
    for f in sorted(findings, key=lambda f: (-Status(f.status).rank, f.position)):
        it = items.get(f.item_id)
        state = f" [{it.state_label}]" if it else ""
        ch = f" ({CHANGE_LABELS[f.change]})" if f.change else ""
        lines.append(f"  {f.status:<13} {f.check_id}{state}{ch}")
        if it is not None:
            lines.append(f"      {f.message}")
            if it.answer:
                lines.append(f"      ⇒ {it.answer}")
            if it.state == "accepted":
                lines.append(f"      許容の理由: {it.accepted_reason}")
    for it in changes["resolved"]:
        lines.append(f"  解消          {it.check_id}  {it.message}")
    return "\n".join(lines) + "\n"


def render_export(h: History, fmt: str) -> str:
    items = h.items()
    if fmt == "json":
        return json.dumps({"schema": "itaku-history/1", "runs": [_run_dict(r) for r in h.runs()],
                           "findings": [_item_dict(i) for i in items]}, ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        return _csv([_item_dict(i) for i in items], ITEM_FIELDS)
    return answers_report(items)


def run_history(args) -> int:
    """``itaku history list|show|export --db PATH [--format text|json|csv] [--out FILE]``."""
    from checker.cli import EXIT_OK, UsageError

    try:
        h = History(args.db, create=False)
        fmt = getattr(args, "format", "text") or "text"
        if args.action == "list":
            out = render_list(h, fmt)
        elif args.action == "show":
            ref = getattr(args, "ref", None)
            if not ref:
                runs = h.runs(limit=1)
                if not runs:
                    raise UsageError("履歴にチェックの記録がありません。先に itaku serve でチェックしてください。")
                ref = str(runs[0].id)
            if not str(ref).lstrip("#").isdigit():
                matches = h.runs(case_name=ref, limit=1)
                if not matches:
                    raise UsageError(f"{ref}: そのチェック番号・案件名は履歴にありません。itaku history list で確認してください。")
                run_id = matches[0].id
            else:
                run_id = int(str(ref).lstrip("#"))
            out = render_show(h, run_id, fmt)
        else:
            out = render_export(h, fmt)
    except HistoryError as exc:
        raise UsageError(str(exc)) from exc
    if getattr(args, "out", None):
        from checker.atomic import write_text_atomic

        write_text_atomic(Path(args.out), out)
    else:
        sys.stdout.write(out)
    return EXIT_OK
