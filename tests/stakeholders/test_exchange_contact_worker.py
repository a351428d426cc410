"""The contact relay on a real Celery worker: queued after commit, sent once even if delivered twice."""

import time

import pytest
from django.core import mail

from stakeholders import services
from stakeholders.models import ContactRequest
from stakeholders.tasks import relay_contact_request
from tests.factories import UserFactory
from tests.stakeholders.exchange_profiles import exchange_profile
from tests.waiting import wait_for


@pytest.mark.celery
def test_a_message_is_relayed_by_the_worker_once_even_when_queued_twice(celery_worker_on_redis):
    recipient = UserFactory(email="mentor@example.org")
    exchange_profile(recipient, shares=["wikidata"])
    sender = UserFactory(email="learner@example.org")
    contact = services.contact_request_send(sender=sender, recipient=recipient, message="Could you teach me SPARQL?")
    relay_contact_request.delay(contact.pk)
    assert wait_for(lambda: len(mail.outbox) >= 1), "the worker did not relay the message"
    time.sleep(1)
    assert [message.to for message in mail.outbox] == [["mentor@example.org"]]
    assert "learner@example.org" not in mail.outbox[0].body
    assert ContactRequest.objects.get(pk=contact.pk).relayed_at is not None
