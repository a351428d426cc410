"""Survey invitations by email: each exactly once, in the person's language, with a link that works."""

import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from evaluation.models import SurveyInvitation, SurveyKind
from evaluation.survey_tasks import send_survey_invitations
from evaluation.surveys import invitations_schedule, invitations_send
from programs.models import Enrollment
from tests.concurrency import race
from tests.factories import ProgramFactory, SessionFactory, UserFactory
from tests.waiting import wait_for


def past_session(program, days_ago=1):
    ends = timezone.now() - timedelta(days=days_ago)
    return SessionFactory(program=program, starts_at=ends - timedelta(hours=2), ends_at=ends)


def graduates(session, *users):
    for user in users:
        Enrollment.objects.create(user=user, session=session, status=Enrollment.Status.COMPLETED)


def greeting(language, name):
    with translation.override(language):
        return gettext("Hello %(name)s,") % {"name": name}


@pytest.mark.django_db
def test_each_due_invitation_is_emailed_once_however_often_the_job_runs(organization):
    session = past_session(ProgramFactory(provider=organization))
    people = UserFactory.create_batch(3)
    graduates(session, *people)
    invitations_schedule(now=timezone.now())

    assert invitations_send(now=timezone.now()) == 3
    assert invitations_send(now=timezone.now()) == 0
    send_survey_invitations()
    assert sorted(message.to[0] for message in mail.outbox) == sorted(person.email for person in people)
    assert not SurveyInvitation.objects.filter(sent_at__isnull=True).exists()


@pytest.mark.django_db
def test_the_email_carries_the_absolute_link_to_the_survey(organization):
    session = past_session(ProgramFactory(provider=organization, original_title="Wikidata basics"))
    person = UserFactory()
    graduates(session, person)
    invitations_schedule(now=timezone.now())
    invitations_send(now=timezone.now())

    invitation = SurveyInvitation.objects.get()
    message = mail.outbox[0]
    assert f"{settings.PORTAL_URL}/en/surveys/{invitation.token}/" in message.body
    assert "Wikidata basics" in message.subject
    assert "\n" not in message.subject


@pytest.mark.django_db
def test_a_limit_leaves_the_rest_for_the_next_run(organization):
    session = past_session(ProgramFactory(provider=organization))
    graduates(session, *UserFactory.create_batch(5))
    invitations_schedule(now=timezone.now())
    assert invitations_send(now=timezone.now(), limit=2) == 2
    assert invitations_send(now=timezone.now(), limit=2) == 2
    assert invitations_send(now=timezone.now(), limit=2) == 1
    assert len(mail.outbox) == 5


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "prefix"), [("ko", "/ko/"), ("ar", "/ar/")])
def test_the_email_is_written_in_the_persons_language(organization, language, prefix):
    session = past_session(ProgramFactory(provider=organization))
    person = UserFactory(preferred_language=language, display_name="Dana")
    graduates(session, person)
    invitations_schedule(now=timezone.now())
    invitations_send(now=timezone.now())

    body = mail.outbox[0].body
    assert greeting(language, "Dana") != greeting("en", "Dana")
    assert greeting(language, "Dana") in body
    token = SurveyInvitation.objects.get().token
    assert f"{settings.PORTAL_URL}{prefix}surveys/{token}/" in body
    # The language was the person's only while writing to them.
    assert translation.get_language() == "en"


@pytest.mark.django_db
def test_nothing_is_sent_to_deleted_cancelled_or_deactivated_people_nor_a_pre_survey_after_the_start(organization):
    program = ProgramFactory(provider=organization)
    session = past_session(program)
    gone, leaving, inactive = UserFactory.create_batch(3)
    graduates(session, gone, leaving, inactive)
    invitations_schedule(now=timezone.now())
    gone.delete()
    Enrollment.objects.filter(user=leaving).update(status=Enrollment.Status.CANCELLED)
    inactive.is_active = False
    inactive.save()
    soon = SessionFactory(program=program, starts_at=timezone.now() + timedelta(days=2))
    latecomer = UserFactory()
    graduates(soon, latecomer)
    Enrollment.objects.filter(user=latecomer).update(status=Enrollment.Status.ENROLLED)
    invitations_schedule(now=timezone.now())
    assert SurveyInvitation.objects.filter(kind=SurveyKind.PRE).count() == 1

    corrected = UserFactory()
    graduates(session, corrected)
    invitations_schedule(now=timezone.now())
    Enrollment.objects.filter(user=corrected).update(
        status=Enrollment.Status.ENROLLED, attendance=Enrollment.Attendance.NO_SHOW
    )
    assert SurveyInvitation.objects.filter(kind=SurveyKind.POST).count() == 4

    # Three days later the session has started: the pre-session survey is no use any more.
    assert invitations_send(now=timezone.now() + timedelta(days=3)) == 0
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_failed_send_releases_the_claim_for_the_next_run(organization, monkeypatch):
    session = past_session(ProgramFactory(provider=organization))
    graduates(session, UserFactory())
    invitations_schedule(now=timezone.now())

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr("evaluation.surveys.send_mail", refuse)
    assert invitations_send(now=timezone.now()) == 0
    assert SurveyInvitation.objects.get().sent_at is None
    monkeypatch.undo()
    assert invitations_send(now=timezone.now()) == 1
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_two_sends_racing_email_each_person_once(seeded_transactional_db, organization, monkeypatch):
    session = past_session(ProgramFactory(provider=organization))
    people = UserFactory.create_batch(20)
    graduates(session, *people)
    invitations_schedule(now=timezone.now())

    import evaluation.surveys

    real_send = evaluation.surveys.send_mail

    def slow_send(*args, **kwargs):
        # Slow enough that both workers are inside the loop at once.
        time.sleep(0.01)
        return real_send(*args, **kwargs)

    monkeypatch.setattr("evaluation.surveys.send_mail", slow_send)

    def worker():
        return invitations_send(now=timezone.now())

    counts = race(worker, worker)
    assert sum(counts) == 20
    assert sorted(message.to[0] for message in mail.outbox) == sorted(person.email for person in people)


@pytest.mark.celery
def test_the_worker_on_redis_sends_each_invitation_once_even_when_the_job_is_queued_twice(celery_worker_on_redis):
    program = ProgramFactory()
    session = past_session(program)
    korean = UserFactory(preferred_language="ko", display_name="Minji")
    arabic = UserFactory(preferred_language="ar", display_name="Layla")
    graduates(session, korean, arabic)
    invitations_schedule(now=timezone.now())

    send_survey_invitations.delay()
    send_survey_invitations.delay()
    assert wait_for(lambda: len(mail.outbox) >= 2), "the worker sent nothing"
    assert wait_for(lambda: not SurveyInvitation.objects.filter(sent_at__isnull=True).exists())
    # Give the second delivery of the job time to run: it must find nothing left to send.
    time.sleep(1.5)
    by_address = {message.to[0]: message.body for message in mail.outbox}
    assert len(mail.outbox) == 2
    assert greeting("ko", "Minji") in by_address[korean.email]
    assert greeting("ar", "Layla") in by_address[arabic.email]
    with translation.override("ar"):
        token = SurveyInvitation.objects.get(enrollment__user=arabic).token
        assert reverse("surveys:answer", kwargs={"token": token}) in by_address[arabic.email]
