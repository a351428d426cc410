from datetime import timedelta

import pytest
from django.utils import timezone

from programs import services
from programs.models import Enrollment
from tests.factories import SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


def enroll_before(session, count, *, seats=None):
    """Enroll `count` people two days before `session` started; seats run out at `seats`."""
    session.seats = seats if seats is not None else count
    session.save()
    before = session.starts_at - timedelta(days=2)
    return [
        services.enrollment_create(user=UserFactory(), session=session, now=before).enrollment for _ in range(count)
    ]


@pytest.fixture
def started(program):
    """A session of `program` that started an hour ago."""
    return SessionFactory(program=program, starts_at=timezone.now() - timedelta(hours=1))


@pytest.fixture
def enrollment(started):
    return enroll_before(started, 1)[0]


def attendance_url(enrollment):
    session = enrollment.session
    return f"/en/programs/{session.program.slug}/sessions/{session.pk}/participants/{enrollment.pk}/attendance/"


def attendance_all_url(session):
    return f"/en/programs/{session.program.slug}/sessions/{session.pk}/attendance/"


def participants_url(session):
    return f"/en/programs/{session.program.slug}/sessions/{session.pk}/participants/"


def attendance_of(enrollment):
    return Enrollment.objects.values_list("attendance", flat=True).get(pk=enrollment.pk)


def test_staff_of_the_provider_mark_a_person_attended(client, staff, enrollment):
    client.force_login(staff)
    page = client.get(participants_url(enrollment.session)).content.decode()
    assert attendance_url(enrollment) in page
    assert f'for="attendance-{enrollment.pk}"' in page
    response = client.post(attendance_url(enrollment), {"attendance": "no_show"}, follow=True)
    assert response.status_code == 200
    assert attendance_of(enrollment) == "no_show"
    assert "Did not come" in response.content.decode()


def test_a_steward_may_mark_attendance(client, steward, enrollment):
    client.force_login(steward)
    assert client.post(attendance_url(enrollment), {"attendance": "attended"}).status_code == 302
    assert attendance_of(enrollment) == "attended"


@pytest.mark.parametrize("persona", ["volunteer", "other_staff", "funder"])
def test_others_cannot_mark_attendance(client, request, persona, enrollment):
    client.force_login(request.getfixturevalue(persona))
    assert client.post(attendance_url(enrollment), {"attendance": "attended"}).status_code == 403
    assert client.post(attendance_all_url(enrollment.session), {"attendance": "attended"}).status_code == 403
    assert attendance_of(enrollment) == "unknown"


def test_anonymous_people_are_sent_to_log_in(client, enrollment):
    for url in (attendance_url(enrollment), attendance_all_url(enrollment.session)):
        response = client.post(url, {"attendance": "attended"})
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    assert attendance_of(enrollment) == "unknown"


@pytest.mark.parametrize("persona", ["volunteer", "other_staff"])
def test_an_unpublished_programs_attendance_is_not_found_for_others(client, request, persona, enrollment):
    program = enrollment.session.program
    type(program).objects.filter(pk=program.pk).update(is_published=False)
    client.force_login(request.getfixturevalue(persona))
    assert client.post(attendance_url(enrollment), {"attendance": "attended"}).status_code == 404
    assert client.post(attendance_all_url(enrollment.session), {"attendance": "attended"}).status_code == 404
    assert attendance_of(enrollment) == "unknown"


def test_attendance_cannot_be_marked_before_the_session_starts(client, staff, volunteer, session):
    upcoming = services.enrollment_create(user=volunteer, session=session).enrollment
    with pytest.raises(services.EnrollmentError, match="once the session has started"):
        services.enrollment_mark_attendance(enrollment=upcoming, attendance="attended")
    with pytest.raises(services.EnrollmentError, match="once the session has started"):
        services.session_mark_attendance_all(session=session, attendance="attended")
    client.force_login(staff)
    page = client.get(participants_url(session)).content.decode()
    assert "/attendance/" not in page
    response = client.post(attendance_url(upcoming), {"attendance": "attended"}, follow=True)
    assert "once the session has started" in response.content.decode()
    assert attendance_of(upcoming) == "unknown"


