"""Who is invited to which survey, and when: each invitation exactly once, however often the job runs."""

from datetime import timedelta

import pytest
from django.utils import timezone

from evaluation.models import SurveyInvitation, SurveyKind
from evaluation.surveys import add_months, invitations_schedule
from programs.models import Enrollment
from tests.factories import ProgramFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)


def enroll(session, status=Enrollment.Status.ENROLLED, attendance=Enrollment.Attendance.UNKNOWN, user=None):
    return Enrollment.objects.create(
        user=user or UserFactory(),
        session=session,
        status=status,
        attendance=attendance,
        waitlisted_at=NOW if status == Enrollment.Status.WAITLISTED else None,
    )


def invitations(enrollment):
    return dict(SurveyInvitation.objects.filter(enrollment=enrollment).values_list("kind", "due_at"))


@pytest.fixture
def program(organization):
    return ProgramFactory(provider=organization)


def test_people_with_a_seat_get_the_pre_survey_two_weeks_before_and_only_once(program):
    soon = SessionFactory(program=program, starts_at=NOW + timedelta(days=10))
    later = SessionFactory(program=program, starts_at=NOW + timedelta(days=20))
    enrolled = enroll(soon)
    waiting = enroll(soon, status=Enrollment.Status.WAITLISTED)
    cancelled = enroll(soon, status=Enrollment.Status.CANCELLED)
    too_early = enroll(later)

    assert invitations_schedule(now=NOW) == 1
    for _ in range(3):
        assert invitations_schedule(now=NOW) == 0

    assert invitations(enrolled) == {SurveyKind.PRE: NOW}
    assert invitations(waiting) == invitations(cancelled) == invitations(too_early) == {}
    # Six days on, the later session is within two weeks: its person is invited then, once.
    invitations_schedule(now=NOW + timedelta(days=6))
    invitations_schedule(now=NOW + timedelta(days=6))
    assert invitations(too_early) == {SurveyKind.PRE: NOW + timedelta(days=6)}
    assert SurveyInvitation.objects.count() == 2


def test_a_cancelled_session_and_a_session_already_started_send_no_pre_survey(program):
    called_off = SessionFactory(program=program, starts_at=NOW + timedelta(days=3), is_cancelled=True)
    started = SessionFactory(program=program, starts_at=NOW - timedelta(hours=1), ends_at=NOW + timedelta(hours=1))
    enroll(called_off)
    enroll(started)
    assert invitations_schedule(now=NOW) == 0
    assert not SurveyInvitation.objects.exists()


def test_only_people_who_came_get_the_post_survey_due_when_the_session_ended(program):
    ends = NOW - timedelta(days=1)
    session = SessionFactory(program=program, starts_at=ends - timedelta(hours=3), ends_at=ends)
    attended = enroll(session, attendance=Enrollment.Attendance.ATTENDED)
    completed = enroll(session, status=Enrollment.Status.COMPLETED)
    no_show = enroll(session, attendance=Enrollment.Attendance.NO_SHOW)
    not_marked = enroll(session)
    waiting = enroll(session, status=Enrollment.Status.WAITLISTED)
    cancelled = enroll(session, status=Enrollment.Status.CANCELLED, attendance=Enrollment.Attendance.ATTENDED)

    invitations_schedule(now=NOW)
    invitations_schedule(now=NOW)

    assert invitations(attended) == invitations(completed) == {SurveyKind.POST: ends}
    for enrollment in (no_show, not_marked, waiting, cancelled):
        assert invitations(enrollment) == {}


