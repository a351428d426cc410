"""Writing to a person through the exchange: relayed by email once, addresses shown only on acceptance."""

import pytest
from django.core import mail
from django.urls import reverse

from stakeholders import services
from stakeholders.models import ContactRequest
from stakeholders.tasks import relay_contact_request, send_contact_acceptance
from tests.factories import UserFactory
from tests.stakeholders.exchange_profiles import exchange_profile

MESSAGE = "Hello! I would love to learn grant writing from you."


@pytest.fixture
def recipient(db):
    person = UserFactory(username="mentor_login", display_name="Yazan Haddad", email="yazan@example.org")
    person.preferred_language = "ar"
    person.save()
    return person


@pytest.fixture
def recipient_profile(recipient):
    return exchange_profile(recipient, shares=["grant-writing"], languages={"ar": 5, "en": 4})


def contact_url(profile):
    return reverse("exchange:contact", kwargs={"profile_id": profile.pk})


def send(client, profile, **data):
    return client.post(contact_url(profile), {"message": MESSAGE, **data})


def test_a_message_is_relayed_by_email_once_without_the_senders_address(
    client, volunteer, recipient_profile, django_capture_on_commit_callbacks
):
    client.force_login(volunteer)
    with django_capture_on_commit_callbacks(execute=True):
        response = send(client, recipient_profile, category="grant-writing")
    assert response.status_code == 302
    contact = ContactRequest.objects.get()
    assert (contact.sender, contact.recipient, contact.category.slug) == (
        volunteer,
        recipient_profile.user,
        "grant-writing",
    )
    assert contact.relayed_at is not None
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["yazan@example.org"]
    assert MESSAGE in email.body
    assert volunteer.email not in email.body and volunteer.email not in email.subject
    # The recipient reads Arabic: the link opens the Messages page in Arabic too.
    assert f"/ar/exchange/contacts/#contact-{contact.pk}" in email.body
    # Run again (a redelivered task): nothing more is sent.
    assert relay_contact_request(contact.pk) is False
    assert relay_contact_request(contact.pk) is False
    assert len(mail.outbox) == 1


def test_the_sender_never_sees_the_recipients_address_before_acceptance(client, volunteer, recipient_profile):
    client.force_login(volunteer)
    send(client, recipient_profile)
    for url in (
        contact_url(recipient_profile),
        reverse("exchange:contacts") + "?box=sent",
        reverse("exchange:directory"),
        reverse("exchange:mentors"),
    ):
        html = client.get(url).content.decode()
        assert "yazan@example.org" not in html and "mentor_login" not in html, url


def test_accepting_shows_both_addresses_and_tells_the_sender_once(
    client, volunteer, recipient, recipient_profile, django_capture_on_commit_callbacks
):
    contact = services.contact_request_send(sender=volunteer, recipient=recipient, message=MESSAGE)
    mail.outbox.clear()
    client.force_login(recipient)
    html = client.get(reverse("exchange:contacts")).content.decode()
    assert volunteer.email not in html
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("exchange:contact_accept", kwargs={"contact_request_id": contact.pk}))
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.status == ContactRequest.Status.ACCEPTED and contact.answered_at is not None
    assert volunteer.email in client.get(reverse("exchange:contacts")).content.decode()
    assert [message.to for message in mail.outbox] == [[volunteer.email]]
    assert "yazan@example.org" in mail.outbox[0].body
    assert send_contact_acceptance(contact.pk) is False
    assert len(mail.outbox) == 1
    client.force_login(volunteer)
    assert "yazan@example.org" in client.get(reverse("exchange:contacts") + "?box=sent").content.decode()


def test_declining_shares_nothing_and_the_sender_may_write_again(client, volunteer, recipient, recipient_profile):
    contact = services.contact_request_send(sender=volunteer, recipient=recipient, message=MESSAGE)
    client.force_login(recipient)
    client.post(reverse("exchange:contact_decline", kwargs={"contact_request_id": contact.pk}))
    contact.refresh_from_db()
    assert contact.status == ContactRequest.Status.DECLINED
    assert volunteer.email not in client.get(reverse("exchange:contacts")).content.decode()
    client.force_login(volunteer)
    assert "yazan@example.org" not in client.get(reverse("exchange:contacts") + "?box=sent").content.decode()
    # Later: a month after the decline (test_exchange_attacks: not at once).
    ContactRequest.objects.filter(pk=contact.pk).update(
        answered_at=contact.answered_at - services.CONTACT_AFTER_DECLINE
    )
    assert send(client, recipient_profile).status_code == 302
    assert ContactRequest.objects.count() == 2


def test_only_the_recipient_answers_and_others_get_not_found(client, volunteer, recipient, recipient_profile):
    contact = services.contact_request_send(sender=volunteer, recipient=recipient, message=MESSAGE)
    for person in (volunteer, UserFactory()):
        client.force_login(person)
        for name in ("exchange:contact_accept", "exchange:contact_decline"):
            assert client.post(reverse(name, kwargs={"contact_request_id": contact.pk})).status_code == 404
            assert client.post(reverse(name, kwargs={"contact_request_id": 10**12})).status_code == 404
    contact.refresh_from_db()
    assert contact.status == ContactRequest.Status.PENDING


def test_an_answered_request_cannot_be_answered_again(client, volunteer, recipient, recipient_profile):
    contact = services.contact_request_send(sender=volunteer, recipient=recipient, message=MESSAGE)
    client.force_login(recipient)
    client.post(reverse("exchange:contact_decline", kwargs={"contact_request_id": contact.pk}))
    response = client.post(reverse("exchange:contact_accept", kwargs={"contact_request_id": contact.pk}), follow=True)
    assert "This request was already answered." in response.content.decode()
    contact.refresh_from_db()
    assert contact.status == ContactRequest.Status.DECLINED


