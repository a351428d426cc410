"""The workspace's program form in a browser: language tabs as an enhancement, accessible either way."""

import pytest

from tests.browser.accessibility import assert_accessible
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def organizer(live_site):
    organization = OrganizationFactory(slug="korean-lab", name="Korean Lab")
    return MembershipFactory(
        organization=organization, user=UserFactory(username="organizer", email="organizer@example.org")
    ).user


@pytest.mark.parametrize("language", ["en", "ar"])
def test_language_tabs_work_with_the_keyboard(log_in, organizer, language):
    page = log_in(language=language)
    page.goto(f"/{language}/workspace/korean-lab/programs/new/")
    tabs = page.locator("[role=tablist] [role=tab]:visible")
    assert tabs.count() == 6
    assert tabs.first.get_attribute("aria-selected") == "true"
    assert page.locator("[role=tabpanel]:visible").count() == 1
    assert_accessible(page)
    tabs.first.focus()
    # The next tab lies to the right in English and to the left in Arabic.
    page.keyboard.press("ArrowLeft" if language == "ar" else "ArrowRight")
    second = tabs.nth(1)
    assert second.get_attribute("aria-selected") == "true"
    assert page.evaluate("document.activeElement.id") == second.get_attribute("id")
    panel = page.locator(f"#{second.get_attribute('aria-controls')}")
    assert panel.is_visible()
    page.keyboard.press("End")
    assert tabs.last.get_attribute("aria-selected") == "true"


def test_choosing_another_original_language_sets_the_direction_of_the_original_fields(log_in, organizer):
    page = log_in()
    page.goto("/en/workspace/korean-lab/programs/new/")
    page.select_option("#id_original_language", "ar")
    assert page.locator("#id_original_title").get_attribute("dir") == "rtl"
    assert page.locator("#id_original_title").get_attribute("lang") == "ar"


def test_without_javascript_every_language_is_a_fieldset_and_the_form_saves(log_in, organizer):
    # axe-core needs JavaScript in the page: the tabbed form is checked above.
    page = log_in(java_script=False)
    page.goto("/en/workspace/korean-lab/programs/new/")
    assert page.locator("[role=tab]").count() == 0
    assert page.locator(".language-panel fieldset legend").count() == 7
    assert page.locator("#id_title_ko").is_visible()
    page.fill("#id_original_title", "Wikidata evenings")
    page.fill("#id_original_summary", "Three evenings of Wikidata.")
    page.fill("#id_title_ko", "위키데이터 저녁 모임")
    page.select_option("#id_method", "workshop")
    page.select_option("#id_format", "online")
    page.select_option("#id_languages", ["en", "ko"])
    page.check("input[name=categories][value=public-speaking]")
    page.click(".workspace-form button[type=submit]")
    page.wait_for_load_state()
    assert page.url.endswith("/en/workspace/programs/wikidata-evenings/")
    assert page.locator(".message-success").is_visible()
