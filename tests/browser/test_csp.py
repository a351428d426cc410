"""In Chromium, the Content-Security-Policy blocks nothing the portal, the admin or two-factor setup use."""

import pytest

from tests.browser.conftest import PASSWORD, sign_in
from tests.factories import ProgramFactory, SessionFactory

pytestmark = pytest.mark.browser


def watch_for_violations(page):
    """Chromium reports every blocked script, style or image on the console."""
    violations = []
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
    )
    return violations


def test_the_catalog_script_runs_and_nothing_is_blocked(open_page):
    SessionFactory(program=ProgramFactory(original_title="Wiki editing basics"))
    page = open_page("/en/")
    violations = watch_for_violations(page)
    page.goto("/en/programs/")
    # catalog.js updates the list in place when a filter changes (the URL follows).
    box = page.locator("input[name=category][value=public-speaking]")
    if not box.is_visible():
        page.locator("details", has=box).locator("summary").click()
    box.check()
    page.wait_for_url("**/en/programs/?*")
    assert page.locator("#catalog-form").get_attribute("aria-busy") is None
    assert violations == []


def test_the_admin_change_form_works_and_nothing_is_blocked(open_page, steward):
    program = SessionFactory(program=ProgramFactory()).program
    page = open_page("/en/")
    violations = watch_for_violations(page)
    sign_in(page, steward.email, "/admin/")
    page.goto(f"/admin/programs/program/{program.pk}/change/")
    # The two-box selector for categories is built by the admin's JavaScript.
    assert page.locator(".selector").first.is_visible()
    assert violations == []


def test_two_factor_setup_shows_its_qr_code(open_page, volunteer):
    page = open_page("/en/")
    violations = watch_for_violations(page)
    sign_in(page, volunteer.email, "/en/me/")
    page.goto("/accounts/2fa/totp/activate/")
    # allauth asks for the password again before security changes.
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/accounts/2fa/totp/activate/")
    qr_code = page.locator("img[src^='data:image']")
    assert qr_code.evaluate("image => image.complete && image.naturalWidth > 0")
    assert violations == []
