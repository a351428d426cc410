"""A staff member's whole round in a browser, in English and in Arabic (right to left).

They write a program in Korean with an English translation, publish it, add a session,
mark who came, import the session's activity report from a spreadsheet and its
Programs & Events Dashboard course CSV, and every page on the way passes axe-core.
"""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from programs import services
from programs.imports import REPORT_COLUMNS
from programs.models import ActivityReport, Enrollment, Program
from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import DESKTOP, PHONE
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.browser

COURSE_CSV = Path(__file__).parent.parent / "programs" / "data" / "dashboard-course.csv"
COURSE = "Wikimedians_of_Lagos_User_Group/Yoruba_Edit-a-thon,_Women_in_Science_(2026)"


@pytest.fixture
def organizer(live_site):
    organization = OrganizationFactory(slug="korean-lab", name="Korean Lab")
    MembershipFactory(
        organization=organization,
        user=UserFactory(username="organizer", email="organizer@example.org"),
        role="admin",
    )
    return organization


def submit(page, selector):
    page.locator(selector).click()
    page.wait_for_load_state()


def check_page(page, language):
    assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
    assert_accessible(page)


def report_file(session_id):
    values = dict.fromkeys(REPORT_COLUMNS, "0")
    values.update(
        session_id=str(session_id),
        participants="2",
        newcomers="1",
        facilitators="1",
        hours_of_learning="3.5",
        pages_created="3",
        evidence_url="https://meta.wikimedia.org/wiki/Event:위키데이터",
        notes="첫 모임, 잘 진행됨",
        gender_asked="yes",
        gender_woman="1",
        age_asked="no",
        newcomer_asked="no",
    )
    return (",".join(REPORT_COLUMNS) + "\n" + ",".join(f'"{values[c]}"' for c in REPORT_COLUMNS) + "\n").encode()


@pytest.mark.parametrize(("language", "viewport"), [("en", DESKTOP), ("ar", PHONE)])
def test_staff_run_a_korean_program_from_writing_it_to_its_report(log_in, organizer, language, viewport):
    page = log_in(language=language, viewport=viewport)

    # Write the program in Korean, with an English translation in its own tab.
    page.goto(f"/{language}/workspace/korean-lab/programs/new/")
    check_page(page, language)
    page.select_option("#id_original_language", "ko")
    assert page.locator("#id_original_title").get_attribute("lang") == "ko"
    page.fill("#id_original_title", "위키데이터 저녁 모임")
    page.fill("#id_original_summary", "세 번의 저녁에 위키데이터 항목을 만듭니다.")
    english_panel = page.locator("#id_title_en").evaluate("field => field.closest('[role=tabpanel]').id")
    page.locator(f"[role=tab][aria-controls={english_panel}]").click()
    page.fill("#id_title_en", "Wikidata evenings")
    page.fill("#id_summary_en", "Three evenings of creating Wikidata items.")
    page.select_option("#id_method", "workshop")
    page.select_option("#id_format", "online")
    page.select_option("#id_languages", ["ko", "en"])
    page.check("input[name=categories][value=public-speaking]")
    submit(page, ".workspace-form button[type=submit]")
    assert page.locator(".message-success").is_visible()
    program = Program.objects.get(provider=organizer)
    assert (program.original_title, program.title_en, program.is_published) == (
        "위키데이터 저녁 모임",
        "Wikidata evenings",
        False,
    )
    check_page(page, language)

    # Publish it.
    submit(page, "form[action$='/publish/'] button")
    assert page.locator(".message-success").is_visible()
    program.refresh_from_db()
    assert program.is_published

    # Add a session: it took place yesterday evening in Seoul, linked to its Dashboard course.
    page.goto(f"/{language}/workspace/programs/{program.slug}/sessions/new/")
    check_page(page, language)
    yesterday = timezone.now().astimezone(timezone.get_fixed_timezone(9 * 60)).date() - timedelta(days=1)
    page.select_option("#id_time_zone", "Asia/Seoul")
    page.fill("#id_starts_on", yesterday.isoformat())
    page.fill("#id_starts_time", "19:00")
    page.fill("#id_ends_on", yesterday.isoformat())
    page.fill("#id_ends_time", "21:00")
    page.fill("#id_seats", "12")
    page.fill("#id_online_url", "https://meet.example.org/wikidata-evenings")
    page.fill("#id_dashboard_course", COURSE)
    submit(page, ".workspace-form button[type=submit]")
    assert page.locator(".message-success").is_visible()
    session = program.sessions.get()
    assert session.time_zone == "Asia/Seoul" and session.ends_at - session.starts_at == timedelta(hours=2)

    # Two people had enrolled before it began.
    for username in ("minseo", "yazan"):
        services.enrollment_create(
            user=UserFactory(username=username), session=session, now=session.starts_at - timedelta(days=2)
        )

    # Mark everyone as having come.
    page.goto(f"/{language}/programs/{program.slug}/sessions/{session.pk}/participants/")
    check_page(page, language)
    submit(page, f"form[action$='/sessions/{session.pk}/attendance/'] button[type=submit]")
    assert set(Enrollment.objects.filter(session=session).values_list("attendance", flat=True)) == {"attended"}

    # Import the activity report from a spreadsheet: preview, then import.
    page.goto(f"/{language}/workspace/imports/korean-lab/")
    page.check("input[name=kind][value=reports]")
    page.set_input_files(
        "input[name=file]", files=[{"name": "보고서.csv", "mimeType": "text/csv", "buffer": report_file(session.pk)}]
    )
    submit(page, ".import-form button[type=submit]")
    assert page.locator(".import-errors").count() == 0, page.locator(".import-errors").inner_text()
    check_page(page, language)
    submit(page, "form.import-commit button[type=submit]")
    assert page.locator(".message-success").is_visible()
    report = ActivityReport.objects.get(session=session)
    assert (report.participants, report.gender_woman, report.gender_not_answered, report.notes) == (
        2,
        1,
        1,
        "첫 모임, 잘 진행됨",
    )

    # And the Dashboard course's on-wiki figures, on the session's report page.
    page.goto(f"/{language}/workspace/sessions/{session.pk}/report/")
    check_page(page, language)
    page.set_input_files("input[name=file]", str(COURSE_CSV))
    submit(page, ".upload-form button[type=submit]")
    assert page.locator(".message-success").is_visible()
    report.refresh_from_db()
    assert (report.participants, report.dashboard_editors, report.dashboard_new_editors) == (2, 23, 14)
    check_page(page, language)
