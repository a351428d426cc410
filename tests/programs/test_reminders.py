from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from programs import services
from programs.tasks import send_session_reminders
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
