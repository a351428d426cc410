"""Tasks run on a real Celery worker consuming from Redis."""

import time

import pytest
from django.core import mail

from programs.models import Enrollment
from programs.tasks import notify_promoted
from tests.factories import SessionFactory, UserFactory


def wait_for(condition, seconds=15):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.celery
def test_a_task_queued_on_redis_is_run_by_the_worker(celery_worker_on_redis):
    person = UserFactory()
    session = SessionFactory()
    enrollment = Enrollment.objects.create(user=person, session=session, status=Enrollment.Status.ENROLLED)
    notify_promoted.delay(enrollment.pk)
    assert wait_for(lambda: len(mail.outbox) == 1), "the worker did not send the email"
    assert mail.outbox[0].to == [person.email]


@pytest.mark.celery
def test_running_the_same_task_twice_on_the_worker_is_harmless(celery_worker_on_redis):
    session = SessionFactory()
    enrollment = Enrollment.objects.create(user=UserFactory(), session=session, status=Enrollment.Status.CANCELLED)
    notify_promoted.delay(enrollment.pk)
    notify_promoted.delay(enrollment.pk)
    # A cancelled enrollment is never told it was promoted, however often the task runs.
    time.sleep(1.5)
    assert mail.outbox == []
