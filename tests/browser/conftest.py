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
PASSWORD = "correct horse battery"  # every UserFactory user's password
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


def sign_in(page, email, next_path=""):
    """Sign in through the login form on an open page, and wait until the portal has let the person in."""
    page.goto(f"/accounts/login/?next={next_path}" if next_path else "/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    # Leaving the login page is the proof that the password was accepted.
    page.wait_for_url(f"**{next_path}" if next_path else lambda url: "/accounts/login/" not in url)
    page.wait_for_load_state()


@pytest.fixture
def log_in(open_page):
    """Open a browser as someone already signed in (the organizer unless told), at a language and viewport."""

    def log_in_(email="organizer@example.org", *, language="en", viewport=PHONE, java_script=True):
        page = open_page("/accounts/login/", accept_language=language, viewport=viewport, java_script=java_script)
        sign_in(page, email)
        return page

    return log_in_
