from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from programs import services
from programs.models import Enrollment
from tests.factories import SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_anonymous_people_are_sent_to_log_in_before_enrolling(client, session):
    response = client.post(f"/en/programs/{session.program.slug}/sessions/{session.pk}/enroll/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fen%2Fprograms%2Fwikidata-basics%2F"
    assert not Enrollment.objects.exists()


def test_a_volunteer_enrolls_and_takes_a_seat(client, volunteer, session):
    client.force_login(volunteer)
    response = client.post(f"/en/programs/{session.program.slug}/sessions/{session.pk}/enroll/", follow=True)
    assert "You are enrolled" in response.content.decode()
    session.refresh_from_db()
    assert session.seats_taken == 1
    assert Enrollment.objects.get().status == "enrolled"


def test_enrolling_is_post_only(client, volunteer, session):
    client.force_login(volunteer)
    assert client.get(f"/en/programs/{session.program.slug}/sessions/{session.pk}/enroll/").status_code == 405


def test_the_11th_person_goes_on_the_waiting_list(session):
    people = UserFactory.create_batch(11)
    results = [services.enrollment_create(user=person, session=session) for person in people]
    assert [r.enrollment.status for r in results] == ["enrolled"] * 10 + ["waitlisted"]
    session.refresh_from_db()
    assert session.seats_taken == 10


def test_a_person_holds_at_most_one_enrollment_per_session(client, volunteer, session):
    services.enrollment_create(user=volunteer, session=session)
    with pytest.raises(services.EnrollmentError):
        services.enrollment_create(user=volunteer, session=session)
    client.force_login(volunteer)
    response = client.post(f"/en/programs/{session.program.slug}/sessions/{session.pk}/enroll/", follow=True)
    assert "already enrolled" in response.content.decode()
    assert Enrollment.objects.count() == 1
    session.refresh_from_db()
    assert session.seats_taken == 1


def test_enrollment_opens_and_closes_on_the_sessions_dates(volunteer, program):
    now = timezone.now()
    not_yet = SessionFactory(program=program, enrollment_opens_at=now + timedelta(days=1))
    closed = SessionFactory(
        program=program, enrollment_closes_at=now - timedelta(hours=1), enrollment_opens_at=now - timedelta(days=3)
    )
    with pytest.raises(services.EnrollmentError, match="not opened"):
        services.enrollment_create(user=volunteer, session=not_yet)
    with pytest.raises(services.EnrollmentError, match="closed"):
        services.enrollment_create(user=volunteer, session=closed)
    assert not Enrollment.objects.exists()


def test_cancelling_promotes_the_first_on_the_waiting_list_and_tells_them(
    volunteer, program, django_capture_on_commit_callbacks
):
    session = SessionFactory(program=program, seats=1)
    first = services.enrollment_create(user=volunteer, session=session).enrollment
    second_person, third_person = UserFactory(), UserFactory()
    services.enrollment_create(user=second_person, session=session)
    services.enrollment_create(user=third_person, session=session)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        result = services.enrollment_cancel(enrollment=first)
    assert [enrollment.user for enrollment in result.promoted] == [second_person]
    assert Enrollment.objects.get(user=second_person).status == "enrolled"
    assert Enrollment.objects.get(user=third_person).status == "waitlisted"
    session.refresh_from_db()
    assert session.seats_taken == 1
    assert [message.to for message in mail.outbox] == [[second_person.email]]


def test_cancelling_with_nobody_waiting_frees_the_seat(volunteer, session):
    enrollment = services.enrollment_create(user=volunteer, session=session).enrollment
    services.enrollment_cancel(enrollment=enrollment)
    session.refresh_from_db()
    assert session.seats_taken == 0


def test_a_cancelled_person_can_enroll_again(volunteer, session):
    enrollment = services.enrollment_create(user=volunteer, session=session).enrollment
    services.enrollment_cancel(enrollment=enrollment)
    again = services.enrollment_create(user=volunteer, session=session).enrollment
    assert again.pk == enrollment.pk and again.status == "enrolled"


def test_nobody_can_cancel_someone_elses_enrollment(client, volunteer, session):
    enrollment = services.enrollment_create(user=UserFactory(), session=session).enrollment
    client.force_login(volunteer)
    response = client.post(f"/en/me/enrollments/{enrollment.pk}/cancel/")
    assert response.status_code == 404
    enrollment.refresh_from_db()
    assert enrollment.status == "enrolled"


def test_a_volunteer_cancels_from_the_program_page(client, volunteer, session):
    enrollment = services.enrollment_create(user=volunteer, session=session).enrollment
    client.force_login(volunteer)
    response = client.post(
        f"/en/me/enrollments/{enrollment.pk}/cancel/", {"next": "/en/programs/wikidata-basics/"}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/en/programs/wikidata-basics/"
    assert "Your enrollment is cancelled." in response.content.decode()


def test_an_unsafe_next_address_is_ignored(client, volunteer, session):
    enrollment = services.enrollment_create(user=volunteer, session=session).enrollment
    client.force_login(volunteer)
    response = client.post(f"/en/me/enrollments/{enrollment.pk}/cancel/", {"next": "https://evil.example.com/"})
    assert response["Location"] == "/en/me/"


def test_enrolling_in_an_unknown_session_is_a_404(client, volunteer, session):
    client.force_login(volunteer)
    assert client.post(f"/en/programs/{session.program.slug}/sessions/999999/enroll/").status_code == 404
