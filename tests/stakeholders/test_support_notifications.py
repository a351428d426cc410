"""Triage tells the people who share a request's capacities in its language, once each; sensitive requests tell nobody but chosen responders."""

import time

import pytest
from django.core import mail

from capacity.models import CapacityCategory, Language
from stakeholders import services, support_selectors
from stakeholders.models import ExchangeCapacity, ExchangeLanguage, ExchangeProfile, SupportNotification
from stakeholders.tasks import notify_support_request_matches, notify_support_responder
from tests.factories import SupportRequestFactory, UserFactory
from tests.waiting import wait_for


def sharer(username, *, shares, speaks, listed=True, preferred="en"):
    """A person with a listed exchange profile sharing `shares` and speaking {code: proficiency}."""
    person = UserFactory(username=username, preferred_language=preferred)
    profile = ExchangeProfile.objects.create(user=person, is_listed=listed)
    for slug in shares:
        ExchangeCapacity.objects.create(profile=profile, category=CapacityCategory.objects.get(slug=slug), shares=True)
    for code, proficiency in speaks.items():
        ExchangeLanguage.objects.create(
            profile=profile, language=Language.objects.get(code=code), proficiency=proficiency
        )
    return person


@pytest.fixture
def planted(db):
    """People around an Arabic request for "Fundraising" (a top-level capacity)."""
    return {
        "fluent": sharer("fluent", shares=["grant-writing", "donor-relations"], speaks={"ar": 5}, preferred="ar"),
        "basic": sharer("basic", shares=["fundraising"], speaks={"ar": 1, "en": 5}),
        "no arabic": sharer("noarabic", shares=["grant-writing"], speaks={"en": 5, "ko": 5}),
        "wants only": sharer("wantsonly", shares=[], speaks={"ar": 5}),
        "hidden": sharer("hidden", shares=["grant-writing"], speaks={"ar": 5}, listed=False),
        "other capacity": sharer("othercap", shares=["wikidata"], speaks={"ar": 5}),
    }


def arabic_request(author=None, **kwargs):
    return SupportRequestFactory(
        language=Language.objects.get(code="ar"),
        categories=[CapacityCategory.objects.get(slug="fundraising")],
        **({"author": author} if author else {}),
        **kwargs,
    )


def test_the_best_matches_come_first_and_nobody_without_the_language(planted):
    request = arabic_request()
    ExchangeCapacity.objects.create(
        profile=planted["wants only"].exchange_profile,
        category=CapacityCategory.objects.get(slug="grant-budgeting"),
        wants=True,
    )
    matched = list(support_selectors.matching_people(request=request, limit=50))
    assert matched == [planted["fluent"].pk, planted["basic"].pk]


def test_the_author_is_never_told_about_their_own_request(planted):
    request = arabic_request(author=planted["fluent"])
    assert list(support_selectors.matching_people(request=request, limit=50)) == [planted["basic"].pk]


def test_the_number_told_is_capped(planted):
    assert list(support_selectors.matching_people(request=arabic_request(), limit=1)) == [planted["fluent"].pk]


def test_triage_queues_the_emails_after_commit_each_in_the_person_s_language(
    planted, steward, django_capture_on_commit_callbacks
):
    request = arabic_request()
    with django_capture_on_commit_callbacks(execute=False) as queued:
        services.support_request_move(request=request, to_status="triaged", by=steward)
    assert not mail.outbox, "nothing is sent before the move is committed"
    for callback in queued:
        callback()
    assert sorted(message.to[0] for message in mail.outbox) == ["basic@example.org", "fluent@example.org"]
    assert all("\n" not in message.subject for message in mail.outbox)
    links = {message.to[0]: message.body for message in mail.outbox}
    assert f"/ar/support/{request.pk}/" in links["fluent@example.org"]
    assert f"/en/support/{request.pk}/" in links["basic@example.org"]


def test_posting_alone_tells_nobody(planted, volunteer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.support_request_create(
            author=volunteer,
            data={
                "title": "T",
                "what_happened": "a",
                "what_is_needed": "b",
                "language": Language.objects.get(code="ar"),
            },
            categories=[CapacityCategory.objects.get(slug="fundraising")],
        )
    assert not mail.outbox


def test_a_sensitive_request_never_reaches_the_crowd_only_its_chosen_responders(
    planted, steward, volunteer, django_capture_on_commit_callbacks
):
    request = arabic_request(author=volunteer, is_sensitive=True)
    chosen = UserFactory(username="chosen")
    with django_capture_on_commit_callbacks(execute=True):
        services.support_request_move(request=request, to_status="triaged", by=steward)
        services.support_responder_choose(request=request, user=chosen, by=volunteer)
    assert notify_support_request_matches(request.pk) == 0
    assert [message.to for message in mail.outbox] == [["chosen@example.org"]]
    assert request.title not in mail.outbox[0].body, "a sensitive request's text stays out of email"


def test_running_the_task_again_sends_nothing_more(planted, steward):
    request = arabic_request(status="triaged")
    assert notify_support_request_matches(request.pk) == 2
    assert notify_support_request_matches(request.pk) == 0
    assert len(mail.outbox) == 2
    assert SupportNotification.objects.filter(request=request, sent_at__isnull=False).count() == 2


def test_a_failed_send_releases_the_claim_so_the_next_run_retries(planted, monkeypatch):
    request = arabic_request(status="triaged")
    import stakeholders.tasks as tasks

    real_send = tasks.send_mail

    def flaky(subject, body, sender, to, **kwargs):
        if to == ["basic@example.org"]:
            raise ConnectionError("mail server down")
        return real_send(subject, body, sender, to, **kwargs)

    monkeypatch.setattr(tasks, "send_mail", flaky)
    assert notify_support_request_matches(request.pk) == 1
    assert SupportNotification.objects.get(request=request, user=planted["basic"]).sent_at is None
    monkeypatch.setattr(tasks, "send_mail", real_send)
    assert notify_support_request_matches(request.pk) == 1
    assert sorted(message.to[0] for message in mail.outbox) == ["basic@example.org", "fluent@example.org"]


def test_a_responder_removed_before_the_email_goes_out_is_not_emailed(volunteer, django_capture_on_commit_callbacks):
    request = SupportRequestFactory(author=volunteer, is_sensitive=True)
    person = UserFactory()
    with django_capture_on_commit_callbacks(execute=False) as queued:
        services.support_responder_choose(request=request, user=person, by=volunteer)
    services.support_responder_remove(request=request, user=person, by=volunteer)
    for callback in queued:
        callback()
    assert not mail.outbox
    assert notify_support_responder(request.pk, person.pk) is False


@pytest.mark.celery
def test_a_real_worker_running_the_task_twice_sends_each_email_once(celery_worker_on_redis):
    fluent = sharer("fluent", shares=["grant-writing"], speaks={"ar": 5}, preferred="ar")
    basic = sharer("basic", shares=["fundraising"], speaks={"ar": 2})
    steward = UserFactory(username="steward", is_staff=True, is_superuser=True)
    request = arabic_request()
    # The move queues the task on commit; a redelivery (acks_late after a lost worker) is simulated twice.
    services.support_request_move(request=request, to_status="triaged", by=steward)
    notify_support_request_matches.delay(request.pk)
    notify_support_request_matches.delay(request.pk)
    assert wait_for(lambda: len(mail.outbox) >= 2), "the worker did not send the emails"
    time.sleep(1.5)
    assert sorted(message.to[0] for message in mail.outbox) == sorted([fluent.email, basic.email])
    assert SupportNotification.objects.filter(request=request, sent_at__isnull=False).count() == 2
