"""Headless Chromium (Debian's package) driven by Playwright, against a live server."""

import os
import shutil

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="session")
def chromium():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}; run `bash scripts/install-system-packages`.")
    # Playwright's sync API runs an event loop in this thread; Django's ORM in the
    # test thread is still synchronous, so allow it explicitly.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def live_site(seeded_transactional_db, live_server):
    """The portal served on localhost, with the seeded vocabulary in its database."""
    return live_server


@pytest.fixture
def open_page(chromium, live_site):
    """Open a page at a viewport and language; closes every context afterwards."""
    contexts = []

    def open_(path, *, viewport=DESKTOP, accept_language="en", java_script=True):
        context = chromium.new_context(
            viewport=viewport, locale=accept_language, java_script_enabled=java_script, base_url=live_site.url
        )
        contexts.append(context)
        page = context.new_page()
        page.goto(path)
        return page

    yield open_
    for context in contexts:
        context.close()
