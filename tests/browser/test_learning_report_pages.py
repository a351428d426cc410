"""The movement's learning report in a real browser: English, Korean and Arabic, desktop and phone, axe-core clean."""

import pytest
from django.utils import timezone

from tests.browser import conftest as browser
from tests.browser.accessibility import assert_accessible
from tests.evaluation.factories_reports import movement_report

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("language,direction", [("en", "ltr"), ("ko", "ltr"), ("ar", "rtl")])
def test_the_movement_report_reads_in_each_language_with_charts_and_tables(open_page, language, direction):
    movement_report(built_at=timezone.now())
    for viewport in (browser.DESKTOP, browser.PHONE):
        page = open_page(f"/{language}/reports/movement/all/", viewport=viewport, accept_language=language)
        assert page.locator("html").get_attribute("dir") == direction
        assert page.locator("svg.bar-chart").count() >= 4
        assert page.locator("table.report-table").count() >= 5
        # Nothing widens the page past the screen (wide tables scroll in their own box).
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        assert_accessible(page)
    index = open_page(f"/{language}/reports/", accept_language=language)
    assert_accessible(index)
    # On a phone the search's button keeps its word on one line (찾기 broke in two).
    phone_index = open_page(f"/{language}/reports/", viewport=browser.PHONE, accept_language=language)
    lines = phone_index.locator(".report-search-row button").evaluate(
        "b => { const r = document.createRange(); r.selectNodeContents(b); return r.getClientRects().length; }"
    )
    assert lines == 1
    assert phone_index.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
