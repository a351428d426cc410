"""The download also holds the community data: exchange profile, contact requests, support, profile choices."""

import pytest

from capacity.models import CapacityCategory, Language
from stakeholders import services
from stakeholders.models import ContactRequest, ExchangeCapacity, ExchangeLanguage, ExchangeProfile
from stakeholders.personal_data import everything_about
from stakeholders.services import profile_visibility_save
from tests.factories import SupportOfferFactory, SupportRequestFactory

pytestmark = pytest.mark.django_db


def test_the_other_persons_address_is_given_only_for_an_accepted_contact_request(volunteer, staff):
    ContactRequest.objects.create(sender=volunteer, recipient=staff, message="Hi", status="accepted")
    ContactRequest.objects.create(sender=staff, recipient=volunteer, message="Hello")
    document = everything_about(volunteer)
    assert document["contact_requests_sent"][0]["email"] == staff.email
    assert document["contact_requests_received"][0]["email"] is None
    assert document["contact_requests_received"][0]["message"] == "Hello"
    assert document["contact_requests_sent"][0]["person"] == staff.public_name
    assert document["contact_requests_received"][0]["person"] != staff.username


def test_an_accepted_contact_whose_account_was_deactivated_since_gives_no_address(volunteer, staff):
    ContactRequest.objects.create(sender=volunteer, recipient=staff, message="Hi", status="accepted")
    staff.is_active = False
    staff.save(update_fields=["is_active"])
    assert everything_about(volunteer)["contact_requests_sent"][0]["email"] is None


def test_the_exchange_profile_comes_with_its_capacities_and_languages(volunteer):
    profile = ExchangeProfile.objects.create(user=volunteer, about="Wikidata trainer", is_listed=False)
    ExchangeLanguage.objects.create(profile=profile, language=Language.objects.get(code="ar"), proficiency=5)
    category = CapacityCategory.objects.get(slug="event-organizing")
    ExchangeCapacity.objects.create(profile=profile, category=category, wants=True)
    exported = everything_about(volunteer)["exchange_profile"]
    assert exported["listed_in_directory"] is False
    assert exported["languages"] == [{"language": "ar", "proficiency": 5}]
    assert exported["capacities"] == [
        {"capacity": "event-organizing", "has": False, "level": None, "shares": False, "wants": True}
    ]


def test_support_requests_offers_and_profile_choices_are_included(volunteer):
    request = SupportRequestFactory(author=volunteer, is_sensitive=True, title="Quiet one")
    SupportOfferFactory(author=volunteer, message="Count me in")
    profile_visibility_save(user=volunteer, data={"is_public": True, "show_attended": True})
    document = everything_about(volunteer)
    assert [(row["id"], row["sensitive"]) for row in document["support_requests"]] == [(request.pk, True)]
    assert document["support_offers"][0]["message"] == "Count me in"
    assert document["profile_page"]["is_public"] and document["profile_page"]["show_attended"]
    assert not document["profile_page"]["show_certificates"]


def test_a_person_with_none_of_it_gets_empty_parts(volunteer):
    document = everything_about(volunteer)
    assert document["exchange_profile"] is None
    assert document["profile_page"] is None
    assert document["demographics"] is None
    assert document["support_requests"] == document["support_offers"] == []


def test_requests_one_was_chosen_to_answer_and_the_steps_one_took_are_included(volunteer, steward):
    request = SupportRequestFactory(is_sensitive=True)
    services.support_responder_choose(request=request, user=volunteer, by=steward)
    services.support_request_move(request=request, to_status="triaged", by=steward, note="Checked the categories")
    assert [row["request"] for row in everything_about(volunteer)["support_requests_chosen_as_responder"]] == [
        request.pk
    ]
    steps = everything_about(steward)["support_process_steps"]
    assert [(step["request"], step["to"], step["note"]) for step in steps] == [
        (request.pk, "triaged", "Checked the categories")
    ]
    assert everything_about(volunteer)["support_process_steps"] == []
