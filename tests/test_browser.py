"""The page in a real browser: Playwright driving Debian's chromium against the server
started here. Skipped, with the reason, when /usr/bin/chromium is absent (install it with
.ci/browser-deps.sh; Playwright never downloads a browser)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from checker.web.devserver import CHROMIUM, launch_chromium, serve_in_thread

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason="/usr/bin/chromium is absent: run .ci/browser-deps.sh as root (apt-get install chromium)"),
]

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "fixtures" / "cases"
AS_OF = "2026-11-26"


def _case_dir() -> Path:
    cases = sorted(p for p in CASES.iterdir() if p.is_dir() and any(p.glob("*.txt")))
    assert cases, "fixture cases are missing"
    return cases[0]


def _files(d: Path) -> list[str]:
    return [str(p) for p in sorted(d.iterdir()) if p.suffix in (".txt", ".pdf", ".docx")]


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = launch_chromium(p)
        yield b
        b.close()


@pytest.fixture
def server(tmp_path):
    from checker.web.app import create_app

    app = create_app(tmp_path / "history.sqlite3", tmp_root=None)
    with serve_in_thread(app) as base:
        yield base


@pytest.fixture
def page(browser):
    ctx = browser.new_context(accept_downloads=True, locale="ja-JP", viewport={"width": 1400, "height": 900})
    pg = ctx.new_page()
    external = []
    pg.on("request", lambda r: external.append(r.url) if not r.url.startswith(("http://127.0.0.1", "data:", "blob:")) else None)
    yield pg
    ctx.close()
    assert external == [], f"the page asked for something outside the local server: {external}"


def test_upload_read_click_download_answer(server, page, monkeypatch):
    """The whole clerk-and-secretariat loop, with a deterministic stand-in engine so the
    page's behaviour (not the rules) is what is tested."""
    import checker.api
    from test_web import _fake_check  # tests/ is on sys.path (pytest rootdir-less prepend import)

    monkeypatch.setattr(checker.api, "check_case", _fake_check)
    page.goto(server + "/")
    assert page.locator("h1").inner_text() == "委託の書類をチェックする"
    files = _files(_case_dir())
    page.set_input_files("#files", files)
    assert page.locator("#file-list li").count() == len(files)
    page.fill("#case", "ブラウザ試験の案件")
    page.fill("#department", "健康増進課")
    page.fill("#as_of", AS_OF)
    page.click("#submit")
    page.wait_for_selector("#checklist")

    # the checklist with its marks, and a finding
    for rid, st in (("subcontracting", "violation"), ("data-return-deletion", "missing"),
                    ("password-handling", "ok"), ("post-employment-nda", "not_applicable")):
        assert page.locator(f'#checklist tr.rule-row[data-status="{st}"] code', has_text=rid).count() >= 1
    assert page.locator('#checklist tr.rule-row[data-status="violation"] .mark').first.inner_text() == "×"
    finding = page.locator("article.finding.st-violation").first
    assert "再委託が市の事前承諾なしに認められています" in finding.inner_text()

    # click it: the text scrolls to the quoted evidence, highlighted in place
    link = finding.locator("a.ev-link").first
    target_id = link.get_attribute("href").lstrip("#")
    link.click()
    target = page.locator(f"#{target_id}")
    page.wait_for_function("id => document.getElementById(id).classList.contains('flash')", arg=target_id)
    assert target.locator("mark").count() >= 1
    page.wait_for_timeout(600)  # smooth scrolling
    box = target.bounding_box()
    pane = page.locator("#doc-col").bounding_box()
    assert box and pane and pane["y"] <= box["y"] <= pane["y"] + pane["height"]
    assert "current" in (finding.get_attribute("class") or "")

    # filters by status
    page.uncheck('#filters input[value="violation"]')
    assert not finding.is_visible()
    page.check('#filters input[value="violation"]')
    assert finding.is_visible()
    ok_card = page.locator("article.finding.st-ok").first
    assert not ok_card.is_visible()  # ok findings are hidden until asked for
    page.check('#filters input[value="ok"]')
    assert ok_card.is_visible()

    # download the report
    for sel, check in (("#dl-json", lambda t: json.loads(t)["schema"] == "itaku-check/1"),
                       ("#dl-html", lambda t: "<html" in t.lower()),
                       ("#dl-md", lambda t: "再委託" in t or "subcontracting" in t)):
        with page.expect_download() as dl:
            page.click(sel)
        text = Path(dl.value.path()).read_text(encoding="utf-8")
        assert check(text), sel

    # answer the finding, then see it in the secretariat's list
    finding.locator("details.actions summary").click()
    finding.locator("textarea[name=text]").fill("ご意見に基づき、事前承諾を要件とする条項に改める。")
    finding.locator("form.answer-form button").click()
    page.wait_for_load_state()
    page.goto(server + "/history/open")
    row = page.locator("tr.item.state-answered")
    assert row.count() == 1
    assert "ご意見に基づき、事前承諾を要件とする条項に改める。" in row.inner_text()
    assert "健康増進課" in page.locator("section.dept h2").first.inner_text()
    page.goto(server + "/history/answers")
    assert "⇒ ご意見に基づき" in page.locator("#answers-report").inner_text()


