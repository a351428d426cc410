"""Offers of help and chosen responders: who may offer, accept, choose and remove, and when."""

import pytest
from django.core.exceptions import ValidationError

from capacity.models import Language
from stakeholders import services
from stakeholders.models import SupportOffer, SupportRequest, SupportResponder
from tests.factories import SupportOfferFactory, SupportRequestFactory, UserFactory

Status = SupportRequest.Status


def offer(request, author, message="I can help."):
    return services.support_offer_create(
        request=request, author=author, kind="advice", message=message, language=Language.objects.get(code="ko")
    )


@pytest.mark.parametrize("status", [Status.OPEN, Status.TRIAGED, Status.MATCHED])
def test_anyone_but_the_author_offers_help_while_the_request_is_not_finished(volunteer, status):
    request = SupportRequestFactory(status=status)
    made = offer(request, volunteer, "제가 도와드릴 수 있어요.")
    assert made.language.code == "ko"
    assert made.accepted_at is None


@pytest.mark.parametrize("status", [Status.RESOLVED, Status.CLOSED])
def test_a_finished_request_takes_no_more_offers(volunteer, status):
    request = SupportRequestFactory(status=status)
    with pytest.raises(ValidationError, match=f"This request is {status}; it no longer takes offers."):
        offer(request, volunteer)
    assert not SupportOffer.objects.exists()


def test_the_author_cannot_offer_help_on_their_own_request(volunteer):
    request = SupportRequestFactory(author=volunteer)
    with pytest.raises(ValidationError, match="your own request"):
        offer(request, volunteer)
    assert not SupportOffer.objects.exists()


def test_on_a_sensitive_request_only_chosen_responders_and_stewards_offer(volunteer, steward):
    request = SupportRequestFactory(author=volunteer, is_sensitive=True)
    responder, stranger = UserFactory(), UserFactory()
    services.support_responder_choose(request=request, user=responder, by=volunteer)
    with pytest.raises(ValidationError, match="Only the responders chosen"):
        offer(request, stranger)
    offer(request, responder)
    offer(request, steward)
    assert set(SupportOffer.objects.values_list("author", flat=True)) == {responder.pk, steward.pk}


def test_an_offer_is_accepted_by_the_request_side_once(volunteer, steward):
    request = SupportRequestFactory(author=volunteer)
    first, second = SupportOfferFactory(request=request), SupportOfferFactory(request=request)
    services.support_offer_accept(offer=first, by=volunteer)
    services.support_offer_accept(offer=second, by=steward)
    with pytest.raises(ValidationError, match="accepted already"):
        services.support_offer_accept(offer=first, by=volunteer)
    assert SupportOffer.objects.filter(accepted_at__isnull=False).count() == 2


def test_whoever_offered_cannot_accept_their_own_offer(volunteer):
    made = SupportOfferFactory(request=SupportRequestFactory(author=volunteer))
    with pytest.raises(ValidationError, match="accept offers"):
        services.support_offer_accept(offer=made, by=made.author)
    made.refresh_from_db()
    assert made.accepted_at is None


def test_an_offer_on_a_closed_request_can_no_longer_be_accepted(volunteer):
    made = SupportOfferFactory(request=SupportRequestFactory(author=volunteer, status=Status.CLOSED))
    with pytest.raises(ValidationError, match="This request is closed"):
        services.support_offer_accept(offer=made, by=volunteer)
    made.refresh_from_db()
    assert made.accepted_at is None


def test_the_author_and_stewards_choose_and_remove_responders_and_nobody_else(volunteer, steward, staff):
    request = SupportRequestFactory(author=volunteer, is_sensitive=True)
    first, second = UserFactory(), UserFactory()
    services.support_responder_choose(request=request, user=first, by=volunteer)
    services.support_responder_choose(request=request, user=second, by=steward)
    with pytest.raises(ValidationError, match="Only the author of this request and stewards"):
        services.support_responder_choose(request=request, user=staff, by=first)
    with pytest.raises(ValidationError, match="Only the author of this request and stewards"):
        services.support_responder_remove(request=request, user=second, by=first)
    services.support_responder_remove(request=request, user=second, by=volunteer)
    assert list(SupportResponder.objects.values_list("user", flat=True)) == [first.pk]


def test_choosing_someone_twice_or_the_author_is_refused(volunteer):
    request = SupportRequestFactory(author=volunteer, is_sensitive=True)
    person = UserFactory()
    services.support_responder_choose(request=request, user=person, by=volunteer)
    with pytest.raises(ValidationError, match="is a responder already"):
        services.support_responder_choose(request=request, user=person, by=volunteer)
    with pytest.raises(ValidationError, match="cannot be one of its responders"):
        services.support_responder_choose(request=request, user=volunteer, by=volunteer)
    assert SupportResponder.objects.count() == 1


def test_removing_someone_who_is_not_a_responder_says_so(volunteer):
    request = SupportRequestFactory(author=volunteer, is_sensitive=True)
    with pytest.raises(ValidationError, match="not a responder"):
        services.support_responder_remove(request=request, user=UserFactory(), by=volunteer)


def test_hidden_characters_in_an_offer_are_refused(volunteer):
    request = SupportRequestFactory()
    with pytest.raises(ValidationError, match="text direction overrides"):
        offer(request, volunteer, "Call me \u202eevil\u202c")
    assert not SupportOffer.objects.exists()
