"""Screenshots of the main pages for the README (PNG, into this folder).

    .venv/bin/python docs/screenshots/take_screenshots.py

Starts the web page on a free port of 127.0.0.1 with a throw-away history, uploads the
2017 cancer-screening fixture case (the consultation the minutes' section (7) reviews),
answers one finding, and photographs: the upload page, the results (checklist; a finding
clicked with its evidence highlighted in the text), the secretariat's open findings and
the answers report. Uses Debian's chromium exactly as the browser tests do
(``.ci/browser-deps.sh``); nothing is downloaded.
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

CASE = ROOT / "fixtures" / "cases_pdf" / "seed-2017-cancer-screening"
CASE_NAME = "平成29年度諮問第1号 がん検診受診率向上及び精度管理向上事業業務委託"
AS_OF = "2017-05-10"


def main() -> int:
    from playwright.sync_api import sync_playwright

    from checker.web.app import create_app
    from checker.web.devserver import CHROMIUM, launch_chromium, serve_in_thread

    if not CHROMIUM.exists():
        print("/usr/bin/chromium がありません。root で .ci/browser-deps.sh を実行してください。", file=sys.stderr)
        return 2
    case = CASE if CASE.exists() else ROOT / "fixtures" / "cases" / CASE.name
    files = [str(p) for p in sorted(case.iterdir()) if p.suffix in (".pdf", ".txt", ".docx")]
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        app = create_app(Path(tmp) / "history.sqlite3")
        with serve_in_thread(app) as base:
            browser = launch_chromium(p)
            page = browser.new_page(viewport={"width": 1400, "height": 900}, locale="ja-JP", device_scale_factor=1)
            page.goto(base + "/")
            page.set_input_files("#files", files)
            page.fill("#case", CASE_NAME)
            page.fill("#department", "健康増進課")
            page.fill("#as_of", AS_OF)
            page.screenshot(path=str(OUT / "01-upload.png"))

            page.click("#submit")
            page.wait_for_selector("#checklist", timeout=180_000)
            page.screenshot(path=str(OUT / "02-results-checklist.png"), full_page=False)
            page.locator("#checklist").screenshot(path=str(OUT / "03-checklist.png"))

            link = page.locator("article.finding:not(.st-ok) a.ev-link").first
            if link.count():
                card = link.locator("xpath=ancestor::article[1]")
                card.scroll_into_view_if_needed()
                link.click()
                page.wait_for_timeout(900)
                page.locator(".workspace").scroll_into_view_if_needed()
                page.evaluate("() => document.querySelector('.finding.current').scrollIntoView({block: 'start'})")
                page.wait_for_timeout(300)
                page.screenshot(path=str(OUT / "04-finding-beside-text.png"))
                answer_card = card
            else:
                answer_card = page.locator("article.finding:not(.st-ok)").first
            if answer_card.count():
                answer_card.locator("details.actions summary").click()
                answer_card.locator("textarea[name=text]").fill(
                    "ご意見に基づき、受託者と協議のうえ、契約書の該当条項を改める。")
                answer_card.locator("form.answer-form button").click()
                page.wait_for_load_state()
            page.goto(base + "/history/open")
            page.screenshot(path=str(OUT / "05-secretariat-open-findings.png"))
            page.goto(base + "/history/answers")
            page.screenshot(path=str(OUT / "06-answers-report.png"))
            browser.close()
    for png in sorted(OUT.glob("*.png")):
        print(png.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
