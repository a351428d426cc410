"""A volunteer finds a training in their language, enrolls and finds it in My learning."""

import pytest
from playwright.sync_api import expect

from capacity.models import CapacityCategory, Language
from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import DESKTOP, PHONE
from tests.factories import ProgramFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def korean_program(live_site):
    korean, arabic = Language.objects.get(code="ko"), Language.objects.get(code="ar")
    program = ProgramFactory(
        slug="wikidata-intro",
        title_en="Introduction to Wikidata",
        title_ko="위키데이터 입문",
        title_ar="مقدمة إلى ويكي بيانات",
        summary_ko="위키데이터 편집을 처음 배우는 분을 위한 과정",
        categories=[CapacityCategory.objects.get(slug="wikidata")],
        languages=[korean, arabic],
    )
    SessionFactory(program=program, seats=5)
    # Noise the filters must remove.
    ProgramFactory(title_en="Grant writing clinic", categories=[CapacityCategory.objects.get(slug="grant-writing")])
    return program


def check_option(page, facet, value):
    """Tick a filter option, opening its group first as a person would."""
    box = page.locator(f"input[name={facet}][value={value}]")
    if not box.is_visible():
        page.locator("details", has=box).locator("summary").click()
    box.check()


@pytest.fixture
def volunteer_in_browser(log_in):
    UserFactory(username="jiwoo", email="jiwoo@example.org")

    def log_in_as_jiwoo(language, *, viewport=DESKTOP, java_script=True):
        return log_in("jiwoo@example.org", language=language, viewport=viewport, java_script=java_script)

    return log_in_as_jiwoo


@pytest.mark.parametrize(
    ("language", "direction", "title"), [("ko", "ltr", "위키데이터 입문"), ("ar", "rtl", "مقدمة إلى ويكي بيانات")]
)
def test_find_enroll_and_see_it_in_my_learning(volunteer_in_browser, korean_program, language, direction, title):
    page = volunteer_in_browser(language, viewport=PHONE)
    page.goto(f"/{language}/programs/")
    assert page.locator("html").get_attribute("dir") == direction
    assert_accessible(page)

    check_option(page, "category", "technology")
    page.wait_for_url("**category=technology**")
    check_option(page, "language", language)
    page.wait_for_url(f"**language={language}**")
    results = page.locator("#catalog-results .program-card h3")
    assert results.all_inner_texts() == [title]

    page.click(f"text={title}")
    page.wait_for_url("**/programs/wikidata-intro/")
    assert page.locator("h1").inner_text() == title
    assert_accessible(page)
    page.click("form[action*='/enroll/'] button[type=submit]")
    page.wait_for_load_state()
    assert page.locator(".message-success").is_visible()

    page.goto(f"/{language}/me/")
    assert page.locator("#upcoming-title + .session-list").inner_text().count(title) == 1
    assert page.locator("html").get_attribute("dir") == direction
    assert_accessible(page)


def test_the_catalog_works_without_javascript(volunteer_in_browser, korean_program):
    page = volunteer_in_browser("en", java_script=False)
    page.goto("/en/programs/")
    check_option(page, "language", "ar")
    page.click(".filter-actions button[type=submit]")
    page.wait_for_url("**language=ar**")
    assert page.locator("#catalog-results .program-card h3").all_inner_texts() == ["Introduction to Wikidata"]


def test_the_catalog_on_a_phone_weighs_under_150_kb(open_page, korean_program):
    for number in range(20):
        SessionFactory(program=ProgramFactory(title_en=f"Extra program {number}"))
    sizes = []

    page = open_page("about:blank", viewport=PHONE)
    page.on(
        "requestfinished",
        lambda request: sizes.append(request.sizes()["responseBodySize"] + request.sizes()["responseHeadersSize"]),
    )
    page.goto("/en/programs/")
    page.wait_for_load_state("networkidle")
    total = sum(sizes)
    print(f"\ncatalog page on a phone: {len(sizes)} requests, {total / 1024:.1f} KB transferred")
    assert total < 150 * 1024


def test_anonymous_readers_get_dates_in_their_browsers_time_zone(chromium, live_site, korean_program):
    context = chromium.new_context(timezone_id="Asia/Seoul", base_url=live_site.url)
    try:
        page = context.new_page()
        page.goto("/en/programs/wikidata-intro/")  # the first visit tells the server the zone
        page.goto("/en/programs/wikidata-intro/")
        assert "Asia/Seoul" in page.locator("#sessions-title + .hint").inner_text()
    finally:
        context.close()


def test_screen_readers_hear_the_new_result_count(volunteer_in_browser, korean_program):
    page = volunteer_in_browser("en")
    page.goto("/en/programs/")
    check_option(page, "language", "ar")
    page.wait_for_url("**language=ar**")
    assert page.locator("#catalog-status").inner_text() == page.locator("#result-count").inner_text()
    assert page.locator("#catalog-status").inner_text().startswith("1 ")


def test_the_back_button_undoes_a_filter(open_page, korean_program):
    page = open_page("/en/programs/")
    check_option(page, "language", "ar")
    page.wait_for_url("**language=ar**")
    assert page.locator("input[name=language][value=ar]").is_checked()
    page.go_back()
    # Locator assertions, not wait_for_function: a string predicate that has to poll is
    # evaluated with eval(), which the portal's Content-Security-Policy rightly refuses.
    page.wait_for_url(lambda url: "language=ar" not in url)
    expect(page.locator("input[name=language][value=ar]")).not_to_be_checked()
    assert page.locator("#result-count").is_visible()
