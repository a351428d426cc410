from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from programs import services, tasks
from programs.models import Enrollment, Session
from tests.concurrency import race
from tests.factories import SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def full_session(program):
    """An upcoming session with one seat: two people hold or wait, one left."""
    return SessionFactory(program=program, seats=2)


@pytest.fixture
def people(full_session):
    """Two seat holders, one person waiting and one who cancelled their place."""
    holders = [services.enrollment_create(user=UserFactory(), session=full_session).enrollment for _ in range(2)]
    waiting = services.enrollment_create(user=UserFactory(), session=full_session).enrollment
    gone = services.enrollment_create(user=UserFactory(), session=full_session).enrollment
    services.enrollment_cancel(enrollment=gone)
    return {"holders": holders, "waiting": waiting, "gone": gone}


def cancel_url(session):
    return f"/en/programs/{session.program.slug}/sessions/{session.pk}/cancel/"


def participants_url(session):
    return f"/en/programs/{session.program.slug}/sessions/{session.pk}/participants/"


def test_cancelling_emails_everyone_enrolled_and_waiting_once(
    full_session, people, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.session_cancel(session=full_session, by=staff)
    full_session.refresh_from_db()
    assert full_session.is_cancelled
    expected = sorted([e.user.email] for e in [*people["holders"], people["waiting"]])
    assert sorted(message.to for message in mail.outbox) == expected
    assert all(message.subject == "Session cancelled: Wikidata basics" for message in mail.outbox)
    # Running the jobs again, as a retry or the sweep would, sends nothing more.
    for enrollment in Enrollment.objects.all():
        assert tasks.notify_session_cancelled(enrollment.pk) is False
    assert tasks.send_pending_cancellation_emails() == 0
    assert len(mail.outbox) == 3


def test_the_email_speaks_the_persons_language_and_time_zone(full_session, staff, django_capture_on_commit_callbacks):
    person = UserFactory(preferred_language="fr", time_zone="Asia/Seoul")
    services.enrollment_create(user=person, session=full_session)
    with django_capture_on_commit_callbacks(execute=True):
        services.session_cancel(session=full_session, by=staff)
    (message,) = mail.outbox
    assert "\n" not in message.subject
    assert "Asia/Seoul" in message.body


def test_a_second_cancellation_is_refused_and_sends_nothing(
    full_session, people, staff, django_capture_on_commit_callbacks
):
    services.session_cancel(session=full_session, by=staff)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(services.EnrollmentError, match="already"):
        services.session_cancel(session=full_session, by=staff)
    assert mail.outbox == []


def test_a_session_that_has_ended_cannot_be_cancelled(program, staff):
    past = SessionFactory(program=program, starts_at=timezone.now() - timedelta(days=2))
    with pytest.raises(services.EnrollmentError, match="ended"):
        services.session_cancel(session=past, by=staff)
    past.refresh_from_db()
    assert not past.is_cancelled


def test_nobody_is_promoted_after_a_cancellation(full_session, people, staff, django_capture_on_commit_callbacks):
    services.session_cancel(session=full_session, by=staff)
    with django_capture_on_commit_callbacks(execute=True):
        services.enrollment_cancel(enrollment=people["holders"][0])
    people["waiting"].refresh_from_db()
    assert people["waiting"].status == "waitlisted"
    assert mail.outbox == []


def test_an_email_that_failed_is_sent_by_the_sweep(
    full_session, people, staff, monkeypatch, django_capture_on_commit_callbacks
):
    def refuse(*args, **kwargs):
        raise OSError("SMTP server unavailable")

    monkeypatch.setattr(tasks, "send_mail", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        services.session_cancel(session=full_session, by=staff)  # the cancellation still happens
    monkeypatch.undo()
    assert Session.objects.get(pk=full_session.pk).is_cancelled
    assert tasks.send_pending_cancellation_emails() == 3
    assert tasks.send_pending_cancellation_emails() == 0
    assert len(mail.outbox) == 3


def test_ticking_cancelled_in_the_admin_tells_people_the_same_way_once(
    full_session, people, django_capture_on_commit_callbacks
):
    full_session.is_cancelled = True
    with django_capture_on_commit_callbacks(execute=True):
        services.session_save(session=full_session)
    assert len(mail.outbox) == 3
    with django_capture_on_commit_callbacks(execute=True):
        services.session_save(session=full_session)  # saved again, still cancelled
    assert len(mail.outbox) == 3
    with pytest.raises(services.EnrollmentError, match="already"):
        services.session_cancel(session=full_session, by=None)


def test_the_providers_staff_cancel_from_the_participant_list(
    client, staff, full_session, people, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    page = client.get(participants_url(full_session)).content.decode()
    assert cancel_url(full_session) in page
    assert 'for="confirm-cancel"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(cancel_url(full_session), {"confirm": "yes"}, follow=True)
    assert response.status_code == 200
    assert "everyone enrolled or waiting is told by email" in response.content.decode()
    assert Session.objects.get(pk=full_session.pk).is_cancelled
    assert len(mail.outbox) == 3
    assert cancel_url(full_session) not in response.content.decode()


def test_without_the_confirmation_nothing_is_cancelled(client, staff, full_session):
    client.force_login(staff)
    response = client.post(cancel_url(full_session), follow=True)
    assert "Tick the box" in response.content.decode()
    assert not Session.objects.get(pk=full_session.pk).is_cancelled


def test_a_second_cancel_through_the_page_says_it_is_already_cancelled(client, staff, full_session):
    client.force_login(staff)
    client.post(cancel_url(full_session), {"confirm": "yes"})
    response = client.post(cancel_url(full_session), {"confirm": "yes"}, follow=True)
    assert "This session is already cancelled." in response.content.decode()


def test_a_steward_may_cancel(client, steward, full_session):
    client.force_login(steward)
    assert client.post(cancel_url(full_session), {"confirm": "yes"}).status_code == 302
    assert Session.objects.get(pk=full_session.pk).is_cancelled


@pytest.mark.parametrize("persona", ["volunteer", "other_staff", "funder"])
def test_others_cannot_cancel(client, request, persona, full_session):
    client.force_login(request.getfixturevalue(persona))
    assert client.post(cancel_url(full_session), {"confirm": "yes"}).status_code == 403
    assert not Session.objects.get(pk=full_session.pk).is_cancelled


def test_anonymous_people_are_sent_to_log_in(client, full_session):
    response = client.post(cancel_url(full_session), {"confirm": "yes"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not Session.objects.get(pk=full_session.pk).is_cancelled


@pytest.mark.parametrize("persona", ["volunteer", "other_staff"])
def test_an_unpublished_programs_session_is_not_found_for_others(client, request, persona, full_session):
    type(full_session.program).objects.filter(pk=full_session.program_id).update(is_published=False)
    client.force_login(request.getfixturevalue(persona))
    assert client.post(cancel_url(full_session), {"confirm": "yes"}).status_code == 404
    assert not Session.objects.get(pk=full_session.pk).is_cancelled


def test_a_session_of_another_program_is_not_found(client, staff, full_session):
    other = SessionFactory()
    client.force_login(staff)
    url = f"/en/programs/{full_session.program.slug}/sessions/{other.pk}/cancel/"
    assert client.post(url, {"confirm": "yes"}).status_code == 404
    assert not Session.objects.get(pk=other.pk).is_cancelled


def test_cancelling_by_get_is_not_allowed(client, staff, full_session):
    client.force_login(staff)
    assert client.get(cancel_url(full_session)).status_code == 405
    assert not Session.objects.get(pk=full_session.pk).is_cancelled


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_racing_email_each_person_once(seeded_transactional_db, monkeypatch):
    """The cancellation email's claim keeps `cancellation_notified_at IS NULL` on the updated row (see _claim)."""
    import time

    from tests.factories import ProgramFactory

    session = SessionFactory(program=ProgramFactory(), starts_at=timezone.now() + timedelta(days=3), seats=30)
    people = UserFactory.create_batch(20)
    for person in people:
        services.enrollment_create(user=person, session=session)
    Session.objects.filter(pk=session.pk).update(is_cancelled=True)  # as if the emails were never queued
    real_send = tasks._send_to_person

    def slow_send(*args, **kwargs):
        time.sleep(0.01)
        return real_send(*args, **kwargs)

    monkeypatch.setattr(tasks, "_send_to_person", slow_send)
    counts = race(tasks.send_pending_cancellation_emails, tasks.send_pending_cancellation_emails)
    assert sum(counts) == 20
    assert sorted(message.to[0] for message in mail.outbox) == sorted(person.email for person in people)
