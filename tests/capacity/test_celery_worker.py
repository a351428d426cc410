"""Tasks run on a real Celery worker consuming from Redis."""

import time

import pytest
from django.core import mail
from django.utils import timezone

from programs.models import Enrollment
from programs.tasks import notify_promoted
from tests.factories import SessionFactory, UserFactory
from tests.waiting import wait_for


def promoted_enrollment(person):
    return Enrollment.objects.create(
        user=person, session=SessionFactory(), status=Enrollment.Status.ENROLLED, promoted_at=timezone.now()
    )


@pytest.mark.celery
def test_a_task_queued_on_redis_is_run_by_the_worker(celery_worker_on_redis):
    person = UserFactory()
    enrollment = promoted_enrollment(person)
    notify_promoted.delay(enrollment.pk)
    assert wait_for(lambda: len(mail.outbox) == 1), "the worker did not send the email"
    assert mail.outbox[0].to == [person.email]


@pytest.mark.celery
def test_a_task_delivered_twice_sends_one_email(celery_worker_on_redis):
    enrollment = promoted_enrollment(UserFactory())
    # acks_late means a task can be delivered again after a worker dies: simulate it.
    notify_promoted.delay(enrollment.pk)
    notify_promoted.delay(enrollment.pk)
    assert wait_for(lambda: len(mail.outbox) >= 1)
    time.sleep(1)
    assert len(mail.outbox) == 1
    enrollment.refresh_from_db()
    assert enrollment.promotion_notified_at is not None
