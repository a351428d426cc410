"""With Redis down the workspace, reports and downloads still answer and still write: slower, not broken."""

import pytest
from django.utils import timezone

from programs import services
from programs.models import ActivityReport, Enrollment, Program, Session
from tests.capacity.test_without_redis import redis_down  # noqa: F401 — a fixture
from tests.factories import SessionFactory, UserFactory

pytestmark = pytest.mark.django_db

NEXT_YEAR = timezone.now().year + 1


@pytest.mark.parametrize(
    "path",
    [
        "/en/workspace/",
        "/en/workspace/{org}/",
        "/en/workspace/{org}/reports/",
        "/en/workspace/{org}/programs/new/",
        "/en/workspace/programs/{program}/",
        "/en/workspace/programs/{program}/edit/",
        "/en/workspace/programs/{program}/sessions/new/",
        "/en/workspace/sessions/{session}/report/",
        "/en/workspace/sessions/{session}/participants.csv",
        "/en/organizations/{org}/reports.csv",
    ],
)
def test_workspace_pages_and_downloads_answer(client, staff, program, past_session, redis_down, path):  # noqa: F811
    client.force_login(staff)
    url = path.format(org=program.provider.slug, program=program.slug, session=past_session.pk)
    response = client.get(url)
    assert response.status_code == 200
    if hasattr(response, "streaming_content"):
        assert b"".join(response.streaming_content).startswith("\ufeff".encode())


def test_a_program_is_written_and_published(client, staff, organization, redis_down):  # noqa: F811
    client.force_login(staff)
    data = {
        "original_language": "en",
        "original_title": "Written while Redis is down",
        "original_summary": "Still saved.",
        "method": "workshop",
        "format": "online",
        "level": "beginner",
        "region": organization.region.slug,
        "categories": ["communication"],
        "languages": ["en"],
    }
    assert client.post(f"/en/workspace/{organization.slug}/programs/new/", data).status_code == 302
    program = Program.objects.get(original_title="Written while Redis is down")
    assert client.post(f"/en/workspace/programs/{program.slug}/publish/").status_code == 302
    assert Program.objects.get(pk=program.pk).is_published


def test_added_seats_still_go_to_the_waiting_list(client, staff, program, redis_down):  # noqa: F811
    session = SessionFactory(program=program, seats=1, time_zone="UTC")
    services.enrollment_create(user=UserFactory(), session=session)
    waiting = services.enrollment_create(user=UserFactory(), session=session).enrollment
    client.force_login(staff)
    data = {
        "time_zone": "UTC",
        "starts_on": f"{NEXT_YEAR}-01-10",
        "starts_time": "10:00",
        "ends_on": f"{NEXT_YEAR}-01-10",
        "ends_time": "12:00",
        "seats": "2",
    }
    response = client.post(f"/en/workspace/programs/{program.slug}/sessions/{session.pk}/edit/", data)
    assert response.status_code == 302
    assert Enrollment.objects.get(pk=waiting.pk).status == Enrollment.Status.ENROLLED
    assert client.post(f"/en/workspace/programs/{program.slug}/sessions/new/", data).status_code == 302
    assert Session.objects.filter(program=program).count() == 2


def test_a_report_is_saved(client, staff, past_session, redis_down):  # noqa: F811
    client.force_login(staff)
    response = client.post(f"/en/workspace/sessions/{past_session.pk}/report/", {"participants": "7"})
    assert response.status_code == 302
    assert ActivityReport.objects.get(session=past_session).participants == 7
