"""The local web page (``itaku serve``) for department staff, and the secretariat's pages.

* ``GET /``: drop or choose the files of one case, optional case name and department,
  the reference date; ``POST /check`` shows the results: the checklist of every rule,
  each finding beside the document text with the quoted evidence highlighted in place.
* ``POST /api/check``: the same check answering SPEC.md's JSON v1 (``itaku-check/1``).
  Both take an optional ``profile``: "" (the server's ``--profile``) or a bundled profile
  name; with a standard (issue 6) the results show the article-by-article comparison.
* Accepting a finding in the history applies it through ``checker.waivers.accept_findings``
  (``checker.history``): the run's reports and later re-checks carry ``accepted``.
* ``/history``, ``/history/open``, ``/history/answers``: the case history for the
  secretariat (:mod:`checker.history`); ``/runs/{id}`` one stored run and its reports.

Uploads go to a fresh temporary folder per request, removed after the check; nothing is
kept but what the history stores (names and SHA-256 of the documents, the findings).
The pages are rendered on the server (Jinja2, autoescaped) and need no external asset:
the app works on a closed network. Bound to 127.0.0.1 unless ``--host`` says otherwise.
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import sys
import tempfile
import threading
import traceback
import urllib.parse
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from checker.history import CHANGE_LABELS, STATE_LABELS, History, HistoryError, LifecycleError, answers_report
from checker.model import Case, CaseResult, DocError, Document
from checker.web.upload import BadUpload, UploadTooLarge, parse_upload

HERE = Path(__file__).resolve().parent
DEFAULT_MAX_UPLOAD = 50 * 1024 * 1024
_CHECK_LOCK = threading.Lock()  # the language pipeline is not shared between threads at once

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def _env_int(name: str) -> int | None:
    raw = os.environ.get(name, "").strip().replace("_", "")
    return int(raw) if raw.isdigit() and int(raw) > 0 else None


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"


# --------------------------------------------------------------------------- the check itself
class Checker:
    """Runs one uploaded case through the pipeline (checker.api) and the history."""

    def __init__(self, history: History, profile_spec: Any = None, profile: Any = None,
                 redact: bool = False, max_document_bytes: int | None = None):
        self.history = history
        self.profile_spec = profile_spec
        self._profile = profile
        self._profile_lock = threading.Lock()
        self.redact_default = redact
        self.max_document_bytes = max_document_bytes

    @property
    def profile(self) -> Any:
        if self._profile is None:
            with self._profile_lock:
                if self._profile is None:
                    from checker.profile import load_profile

                    self._profile = load_profile(self.profile_spec)
        return self._profile

    def profile_name(self, profile: Any = None) -> str | None:
        from checker.ruledocs import profile_name

        try:
            return profile_name(profile if profile is not None else self.profile) or None
        except Exception:  # pragma: no cover - cosmetic only
            return None

    def rule_infos(self, profile: Any = None) -> list:
        from checker.ruledocs import rule_infos

        return rule_infos(profile if profile is not None else self.profile)

    # ------------------------------------------------------------------ profiles offered
    def profile_choices(self) -> list[dict]:
        """The profiles the upload form offers: the server's own (``--profile``, value "")
        first, then the bundled ones (``profiles/*.toml``) by name. Only these can be chosen
        from the page: a form never names a file on the server."""
        from checker.profile import bundled_profiles, load_profile

        own = self.profile
        out = [{"value": "", "label": self._label(own), "standard": own.standard is not None
                if hasattr(own, "standard") else False}]
        for name in bundled_profiles():
            try:
                prof = load_profile(name)
            except ValueError:  # a broken bundled file is not offered (itaku rules --profile says why)
                continue
            if prof is own:
                continue
            out.append({"value": name, "label": self._label(prof),
                        "standard": getattr(prof, "standard", None) is not None})
        return out

    @staticmethod
    def _label(prof: Any) -> str:
        name = getattr(prof, "name", "") or "default"
        std = getattr(prof, "standard", None)
        shown = "標準（同梱の全ルール）" if name == "default" else name
        return shown + ("（標準特記事項と比較）" if std is not None else "")

    def choose_profile(self, choice: str | None) -> Any:
        """The profile a request asked for: "" (the server's own) or a bundled name."""
        choice = (choice or "").strip()
        if not choice:
            return self.profile
        from checker.profile import bundled_profiles, load_profile

        if choice not in bundled_profiles():
            raise ValueError(f"プロファイル「{choice}」はありません。"
                             f"選べるのは {'、'.join(bundled_profiles()) or 'default'} です（空欄ならサーバーの既定）。")
        return load_profile(choice)

    def profile_for_run(self, stored_name: str | None) -> Any:
        """The profile a stored run was checked with (by the name the history keeps), for
        its checklist and its reports; the server's own profile when it is not known."""
        if not stored_name or stored_name == self.profile_name():
            return self.profile
        from checker.profile import bundled_profiles, load_profile

        for name in bundled_profiles():
            try:
                prof = load_profile(name)
            except ValueError:
                continue
            if self.profile_name(prof) == stored_name:
                return prof
        return self.profile

    def check(self, folder: Path, files: list, case_name: str, as_of: dt.date,
              profile: Any = None) -> tuple[Case, CaseResult]:
        """Read and check the uploaded files (``checker.api.load_case`` over the folder, kept
        in upload order); too-large ones become ``too_large`` document errors."""
        from checker.api import check_case, load_case
        from checker.limits import human_bytes, too_large_message

        for uf in files:
            if uf.too_large:
                uf.path.unlink(missing_ok=True)
        with _CHECK_LOCK:
            loaded = load_case(folder, name=case_name) if any(not uf.too_large for uf in files) else None
            by_name = {Path(d.path).name: d for d in (loaded.documents if loaded else ())}
            docs: list[Document] = []
            for uf in files:
                if uf.too_large:
                    msg = too_large_message(uf.name, "ファイルの大きさ", human_bytes(uf.size),
                                            human_bytes(self.max_document_bytes or 0), "ITAKU_MAX_BYTES")
                    docs.append(Document(path=uf.name, format=Path(uf.name).suffix.lstrip(".").lower(),
                                         sha256="", pages=0, error=DocError("too_large", msg)))
                elif uf.name in by_name:
                    docs.append(_rename(by_name[uf.name], uf.name))
                else:  # a name the case reader skips (e.g. expected.yaml): say so, never drop silently
                    docs.append(Document(path=uf.name, format=Path(uf.name).suffix.lstrip(".").lower(), sha256="",
                                         pages=0, error=DocError("unsupported_type",
                                                                 f"{uf.name}: このファイルはチェックの対象外です。"
                                                                 "諮問書・契約書などの PDF、DOCX 又はテキストを指定してください。")))
            case = Case(name=case_name, documents=tuple(docs))
            result = check_case(case, as_of, profile if profile is not None else self.profile)
        return case, result


def _rename(doc: Document, name: str) -> Document:
    """The document as the clerk named it (not the temporary path); messages too."""
    old = str(doc.path)
    err = doc.error
    if err is not None and old in err.message:
        err = DocError(err.code, err.message.replace(old, name))
    return replace(doc, path=name, error=err,
                   warnings=tuple(w.replace(old, name) for w in doc.warnings))


def _redactor() -> tuple[Callable[[CaseResult], CaseResult] | None, Callable[[list[str]], list[str]] | None]:
    """checker.redact's ``redact_result`` and ``redact_texts`` when the module exists
    (an optional part); both may run the language model, so callers hold _CHECK_LOCK."""
    try:
        import checker.redact as red
    except ImportError:
        return None, None
    many = getattr(red, "redact_texts", None)
    if many is None and getattr(red, "redact_text", None) is not None:
        one = red.redact_text
        many = lambda texts: [one(t) for t in texts]  # noqa: E731
    return getattr(red, "redact_result", None), many


def _locked(fn: Callable) -> Callable:
    def call(*a, **kw):
        with _CHECK_LOCK:
            return fn(*a, **kw)
    return call


# --------------------------------------------------------------------------- app
def create_app(db_path: str | Path | None = None, *, profile: Any = None, profile_obj: Any = None,
               as_of: dt.date | None = None, redact: bool = False, max_upload_bytes: int | None = None,
               max_document_bytes: int | None = None, tmp_root: str | Path | None = None,
               allowed_hosts: list[str] | None = None) -> Starlette:
    """The Starlette application. ``db_path`` is the history's SQLite file (default
    :func:`checker.history.default_db_path`); ``profile`` a profile name or file;
    ``max_upload_bytes`` the total upload limit (default 50 MB or ``$ITAKU_MAX_UPLOAD_BYTES``);
    ``allowed_hosts`` the Host headers served (``itaku serve`` passes the loopback names, so a
    page elsewhere cannot reach the history through DNS rebinding)."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    from checker.history import default_db_path
    from checker.limits import get_limits

    history = History(db_path or default_db_path())
    max_upload = max_upload_bytes or _env_int("ITAKU_MAX_UPLOAD_BYTES") or DEFAULT_MAX_UPLOAD
    max_doc = max_document_bytes or min(get_limits().max_bytes, max_upload)
    checker = Checker(history, profile, profile_obj, redact=redact, max_document_bytes=max_doc)
    fixed_as_of = as_of
    tmp_root = Path(tmp_root) if tmp_root else None

    env = Environment(loader=FileSystemLoader(str(HERE / "templates")),
                      autoescape=select_autoescape(default=True, default_for_string=True))
    from checker.ruledocs import KIND_LABEL, SEVERITY_LABEL, STATUS_LABEL, STATUS_MARK

    from checker.report import ERROR_LABEL

    env.globals.update(ERROR_LABEL=ERROR_LABEL, STATUS_LABEL=STATUS_LABEL, STATUS_MARK=STATUS_MARK, SEVERITY_LABEL=SEVERITY_LABEL,
                       KIND_LABEL=KIND_LABEL, STATE_LABELS=STATE_LABELS, CHANGE_LABELS=CHANGE_LABELS,
                       max_upload=max_upload, max_upload_label=_mb(max_upload))

    def page(name: str, status: int = 200, **ctx) -> HTMLResponse:
        return HTMLResponse(env.get_template(name).render(**ctx), status_code=status)

    def error_page(message: str, status: int, back: str = "/") -> HTMLResponse:
        return page("error.html", status=status, message=message, back=back)

    def default_as_of() -> dt.date:
        return fixed_as_of or dt.date.today()

    # ------------------------------------------------------------------ shared check
    async def run_check(request: Request) -> dict:
        """Parse, check, record. Returns the context of the answer or raises _Answer."""
        folder = Path(tempfile.mkdtemp(prefix="itaku-upload-", dir=str(tmp_root) if tmp_root else None))
        try:
            try:
                up = await parse_upload(request, folder, max_total=max_upload, max_file=max_doc)
            except UploadTooLarge:
                raise _Answer(413, "too_large",
                              f"アップロードの合計が上限（{_mb(max_upload)}）を超えています。"
                              "ファイルを分けるか、不要なファイルを外してから送ってください。")
            except BadUpload as exc:
                raise _Answer(400, "bad_request", str(exc))
            if not up.files:
                raise _Answer(400, "no_files", "ファイルが選ばれていません。諮問書や契約書のファイル（PDF・DOCX・テキスト）を選んでから送ってください。")
            raw_as_of = (up.fields.get("as_of") or "").strip()
            try:
                as_of_d = dt.date.fromisoformat(raw_as_of) if raw_as_of else default_as_of()
            except ValueError:
                raise _Answer(400, "bad_as_of", f"基準日「{raw_as_of}」が読めません。YYYY-MM-DD の形（例 2026-11-26）で指定してください。")
            case_name = (up.fields.get("case") or "").strip()[:200]
            if not case_name:
                case_name = f"無題の案件 {dt.datetime.now().strftime('%Y-%m-%d %H:%M:%S')}"
            department = (up.fields.get("department") or "").strip()[:100]
            want_redact = checker.redact_default or (up.fields.get("redact") or "").lower() in ("1", "on", "true", "yes")
            try:
                profile = await run_in_threadpool(checker.choose_profile, up.fields.get("profile"))
            except ValueError as exc:
                raise _Answer(400, "bad_profile", str(exc))
            try:
                case, result = await run_in_threadpool(checker.check, folder, up.files, case_name, as_of_d, profile)
            except Exception as exc:  # a bug must not cost the clerk more than this one request
                traceback.print_exc(file=sys.stderr)
                raise _Answer(500, "internal",
                              f"チェック中に予期しないエラーが起きました（{type(exc).__name__}）。"
                              "ファイルを確かめてもう一度送り、直らなければシステムの担当者に連絡してください。")
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        redact_result, redact_many = _redactor()
        shown = result
        redacted = False
        if want_redact:
            if redact_result is None:
                raise _Answer(501, "redact_unavailable", "個人情報を伏せる機能がこのインストールにありません。"
                                                         "「個人情報を伏せる」を外してチェックしてください。")
            shown = await run_in_threadpool(_locked(redact_result), result)
            if shown.comparisons and redact_many is not None:
                shown = await run_in_threadpool(_locked(_redact_comparisons), shown, redact_many)
            redacted = True
        try:
            rec = await run_in_threadpool(
                lambda: history.record(shown, department=department, as_of=as_of_d,
                                       profile=checker.profile_name(profile), redacted=redacted, case_name=case_name))
        except (HistoryError, OSError, sqlite3.Error) as exc:
            traceback.print_exc(file=sys.stderr)
            raise _Answer(503, "history_unavailable",
                          f"チェックの結果を履歴（{history.path.name}）に保存できませんでした（{exc}）。"
                          "しばらく待ってからもう一度送ってください。続く場合は --db のファイルと空き容量を確認してください。")
        return {"case": case, "raw_result": result, "rec": rec, "as_of": as_of_d, "department": department,
                "profile": profile,
                "redacted": redacted, "redact_many": redact_many if redacted else None}

    # ------------------------------------------------------------------ pages
    async def index(request: Request) -> Response:
        return page("index.html", as_of=default_as_of().isoformat(), runs=history.runs(limit=8),
                    profiles=await run_in_threadpool(checker.profile_choices),
                    redact_available=_redactor()[0] is not None, redact_default=checker.redact_default)

    async def check_form(request: Request) -> Response:
        if not _same_origin(request):
            return error_page("別のサイトからの送信は受け付けません。このページから操作してください。", 403)
        try:
            ctx = await run_check(request)
        except _Answer as a:
            return error_page(a.message, a.status)
        rec = ctx["rec"]
        docs = ctx["case"].documents
        # locate evidence in the unredacted text; show redacted text where asked
        from checker.web.view import document_views

        raw_findings = _align(ctx["raw_result"], rec.result)
        build = document_views if ctx["redact_many"] is None else _locked(document_views)
        doc_views, anchors = await run_in_threadpool(build, docs, raw_findings, redact_many=ctx["redact_many"])
        return result_page(rec.run_id, rec.result, doc_views, anchors, fresh=True, profile=ctx["profile"])

    def result_page(run_id: int, result: CaseResult, doc_views, anchors, fresh: bool,
                    profile: Any = None) -> HTMLResponse:
        from checker.commands import exit_status
        from checker.web.view import checklist, comparison_views, counts, finding_views

        run = history.run(run_id)
        if profile is None:
            profile = checker.profile_for_run(run.profile)
        infos = checker.rule_infos(profile)
        rfs = history.run_findings(run_id)
        item_ids = [f.item_id for f in rfs]
        items = {i: history.item(i) for i in item_ids if i is not None}
        changes = {f.item_id: f.change for f in rfs if f.item_id is not None and f.change}
        ch = history.run_changes(run_id) if run.previous_run_id else None
        return page("result.html", run=run, result=result, checklist=checklist(result, infos),
                    findings=finding_views(result, infos, item_ids, items, changes, anchors),
                    documents=doc_views, counts=counts(result), changes=ch, fresh=fresh,
                    unreadable=[d for d in result.documents if d.error],
                    comparisons=comparison_views(result, [d["name"] for d in doc_views]),
                    standard_name=_standard_name(profile), profile_label=checker.profile_name(profile) or "default",
                    exit_status=exit_status([result]),
                    accepted_count=sum(1 for f in result.findings if f.accepted))

    async def run_page(request: Request) -> Response:
        run_id = request.path_params["run_id"]
        try:
            result = history.run_result(run_id)
        except HistoryError as exc:
            return error_page(str(exc), 404)
        from checker.web.view import document_views

        doc_views, anchors = document_views(result.documents, result.findings)
        return result_page(run_id, result, doc_views, anchors, fresh=False)

    async def run_report(request: Request) -> Response:
        run_id, fmt = request.path_params["run_id"], request.path_params["fmt"]
        if fmt not in ("html", "md", "json"):
            return error_page("レポートの形式は html、md、json のいずれかです。", 404)
        try:
            run = history.run(run_id)
            result = history.run_result(run_id)
        except HistoryError as exc:
            return error_page(str(exc), 404)
        from checker.report import render

        body = await run_in_threadpool(render, [result], fmt, as_of=run.as_of, redact=False,
                                       profile=checker.profile_for_run(run.profile))
        media = {"html": "text/html", "md": "text/markdown", "json": "application/json"}[fmt]
        return _download(body, f"itaku-report-{run_id}.{fmt}", f"{media}; charset=utf-8")

    async def history_page(request: Request) -> Response:
        return page("history.html", runs=history.runs(), open_count=len(history.items(states=("open", "answered"))))

    async def open_page(request: Request) -> Response:
        q = request.query_params
        dept = q.get("department") or None
        rule = q.get("rule") or None
        states = ("open", "answered") if q.get("state") not in ("open", "answered", "accepted", "resolved", "all") \
            else (("open", "answered", "accepted", "resolved") if q.get("state") == "all" else (q.get("state"),))
        items = history.items(states=states, department=dept, rule=rule)
        groups: dict[str, dict[str, list]] = {}
        for it in items:
            groups.setdefault(it.department or "（所管課未記入）", {}).setdefault(it.rule, []).append(it)
        all_items = history.items()
        infos = {ri.id: ri.title for ri in checker.rule_infos()}
        return page("open.html", groups=groups, total=len(items), department=dept or "", rule=rule or "",
                    state=q.get("state") or "", departments=sorted({i.department for i in all_items}),
                    rules=sorted({i.rule for i in all_items}), rule_titles=infos,
                    next_url=str(request.url.path) + (("?" + request.url.query) if request.url.query else ""))

    def answered_since(request: Request) -> tuple[list, str]:
        """The items, optionally only those updated since ``?since=YYYY-MM-DD`` (the last meeting)."""
        since = (request.query_params.get("since") or "").strip()
        try:
            dt.date.fromisoformat(since)
        except ValueError:
            since = ""
        items = history.items()
        if since:
            items = [i for i in items if i.updated_at[:10] >= since]
        return items, since

    async def answers_page(request: Request) -> Response:
        items, since = answered_since(request)
        return page("answers.html", text=answers_report(items), since=since)

    async def answers_txt(request: Request) -> Response:
        items, since = answered_since(request)
        return _download(answers_report(items), "itaku-answers.txt", "text/plain; charset=utf-8")

    async def item_action(request: Request) -> Response:
        if not _same_origin(request):
            return error_page("別のサイトからの送信は受け付けません。このページから操作してください。", 403)
        item_id, action = request.path_params["item_id"], request.path_params["action"]
        form = await request.form(max_files=0, max_fields=10)
        nxt = str(form.get("next") or "")
        if not nxt.startswith("/") or nxt.startswith("//") or "\\" in nxt:
            nxt = "/history/open"
        text = str(form.get("text") or "")
        try:
            if action == "answer":
                history.answer(item_id, text)
            elif action == "accept":
                history.accept(item_id, text)
            elif action == "resolve":
                history.resolve(item_id, text)
            elif action == "reopen":
                history.reopen(item_id, text)
            else:
                return error_page("その操作はありません。", 404)
        except LifecycleError as exc:
            return error_page(str(exc), 409, back=nxt)
        except HistoryError as exc:
            return error_page(str(exc), 400, back=nxt)
        return RedirectResponse(nxt, status_code=303)

    # ------------------------------------------------------------------ API
    async def api_check(request: Request) -> Response:
        if not _same_origin(request):
            return _json_error(403, "forbidden", "別のサイトからの送信は受け付けません。")
        try:
            ctx = await run_check(request)
        except _Answer as a:
            return _json_error(a.status, a.code, a.message)
        from checker.commands import exit_status
        from checker.report import to_json_obj

        rec = ctx["rec"]
        obj = to_json_obj([rec.result], ctx["as_of"])
        obj["exit_status"] = exit_status([rec.result])
        obj["history"] = {"run_id": rec.run_id, "previous_run_id": rec.previous_run_id,
                          "url": f"/runs/{rec.run_id}",
                          "changes": {k: len(v) for k, v in rec.changes.items()}}
        return JSONResponse(obj)

    async def api_health(request: Request) -> Response:
        return JSONResponse({"ok": True})

    routes = [
        Route("/", index),
        Route("/check", check_form, methods=["POST"]),
        Route("/api/check", api_check, methods=["POST"]),
        Route("/api/health", api_health),
        Route("/runs/{run_id:int}", run_page),
        Route("/runs/{run_id:int}/report.{fmt}", run_report),
        Route("/history", history_page),
        Route("/history/open", open_page),
        Route("/history/answers", answers_page),
        Route("/history/answers.txt", answers_txt),
        Route("/items/{item_id:int}/{action}", item_action, methods=["POST"]),
        Mount("/static", app=StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    app = Starlette(routes=routes)
    app.add_middleware(_SecurityHeaders)
    if allowed_hosts:
        from starlette.middleware.trustedhost import TrustedHostMiddleware

        app.add_middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts)
    app.state.history = history
    app.state.checker = checker
    app.state.max_upload = max_upload
    app.state.max_document = max_doc
    return app


def _redact_comparisons(result: CaseResult, redact_many: Callable[[list[str]], list[str]]) -> CaseResult:
    """The comparisons with the contract's article text masked like the evidence quotes
    (checker.redact.redact_result leaves them alone): kept in their stored form (the
    JSON of SPEC.md's case plus both article labels), which every view reads."""
    from checker.history import result_to_obj

    obj = result_to_obj(result)
    cmps = [dict(c, diffs=[dict(d) for d in c.get("diffs", ())]) for c in obj.get("comparisons", ())]
    rows = [d for c in cmps for d in c["diffs"]]
    texts = [d.get("contract") or "" for d in rows]
    for d, t in zip(rows, redact_many(texts) if texts else []):
        d["contract"] = t
    return replace(result, comparisons=tuple(cmps))


def _standard_name(profile: Any) -> str | None:
    """The file name of the profile's municipality standard (never the server path)."""
    std = getattr(profile, "standard", None)
    return Path(str(std)).name if std else None


class _Answer(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _json_error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def _align(raw: CaseResult, shown: CaseResult) -> tuple:
    """The unredacted findings in the order of ``shown`` (the same order; redaction only
    masks text), used to find the quoted sentences in the document text."""
    if len(raw.findings) == len(shown.findings):
        return raw.findings
    return shown.findings


def _download(body: str, filename: str, media_type: str) -> Response:
    quoted = urllib.parse.quote(filename)
    return Response(body.encode("utf-8"), media_type=media_type,
                    headers={"Content-Disposition": f"attachment; filename=\"{filename}\"; filename*=UTF-8''{quoted}"})


def _same_origin(request: Request) -> bool:
    """Refuse cross-site form posts (a page elsewhere posting to 127.0.0.1)."""
    if request.headers.get("sec-fetch-site") == "cross-site":
        return False
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return origin != "null"
    host = request.headers.get("host", "")
    return urllib.parse.urlsplit(origin).netloc == host


class _SecurityHeaders:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_wrapper(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
                            (b"referrer-policy", b"same-origin"), (b"x-frame-options", b"DENY")]
                message = dict(message, headers=headers)
            await send(message)

        await self.app(scope, receive, send_wrapper)


# --------------------------------------------------------------------------- itaku serve
def run_serve(args) -> int:
    """``itaku serve [--host 127.0.0.1] [--port 8000] [--db PATH]``."""
    import uvicorn

    from checker.cli import UsageError
    from checker.history import default_db_path

    db = Path(args.db) if getattr(args, "db", None) else default_db_path()
    try:
        as_of = getattr(args, "as_of", None)
        host = getattr(args, "host", None) or "127.0.0.1"
        hosts = None if host in ("0.0.0.0", "::", "") else sorted({"127.0.0.1", "localhost", "[::1]", "::1", host})
        app = create_app(db, profile=getattr(args, "profile", None), redact=bool(getattr(args, "redact", False)),
                         as_of=as_of if as_of and as_of != dt.date.today() else None, allowed_hosts=hosts)
        app.state.checker.profile  # load the profile now: a wrong --profile stops here, not at the first upload
    except HistoryError as exc:
        raise UsageError(str(exc)) from exc
    except (ValueError, OSError) as exc:
        raise UsageError(str(exc)) from exc
    port = int(getattr(args, "port", 8000) or 8000)
    print(f"委託チェッカー: http://{host}:{port}/ を開いてください（履歴: {db}）。終了は Ctrl+C。", file=sys.stderr)
    if host not in ("127.0.0.1", "localhost", "::1"):
        print(f"注意: {host} で待ち受けます。同じネットワークの他の端末からも開けます。", file=sys.stderr)
    uvicorn.run(app, host=host, port=port, log_level="warning")
    return 0
