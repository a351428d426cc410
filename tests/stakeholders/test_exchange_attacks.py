"""The exchange under attack: stale pages, closed accounts, a broker that is down, hostile input."""

import signal
import socket
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from capacity.celery import app
from stakeholders import services
from stakeholders.models import ContactRequest, ExchangeProfile, User
from stakeholders.tasks import (
    CONTACT_EMAIL_RETRY_WINDOW,
    relay_contact_request,
    send_contact_acceptance,
    send_pending_contact_emails,
)
from tests.factories import UserFactory
from tests.stakeholders.exchange_profiles import exchange_profile
from tests.stakeholders.test_exchange_profile import form_data

MESSAGE = "Hello! Could you show me how you plan an edit-a-thon?"
# Nothing listens here: publishing a task fails at once, as with Redis down.
CLOSED_BROKER_URL = "redis://127.0.0.1:6391/0"


@pytest.fixture
def broker_down(settings, monkeypatch):
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", 6391)) != 0, "something listens on port 6391"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    # The app keeps its connections: drop them, before and after, so publishing really
    # goes to the closed port and later tests (a real worker) find the real broker again.
    forget_broker_connections()
    monkeypatch.setattr(app.conf, "broker_url", CLOSED_BROKER_URL)
    yield
    monkeypatch.undo()
    forget_broker_connections()


