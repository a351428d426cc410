from datetime import timedelta

import pytest
from django.utils import timezone
from icalendar import Calendar

from programs import services
from tests.factories import SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_anonymous_people_are_sent_to_log_in(client):
    response = client.get("/en/me/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_my_learning_groups_upcoming_waitlisted_past_and_completed(client, volunteer, program):
    now = timezone.now()
    upcoming = SessionFactory(program=program)
    full = SessionFactory(program=program, seats=1)
    past = SessionFactory(program=program, starts_at=now - timedelta(days=10))
    done = SessionFactory(program=program, starts_at=now - timedelta(days=20))
    services.enrollment_create(user=volunteer, session=upcoming)
    services.enrollment_create(user=UserFactory(), session=full)
    services.enrollment_create(user=volunteer, session=full)
    services.enrollment_create(user=volunteer, session=past, now=now - timedelta(days=11))
    finished = services.enrollment_create(user=volunteer, session=done, now=now - timedelta(days=21)).enrollment
    services.enrollment_complete(enrollment=finished)
    client.force_login(volunteer)
    response = client.get("/en/me/")
    groups = response.context["groups"]
    assert [e.session for e in groups["upcoming"]] == [upcoming]
    assert [e.session for e in groups["waitlisted"]] == [full]
    assert groups["waitlisted"][0].waitlist_position == 1
    assert [e.session for e in groups["past"]] == [past]
    assert [e.session for e in groups["completed"]] == [done]
    assert "View certificate" in response.content.decode()


def test_nobody_sees_another_persons_enrollments(client, volunteer, session):
    services.enrollment_create(user=UserFactory(), session=session)
    client.force_login(volunteer)
    response = client.get("/en/me/")
    assert all(not group for group in response.context["groups"].values())


@pytest.mark.parametrize("count", [1, 50])
def test_my_learning_runs_a_fixed_number_of_queries(client, volunteer, program, django_assert_max_num_queries, count):
    for _ in range(count):
        services.enrollment_create(user=volunteer, session=SessionFactory(program=program))
    client.force_login(volunteer)
    with django_assert_max_num_queries(6):
        response = client.get("/en/me/")
    assert len(response.context["groups"]["upcoming"]) == count


def test_a_session_downloads_as_an_ics_file(client, volunteer, session):
    enrollment = services.enrollment_create(user=volunteer, session=session).enrollment
    client.force_login(volunteer)
    response = client.get(f"/en/me/enrollments/{enrollment.pk}/calendar.ics")
    assert response["Content-Type"].startswith("text/calendar")
    events = Calendar.from_ical(response.content).walk("VEVENT")
    assert len(events) == 1
    assert str(events[0]["summary"]) == "Wikidata basics"
    assert events[0].decoded("dtstart") == session.starts_at.replace(microsecond=0)


def test_nobody_downloads_someone_elses_session_file(client, volunteer, session):
    enrollment = services.enrollment_create(user=UserFactory(), session=session).enrollment
    client.force_login(volunteer)
    assert client.get(f"/en/me/enrollments/{enrollment.pk}/calendar.ics").status_code == 404


def test_the_private_feed_lists_my_sessions_and_can_be_revoked(client, volunteer, program):
    mine = SessionFactory(program=program)
    services.enrollment_create(user=volunteer, session=mine)
    services.enrollment_create(user=UserFactory(), session=SessionFactory(program=program))
    old_token = volunteer.calendar_token
    feed = client.get(f"/calendar/{old_token}.ics")
    assert feed.status_code == 200
    assert len(Calendar.from_ical(feed.content).walk("VEVENT")) == 1

    client.force_login(volunteer)
    client.post("/en/me/calendar/reset/")
    volunteer.refresh_from_db()
    assert volunteer.calendar_token != old_token
    assert client.get(f"/calendar/{old_token}.ics").status_code == 404
    assert client.get(f"/calendar/{volunteer.calendar_token}.ics").status_code == 200


def test_resetting_the_feed_needs_a_logged_in_post(client, volunteer):
    assert client.post("/en/me/calendar/reset/").status_code == 302
    client.force_login(volunteer)
    assert client.get("/en/me/calendar/reset/").status_code == 405


@pytest.mark.parametrize("token", ["unknown-token", "%00", "a%00b"])
def test_an_unknown_feed_address_is_a_404(client, token):
    assert client.get(f"/calendar/{token}.ics").status_code == 404
