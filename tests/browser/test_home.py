import pytest

from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("language", "direction"), [("en", "ltr"), ("ko", "ltr"), ("ar", "rtl")])
def test_the_home_page_renders_with_the_right_lang_and_dir(open_page, language, direction):
    page = open_page(f"/{language}/", viewport=PHONE)
    html = page.locator("html")
    assert html.get_attribute("lang") == language
    assert html.get_attribute("dir") == direction
    assert page.locator("h1").is_visible()


def test_the_first_visit_follows_the_browser_language(open_page):
    page = open_page("/", accept_language="ko-KR")
    assert page.url.endswith("/ko/")


@pytest.mark.parametrize("java_script", [True, False], ids=["with-js", "without-js"])
def test_the_language_switcher_keeps_the_reader_on_the_page(open_page, java_script):
    page = open_page("/en/glossary/", java_script=java_script)
    # Choosing does not navigate by itself (keyboard users browse the list); the button does.
    page.select_option("#language-select", "ar")
    assert page.url.endswith("/en/glossary/")
    page.click(".language-switcher button[type=submit]")
    page.wait_for_url("**/ar/glossary/")
    assert page.locator("html").get_attribute("dir") == "rtl"


def test_the_skip_link_is_the_first_stop_for_the_keyboard(open_page):
    page = open_page("/en/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


@pytest.mark.parametrize("language", ["en", "ko", "ar"])
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_home_page_has_no_serious_accessibility_problem(open_page, language, viewport):
    assert_accessible(open_page(f"/{language}/", viewport=viewport))


@pytest.mark.parametrize(
    "path", ["/en/glossary/", "/ar/organizations/", "/ko/programs/", "/accounts/login/", "/accounts/signup/"]
)
def test_other_foundation_pages_have_no_serious_accessibility_problem(open_page, path):
    assert_accessible(open_page(path))
