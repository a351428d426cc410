"""CSV downloads attacked: formulas hidden where a spreadsheet splits cells differently, and who gets personal data.

Excel in much of Europe (where the decimal mark is a comma) opens a .csv file splitting
on semicolons. It then sees quotes only at the start of a cell, so a semicolon or a
line break inside our quoted text starts a new cell there, and whatever follows is
read as a formula if it looks like one.
"""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from programs import services
from programs.exports import spreadsheet_safe
from programs.models import DASHBOARD_FIGURES, Enrollment
from tests.factories import ProgramFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db

TRIGGERS = ("=", "+", "-", "@")
DDE = "-2+3+cmd|' /C calc'!A0"


@pytest.fixture
def past_session(program):
    start = timezone.now() - timedelta(days=2)
    return SessionFactory(program=program, starts_at=start, ends_at=start + timedelta(hours=3), seats=50)


def body_of(response):
    return b"".join(response.streaming_content).decode("utf-8").removeprefix("\ufeff")


def cells_as_european_excel_reads_them(body):
    """Every cell of the file split on semicolons, with quotes counted only at the start of a cell."""
    return [cell for row in csv.reader(io.StringIO(body), delimiter=";") for cell in row]


def formulas_in(body):
    return [cell for cell in cells_as_european_excel_reads_them(body) if cell.lstrip(' "').startswith(TRIGGERS)]


def seat(session, user):
    return services.enrollment_create(user=user, session=session, now=session.starts_at - timedelta(days=1)).enrollment


@pytest.mark.parametrize(
    "text, safe",
    [
        ("Ann;=1+1", "Ann;'=1+1"),
        ("Ann; @SUM(A1)", "Ann;' @SUM(A1)"),
        ('x;"=1+1', "x;'\"=1+1"),
        ("first line\n+1\r\n-1", "first line\n'+1\r\n'-1"),
        ("\r=1", "'\r'=1"),
    ],
)
def test_a_formula_after_a_semicolon_or_a_line_break_gets_its_own_leading_quote(text, safe):
    assert spreadsheet_safe(text) == safe


@pytest.mark.parametrize("text", ["Ann; Bob", "a;b=c", "5 - 3", "line one\nline two", "semi;colon;"])
def test_semicolons_and_line_breaks_before_plain_text_change_nothing(text):
    assert spreadsheet_safe(text) == text


# The last semicolon ends the smuggled cell, so the formula is all it holds.
@pytest.mark.parametrize("name", ["Ann;=1+1;", f"Ann;{DDE};", "Ann; =1+1;"])
def test_a_participant_name_cannot_smuggle_a_formula_past_a_semicolon(client, staff, past_session, name):
    seat(past_session, UserFactory(display_name=name))
    client.force_login(staff)
    body = body_of(client.get(f"/en/workspace/sessions/{past_session.pk}/participants.csv"))
    assert formulas_in(body) == []
    # Read as the comma-separated file it is, the name is still there to read.
    assert list(csv.reader(io.StringIO(body)))[1][0] == name.replace(";", ";'", 1)


def test_report_notes_cannot_start_a_formula_on_a_line_of_their_own(client, staff, past_session):
    services.report_save(
        session=past_session, values={"participants": 3, "notes": f"All went well.\n{DDE};\n=1+1;x"}, by=staff
    )
    client.force_login(staff)
    for url in (
        f"/en/workspace/sessions/{past_session.pk}/report.csv",
        f"/en/organizations/{past_session.program.provider.slug}/reports.csv",
    ):
        body = body_of(client.get(url))
        assert formulas_in(body) == [], url


def test_a_program_title_or_course_id_cannot_smuggle_a_formula_past_a_semicolon(client, staff, organization):
    program = ProgramFactory(provider=organization, original_title="Editing;=1+1;")
    start = timezone.now() - timedelta(days=3)
    session = SessionFactory(
        program=program, starts_at=start, ends_at=start + timedelta(hours=2), dashboard_course="Inst;=1+1/Course"
    )
    services.report_save(session=session, values={"participants": 3}, by=staff)
    services.dashboard_figures_apply(
        session=session,
        course={"course_slug": "Inst;=1+1/Course", **dict.fromkeys(DASHBOARD_FIGURES.values(), 1)},
        by=staff,
    )
    client.force_login(staff)
    body = body_of(client.get(f"/en/organizations/{organization.slug}/reports.csv"))
    assert formulas_in(body) == []


def test_the_participant_list_holds_no_email_address_and_is_never_cached(client, staff, past_session):
    person = UserFactory(email="private.person@example.org")
    seat(past_session, person)
    client.force_login(staff)
    response = client.get(f"/en/workspace/sessions/{past_session.pk}/participants.csv")
    assert response["Cache-Control"] == "private, no-store"
    assert "private.person@example.org" not in body_of(response)


def test_cancelled_people_are_not_in_the_participant_list(client, staff, past_session):
    stayed, left = UserFactory(display_name="Stayed"), UserFactory(display_name="Left")
    seat(past_session, stayed)
    Enrollment.objects.filter(pk=seat(past_session, left).pk).update(status=Enrollment.Status.CANCELLED)
    client.force_login(staff)
    body = body_of(client.get(f"/en/workspace/sessions/{past_session.pk}/participants.csv"))
    names = [row[0] for row in csv.reader(io.StringIO(body))]
    assert names == ["name", "Stayed"]