@pytest.fixture
def broker_hanging(settings, monkeypatch):
    """A broker that accepts connections and never answers: the slow way to be down."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(64)
        settings.CELERY_TASK_ALWAYS_EAGER = False
        forget_broker_connections()
        monkeypatch.setattr(app.conf, "broker_url", f"redis://127.0.0.1:{server.getsockname()[1]}/0")
        yield
        monkeypatch.undo()
        forget_broker_connections()


def forget_broker_connections():
    app._pool = None
    app.amqp._producer_pool = None


def contact_url(profile):
    return reverse("exchange:contact", kwargs={"profile_id": profile.pk})


# A page opened in another tab ---------------------------------------------------------


def test_a_language_saved_from_another_tab_is_not_dropped_by_a_page_opened_before_it(client, volunteer):
    # The page was opened before the profile had a language (its management form says
    # 0 initial rows); meanwhile another tab saved Korean. Posting Korean again from the
    # old page must keep it, not take it for an unchanged row and drop it silently.
    exchange_profile(volunteer, languages={"ko": 5})
    client.force_login(volunteer)
    response = client.post(
        reverse("exchange:edit_mine"),
        form_data(**{"languages-1-language": "ar", "languages-1-proficiency": "2"}),
    )
    assert response.status_code == 302
    languages = ExchangeProfile.objects.get(user=volunteer).languages.order_by("language__code")
    assert [(row.language.code, row.proficiency) for row in languages] == [("ar", 2), ("ko", 5)]


# Closed accounts ------------------------------------------------------------------------


def test_a_message_from_an_account_deactivated_since_cannot_be_accepted(client, volunteer):
    recipient = exchange_profile().user
    contact = services.contact_request_send(sender=volunteer, recipient=recipient, message=MESSAGE)
    User.objects.filter(pk=volunteer.pk).update(is_active=False)
    mail.outbox.clear()
    client.force_login(recipient)
    page = client.get(reverse("exchange:contacts")).content.decode()
    assert "no longer active" in page and "Accept and share our addresses" not in page
    response = client.post(reverse("exchange:contact_accept", kwargs={"contact_request_id": contact.pk}), follow=True)
    assert "no longer active. Nothing was shared." in response.content.decode()
    contact.refresh_from_db()
    assert contact.status == ContactRequest.Status.PENDING
    assert volunteer.email not in client.get(reverse("exchange:contacts")).content.decode()
    assert mail.outbox == []


def test_an_accepted_contact_no_longer_shows_the_address_of_a_deactivated_account(client, volunteer):
    recipient = exchange_profile().user
    contact = services.contact_request_send(sender=volunteer, recipient=recipient, message=MESSAGE)
    services.contact_request_accept(contact_request=contact, by=recipient)
    User.objects.filter(pk=recipient.pk).update(is_active=False)
    client.force_login(volunteer)
    page = client.get(reverse("exchange:contacts") + "?box=sent").content.decode()
    assert recipient.email not in page and "no longer active" in page


def test_no_email_goes_to_an_account_deactivated_before_the_task_ran(volunteer):
    recipient = exchange_profile().user
    contact = services.contact_request_send(sender=volunteer, recipient=recipient, message=MESSAGE)
    ContactRequest.objects.filter(pk=contact.pk).update(relayed_at=None)
    mail.outbox.clear()
    User.objects.filter(pk=recipient.pk).update(is_active=False)
    assert relay_contact_request(contact.pk) is False
    User.objects.filter(pk=recipient.pk).update(is_active=True)
    services.contact_request_accept(contact_request=contact, by=recipient)
    ContactRequest.objects.filter(pk=contact.pk).update(acceptance_sent_at=None)
    mail.outbox.clear()
    User.objects.filter(pk=volunteer.pk).update(is_active=False)
    assert send_contact_acceptance(contact.pk) is False
    assert mail.outbox == []


def test_a_message_from_an_account_deactivated_before_the_relay_is_not_relayed(volunteer):
    recipient = exchange_profile().user
    contact = services.contact_request_send(sender=volunteer, recipient=recipient, message=MESSAGE)
    ContactRequest.objects.filter(pk=contact.pk).update(relayed_at=None)
    mail.outbox.clear()
    User.objects.filter(pk=volunteer.pk).update(is_active=False)
    assert send_pending_contact_emails() == 0
    assert mail.outbox == []


# The broker is down ---------------------------------------------------------------------


def test_a_message_written_while_the_broker_is_down_is_saved_and_relayed_later_once(
    client, volunteer, broker_down, django_capture_on_commit_callbacks
):
    recipient_profile = exchange_profile()
    client.force_login(volunteer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(contact_url(recipient_profile), {"message": MESSAGE})
    assert response.status_code == 302
    contact = ContactRequest.objects.get()
    assert contact.relayed_at is None and mail.outbox == []
    # The broker is back: the sweep relays what was never queued, and only once.
    assert send_pending_contact_emails() == 1
    assert [message.to for message in mail.outbox] == [[recipient_profile.user.email]]
    assert send_pending_contact_emails() == 0
    assert len(mail.outbox) == 1


def test_a_message_written_while_the_broker_hangs_is_saved_within_seconds(
    client, volunteer, broker_hanging, django_capture_on_commit_callbacks
):
    def hung(signum, frame):
        raise TimeoutError("the page waited on the broker for 30 s")

    recipient_profile = exchange_profile()
    client.force_login(volunteer)
    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(30)
    try:
        started = time.perf_counter()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(contact_url(recipient_profile), {"message": MESSAGE})
        elapsed = time.perf_counter() - started
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert response.status_code == 302
    assert ContactRequest.objects.get().relayed_at is None
    # Bounded by the broker's socket timeouts (capacity/settings.py); before them it never returned.
    assert elapsed < 15, f"the page took {elapsed:.1f} s"


def test_an_acceptance_while_the_broker_is_down_reaches_the_sender_later_once(
    client, volunteer, broker_down, django_capture_on_commit_callbacks
):
    recipient = exchange_profile().user
    contact = ContactRequest.objects.create(sender=volunteer, recipient=recipient, message=MESSAGE)
    ContactRequest.objects.filter(pk=contact.pk).update(relayed_at=contact.created_at)
    client.force_login(recipient)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("exchange:contact_accept", kwargs={"contact_request_id": contact.pk}))
    assert response.status_code == 302
    assert mail.outbox == []
    assert send_pending_contact_emails() == 1
    assert [message.to for message in mail.outbox] == [[volunteer.email]]
    assert recipient.email in mail.outbox[0].body
    assert send_pending_contact_emails() == 0


def test_the_sweep_gives_up_on_a_message_after_a_week(volunteer):
    recipient = exchange_profile().user
    contact = ContactRequest.objects.create(sender=volunteer, recipient=recipient, message=MESSAGE)
    week_ago = contact.updated_at - CONTACT_EMAIL_RETRY_WINDOW - timedelta(minutes=1)
    ContactRequest.objects.filter(pk=contact.pk).update(updated_at=week_ago)
    assert send_pending_contact_emails() == 0
    assert mail.outbox == []


def test_the_sweep_does_not_relay_a_message_already_answered_on_the_page(volunteer):
    recipient = exchange_profile().user
    contact = ContactRequest.objects.create(sender=volunteer, recipient=recipient, message=MESSAGE)
    services.contact_request_decline(contact_request=contact, by=recipient)
    assert send_pending_contact_emails() == 0
    assert mail.outbox == []


# Held: forged requests and hostile input ------------------------------------------------


def test_every_exchange_form_refuses_a_post_without_the_csrf_token(volunteer):
    recipient_profile = exchange_profile()
    contact = ContactRequest.objects.create(sender=UserFactory(), recipient=volunteer, message=MESSAGE)
    client = Client(enforce_csrf_checks=True)
    client.force_login(volunteer)
    for url, data in (
        (contact_url(recipient_profile), {"message": MESSAGE}),
        (reverse("exchange:edit_mine"), form_data()),
        (reverse("exchange:hide_mine"), {}),
        (reverse("exchange:contact_accept", kwargs={"contact_request_id": contact.pk}), {}),
        (reverse("exchange:contact_decline", kwargs={"contact_request_id": contact.pk}), {}),
    ):
        assert client.post(url, data).status_code == 403, url
    assert not ExchangeProfile.objects.filter(user=volunteer).exists()
    contact.refresh_from_db()
    assert contact.status == ContactRequest.Status.PENDING


@pytest.mark.parametrize(
    "query",
    [
        "capacity=%00",
        "language=%00",
        "region=a%00b",
        "kind=%00",
        "role=%00",
        "page=%00",
        "page=99999999999999999999",
        "page=-1",
        "capacity=" + "a" * 10_000,
        "capacity=fundraising&role=has&role=nope",
    ],
)
def test_hostile_directory_queries_are_ignored_not_a_500(client, db, query):
    exchange_profile(shares=["grant-writing"])
    assert client.get(reverse("exchange:directory") + "?" + query).status_code == 200


@pytest.mark.parametrize("query", ["capacity=%00", "capacity=nope", "page=%00", "page=99999999999999999999"])
def test_hostile_mentor_and_contacts_queries_are_ignored_not_a_500(client, volunteer, query):
    exchange_profile(volunteer, wants=["fundraising"])
    exchange_profile(shares=["grant-writing"])
    client.force_login(volunteer)
    assert client.get(reverse("exchange:mentors") + "?" + query).status_code == 200
    assert client.get(reverse("exchange:contacts") + "?box=%00&" + query).status_code == 200


@pytest.mark.parametrize(
    "overrides",
    [
        {"region": "\x00"},
        {"about_language": "\x00"},
        {"about": "nul\x00byte"},
        {"languages-0-language": "\x00"},
        {"languages-0-proficiency": "0"},
        {"languages-0-proficiency": "6"},
        {"languages-0-proficiency": "abc"},
        {"capacity-grant-writing-level": "9"},
        {"capacity-grant-writing-level": "\x00"},
        {"languages-TOTAL_FORMS": "\x00"},
        {"languages-TOTAL_FORMS": "100000", "languages-MAX_NUM_FORMS": "100000"},
        {"languages-TOTAL_FORMS": None, "languages-INITIAL_FORMS": None},
    ],
)
def test_hostile_profile_posts_are_refused_and_change_nothing(client, volunteer, overrides):
    client.force_login(volunteer)
    response = client.post(reverse("exchange:edit_mine"), form_data(**overrides))
    assert response.status_code == 400
    assert not ExchangeProfile.objects.filter(user=volunteer).exists()


@pytest.mark.parametrize("category", ["\x00", "a" * 10_000, "no-such-capacity"])
def test_a_hostile_capacity_in_the_contact_form_is_refused_not_a_500(client, volunteer, category):
    recipient_profile = exchange_profile()
    client.force_login(volunteer)
    assert client.get(contact_url(recipient_profile) + "?category=%00").status_code == 200
    response = client.post(contact_url(recipient_profile), {"message": MESSAGE, "category": category})
    assert response.status_code == 400
    assert not ContactRequest.objects.exists()


def test_line_breaks_in_a_message_stay_in_the_body_and_never_reach_a_header(
    volunteer, django_capture_on_commit_callbacks
):
    recipient = exchange_profile().user
    hostile = "hi\r\nBcc: everyone@example.org\r\nSubject: win\n\n\u202eevil"
    with django_capture_on_commit_callbacks(execute=True):
        services.contact_request_send(sender=volunteer, recipient=recipient, message=hostile)
    (email,) = mail.outbox
    assert email.to == [recipient.email] and email.bcc == []
    assert "\n" not in email.subject and "Bcc" not in email.subject
    assert "Bcc:" not in str(email.message()).split("\n\n", 1)[0]


def test_a_message_cannot_forge_the_portals_own_lines_in_the_email(volunteer, django_capture_on_commit_callbacks):
    recipient = exchange_profile().user
    forged = "Hi!\r\n----\r\n\r\nAccept or decline on this page:\nhttps://evil.example/accept"
    with django_capture_on_commit_callbacks(execute=True):
        services.contact_request_send(sender=volunteer, recipient=recipient, message=forged)
    lines = mail.outbox[0].body.splitlines()
    assert "> Hi!" in lines and "> https://evil.example/accept" in lines
    assert "https://evil.example/accept" not in lines and "----" not in lines
    assert lines.count("Accept or decline on this page:") == 1


def test_organizations_exchange_profile_is_edited_only_by_its_managers(
    client, volunteer, staff, other_staff, organization
):
    from stakeholders.models import Membership

    member = UserFactory()
    Membership.objects.create(user=member, organization=organization, role=Membership.Role.MEMBER)
    url = reverse("exchange:edit_organization", kwargs={"slug": organization.slug})
    for person in (volunteer, member, other_staff):
        client.force_login(person)
        assert client.get(url).status_code == 403
        assert client.post(url, form_data()).status_code == 403
    assert not ExchangeProfile.objects.filter(organization=organization).exists()


# A "no" is not an invitation to write again at once ----------------------------------


def test_after_a_decline_the_same_sender_waits_a_month_before_writing_again(client, volunteer):
    recipient_profile = exchange_profile()
    recipient = recipient_profile.user
    contact = services.contact_request_send(sender=volunteer, recipient=recipient, message=MESSAGE)
    services.contact_request_decline(contact_request=contact, by=recipient)
    client.force_login(volunteer)
    response = client.post(contact_url(recipient_profile), {"message": MESSAGE})
    assert response.status_code == 400
    assert "This person declined your last message." in response.content.decode()
    assert ContactRequest.objects.count() == 1
    # Someone else they declined nothing from may still write; and a month later, so may they.
    other = UserFactory()
    services.contact_request_send(sender=other, recipient=recipient, message=MESSAGE)
    contact.refresh_from_db()
    ContactRequest.objects.filter(pk=contact.pk).update(
        answered_at=contact.answered_at - services.CONTACT_AFTER_DECLINE
    )
    assert client.post(contact_url(recipient_profile), {"message": MESSAGE}).status_code == 302


def test_wrong_methods_are_refused_everywhere_in_the_exchange(client, volunteer):
    recipient_profile = exchange_profile()
    contact = ContactRequest.objects.create(sender=UserFactory(), recipient=volunteer, message=MESSAGE)
    client.force_login(volunteer)
    answer = {"contact_request_id": contact.pk}
    for url in (
        reverse("exchange:hide_mine"),
        reverse("exchange:contact_accept", kwargs=answer),
        reverse("exchange:contact_decline", kwargs=answer),
    ):
        assert client.get(url).status_code == 405, url
    for url in (reverse("exchange:directory"), reverse("exchange:mentors"), reverse("exchange:contacts")):
        assert client.post(url).status_code == 405, url
    for url in (contact_url(recipient_profile), reverse("exchange:edit_mine")):
        assert client.put(url).status_code == 405, url
        assert client.delete(url).status_code == 405, url
    contact.refresh_from_db()
    assert contact.status == ContactRequest.Status.PENDING


# Two first saves at once ----------------------------------------------------------------


def test_two_first_saves_at_once_give_a_clear_message_not_a_database_error(seeded_transactional_db):
    import threading

    from django.core.exceptions import ValidationError
    from django.db import connection, transaction

    person = UserFactory()
    inserted, release = threading.Event(), threading.Event()

    def other_tab():
        # The other tab's first save: its row is written, its transaction not yet committed.
        try:
            with transaction.atomic():
                ExchangeProfile.objects.create(user=person, is_listed=False)
                inserted.set()
                release.wait(10)
        finally:
            connection.close()

    tab = threading.Thread(target=other_tab)
    tab.start()
    assert inserted.wait(10)
    threading.Timer(1.0, release.set).start()
    with pytest.raises(ValidationError, match="just saved from another page"):
        services.exchange_profile_save(owner_user=person, data={"is_listed": False}, capacities=[], languages=[])
    tab.join(10)
    assert ExchangeProfile.objects.filter(user=person).count() == 1


def test_two_messages_sent_at_once_cannot_both_slip_under_the_daily_limit(seeded_transactional_db):
    import threading

    from django.core.exceptions import ValidationError
    from django.db import connection, transaction

    sender = UserFactory()
    for _number in range(services.CONTACT_REQUESTS_PER_DAY - 1):
        ContactRequest.objects.create(sender=sender, recipient=exchange_profile().user, message=MESSAGE)
    last, extra = exchange_profile().user, exchange_profile().user
    inside, release = threading.Event(), threading.Event()

    def other_tab():
        # The other tab is inside its send: the sender counted and its tenth message written, not yet committed.
        try:
            with transaction.atomic():
                User.objects.select_for_update().filter(pk=sender.pk).first()
                ContactRequest.objects.create(sender=sender, recipient=last, message=MESSAGE)
                inside.set()
                release.wait(10)
        finally:
            connection.close()

    tab = threading.Thread(target=other_tab)
    tab.start()
    assert inside.wait(10)
    threading.Timer(1.0, release.set).start()
    with pytest.raises(ValidationError, match="the most in a day"):
        services.contact_request_send(sender=sender, recipient=extra, message=MESSAGE)
    tab.join(10)
    assert ContactRequest.objects.filter(sender=sender).count() == services.CONTACT_REQUESTS_PER_DAY