def test_attendance_cannot_be_marked_in_a_cancelled_session(client, staff, enrollment):
    session = enrollment.session
    session.is_cancelled = True
    services.session_save(session=session)
    with pytest.raises(services.EnrollmentError, match="cancelled"):
        services.enrollment_mark_attendance(enrollment=enrollment, attendance="attended")
    client.force_login(staff)
    assert "/attendance/" not in client.get(participants_url(session)).content.decode()
    response = client.post(attendance_all_url(session), {"attendance": "attended"}, follow=True)
    assert "The session was cancelled" in response.content.decode()
    assert attendance_of(enrollment) == "unknown"


def test_a_waitlisted_person_cannot_be_marked(started):
    holder, waiting = enroll_before(started, 2, seats=1)
    assert waiting.status == "waitlisted"
    with pytest.raises(services.EnrollmentError, match="have a seat"):
        services.enrollment_mark_attendance(enrollment=waiting, attendance="attended")
    assert attendance_of(waiting) == "unknown"


def test_everyone_holding_a_seat_is_marked_at_once(client, staff, started):
    first, second, waiting, gone = enroll_before(started, 4, seats=2)
    holders = [first, second]
    services.enrollment_cancel(enrollment=gone, now=started.starts_at - timedelta(days=1))
    services.enrollment_complete(enrollment=holders[0])
    client.force_login(staff)
    response = client.post(attendance_all_url(started), {"attendance": "attended"}, follow=True)
    assert "2 people marked: Attended." in response.content.decode()
    assert [attendance_of(e) for e in holders] == ["attended", "attended"]
    assert attendance_of(waiting) == "unknown"
    assert attendance_of(gone) == "unknown"


def test_nobody_is_marked_absent_in_bulk_when_someone_completed(started):
    first, second = enroll_before(started, 2)
    services.enrollment_complete(enrollment=first)
    with pytest.raises(services.EnrollmentError):
        services.session_mark_attendance_all(session=started, attendance="no_show")
    assert [attendance_of(first), attendance_of(second)] == ["attended", "unknown"]


def test_completing_a_participation_counts_as_attended(enrollment):
    services.enrollment_complete(enrollment=enrollment)
    assert attendance_of(enrollment) == "attended"
    with pytest.raises(services.EnrollmentError):
        services.enrollment_mark_attendance(enrollment=enrollment, attendance="no_show")


@pytest.mark.parametrize("value", ["", "present", "ATTENDED", "completed", "attended\x00"])
def test_an_unknown_attendance_value_is_a_bad_request(client, staff, enrollment, value):
    client.force_login(staff)
    assert client.post(attendance_url(enrollment), {"attendance": value}).status_code == 400
    assert client.post(attendance_all_url(enrollment.session), {"attendance": value}).status_code == 400
    assert attendance_of(enrollment) == "unknown"


def test_an_enrollment_of_another_session_is_not_found(client, staff, enrollment, program):
    other_session = SessionFactory(program=program, starts_at=timezone.now() - timedelta(hours=1))
    client.force_login(staff)
    url = f"/en/programs/{program.slug}/sessions/{other_session.pk}/participants/{enrollment.pk}/attendance/"
    assert client.post(url, {"attendance": "attended"}).status_code == 404
    assert attendance_of(enrollment) == "unknown"


def test_marking_by_get_is_not_allowed(client, staff, enrollment):
    client.force_login(staff)
    assert client.get(attendance_url(enrollment)).status_code == 405
    assert client.get(attendance_all_url(enrollment.session)).status_code == 405


def test_the_participant_list_costs_the_same_queries_for_1_or_30_people(
    client, staff, program, django_assert_max_num_queries
):
    client.force_login(staff)
    queries = {}
    for count in (1, 30):
        started = SessionFactory(program=program, starts_at=timezone.now() - timedelta(hours=1))
        # count + 1 seats: one person completed, `count` still to mark (one already a no-show), one waiting.
        people = enroll_before(started, count + 2, seats=count + 1)
        services.enrollment_complete(enrollment=people[0])
        services.enrollment_mark_attendance(enrollment=people[1], attendance="no_show")
        with django_assert_max_num_queries(6) as captured:
            page = client.get(participants_url(started)).content.decode()
        assert page.count('<select id="attendance-') == count
        assert page.count('name="attendance"') == count + 1  # and the "everyone attended" form
        queries[count] = len(captured)
    assert queries[1] == queries[30], queries
