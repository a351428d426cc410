import pytest
from django.core.management import call_command
from django.utils import timezone

from capacity.models import Region
from programs.models import ActivityReport, Enrollment, Program, Session
from stakeholders.models import Invitation, Membership, Organization, User
from tests.resources import demo_story as funding
from tests.stakeholders import demo_story as community


def _state():
    return {
        "programs": [model.objects.count() for model in (Organization, User, Program, Session, Enrollment)],
        "funding": funding.state(),
        "community": community.state(),
    }


@pytest.mark.django_db
def test_the_demo_tells_every_story_and_loading_it_twice_duplicates_nothing(client):
    """The demo runs twice in this test only (over a minute a run): every app's story is checked on its data."""
    call_command("demo", verbosity=0)
    before = _state()
    call_command("demo", verbosity=0)
    assert _state() == before
    # Every demo person signs in with the demo's password (hashed once for them all).
    people = User.objects.filter(email__endswith="@example.org").exclude(username__startswith="learner")
    assert people.count() >= 10
    assert all(person.check_password("capacity-demo") for person in people)
    assert not any(person.check_password("capacity-dem0") for person in people)
    _the_programs_story()
    funding.check(client)
    community.check_the_exchange()
    community.check_the_support_requests()


def _the_programs_story():
    """Affiliates, programs, sessions with waiting lists and reports, every role."""
    # Affiliates in every region, some of them emerging communities.
    assert set(Organization.objects.values_list("region__slug", flat=True)) == set(
        Region.objects.values_list("slug", flat=True)
    )
    # Programs across every method, written in Korean and Arabic, and in languages the
    # interface does not speak: Bangla, Swahili and Yoruba.
    assert set(Program.objects.values_list("method", flat=True)) == set(Program.Method.values)
    assert Program.objects.filter(original_language__code="ko").exclude(original_title="").count() >= 5
    assert Program.objects.filter(original_language__code="ar").exclude(original_title="").count() >= 5
    assert {"bn", "sw", "yo"} <= set(Program.objects.values_list("original_language__code", flat=True))
    # Some sessions are full and have a waiting list.
    assert Enrollment.objects.filter(status="waitlisted").exists()
    assert User.objects.filter(languages__isnull=False).distinct().count() >= 10
    # Every role, and an invitation waiting for an answer.
    assert set(Membership.objects.values_list("role", flat=True)) == set(Membership.Role.values)
    assert Invitation.objects.filter(status=Invitation.Status.PENDING, user__username="yazan_haddad").count() == 1
    # Past sessions have their attendance marked and an activity report with demographics.
    past = Session.objects.filter(ends_at__lt=timezone.now(), seats_taken__gt=0, is_cancelled=False)
    assert past.exists()
    assert ActivityReport.objects.filter(session__in=past).count() == past.count()
    assert ActivityReport.objects.filter(gender_asked=True, age_asked=True).exists()
    assert ActivityReport.objects.filter(age_asked=False).exists()
    assert Enrollment.objects.filter(session__in=past, attendance=Enrollment.Attendance.NO_SHOW).exists()
    # …and one has the on-wiki figures of its Programs & Events Dashboard course.
    imported = ActivityReport.objects.get(dashboard_imported_at__isnull=False)
    assert imported.dashboard_course == imported.session.dashboard_course
    assert imported.dashboard_editors == 11
    for session in Session.objects.all():
        assert session.seats_taken == Enrollment.objects.filter(session=session).holding_seat().count()
