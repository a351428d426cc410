"""An organizer writes a session's activity report and imports its Dashboard figures, in a browser."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from programs.models import ActivityReport
from tests.browser.accessibility import assert_accessible
from tests.factories import MembershipFactory, ProgramFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.browser

FIXTURE = Path(__file__).parent.parent / "programs" / "data" / "dashboard-course.csv"
COURSE = "Wikimedians_of_Lagos_User_Group/Yoruba_Edit-a-thon,_Women_in_Science_(2026)"


@pytest.fixture
def past_session(live_site):
    program = ProgramFactory(slug="commons-101", title_en="Commons 101", title_ar="كومنز 101")
    start = timezone.now() - timedelta(days=1)
    session = SessionFactory(
        program=program, starts_at=start, ends_at=start + timedelta(hours=4), dashboard_course=COURSE
    )
    MembershipFactory(
        organization=program.provider, user=UserFactory(username="organizer", email="organizer@example.org")
    )
    return session


@pytest.mark.parametrize("language", ["en", "ar"])
def test_an_organizer_writes_the_report_and_imports_the_dashboard_figures(log_in, past_session, language):
    page = log_in(language=language)
    page.goto(f"/{language}/workspace/sessions/{past_session.pk}/report/")
    assert_accessible(page)

    page.fill("input[name=participants]", "12")
    page.check("input[name=gender_asked]")
    page.fill("input[name=gender_woman]", "5")
    page.fill("input[name=gender_man]", "4")
    # The script shows what will be counted as "not answered" as the person types.
    assert page.locator("output[data-for=gender]").text_content() == "3"
    page.locator(".report-form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".message-success").is_visible()
    assert page.locator(".breakdowns caption").count() == 1
    assert_accessible(page)

    page.set_input_files("input[name=file]", str(FIXTURE))
    page.locator(".upload-form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".message-success").is_visible()
    report = ActivityReport.objects.get(session=past_session)
    assert (report.participants, report.gender_not_answered, report.dashboard_editors) == (12, 3, 23)


def test_a_refused_form_says_so_at_the_top_and_beside_the_field(log_in, past_session):
    page = log_in()
    page.goto(f"/en/workspace/sessions/{past_session.pk}/report/")
    page.fill("input[name=participants]", "3")
    page.fill("input[name=newcomers]", "4")
    page.locator(".report-form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("[role=alert] a[href='#report-form']").is_visible()
    assert page.locator("#id_newcomers[aria-invalid=true]").count() == 1
    assert_accessible(page)
    assert not ActivityReport.objects.filter(session=past_session).exists()
