"""The HTML report printed by a real browser (Debian's chromium through Playwright): it asks
for nothing outside itself, and each case starts on a new A4 page. Skipped when chromium or
Playwright is absent (.ci/browser-deps.sh installs chromium; nothing is downloaded)."""
from __future__ import annotations

import datetime as dt
import io
import unicodedata

import pytest

from checker.report import render
from report_samples import clean_result, fake_profile, sample_result

CHROMIUM_PATH = "/usr/bin/chromium"

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def browser():
    from pathlib import Path

    if not Path(CHROMIUM_PATH).exists():
        pytest.skip("/usr/bin/chromium is absent: run .ci/browser-deps.sh")
    sync_api = pytest.importorskip("playwright.sync_api")
    from checker.web.devserver import launch_chromium

    with sync_api.sync_playwright() as p:
        b = launch_chromium(p)
        yield b
        b.close()


def test_printed_report_is_self_contained_and_breaks_pages_per_case(browser):
    import pdfplumber

    html = render([sample_result(case="案件その一"), clean_result(case="案件その二")], "html",
                  as_of=dt.date(2026, 11, 26), profile=fake_profile())
    ctx = browser.new_context(locale="ja-JP")
    page = ctx.new_page()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.set_content(html, wait_until="load")
    pdf = page.pdf(format="A4", print_background=True)
    ctx.close()
    assert [u for u in requests if not u.startswith(("data:", "about:"))] == []

    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        # NFKC: the PDF's CJK glyphs may extract as Kangxi radicals (⼆ for 二)
        texts = [unicodedata.normalize("NFKC", p.extract_text() or "").replace(" ", "") for p in doc.pages]
        width = doc.pages[0].width
    assert abs(width - 595.3) < 1.5  # A4 portrait, 210 mm
    starts = [i for i, t in enumerate(texts) if "案件その二" in t]
    assert starts, "the second case is missing from the printout"
    second = starts[0]
    assert second > 0 and texts[second].startswith("個人情報取扱事務委託点検結果")  # starts a page
    assert "案件その一" in texts[0] and "修正文例" in "".join(texts[:second])
