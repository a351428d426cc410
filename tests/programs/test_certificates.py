from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from programs import services
from programs.models import Certificate, Session
from tests.factories import SessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def enrollment(volunteer, program):
    """The volunteer's place in a session that started an hour ago."""
    session = SessionFactory(program=program, starts_at=timezone.now() - timedelta(hours=1))
    return services.enrollment_create(
        user=volunteer, session=session, now=timezone.now() - timedelta(days=2)
    ).enrollment


def complete_url(enrollment):
    session = enrollment.session
    return f"/en/programs/{session.program.slug}/sessions/{session.pk}/participants/{enrollment.pk}/complete/"


def test_staff_of_the_provider_mark_a_participation_completed(client, staff, enrollment):
    client.force_login(staff)
    session = enrollment.session
    page = client.get(f"/en/programs/{session.program.slug}/sessions/{session.pk}/participants/").content.decode()
    assert complete_url(enrollment) in page
    response = client.post(complete_url(enrollment), follow=True)
    assert response.status_code == 200
    enrollment.refresh_from_db()
    assert enrollment.status == "completed"
    certificate = Certificate.objects.get(enrollment=enrollment)
    assert certificate.holder_name == enrollment.user.public_name


@pytest.mark.parametrize("persona", ["volunteer", "other_staff"])
def test_others_cannot_mark_completion(client, request, persona, enrollment):
    client.force_login(request.getfixturevalue(persona))
    assert client.post(complete_url(enrollment)).status_code == 403
    enrollment.refresh_from_db()
    assert enrollment.status == "enrolled"
    assert not Certificate.objects.exists()


def test_anonymous_people_cannot_mark_completion(client, enrollment):
    response = client.post(complete_url(enrollment))
    assert response.status_code == 302
    assert not Certificate.objects.exists()


@pytest.mark.parametrize(("persona", "status"), [("staff", 200), ("other_staff", 403), ("volunteer", 403)])
def test_only_the_providers_staff_see_the_participant_list(client, request, persona, status, enrollment):
    client.force_login(request.getfixturevalue(persona))
    session = enrollment.session
    response = client.get(f"/en/programs/{session.program.slug}/sessions/{session.pk}/participants/")
    assert response.status_code == status


def test_anonymous_people_are_sent_to_log_in_for_the_participant_list(client, enrollment):
    session = enrollment.session
    response = client.get(f"/en/programs/{session.program.slug}/sessions/{session.pk}/participants/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_completing_twice_issues_one_certificate(staff, enrollment):
    first = services.enrollment_complete(enrollment=enrollment)
    second = services.enrollment_complete(enrollment=enrollment)
    assert first.pk == second.pk


def test_the_public_verification_page_shows_name_program_date_and_provider_only(client, enrollment):
    certificate = services.enrollment_complete(enrollment=enrollment)
    html = client.get(certificate.get_absolute_url()).content.decode()
    assert enrollment.user.public_name in html
    assert "Wikidata basics" in html
    assert "Wiki Learning Hub" in html
    assert enrollment.user.email not in html
    assert enrollment.user.username not in html
    assert "secret-room" not in html


@pytest.mark.parametrize("code", ["not-a-real-code", "%00", "a%00b"])
def test_an_unknown_certificate_code_is_a_404(client, code):
    assert client.get(f"/en/certificates/{code}/").status_code == 404


def test_nobody_completes_a_session_before_it_starts(client, staff, volunteer, session):
    upcoming = services.enrollment_create(user=volunteer, session=session).enrollment
    with pytest.raises(services.EnrollmentError, match="once the session has started"):
        services.enrollment_complete(enrollment=upcoming)
    client.force_login(staff)
    page = client.get(f"/en/programs/{session.program.slug}/sessions/{session.pk}/participants/").content.decode()
    assert "/complete/" not in page
    assert not Certificate.objects.exists()


def test_a_waitlisted_person_cannot_be_completed(staff, volunteer, session):
    session.seats = 0
    session.save()
    waiting = services.enrollment_create(user=volunteer, session=session).enrollment
    with pytest.raises(services.EnrollmentError):
        services.enrollment_complete(enrollment=waiting)


def test_a_participation_in_a_cancelled_session_cannot_be_completed(client, staff, enrollment):
    session = enrollment.session
    session.is_cancelled = True
    services.session_save(session=session)
    client.force_login(staff)
    page = client.get(f"/en/programs/{session.program.slug}/sessions/{session.pk}/participants/").content.decode()
    assert complete_url(enrollment) not in page
    response = client.post(complete_url(enrollment), follow=True)
    assert "The session was cancelled, so nobody can complete it." in response.content.decode()
    assert not Certificate.objects.exists()
    enrollment.refresh_from_db()
    assert enrollment.status == "enrolled"


@pytest.mark.parametrize("persona", ["volunteer", "other_staff"])
def test_an_unpublished_programs_participant_list_is_not_found_like_its_page(client, request, persona, enrollment):
    program = enrollment.session.program
    type(program).objects.filter(pk=program.pk).update(is_published=False)
    client.force_login(request.getfixturevalue(persona))
    session = enrollment.session
    assert client.get(f"/en/programs/{program.slug}/").status_code == 404
    assert client.get(f"/en/programs/{program.slug}/sessions/{session.pk}/participants/").status_code == 404
    assert client.post(complete_url(enrollment)).status_code == 404


def test_the_providers_staff_still_reach_an_unpublished_programs_participants(client, staff, enrollment):
    program = enrollment.session.program
    type(program).objects.filter(pk=program.pk).update(is_published=False)
    client.force_login(staff)
    session = enrollment.session
    assert client.get(f"/en/programs/{program.slug}/sessions/{session.pk}/participants/").status_code == 200


def test_a_certificate_is_dated_on_the_day_where_the_session_happens(staff, volunteer, program):
    """Marked at 20:00 UTC on 31 March by staff in New York, a session in Seoul completes on 1 April there."""
    start = datetime(2026, 3, 31, 9, tzinfo=UTC)
    session = SessionFactory(
        program=program, starts_at=start, ends_at=start + timedelta(hours=2), time_zone="Asia/Seoul"
    )
    enrollment = services.enrollment_create(user=volunteer, session=session, now=start - timedelta(days=2)).enrollment
    with timezone.override("America/New_York"):
        certificate = services.enrollment_complete(enrollment=enrollment, now=datetime(2026, 3, 31, 20, tzinfo=UTC))
    assert certificate.completed_on == date(2026, 4, 1)


@pytest.mark.parametrize("zone", ["America", "../etc/passwd", "Nowhere/Land"])
def test_a_session_zone_no_validator_would_take_still_gives_a_certificate_dated_in_utc(staff, volunteer, program, zone):
    start = datetime(2026, 3, 31, 9, tzinfo=UTC)
    session = SessionFactory(program=program, starts_at=start, ends_at=start + timedelta(hours=2))
    Session.objects.filter(pk=session.pk).update(time_zone=zone)  # past the model's validator
    enrollment = services.enrollment_create(user=volunteer, session=session, now=start - timedelta(days=2)).enrollment
    certificate = services.enrollment_complete(enrollment=enrollment, now=datetime(2026, 3, 31, 23, 30, tzinfo=UTC))
    assert certificate.completed_on == date(2026, 3, 31)
