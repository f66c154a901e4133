"""Escaping and names (issue 7, item 4): document text, case names and file names are
inert in every HTML page and report; batch output names are safe file names; spreadsheet
cells cannot become formulas; uploads never write outside their temporary folder.

Run end to end with the real pipeline: a `<script>` inside a quoted clause (text file and
PDF), a case folder named `<script>x</script>`, a file named `<img src=x onerror=…>.txt`.
"""
from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
AS_OF = "2026-11-26"

CLAUSE = ("第1条（再委託の禁止）乙は、あらかじめ甲の書面による承諾<script>alert(1)</script>を得た場合を除き、"
          "この契約による個人情報の取扱いを第三者に委託してはならない。\n"
          "第2条（秘密の保持）乙は、この契約による事務に関して知り得た個人情報を他に漏らしてはならない。"
          "この契約が終了し、又は解除された後においても、同様とする。\n")
TEXT = "# 個人情報取扱特記事項\n" + CLAUSE
FILE_NAME = "<img src=x onerror=alert(2)>.txt"
CASE_NAME = "<script>x</script>"
PAYLOADS = ("<script>alert(1)", "<script>x", "<img src=x", "onerror=alert(2)>")


class _Tags(HTMLParser):
    """Every start tag and its attributes, and the text of every <script> element."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts.append(data)


def assert_inert(html: str, *, shown: bool = True) -> None:
    """No payload became markup: no raw payload, no tag or attribute from the documents,
    no script text from them; and (``shown``) the payload is displayed, escaped."""
    for p in PAYLOADS:
        assert p not in html, p
    parser = _Tags()
    parser.feed(html)
    assert not any(t == "img" and a.get("src") == "x" for t, a in parser.tags)
    assert not any(k.startswith("on") for _, a in parser.tags for k in a)  # no inline event handlers at all
    assert not any("alert(" in s for s in parser.scripts)
    if shown:
        assert "&lt;script&gt;" in html or "&#60;script&#62;" in html


@pytest.fixture()
def case_dir(tmp_path):
    d = tmp_path / CASE_NAME
    d.mkdir(parents=True)  # "<script>x<" / "script>": the slash makes it two folders
    (d / FILE_NAME).write_text(TEXT, encoding="utf-8")
    return d


def _run(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "checker.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)


def test_check_html_is_inert(case_dir):
    r = _run("check", case_dir, "--format", "html", "--as-of", AS_OF)
    assert r.returncode in (0, 1), r.stderr
    assert "alert(1)" in r.stdout  # the clause is quoted, so the test can fail
    assert_inert(r.stdout)


def test_check_markdown_is_inert(case_dir):
    """Markdown viewers render inline HTML: the report must escape it too."""
    r = _run("check", case_dir, "--format", "md", "--as-of", AS_OF)
    assert r.returncode in (0, 1), r.stderr
    assert "alert(1)" in r.stdout
    for p in PAYLOADS:
        assert p not in r.stdout


def test_html_of_a_pdf_with_script_text_is_inert(tmp_path):
    """fixtures/hostile/javascript.pdf: a JavaScript action, and `<script>` as page text."""
    src = ROOT / "fixtures" / "hostile" / "javascript.pdf"
    d = tmp_path / CASE_NAME
    d.mkdir(parents=True)
    shutil.copy(src, d / "契約書.pdf")
    (d / "特記事項.txt").write_text(TEXT, encoding="utf-8")
    r = _run("check", d, "--format", "html", "--as-of", AS_OF)
    assert r.returncode in (0, 1), r.stderr
    assert_inert(r.stdout)
    assert "app.alert" not in r.stdout and "exportDataObject" not in r.stdout  # the script is never read
    j = _run("check", d / "契約書.pdf", "--format", "json", "--as-of", AS_OF)
    doc = json.loads(j.stdout)["cases"][0]["documents"][0]
    assert doc["error"] is None  # read as text, the script ignored


def _safe_tree(out: Path) -> list[Path]:
    files = [p for p in out.rglob("*") if p.is_file()]
    for p in files:
        assert p.resolve().is_relative_to(out.resolve())
        rel = p.relative_to(out).as_posix()
        assert not any(ch in rel for ch in '<>:"|?*\\'), rel
        assert ".." not in rel.split("/")
    return files


def test_batch_outputs_are_inert_and_safely_named(tmp_path):
    root = tmp_path / "cases"
    root.mkdir()
    for name in ("<script>x", "<img src=x onerror=alert(2)>", "=HYPERLINK(\"http:x\",\"y\")", "+cmd", "..."):
        d = root / name
        d.mkdir()
        (d / FILE_NAME).write_text(TEXT, encoding="utf-8")
    out = tmp_path / "out"
    r = _run("batch", root, "--out", out, "--workers", "1", "--as-of", AS_OF, "--no-cache", timeout=600)
    assert r.returncode in (0, 1), r.stderr
    files = _safe_tree(out)
    htmls = [p for p in files if p.suffix == ".html"]
    assert len(htmls) >= 5  # index + one page per case ("..." is hidden, skipped)
    for p in htmls:
        assert_inert(p.read_text(encoding="utf-8"), shown=False)
    assert any("alert(1)" in p.read_text(encoding="utf-8") for p in htmls)
    for p in files:
        if p.suffix == ".md":
            for payload in PAYLOADS:
                assert payload not in p.read_text(encoding="utf-8"), (p.name, payload)

    # spreadsheet cells never start a formula (CSV/XLSX injection)
    csv_path = out / "checklist.csv"
    if csv_path.exists():
        text = csv_path.read_text(encoding="utf-8-sig")
        for row in csv.reader(io.StringIO(text)):
            for cell in row:
                assert not cell[:1] in ("=", "+", "@") and not (cell[:1] == "-" and cell[1:2].isalpha()), cell
    xlsx = out / "checklist.xlsx"
    if xlsx.exists():
        import openpyxl

        wb = openpyxl.load_workbook(xlsx)
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for c in row:
                    assert c.data_type != "f", (ws.title, c.coordinate, c.value)


# --------------------------------------------------------------------------- the web page
@pytest.fixture()
def web(tmp_path):
    pytest.importorskip("httpx")
    from starlette.testclient import TestClient

    from checker.web.app import create_app

    uploads = tmp_path / "uploads"
    uploads.mkdir()
    return TestClient(create_app(tmp_path / "history.sqlite3", tmp_root=uploads)), uploads


def test_web_page_is_inert(web):
    client, _ = web
    files = [("files", (FILE_NAME, TEXT.encode("utf-8"), "text/plain"))]
    r = client.post("/check", data={"case": CASE_NAME, "as_of": AS_OF}, files=files, follow_redirects=True)
    assert r.status_code == 200
    assert "alert(1)" in r.text
    assert_inert(r.text)
    for fmt in ("html", "md"):
        links = [u for u in _links(r.text) if u.endswith(f"report.{fmt}")]
        for u in links:
            rep = client.get(u)
            assert rep.status_code == 200
            for p in PAYLOADS:
                assert p not in rep.text
    hist = client.get("/history")
    assert hist.status_code == 200
    assert_inert(hist.text)


def _links(html: str) -> list[str]:
    parser = _Tags()
    parser.feed(html)
    return [a["href"] for t, a in parser.tags if t == "a" and a.get("href", "").startswith("/")]


@pytest.mark.parametrize("name", ["../../escape.txt", "..\\..\\escape.txt", "/tmp/escape.txt", "../", "..",
                                  "a/../../escape.txt", "\x00escape.txt", "escape.txt\x00.pdf"])
def test_upload_names_never_leave_the_temp_folder(web, tmp_path, name):
    client, uploads = web
    before = {p for p in tmp_path.parent.rglob("escape*")}
    files = [("files", (name, TEXT.encode("utf-8"), "text/plain"))]
    r = client.post("/api/check", data={"case": "traversal", "as_of": AS_OF}, files=files,
                    headers={"origin": "http://testserver"})
    assert r.status_code in (200, 400), r.text
    after = {p for p in tmp_path.parent.rglob("escape*")}
    assert after == before
    assert not Path("/tmp/escape.txt").exists()
    assert list(uploads.iterdir()) == []  # the request's folder is gone
    if r.status_code == 200:
        for d in r.json()["cases"][0]["documents"]:
            assert "/" not in Path(d["path"]).name and ".." not in d["path"].split("/")
