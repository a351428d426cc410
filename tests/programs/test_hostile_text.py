"""Text organizers type can break nothing: calendars, email subjects, the admin's date filter."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from icalendar import Calendar

from programs import services, tasks
from programs.models import Program
from tests.factories import OrganizationFactory, ProgramFactory, SessionFactory

pytestmark = pytest.mark.django_db

# What a title might hold if it came in around the form validation: an import, raw SQL.
HOSTILE = "Atelier d'équipe\r\nDTSTART:20000101T000000Z\rX-INJECTED:1\nBCC: victim@example.org"


@pytest.fixture
def hostile_session(volunteer):
    provider = OrganizationFactory(name_en="Wiki <b>Team</b>\r\nORGANIZER:mailto:evil@example.org")
    program = ProgramFactory(provider=provider, original_title="placeholder")
    Program.objects.filter(pk=program.pk).update(original_title=HOSTILE, original_summary=HOSTILE)
    session = SessionFactory(
        program=program, venue="Room 1\r\nLOCATION:elsewhere", starts_at=timezone.now() + timedelta(hours=3)
    )
    services.enrollment_create(user=volunteer, session=session)
    return session


def test_a_line_break_in_a_title_never_reaches_a_calendar_as_a_property(client, volunteer, hostile_session):
    client.force_login(volunteer)
    enrollment = hostile_session.enrollments.get()
    for url in (f"/en/me/enrollments/{enrollment.pk}/calendar.ics", f"/calendar/{volunteer.calendar_token}.ics"):
        response = client.get(url)
        assert response.status_code == 200
        body = response.content.decode()
        for injected in (
            "\r\nDTSTART:2000",
            "\nX-INJECTED",
            "\rX-INJECTED",
            "\r\nORGANIZER:mailto:evil",
            "\r\nLOCATION:elsewhere",
        ):
            assert injected not in body
        event = Calendar.from_ical(response.content).walk("VEVENT")[0]
        assert str(event["summary"]).startswith("Atelier d'équipe DTSTART")
        assert "X-INJECTED" not in event


def test_a_reminder_subject_is_one_plain_line_and_is_sent(hostile_session):
    assert tasks.send_session_reminders() == 1
    [message] = mail.outbox
    assert message.subject.startswith("Reminder: Atelier d'équipe DTSTART")
    assert "\n" not in message.subject and "\r" not in message.subject
    assert "&#x27;" not in message.subject and "&#x27;" not in message.body
    assert message.bcc == []


def test_a_huge_year_in_the_admins_date_filter_is_a_bad_filter_not_an_error(client, steward):
    client.force_login(steward)
    response = client.get("/admin/programs/session/", {"starts_at__year": "9" * 30})
    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")
