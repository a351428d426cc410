"""A steward rebuilds the movement's learning report with a real Celery worker on Redis, watches the
build's progress page until it is done, and reads the report in Korean and in Arabic, on a desktop
and on a phone: charts and tables present, nothing wider than the screen, axe-core clean."""

import time
from datetime import UTC, datetime, timedelta

import pytest

from evaluation.models import ReportBuild, ReportRow, Scope
from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import DESKTOP, PHONE
from tests.evaluation.report_data import program_in, regions
from tests.evaluation.test_report_worker import broker, start_worker, stop  # noqa: F401 — broker is a fixture
from tests.factories import SessionFactory, UserFactory

pytestmark = pytest.mark.browser

QUARTERS = [(2024, 1), (2024, 4), (2024, 7), (2024, 10), (2025, 1), (2025, 4), (2025, 7)]


@pytest.fixture
def activity(seeded_transactional_db):
    """Activity reports of past sessions in an emerging and an established region, two methods, two years."""
    from programs import services

    (emerging, *_), (established, *_) = regions()
    programs = [
        program_in(emerging, method="mentoring"),
        program_in(established, method="workshop"),
        program_in(established, method="mentoring"),
    ]
    for year, month in QUARTERS:
        for index, program in enumerate(programs):
            starts = datetime(year, month, 12, 9, tzinfo=UTC)
            session = SessionFactory(program=program, starts_at=starts, ends_at=starts + timedelta(hours=3))
            participants = 14 + 3 * index + month
            services.report_save(
                session=session,
                values={"participants": participants, "hours_of_learning": participants * 3},
                now=starts + timedelta(days=2),
            )
    return programs


def fits_the_screen(page):
    width, screen = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= screen + 1, f"{page.url} is {width}px wide on a {screen}px screen"


def read_report(page, language):
    """The movement report at a viewport: SVG charts and tables, nothing too wide, axe-core clean."""
    page.goto(f"/{language}/reports/movement/all/")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
    assert page.locator("main svg").count() >= 2  # a breakdown's chart and the trend's
    assert page.locator("main table.report-table tbody tr").count() >= 4
    assert page.locator("main .kind-cell dd").count() >= 2  # the period's totals
    fits_the_screen(page)
    assert_accessible(page)


@pytest.mark.usefixtures("broker")  # the live server's Rebuild queues on Redis for the worker
def test_a_steward_rebuilds_the_movement_report_watches_it_and_reads_it_in_korean_and_arabic(
    activity, log_in, live_site
):
    UserFactory(username="steward", email="steward@example.org", is_staff=True, is_superuser=True)
    assert not ReportRow.objects.exists()
    worker = start_worker()
    try:
        page = log_in("steward@example.org", language="ko", viewport=DESKTOP)
        page.goto("/ko/reports/movement/all/")
        assert page.locator("main .empty").count() == 1  # never built: the page says so
        assert_accessible(page)

        page.click("form.rebuild-form button[type=submit]")
        page.wait_for_url("**/ko/reports/builds/*/")
        build = ReportBuild.objects.get()
        assert (build.scope, build.requested_by.username) == (Scope.MOVEMENT, "steward")
        assert page.locator("[role=status] .build-status").count() == 1
        if not page.locator(".build-status.build-done").count():  # still going when drawn: it reloads itself
            assert page.locator("meta[http-equiv=refresh]").count() == 1

        # Watch: reload (as the page's own refresh does) until the build is done, for at most a minute.
        deadline = time.monotonic() + 60
        while not page.locator("a.button[href*='/reports/movement/all/']").count():
            assert time.monotonic() < deadline, f"the build never finished: {ReportBuild.objects.get().error}"
            time.sleep(0.5)
            page.reload()
            page.wait_for_load_state()
        build.refresh_from_db()
        assert build.status == ReportBuild.Status.DONE and build.measurements > 0 and build.rows > 0
        assert page.locator("meta[http-equiv=refresh]").count() == 0
        assert page.locator("progress").count() == 1
        fits_the_screen(page)
        assert_accessible(page)
        page.set_viewport_size(PHONE)
        fits_the_screen(page)
        assert_accessible(page)
        page.set_viewport_size(DESKTOP)

        page.click("a.button[href*='/reports/movement/all/']")
        page.wait_for_load_state()
        assert "/ko/reports/movement/all/" in page.url
        assert page.locator("main .empty").count() == 0
        for language in ("ko", "ar"):
            for viewport in (DESKTOP, PHONE):
                page.set_viewport_size(viewport)
                read_report(page, language)
        # A quarter of the trend, in Arabic on the phone.
        page.goto("/ar/reports/movement/all/?period=2025-Q3")
        assert page.locator("main svg").count() >= 1
        fits_the_screen(page)
    finally:
        stop(worker)
