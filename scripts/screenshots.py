"""Screenshots of the main pages in English, Korean and Arabic, phone and desktop.

Starts the embedded portal on a fresh SQLite database with the demo data, then saves
PNGs to screenshots/ (or the folder given as the first argument) for people to look at.
Usage: .venv/bin/python scripts/screenshots.py [folder]
"""

import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "screenshots"
PORT = 8766
PAGES = {
    "home": "/{lang}/",
    "catalog": "/{lang}/programs/",
    "catalog-filtered": "/{lang}/programs/?category=technology&language={lang}",
    "program": "/{lang}/programs/{program}/",
    "my-learning": "/{lang}/me/",
    "organizations": "/{lang}/organizations/",
    "glossary": "/{lang}/glossary/",
    # The community pages, as the signed-in volunteer (or Kang Min-seo in Korean).
    "exchange": "/{lang}/exchange/",
    "exchange-mentors": "/{lang}/exchange/mentors/",
    "exchange-mine": "/{lang}/exchange/me/",
    "exchange-contacts": "/{lang}/exchange/contacts/",
    "support": "/{lang}/support/",
    "support-new": "/{lang}/support/new/",
    "profile-page": "/{lang}/people/minseo_kang/",
    "recognition": "/{lang}/me/recognition/",
    "demographics": "/{lang}/me/demographics/",
    "delete-account": "/{lang}/me/delete/",
    # The open funding pages (a volunteer following "Funding" lands on the open figures).
    "funding-open": "/{lang}/funding/",
    "funding-rates": "/{lang}/funding/rates/",
}
# What affiliate staff see (as Kang Min-seo, an admin of the Korean Wikidata Lab).
STAFF_PAGES = {
    "workspace": "/{lang}/workspace/",
    "workspace-organization": "/{lang}/workspace/korean-wikidata-lab/",
    "workspace-reports": "/{lang}/workspace/korean-wikidata-lab/reports/",
    "workspace-program-form": "/{lang}/workspace/programs/wikidata-first-items-ko/edit/",
    "workspace-program": "/{lang}/workspace/programs/wikidata-first-items-ko/",
    "imports": "/{lang}/workspace/imports/korean-wikidata-lab/",
    "audit": "/{lang}/organizations/korean-wikidata-lab/audit/",
    "funding-received": "/{lang}/funding/received/",
}
# What a funder's staff see (as Gabrielle Tremblay, Open Knowledge Movement Fund).
FUNDER_PAGES = {
    "funding-dashboard": "/{lang}/funding/",
    "funding-dashboard-emerging": "/{lang}/funding/?community=emerging",
    "funding-funds": "/{lang}/funding/funds/",
    "funding-allocations": "/{lang}/funding/allocations/",
}
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    folder = tempfile.mkdtemp()
    env = {key: value for key, value in os.environ.items() if key not in {"REDIS_URL"}}
    env["DATABASE_URL"] = f"sqlite:///{folder}/db.sqlite3"
    env["DEBUG"] = "true"  # the embedded default, as `make demo` runs it
    python = sys.executable
    subprocess.run(
        [python, "manage.py", "migrate", "--no-input"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
    )
    subprocess.run([python, "manage.py", "demo"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    server = subprocess.Popen(
        [python, "manage.py", "runserver", f"127.0.0.1:{PORT}", "--noreload"],
        cwd=ROOT,
        env=env,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz")  # noqa: S310 — our own local server
                break
            except OSError:
                time.sleep(0.1)
        shoot()
    finally:
        server.terminate()


def shoot_staff_pages(browser, lang, name, viewport):
    context = browser.new_context(viewport=viewport, locale=lang, base_url=f"http://127.0.0.1:{PORT}")
    page = context.new_page()
    page.goto("/accounts/login/")
    page.fill("input[name=login]", "minseo_kang@example.org")
    page.fill("input[name=password]", "capacity-demo")
    page.click("form button[type=submit]")
    page.wait_for_load_state()
    for page_name, path in STAFF_PAGES.items():
        page.goto(path.format(lang=lang))
        page.wait_for_load_state("networkidle")
        page.screenshot(path=OUT / f"{page_name}-{lang}-{name}.png", full_page=name == "desktop")
    # The activity report of the session whose Dashboard course was imported.
    page.goto(f"/{lang}/workspace/korean-wikidata-lab/reports/")
    page.locator("a[href*='/report/']").first.click()
    page.wait_for_load_state("networkidle")
    page.screenshot(path=OUT / f"report-{lang}-{name}.png", full_page=name == "desktop")
    context.close()


def shoot_funder_pages(browser, lang, name, viewport):
    context = browser.new_context(viewport=viewport, locale=lang, base_url=f"http://127.0.0.1:{PORT}")
    page = context.new_page()
    page.goto("/accounts/login/")
    page.fill("input[name=login]", "gabrielle_tremblay@example.org")
    page.fill("input[name=password]", "capacity-demo")
    page.click("form button[type=submit]")
    page.wait_for_load_state()
    for page_name, path in FUNDER_PAGES.items():
        page.goto(path.format(lang=lang))
        page.wait_for_load_state("networkidle")
        page.screenshot(path=OUT / f"{page_name}-{lang}-{name}.png", full_page=True)
    # The overspent allocation, with its spending, reason and status timeline.
    page.goto(f"/{lang}/funding/allocations/?overspent=1")
    page.locator("main table a[href*='/funding/allocations/']").first.click()
    page.wait_for_load_state("networkidle")
    page.screenshot(path=OUT / f"funding-allocation-{lang}-{name}.png", full_page=True)
    context.close()


def shoot():
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
    ]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=flags)
        for lang in ("en", "ko", "ar"):
            for name, viewport in VIEWPORTS.items():
                context = browser.new_context(viewport=viewport, locale=lang, base_url=f"http://127.0.0.1:{PORT}")
                page = context.new_page()
                page.goto("/accounts/login/")
                page.fill(
                    "input[name=login]", "minseo_kang@example.org" if lang == "ko" else "yazan_haddad@example.org"
                )
                page.fill("input[name=password]", "capacity-demo")
                page.click("form button[type=submit]")
                page.wait_for_load_state()
                page.goto(f"/{lang}/programs/")
                program = page.locator(".program-card h3 a").first.get_attribute("href").rstrip("/").rsplit("/", 1)[-1]
                for page_name, path in PAGES.items():
                    page.goto(path.format(lang=lang, program=program))
                    page.wait_for_load_state("networkidle")
                    page.screenshot(path=OUT / f"{page_name}-{lang}-{name}.png", full_page=name == "desktop")
                # The first support request in the list, with its process and offers.
                page.goto(f"/{lang}/support/")
                request = page.eval_on_selector_all(
                    "main a",
                    "links => links.map(a => a.getAttribute('href')).find(h => /\\/support\\/\\d+\\/$/.test(h))",
                )
                if request:
                    page.goto(request)
                    page.wait_for_load_state("networkidle")
                    page.screenshot(path=OUT / f"support-request-{lang}-{name}.png", full_page=name == "desktop")
                # The certificate of the first completed session, and (for staff) a participant list.
                page.goto(f"/{lang}/me/")
                certificate = page.locator("a[href*='/certificates/']").first
                if certificate.count():
                    certificate.click()
                    page.wait_for_load_state()
                    page.screenshot(path=OUT / f"certificate-{lang}-{name}.png", full_page=True)
                page.goto(f"/{lang}/organizations/korean-wikidata-lab/")
                page.locator(".card h3 a").first.click()
                page.wait_for_load_state()
                participants = page.locator("a[href*='/participants/']").first
                if participants.count():
                    participants.click()
                    page.wait_for_load_state()
                    page.screenshot(path=OUT / f"participants-{lang}-{name}.png", full_page=True)
                context.close()
                shoot_staff_pages(browser, lang, name, viewport)
                shoot_funder_pages(browser, lang, name, viewport)
                anonymous = browser.new_context(viewport=viewport, locale=lang, base_url=f"http://127.0.0.1:{PORT}")
                page = anonymous.new_page()
                page.goto("/accounts/login/")
                page.screenshot(path=OUT / f"login-{lang}-{name}.png", full_page=True)
                anonymous.close()
        browser.close()
    print(f"screenshots saved in {OUT}")


if __name__ == "__main__":
    main()