def test_drop_files_and_real_engine_matches_api(server, page):
    """Files dropped on the zone are uploaded; the page's checklist is the API's (real engine)."""
    import urllib.request
    import uuid

    d = _case_dir()
    page.goto(server + "/")
    payload = [{"name": Path(f).name, "text": Path(f).read_text(encoding="utf-8")} for f in _files(d)]
    page.evaluate("""files => {
        const dt = new DataTransfer();
        for (const f of files) dt.items.add(new File([f.text], f.name, {type: 'text/plain'}));
        const zone = document.getElementById('dropzone');
        zone.dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true}));
    }""", payload)
    assert page.locator("#file-list li").count() == len(payload)
    page.fill("#as_of", AS_OF)
    page.click("#submit")
    page.wait_for_selector("#checklist")
    shown = {row.get_attribute("data-status") for row in page.locator("#checklist tr.rule-row").all()}
    ids = [c.inner_text() for c in page.locator("#checklist tr.rule-row td:nth-child(2) code").all()]

    # the same files through the API
    boundary = uuid.uuid4().hex
    body = b""
    for f in _files(d):
        body += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{Path(f).name}\"\r\n"
                 "Content-Type: text/plain\r\n\r\n").encode() + Path(f).read_bytes() + b"\r\n"
    body += f"--{boundary}\r\nContent-Disposition: form-data; name=\"as_of\"\r\n\r\n{AS_OF}\r\n--{boundary}--\r\n".encode()
    req = urllib.request.Request(server + "/api/check", data=body, method="POST",
                                 headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    with urllib.request.urlopen(req, timeout=120) as resp:
        api = json.loads(resp.read())["cases"][0]
    assert sorted(ids) == sorted(api["rules"])
    assert shown <= set(api["rules"].values()) | {"not_applicable"}
    for rid, st in api["rules"].items():
        assert page.locator(f'#checklist tr.rule-row[data-status="{st}"] code', has_text=rid).count() >= 1


def test_oversized_selection_is_refused_in_the_page(tmp_path, browser):
    from checker.web.app import create_app

    app = create_app(tmp_path / "h.sqlite3", max_upload_bytes=1024)
    with serve_in_thread(app) as base:
        ctx = browser.new_context()
        pg = ctx.new_page()
        pg.goto(base + "/")
        big = tmp_path / "big.txt"
        big.write_text("第1条 委託する。\n" * 400, encoding="utf-8")
        pg.set_input_files("#files", [str(big)])
        err = pg.locator("#client-error")
        assert err.is_visible() and "上限" in err.inner_text()
        pg.click("#submit")
        assert pg.url.rstrip("/") == base  # not sent
        ctx.close()


def test_accept_in_the_page_and_the_comparison_view(server, page, monkeypatch):
    """Accepting a finding with a reason in the page: shown as accepted, the exit status
    shown drops it, the JSON download carries SPEC's accepted. Then the standard's
    comparison when the clerk picks the bundled profile with a standard (real engine)."""
    import checker.api
    from test_web import _fake_check

    monkeypatch.setattr(checker.api, "check_case", _fake_check)
    page.goto(server + "/")
    page.set_input_files("#files", _files(_case_dir()))
    page.fill("#case", "許容の案件")
    page.fill("#as_of", AS_OF)
    page.click("#submit")
    page.wait_for_selector("#checklist")
    assert page.locator("#exit-status").get_attribute("data-exit") == "1"
    card = page.locator("article.finding.st-missing").first
    assert card.locator("details.fix[open] .fix-text").is_visible()  # model wording shown, not folded
    card.locator("details.actions summary").click()
    card.locator("form.accept-form input[name=text]").fill("紙のみの業務のため電子データの消去はない")
    card.locator("form.accept-form button").click()
    page.wait_for_selector("article.finding.is-accepted")
    accepted = page.locator("article.finding.is-accepted")
    assert accepted.count() == 1 and "紙のみの業務のため" in accepted.inner_text()
    with page.expect_download() as dl:
        page.click("#dl-json")
    found = json.loads(Path(dl.value.path()).read_text(encoding="utf-8"))["cases"][0]["findings"]
    assert [f["accepted"] for f in found if f.get("accepted")] == [{"reason": "紙のみの業務のため電子データの消去はない"}]
    monkeypatch.undo()

    page.goto(server + "/")
    page.set_input_files("#files", [str(Path(__file__).resolve().parents[1] / "fixtures" / "standard" / "combined.txt")])
    page.select_option("#profile", "sakuragaoka")
    page.fill("#as_of", "2027-03-01")
    page.click("#submit")
    page.wait_for_selector("section.comparison")
    kinds = sorted(r.get_attribute("data-kind") for r in page.locator("section.comparison .cmp-row").all())
    assert kinds == ["absent", "added", "weakened", "weakened", "weakened"]
    weak = page.locator(".cmp-row.cmp-weakened", has_text="資料等の返還等")
    assert weak.locator(".cmp-std del").first.inner_text() == "しなければならない"
    assert weak.locator(".cmp-con ins").first.inner_text() == "することができる"
