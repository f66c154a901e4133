"""The web page and POST /api/check: every error answer, limits, temp folders, the
results page with evidence highlighted in the text, and the history actions."""
from __future__ import annotations

import json
import threading
import warnings
from pathlib import Path

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

import checker.api
from checker.model import CaseResult, Evidence, Finding, Status
from checker.web.app import create_app
from checker.web.upload import sanitise_filename

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "fixtures" / "cases"
BAD = ROOT / "fixtures" / "bad"
AS_OF = "2026-11-26"


def _case_files(case_dir: Path) -> list[Path]:
    return [p for p in sorted(case_dir.iterdir())
            if p.is_file() and p.suffix.lower() in (".txt", ".pdf", ".docx") and not p.name.startswith(".")]


def _upload(paths, names=None):
    out = []
    for i, p in enumerate(paths):
        name = names[i] if names else p.name
        out.append(("files", (name, p.read_bytes(), "application/octet-stream")))
    return out


@pytest.fixture
def make_client(tmp_path):
    def make(**kw):
        kw.setdefault("tmp_root", tmp_path / "uploads")
        (tmp_path / "uploads").mkdir(exist_ok=True)
        app = create_app(tmp_path / "history.sqlite3", **kw)
        return TestClient(app)
    return make


@pytest.fixture
def client(make_client):
    return make_client()


def _a_case() -> Path:
    cases = sorted(p for p in CASES.iterdir() if p.is_dir() and _case_files(p))
    assert cases, "fixture cases are missing"
    return cases[0]


# --------------------------------------------------------------------------- fake engine
def _fake_check(case, as_of, profile=None):
    """A deterministic stand-in for the engine: one violation citing the second sentence
    of the first readable document (quoted in part), one missing, one ok."""
    doc = next(d for d in case.documents if not d.error and len(d.sentences) > 2)
    s = doc.sentences[1]
    quote = (s.raw or s.text)
    part = quote[2:14] if len(quote) > 16 else quote
    findings = (
        Finding("subcontracting", "subcontracting.clause", Status.VIOLATION, "high",
                "再委託が市の事前承諾なしに認められています。<script>alert(1)</script>",
                evidence=(Evidence(doc.path, s.page, s.clause or "第1条", part),)),
        Finding("data-return-deletion", "data-return-deletion.method", Status.MISSING, "high",
                "消去の方法が書かれていません。"),
        Finding("password-handling", "password-handling.protection", Status.OK, "medium", "暗号化されています。",
                evidence=(Evidence(doc.path, doc.sentences[2].page, None, doc.sentences[2].raw or doc.sentences[2].text),)),
    )
    rules = {"subcontracting": Status.VIOLATION, "data-return-deletion": Status.MISSING,
             "password-handling": Status.OK, "post-employment-nda": Status.NOT_APPLICABLE}
    return CaseResult(case=case.name, documents=case.documents, rules=rules, findings=findings,
                      checks={"subcontracting.clause": Status.VIOLATION, "data-return-deletion.method": Status.MISSING,
                              "password-handling.protection": Status.OK,
                              "post-employment-nda.clause": Status.NOT_APPLICABLE})


@pytest.fixture
def fake_engine(monkeypatch):
    monkeypatch.setattr(checker.api, "check_case", _fake_check)


# --------------------------------------------------------------------------- pages
def test_index_is_japanese_self_contained_and_locked_down(client):
    r = client.get("/")
    assert r.status_code == 200
    assert 'lang="ja"' in r.text and "ドラッグ＆ドロップ" in r.text
    assert "http://" not in r.text and "https://" not in r.text  # no CDN, no external asset
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    for asset in ("/static/style.css", "/static/app.js"):
        a = client.get(asset)
        assert a.status_code == 200
        assert "http://" not in a.text and "https://" not in a.text


def test_filename_sanitising():
    assert sanitise_filename("../../etc/passwd", 0) == "passwd"
    assert sanitise_filename("..\\..\\win.ini", 0) == "win.ini"
    assert sanitise_filename("....", 3) == "file-4"
    assert sanitise_filename(".hidden.txt", 0) == "hidden.txt"
    assert sanitise_filename("契約書（案）.pdf", 0) == "契約書（案）.pdf"
    assert sanitise_filename("a\x00b<c>.txt", 0) == "a_b_c_.txt"
    long = sanitise_filename("あ" * 300 + ".pdf", 0)
    assert len(long) <= 120 and long.endswith(".pdf")


