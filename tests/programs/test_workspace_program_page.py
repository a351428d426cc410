"""A program's page in the workspace: its state, what can be done with it, and its sessions."""

import zoneinfo
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from programs import services
from tests.factories import ProgramFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


def page_url(program):
    return f"/en/workspace/programs/{program.slug}/"


def test_each_session_shows_its_state_seats_and_waiting_list(client, staff, program):
    now = timezone.now()
    full = SessionFactory(program=program, seats=2, starts_at=now + timedelta(days=3))
    for person in UserFactory.create_batch(3):
        services.enrollment_create(user=person, session=full)
    SessionFactory(program=program, starts_at=now - timedelta(days=9), ends_at=now - timedelta(days=8))
    SessionFactory(program=program, starts_at=now + timedelta(days=20), is_cancelled=True)
    SessionFactory(program=program, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1))
    client.force_login(staff)
    page = client.get(page_url(program)).content.decode()
    assert "2 of 2" in page and 'data-label="Waiting">1</td>' in page  # two seats taken, one person waiting
    for state in ("Upcoming", "Ended", "Cancelled", "Under way"):
        assert state in page
    assert f'href="/en/programs/{program.slug}/sessions/{full.pk}/participants/"' in page
    assert f'href="/en/workspace/programs/{program.slug}/sessions/{full.pk}/edit/"' in page
    assert f'href="/en/workspace/programs/{program.slug}/sessions/new/"' in page


def test_session_times_are_shown_in_the_sessions_own_time_zone(client, staff, program):
    seoul = zoneinfo.ZoneInfo("Asia/Seoul")
    SessionFactory(program=program, time_zone="Asia/Seoul", starts_at=datetime(2031, 5, 2, 10, 0, tzinfo=seoul))
    client.force_login(staff)
    page = client.get(page_url(program)).content.decode()
    assert 'datetime="2031-05-02T10:00:00+09:00"' in page
    assert "Asia/Seoul" in page


def test_the_buttons_follow_the_programs_state(client, staff, organization):
    draft = ProgramFactory(provider=organization, is_published=False)
    client.force_login(staff)
    page = client.get(page_url(draft)).content.decode()
    assert f'action="/en/workspace/programs/{draft.slug}/publish/"' in page
    assert "/unpublish/" not in page and "/restore/" not in page
    published = ProgramFactory(provider=organization)
    page = client.get(page_url(published)).content.decode()
    assert "/unpublish/" in page and "/archive/" in page and '/publish/"' not in page


def test_a_program_without_sessions_says_what_to_do(client, staff, program):
    client.force_login(staff)
    assert "No sessions yet" in client.get(page_url(program)).content.decode()


@pytest.mark.parametrize("persona", ["volunteer", "other_staff", "funder"])
def test_others_are_forbidden(client, request, persona, program):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(page_url(program)).status_code == 403


def test_the_page_only_answers_get(client, staff, program):
    client.force_login(staff)
    assert client.post(page_url(program)).status_code == 405


def test_the_page_costs_the_same_queries_for_3_or_30_sessions(client, staff, program, django_assert_max_num_queries):
    client.force_login(staff)
    queries = {}
    for count in (3, 30):
        missing = count - program.sessions.count()
        for session in SessionFactory.create_batch(missing, program=program, seats=1):
            for person in UserFactory.create_batch(2):
                services.enrollment_create(user=person, session=session)
        with django_assert_max_num_queries(7) as captured:
            response = client.get(page_url(program))
        assert response.status_code == 200
        queries[count] = len(captured)
    assert queries[3] == queries[30], queries