def test_follow_ups_fall_due_3_6_and_12_months_after_the_session_ends_each_once(program):
    ends = NOW - timedelta(hours=1)
    session = SessionFactory(program=program, starts_at=ends - timedelta(hours=2), ends_at=ends)
    person = enroll(session, status=Enrollment.Status.COMPLETED)
    no_show = enroll(session, attendance=Enrollment.Attendance.NO_SHOW)

    # The beat runs every hour for a year and a bit; a day at a time is enough to see it.
    moment = NOW
    while moment < add_months(ends, 13):
        invitations_schedule(now=moment)
        moment += timedelta(days=1)

    assert invitations(person) == {
        SurveyKind.POST: ends,
        SurveyKind.FOLLOW_UP_3: add_months(ends, 3),
        SurveyKind.FOLLOW_UP_6: add_months(ends, 6),
        SurveyKind.FOLLOW_UP_12: add_months(ends, 12),
    }
    assert invitations(no_show) == {}


def test_a_follow_up_is_created_only_once_it_is_due(program):
    ends = NOW - timedelta(days=10)
    session = SessionFactory(program=program, starts_at=ends - timedelta(hours=2), ends_at=ends)
    person = enroll(session, attendance=Enrollment.Attendance.ATTENDED)
    invitations_schedule(now=NOW)
    invitations_schedule(now=add_months(ends, 3) - timedelta(minutes=1))
    assert set(invitations(person)) == {SurveyKind.POST}
    invitations_schedule(now=add_months(ends, 3))
    assert set(invitations(person)) == {SurveyKind.POST, SurveyKind.FOLLOW_UP_3}


def test_a_first_run_on_old_history_invites_nobody_about_sessions_long_past(program):
    ends = add_months(NOW, -24)
    session = SessionFactory(program=program, starts_at=ends - timedelta(hours=2), ends_at=ends)
    enroll(session, status=Enrollment.Status.COMPLETED)
    assert invitations_schedule(now=NOW) == 0


def test_deleted_accounts_keep_their_anonymous_enrollment_but_get_no_survey(program):
    ends = NOW - timedelta(days=1)
    session = SessionFactory(program=program, starts_at=ends - timedelta(hours=2), ends_at=ends)
    person = enroll(session, status=Enrollment.Status.COMPLETED)
    person.user.delete()
    soon = SessionFactory(program=program, starts_at=NOW + timedelta(days=2))
    gone = enroll(soon)
    gone.user.delete()
    assert invitations_schedule(now=NOW) == 0
    assert not SurveyInvitation.objects.exists()


def test_an_invitation_made_by_a_concurrent_run_is_not_made_again(program):
    ends = NOW - timedelta(days=1)
    session = SessionFactory(program=program, starts_at=ends - timedelta(hours=2), ends_at=ends)
    person = enroll(session, status=Enrollment.Status.COMPLETED)
    first = SurveyInvitation.objects.create(enrollment=person, kind=SurveyKind.POST, due_at=ends)
    invitations_schedule(now=NOW)
    assert list(SurveyInvitation.objects.filter(enrollment=person).values_list("pk", "token")) == [
        (first.pk, first.token)
    ]


def test_many_people_are_scheduled_in_batches(program, django_assert_max_num_queries):
    ends = NOW - timedelta(days=1)
    session = SessionFactory(program=program, starts_at=ends - timedelta(hours=2), ends_at=ends, seats=3000)
    people = UserFactory.create_batch(2500)
    Enrollment.objects.bulk_create(
        Enrollment(user=user, session=session, status=Enrollment.Status.COMPLETED) for user in people
    )
    # One read per kind (with a chunked cursor) and one INSERT per thousand rows, not a query per person.
    with django_assert_max_num_queries(25):
        assert invitations_schedule(now=NOW) == 2500
    assert SurveyInvitation.objects.filter(kind=SurveyKind.POST).count() == 2500


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        ((2026, 1, 31), 1, (2026, 2, 28)),
        ((2024, 1, 31), 1, (2024, 2, 29)),
        ((2026, 11, 15), 3, (2027, 2, 15)),
        ((2026, 3, 31), -1, (2026, 2, 28)),
        ((2026, 1, 15), -1, (2025, 12, 15)),
    ],
)
def test_months_are_calendar_months(start, months, expected):
    moment = NOW.replace(year=start[0], month=start[1], day=start[2])
    assert add_months(moment, months).timetuple()[:3] == expected