# --------------------------------------------------------------------------- API errors
def test_no_files_is_400(client):
    r = client.post("/api/check", data={"case": "x"}, files=[("other", ("a.txt", b"abc", "text/plain"))])
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "no_files" and "ファイルが選ばれていません" in r.json()["error"]["message"]
    r = client.post("/api/check", content=b"{}", headers={"content-type": "application/json"})
    assert r.status_code == 400 and "multipart" in r.json()["error"]["message"]


def test_bad_reference_date_is_400(client):
    r = client.post("/api/check", data={"as_of": "令和8年"}, files=_upload(_case_files(_a_case())))
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_as_of"
    assert "YYYY-MM-DD" in r.json()["error"]["message"]


def test_over_total_limit_is_413_by_content_length(make_client):
    c = make_client(max_upload_bytes=2000)
    r = c.post("/api/check", files=[("files", ("big.txt", "第1条 あ。\n".encode() * 400, "text/plain"))])
    assert r.status_code == 413
    err = r.json()["error"]
    assert err["code"] == "too_large" and "上限" in err["message"] and "KB" in err["message"]
    # the HTML form gets a Japanese page, and the server keeps serving
    r = c.post("/check", files=[("files", ("big.txt", b"x" * 5000, "text/plain"))])
    assert r.status_code == 413 and "上限" in r.text
    assert c.get("/").status_code == 200
    small = c.post("/api/check", files=[("files", ("a.txt", "第1条 甲は乙に委託する。".encode(), "text/plain"))])
    assert small.status_code == 200


def test_over_total_limit_is_413_while_streaming(make_client, tmp_path):
    """No Content-Length (chunked): the body is counted as it arrives."""
    c = make_client(max_upload_bytes=3000)
    boundary = "itakuboundary"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"big.txt\"\r\n"
            "Content-Type: text/plain\r\n\r\n").encode()

    def body():
        yield head
        for _ in range(20):
            yield b"a" * 500
        yield f"\r\n--{boundary}--\r\n".encode()

    r = c.post("/api/check", content=body(), headers={"content-type": f"multipart/form-data; boundary={boundary}"})
    assert r.status_code == 413
    assert list((tmp_path / "uploads").iterdir()) == []  # nothing left behind


