"""Required text made only of invisible characters is refused: a message or a request must say something."""

import pytest
from django.urls import reverse

from stakeholders.models import ContactRequest, SupportOffer
from tests.factories import SupportRequestFactory
from tests.stakeholders.exchange_profiles import exchange_profile

pytestmark = pytest.mark.django_db

INVISIBLE = ["\u200b\u200b", "\u200d", "\u2060 \u200b", "\ufeff", "\u00a0\u200b"]


@pytest.mark.parametrize("text", INVISIBLE)
def test_a_contact_message_of_invisible_characters_is_refused(client, volunteer, text):
    recipient = exchange_profile(shares=["grant-writing"])
    client.force_login(volunteer)
    response = client.post(reverse("exchange:contact", kwargs={"profile_id": recipient.pk}), {"message": text})
    assert "this text has no visible characters" in response.content.decode()
    assert not ContactRequest.objects.exists()


@pytest.mark.parametrize("text", INVISIBLE)
def test_an_offer_of_invisible_characters_is_refused(client, volunteer, text):
    request = SupportRequestFactory()
    client.force_login(volunteer)
    response = client.post(
        reverse("support:offer", kwargs={"request_id": request.pk}),
        {"kind": "advice", "message": text, "language": "en"},
    )
    assert "this text has no visible characters" in response.content.decode()
    assert not SupportOffer.objects.exists()


def test_text_with_a_zero_width_joiner_inside_words_is_kept(client, volunteer):
    request = SupportRequestFactory()
    client.force_login(volunteer)
    client.post(
        reverse("support:offer", kwargs={"request_id": request.pk}),
        {"kind": "advice", "message": "क्\u200dष we can help", "language": "hi"},
    )
    assert SupportOffer.objects.get().message == "क्\u200dष we can help"
