from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from programs import services
from programs.tasks import send_session_reminders
from tests.concurrency import race
from tests.factories import SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_reminder_goes_out_once_a_day_before_the_session(program):
    tomorrow = SessionFactory(program=program, starts_at=timezone.now() + timedelta(hours=20))
    next_week = SessionFactory(program=program, starts_at=timezone.now() + timedelta(days=7))
    korean = UserFactory(preferred_language="ko")
    english = UserFactory()
    waiting = UserFactory()
    tomorrow.seats = 2
    tomorrow.save()
    services.enrollment_create(user=korean, session=tomorrow)
    services.enrollment_create(user=english, session=tomorrow)
    services.enrollment_create(user=waiting, session=tomorrow)
    services.enrollment_create(user=UserFactory(), session=next_week)

    assert send_session_reminders() == 2
    assert sorted(message.to[0] for message in mail.outbox) == sorted([korean.email, english.email])
    assert send_session_reminders() == 0
    assert len(mail.outbox) == 2


def test_the_reminder_is_written_in_the_persons_language(program):
    session = SessionFactory(program=program, starts_at=timezone.now() + timedelta(hours=5))
    person = UserFactory(preferred_language="es")
    services.enrollment_create(user=person, session=session)
    send_session_reminders()
    from django.utils import translation

    with translation.override("es"):
        from django.utils.translation import gettext

        expected = gettext("If you can no longer come, please cancel in My learning so the next person gets your seat.")
    assert expected in mail.outbox[0].body


@pytest.mark.django_db(transaction=True)
def test_two_reminder_runs_racing_email_each_person_once(seeded_transactional_db, monkeypatch):
    """The claim keeps `reminder_sent_at IS NULL` on the updated row: PostgreSQL re-checks it
    there after a concurrent claim, not inside an `id IN (SELECT …)` read from the old snapshot."""
    import time

    import programs.tasks
    from tests.factories import ProgramFactory

    session = SessionFactory(program=ProgramFactory(), starts_at=timezone.now() + timedelta(hours=20), seats=30)
    people = UserFactory.create_batch(20)
    for person in people:
        services.enrollment_create(user=person, session=session)
    real_send = programs.tasks._send_to_person

    def slow_send(*args, **kwargs):
        time.sleep(0.01)  # both runs inside the loop at once
        return real_send(*args, **kwargs)

    monkeypatch.setattr(programs.tasks, "_send_to_person", slow_send)
    counts = race(send_session_reminders, send_session_reminders)
    assert sum(counts) == 20
    assert sorted(message.to[0] for message in mail.outbox) == sorted(person.email for person in people)