def test_a_second_message_while_the_first_waits_is_refused_clearly(client, volunteer, recipient_profile):
    client.force_login(volunteer)
    send(client, recipient_profile)
    response = send(client, recipient_profile)
    assert response.status_code == 400
    assert "You already wrote to this person; wait for their answer." in response.content.decode()
    assert ContactRequest.objects.count() == 1


def test_the_eleventh_message_of_a_day_is_refused(client, volunteer):
    client.force_login(volunteer)
    for _number in range(services.CONTACT_REQUESTS_PER_DAY):
        assert send(client, exchange_profile()).status_code == 302
    response = send(client, exchange_profile())
    assert response.status_code == 400
    assert "the most in a day" in response.content.decode()
    assert ContactRequest.objects.count() == services.CONTACT_REQUESTS_PER_DAY


def test_nobody_writes_to_themselves(client, volunteer):
    profile = exchange_profile(volunteer)
    client.force_login(volunteer)
    response = send(client, profile)
    assert response.status_code == 302
    assert not ContactRequest.objects.exists()
    with pytest.raises(Exception, match="cannot write to yourself"):
        services.contact_request_send(sender=volunteer, recipient=volunteer, message=MESSAGE)


def test_hidden_people_organizations_and_unknown_ids_are_not_found(client, volunteer, organization):
    hidden = exchange_profile(listed=False)
    gone = exchange_profile(UserFactory(is_active=False))
    organization_profile = exchange_profile(organization=organization)
    client.force_login(volunteer)
    for profile_id in (hidden.pk, gone.pk, organization_profile.pk, 10**12):
        url = reverse("exchange:contact", kwargs={"profile_id": profile_id})
        assert client.get(url).status_code == 404
        assert client.post(url, {"message": MESSAGE}).status_code == 404
    assert not ContactRequest.objects.exists()


def test_hiding_after_a_message_was_written_stops_a_new_one(volunteer):
    profile = exchange_profile()
    services.exchange_profile_hide(profile=profile)
    with pytest.raises(Exception, match="not in the directory"):
        services.contact_request_send(sender=volunteer, recipient=profile.user, message=MESSAGE)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"message": ""}, "This field is required."),
        ({"message": "x" * 2001}, "at most 2000 characters"),
        ({"message": MESSAGE, "category": "no-such-capacity"}, "Select a valid choice"),
        ({"message": "nul\x00byte"}, "Null characters are not allowed."),
    ],
)
def test_a_bad_message_is_refused_with_a_reason(client, volunteer, recipient_profile, data, message):
    client.force_login(volunteer)
    response = client.post(contact_url(recipient_profile), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ContactRequest.objects.exists()


def test_hostile_text_is_kept_as_text(client, volunteer, recipient, recipient_profile):
    hostile = "<img src=x onerror=alert(1)>\r\nBcc: everyone@example.org\r\n\u202egnp.exe"
    client.force_login(volunteer)
    send(client, recipient_profile, message=hostile)
    assert ContactRequest.objects.get().message == hostile
    client.force_login(recipient)
    html = client.get(reverse("exchange:contacts")).content.decode()
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_wrong_methods_are_refused(client, volunteer, recipient, recipient_profile):
    contact = services.contact_request_send(sender=volunteer, recipient=recipient, message=MESSAGE)
    client.force_login(recipient)
    assert client.get(reverse("exchange:contact_accept", kwargs={"contact_request_id": contact.pk})).status_code == 405
    assert client.post(reverse("exchange:contacts")).status_code == 405


def test_the_form_says_so_when_a_message_to_this_person_is_waiting(client, volunteer, recipient, recipient_profile):
    client.force_login(volunteer)
    assert "You already wrote to this person" not in client.get(contact_url(recipient_profile)).content.decode()
    services.contact_request_send(sender=volunteer, recipient=recipient, message=MESSAGE)
    assert "You already wrote to this person" in client.get(contact_url(recipient_profile)).content.decode()


def test_a_third_person_sees_neither_the_message_nor_the_addresses_even_after_acceptance(
    client, volunteer, recipient, recipient_profile, steward
):
    contact = services.contact_request_send(sender=volunteer, recipient=recipient, message=MESSAGE)
    services.contact_request_accept(contact_request=contact, by=recipient)
    for person in (UserFactory(), steward):
        client.force_login(person)
        for box in ("received", "sent"):
            html = client.get(reverse("exchange:contacts") + f"?box={box}").content.decode()
            assert MESSAGE not in html and volunteer.email not in html and "yazan@example.org" not in html, box
    client.force_login(recipient)
    assert volunteer.email in client.get(reverse("exchange:contacts")).content.decode()


def test_the_acceptance_email_links_to_the_messages_page_in_the_senders_language(
    volunteer, recipient, recipient_profile
):
    volunteer.preferred_language = "ko"
    volunteer.save()
    contact = services.contact_request_send(sender=volunteer, recipient=recipient, message=MESSAGE)
    services.contact_request_accept(contact_request=contact, by=recipient)
    mail.outbox.clear()
    ContactRequest.objects.filter(pk=contact.pk).update(acceptance_sent_at=None)
    assert send_contact_acceptance(contact.pk) is True
    assert "/ko/exchange/contacts/" in mail.outbox[0].body


def test_the_received_tab_counts_the_messages_waiting_but_not_those_of_deactivated_senders(
    client, volunteer, recipient, recipient_profile
):
    services.contact_request_send(sender=volunteer, recipient=recipient, message=MESSAGE)
    gone = UserFactory()
    services.contact_request_send(sender=gone, recipient=recipient, message=MESSAGE)
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    client.force_login(recipient)
    assert "Received (1 waiting)" in client.get(reverse("exchange:contacts")).content.decode()