def test_document_errors_inside_a_checked_case(client):
    good = _case_files(_a_case())
    files = _upload(good) + [
        ("files", ("photo.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "image/png")),
        ("files", ("empty.txt", b"", "text/plain")),
        ("files", ("scan.pdf", (BAD / "scanned_only.pdf").read_bytes(), "application/pdf")),
        ("files", ("locked.pdf", (BAD / "encrypted.pdf").read_bytes(), "application/pdf")),
    ]
    r = client.post("/api/check", files=files, data={"as_of": AS_OF})
    assert r.status_code == 200
    data = r.json()
    assert data["schema"] == "itaku-check/1"
    docs = {d["path"]: d for d in data["cases"][0]["documents"]}
    assert docs["photo.png"]["error"]["code"] == "unsupported_type"
    assert docs["empty.txt"]["error"]["code"] == "empty"
    assert docs["scan.pdf"]["error"]["code"] == "image_only"
    assert docs["locked.pdf"]["error"]["code"] == "encrypted"
    for name in ("photo.png", "empty.txt", "scan.pdf", "locked.pdf"):
        assert name in docs[name]["error"]["message"]  # names the file
        assert "/tmp" not in docs[name]["error"]["message"] and "itaku-upload" not in docs[name]["error"]["message"]
    for p in good:  # the rest is still checked
        assert docs[p.name]["error"] is None and docs[p.name]["kind"]
    assert data["exit_status"] == 1  # an unreadable document
    # the HTML page explains the same errors in plain Japanese
    page = client.post("/check", files=files, data={"as_of": AS_OF})
    assert page.status_code == 200
    import html as _html

    assert "読み込めなかったファイル" in page.text
    for name in ("photo.png", "empty.txt", "scan.pdf", "locked.pdf"):
        assert _html.escape(docs[name]["error"]["message"], quote=False) in page.text


def test_single_document_over_per_document_limit_is_too_large(make_client):
    c = make_client(max_document_bytes=1500)
    small = "第1条 甲は、乙に業務を委託する。\n".encode()
    big = "第1条 甲は、乙に業務を委託する。\n".encode() * 200
    r = c.post("/api/check", files=[("files", ("small.txt", small, "text/plain")),
                                    ("files", ("big.txt", big, "text/plain"))], data={"as_of": AS_OF})
    assert r.status_code == 200
    docs = {d["path"]: d for d in r.json()["cases"][0]["documents"]}
    assert docs["big.txt"]["error"]["code"] == "too_large" and "big.txt" in docs["big.txt"]["error"]["message"]
    assert docs["small.txt"]["error"] is None


def test_uploads_go_to_a_fresh_folder_removed_afterwards(make_client, tmp_path, monkeypatch):
    seen = []
    real = checker.api.load_case

    def spy(path, name=None):
        seen.append(Path(path))
        assert len(list(Path(path).iterdir())) == 1  # only this request's file
        if len(seen) == 1:
            assert (Path(path) / "passwd").is_file()  # "../../passwd" landed inside, sanitised
        return real(path, name=name)

    monkeypatch.setattr(checker.api, "load_case", spy)
    c = make_client()
    r = c.post("/api/check", files=[("files", ("../../passwd", "第1条 委託する。".encode(), "text/plain"))])
    assert r.status_code == 200
    assert r.json()["cases"][0]["documents"][0]["path"] == "passwd"
    r2 = c.post("/api/check", files=[("files", ("a.txt", "第1条 委託する。".encode(), "text/plain"))])
    assert r2.status_code == 200
    assert len(seen) == 2 and seen[0] != seen[1]
    assert seen[0].name.startswith("itaku-upload-")
    assert all(p.parent == tmp_path / "uploads" for p in seen)
    assert list((tmp_path / "uploads").iterdir()) == []
    assert not (tmp_path / "passwd").exists()


def test_concurrent_requests_never_mix_files(make_client):
    c = make_client()
    results = {}

    def post(k):
        names = [f"r{k}-a.txt", f"r{k}-b.txt"]
        files = [("files", (n, f"第1条 案件{k}の契約。\n".encode(), "text/plain")) for n in names]
        r = c.post("/api/check", files=files, data={"case": f"並行{k}"})
        results[k] = (r.status_code, [d["path"] for d in r.json()["cases"][0]["documents"]],
                      r.json()["cases"][0]["case"])

    threads = [threading.Thread(target=post, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for k in range(6):
        assert results[k] == (200, [f"r{k}-a.txt", f"r{k}-b.txt"], f"並行{k}")


def test_cross_site_posts_are_refused(client):
    r = client.post("/api/check", files=_upload(_case_files(_a_case())), headers={"origin": "http://evil.example"})
    assert r.status_code == 403
    r = client.post("/items/1/answer", data={"text": "x"}, headers={"sec-fetch-site": "cross-site"})
    assert r.status_code == 403


# --------------------------------------------------------------------------- CLI / API equality
def _statuses(case_obj: dict) -> tuple:
    return (dict(case_obj["rules"]),
            sorted((f["check"], f["status"]) for f in case_obj["findings"]),
            sorted((Path(d["path"]).name, tuple(d["kind"]), (d["error"] or {}).get("code")) for d in case_obj["documents"]))


_TEXT_CASES = sorted(p.name for p in CASES.iterdir() if p.is_dir())
_PDF_CASES = [f"../cases_pdf/{p.name}" for p in sorted((ROOT / "fixtures" / "cases_pdf").iterdir()) if p.is_dir()][::7]


@pytest.mark.parametrize("case_dir", _TEXT_CASES + _PDF_CASES + ["../bad"])
def test_api_gives_the_cli_statuses(client, tmp_path, case_dir):
    from checker.cli import main

    d = (CASES / case_dir).resolve()
    out = tmp_path / "cli.json"
    main(["check", str(d), "--format", "json", "--as-of", AS_OF, "--out", str(out)])
    cli = json.loads(out.read_text(encoding="utf-8"))["cases"][0]
    r = client.post("/api/check", files=_upload(checker.api.case_files(d)), data={"as_of": AS_OF, "case": d.name})
    assert r.status_code == 200
    api = r.json()["cases"][0]
    assert _statuses(api) == _statuses(cli)
    assert r.json()["as_of"] == AS_OF


# --------------------------------------------------------------------------- results page
def test_results_page_shows_checklist_findings_and_highlighted_evidence(client, fake_engine):
    files = _upload(_case_files(_a_case()))
    r = client.post("/check", files=files, data={"as_of": AS_OF, "case": "案件X", "department": "健康増進課"})
    assert r.status_code == 200
    html = r.text
    # every rule of the checklist with its mark
    for rid, mark in (("subcontracting", "×"), ("data-return-deletion", "×"), ("password-handling", "○"),
                      ("post-employment-nda", "－")):
        assert f'data-status="{_fake_rules()[rid]}"' in html and rid in html and mark in html
    # the finding links to the sentence it quotes, which is highlighted in place
    import re

    m = re.search(r'<article class="finding st-violation[^"]*" id="(f\d+)"', html)
    assert m
    link = re.search(r'class="ev-link" href="#(d\d+-s\d+)"', html)
    assert link
    target = link.group(1)
    sent = re.search(rf'<p class="sent cited st-violation" id="{target}" data-findings="([^"]*)"[^>]*>(.*?)</p>', html)
    assert sent and m.group(1) in sent.group(1).split()
    assert "<mark>" in sent.group(2)
    # the document text is escaped, the finding message too
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    # the missing finding has no evidence link but is shown; downloads are offered
    assert "消去の方法が書かれていません。" in html
    assert 'href="/runs/1/report.html"' in html and 'href="/runs/1/report.json"' in html


def _fake_rules():
    return {"subcontracting": "violation", "data-return-deletion": "missing", "password-handling": "ok",
            "post-employment-nda": "not_applicable"}


def test_downloads_of_a_stored_run(client, fake_engine):
    r = client.post("/api/check", files=_upload(_case_files(_a_case())), data={"as_of": AS_OF, "case": "案件D"})
    run = r.json()["history"]["run_id"]
    for fmt, media in (("html", "text/html"), ("md", "text/markdown"), ("json", "application/json")):
        d = client.get(f"/runs/{run}/report.{fmt}")
        assert d.status_code == 200 and d.headers["content-type"].startswith(media)
        assert "attachment" in d.headers["content-disposition"]
        assert "再委託が市の事前承諾なしに認められています" in d.text
    js = client.get(f"/runs/{run}/report.json").json()
    assert js["as_of"] == AS_OF and js["cases"][0]["rules"]["subcontracting"] == "violation"
    assert client.get(f"/runs/{run}/report.exe").status_code == 404
    assert client.get("/runs/999").status_code == 404
    page = client.get(f"/runs/{run}")
    assert page.status_code == 200 and "本文は保存していません" in page.text


def test_answer_accept_and_recheck_through_the_web(client, fake_engine):
    files = _upload(_case_files(_a_case()))
    r1 = client.post("/api/check", files=files, data={"as_of": AS_OF, "case": "案件L", "department": "介護保険課"}).json()
    assert r1["exit_status"] == 1 and r1["history"]["changes"]["new"] == 2
    from checker.history import History

    # find the two tracked items through the open list
    page = client.get("/history/open")
    assert "介護保険課" in page.text and "案件L" in page.text
    import re

    ids = sorted(set(int(x) for x in re.findall(r'action="/items/(\d+)/answer"', page.text)))
    assert len(ids) == 2
    a = client.post(f"/items/{ids[0]}/answer", data={"text": "ご意見に基づき、事前承諾の条項を設ける。", "next": "/history/open"},
                    follow_redirects=False)
    assert a.status_code == 303 and a.headers["location"] == "/history/open"
    assert "ご意見に基づき、事前承諾の条項を設ける。" in client.get("/history/open").text
    answers = client.get("/history/answers").text
    assert "&lt; 案件L (介護保険課) &gt;" in answers and "⇒ ご意見に基づき" in answers
    assert "⇒ ご意見に基づき" in client.get("/history/answers.txt").text
    # empty answer and an unsafe redirect target
    bad = client.post(f"/items/{ids[0]}/answer", data={"text": " "})
    assert bad.status_code == 400 and "回答が空です" in bad.text
    off = client.post(f"/items/{ids[1]}/accept", data={"text": "紙のみの業務のため", "next": "//evil.example/"},
                      follow_redirects=False)
    assert off.status_code == 303 and off.headers["location"] == "/history/open"
    # re-check: the accepted finding carries SPEC's accepted and keeps its status
    r2 = client.post("/api/check", files=files, data={"as_of": AS_OF, "case": "案件L", "department": "介護保険課"}).json()
    f = {x["check"]: x for x in r2["cases"][0]["findings"]}
    accepted = [x for x in f.values() if x.get("accepted")]
    assert len(accepted) == 1 and accepted[0]["accepted"] == {"reason": "紙のみの業務のため"}
    assert accepted[0]["status"] in ("violation", "missing")
    assert r2["history"]["previous_run_id"] == r1["history"]["run_id"]
    assert r2["history"]["changes"] == {"new": 0, "still_open": 2, "resolved": 0}
    # the lifecycle refuses what it does not allow, with a clear page
    client.post(f"/items/{ids[0]}/resolve", data={})
    again = client.post(f"/items/{ids[0]}/answer", data={"text": "再回答"})
    assert again.status_code == 409 and "未対応に戻す" in again.text
    hist = History(client.app.state.history.path, create=False)
    assert hist.item(ids[0]).state == "resolved"


def test_history_survives_a_server_restart(tmp_path):
    db = tmp_path / "h.sqlite3"
    c1 = TestClient(create_app(db, tmp_root=None))
    r = c1.post("/api/check", files=_upload(_case_files(_a_case())), data={"case": "再起動の案件", "as_of": AS_OF})
    run = r.json()["history"]["run_id"]
    del c1
    c2 = TestClient(create_app(db, tmp_root=None))  # a new server process on the same file
    page = c2.get("/history")
    assert "再起動の案件" in page.text and f'href="/runs/{run}"' in page.text
    r2 = c2.post("/api/check", files=_upload(_case_files(_a_case())), data={"case": "再起動の案件", "as_of": AS_OF})
    assert r2.json()["history"]["previous_run_id"] == run


def test_only_loopback_host_names_are_served_when_asked(tmp_path):
    app = create_app(tmp_path / "h.sqlite3", allowed_hosts=["127.0.0.1", "localhost"])
    assert TestClient(app, base_url="http://127.0.0.1:8000").get("/").status_code == 200
    assert TestClient(app, base_url="http://rebound.example").get("/").status_code == 400


def test_same_names_are_kept_apart_and_skipped_names_reported(client):
    files = [("files", ("契約書.txt", "第1条 甲は乙に委託する。".encode(), "text/plain")),
             ("files", ("sub/契約書.txt", "第1条 甲は丙に委託する。".encode(), "text/plain")),
             ("files", ("expected.yaml", b"rules: {}", "text/plain"))]
    docs = client.post("/api/check", files=files).json()["cases"][0]["documents"]
    assert [d["path"] for d in docs] == ["契約書.txt", "契約書-2.txt", "expected.yaml"]
    assert docs[2]["error"]["code"] == "unsupported_type" and "expected.yaml" in docs[2]["error"]["message"]


def test_serve_binds_to_loopback_by_default(monkeypatch, tmp_path):
    import uvicorn

    from checker.cli import main

    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(kw))
    assert main(["serve", "--db", str(tmp_path / "h.sqlite3"), "--port", "8123"]) == 0
    assert seen["host"] == "127.0.0.1" and seen["port"] == 8123


def _fake_check_full_quote(case, as_of, profile=None):
    doc = next(d for d in case.documents if not d.error)
    s = next(x for x in doc.sentences if "@" in (x.raw or x.text))
    f = Finding("password-handling", "password-handling.holders", Status.NEEDS_REVIEW, "medium",
                f"パスワードを知る者が書かれていません（「{s.raw or s.text}」）。",
                evidence=(Evidence(doc.path, s.page, s.clause, s.raw or s.text),))
    return CaseResult(case=case.name, documents=case.documents, rules={"password-handling": Status.NEEDS_REVIEW},
                      findings=(f,), checks={"password-handling.holders": Status.NEEDS_REVIEW})


def test_redaction_switch_masks_quotes_text_and_history(client, monkeypatch, tmp_path):
    pytest.importorskip("checker.redact")
    monkeypatch.setattr(checker.api, "check_case", _fake_check_full_quote)
    text = ("個人情報取扱特記事項\n"
            "第1条 乙は、パスワードを設定した電子記録媒体で納品する。\n"
            "第2条 連絡先は taro.yamada@example.jp 又は電話 03-1234-5678 とする。\n")
    files = [("files", ("sp.txt", text.encode(), "text/plain"))]
    r = client.post("/api/check", files=files, data={"redact": "1", "case": "伏字"})
    body = r.text
    assert r.status_code == 200
    assert "taro.yamada@example.jp" not in body and "03-1234-5678" not in body
    assert "［メールアドレス］" in r.json()["cases"][0]["findings"][0]["evidence"][0]["text"]
    page = client.post("/check", files=files, data={"redact": "on", "case": "伏字"})
    assert "taro.yamada@example.jp" not in page.text and "03-1234-5678" not in page.text
    assert "<mark>" in page.text and "［電話番号］" in page.text
    run = r.json()["history"]["run_id"]
    assert "taro.yamada@example.jp" not in client.get(f"/runs/{run}/report.json").text
    # without the switch the text is shown as read
    plain = client.post("/check", files=files, data={"case": "伏字"})
    assert "taro.yamada@example.jp" in plain.text


def test_answers_report_since_a_date(client, fake_engine):
    client.post("/api/check", files=_upload(_case_files(_a_case())), data={"case": "案件S", "department": "納税課"})
    import re

    ids = sorted(set(int(x) for x in re.findall(r'action="/items/(\d+)/answer"', client.get("/history/open").text)))
    client.post(f"/items/{ids[0]}/answer", data={"text": "市ホームページに掲載する予定。"})
    assert "⇒ 市ホームページに掲載する予定。" in client.get("/history/answers?since=2000-01-01").text
    assert "市ホームページに掲載する予定。" not in client.get("/history/answers.txt?since=2999-01-01").text
    assert "市ホームページに掲載する予定。" in client.get("/history/answers.txt?since=bad").text


def test_recheck_page_shows_what_changed(client, fake_engine):
    files = _upload(_case_files(_a_case()))
    client.post("/check", files=files, data={"case": "改訂の案件", "as_of": AS_OF})
    again = client.post("/check", files=files, data={"case": "改訂の案件", "as_of": AS_OF})
    assert "前回のチェック（#1）からの変化" in again.text
    assert 'class="chg chg-still_open">継続' in again.text
    assert 'href="/runs/1"' in again.text


def test_a_crash_in_the_pipeline_is_one_clear_answer_and_the_server_goes_on(client, monkeypatch):
    def boom(case, as_of, profile=None):
        raise RuntimeError("engine bug")

    monkeypatch.setattr(checker.api, "check_case", boom)
    r = client.post("/api/check", files=_upload(_case_files(_a_case())))
    assert r.status_code == 500 and "予期しないエラー" in r.json()["error"]["message"]
    page = client.post("/check", files=_upload(_case_files(_a_case())))
    assert page.status_code == 500 and "システムの担当者" in page.text
    monkeypatch.undo()
    assert client.post("/api/check", files=_upload(_case_files(_a_case()))).status_code == 200


def test_serve_refuses_a_wrong_profile_before_starting(monkeypatch, tmp_path, capsys):
    import uvicorn

    from checker.cli import main

    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: pytest.fail("must not start"))
    assert main(["serve", "--db", str(tmp_path / "h.sqlite3"), "--profile", str(tmp_path / "none.toml")]) == 2
    assert "none.toml" in capsys.readouterr().err
