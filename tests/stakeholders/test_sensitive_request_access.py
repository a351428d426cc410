"""A sensitive request is seen only by its author, stewards and the responders chosen for it; to anyone else it does not exist."""

import pytest
from django.test import Client
from django.urls import reverse

from stakeholders import services
from stakeholders.models import SupportOffer, SupportRequest
from tests.factories import SupportOfferFactory, SupportRequestFactory, UserFactory

SECRET_TITLE = "Harassment at our last edit-a-thon"

# What each person gets: detail page, an offer, a move to "closed", and whether the
# request shows in the list. "login" for anonymous POSTs: they are asked to sign in first.
EXPECTED = {
    "anonymous": {"detail": 404, "offer": "login", "move": "login", "listed": False},
    "volunteer": {"detail": 404, "offer": 404, "move": 404, "listed": False},
    "author": {"detail": 200, "offer": 400, "move": 302, "listed": True},
    "chosen responder": {"detail": 200, "offer": 302, "move": 400, "listed": True},
    "other responder": {"detail": 404, "offer": 404, "move": 404, "listed": False},
    "steward": {"detail": 200, "offer": 302, "move": 302, "listed": True},
}
CASES = [(person, action) for person in EXPECTED for action in ("detail", "offer", "move", "listed")]


@pytest.fixture
def people(volunteer, steward):
    author, chosen, other = (
        UserFactory(username="author"),
        UserFactory(username="chosen"),
        UserFactory(username="other"),
    )
    request = SupportRequestFactory(author=author, is_sensitive=True, title=SECRET_TITLE)
    services.support_responder_choose(request=request, user=chosen, by=steward)
    # The other responder is active elsewhere: chosen on another sensitive request, offering on a public one.
    services.support_responder_choose(request=SupportRequestFactory(is_sensitive=True), user=other, by=steward)
    SupportOfferFactory(author=other)
    return {
        "request": request,
        "anonymous": None,
        "volunteer": volunteer,
        "author": author,
        "chosen responder": chosen,
        "other responder": other,
        "steward": steward,
    }


def client_for(person):
    client = Client()
    if person is not None:
        client.force_login(person)
    return client


def outcome(response):
    if response.status_code == 302 and response["Location"].startswith("/accounts/login/"):
        return "login"
    return response.status_code


@pytest.mark.parametrize(("person", "action"), CASES, ids=[f"{p}-{a}" for p, a in CASES])
def test_each_person_gets_what_a_sensitive_request_allows(people, person, action):
    request = people["request"]
    client = client_for(people[person])
    offers_before = SupportOffer.objects.filter(request=request).count()
    if action == "detail":
        response = client.get(reverse("support:detail", args=[request.pk]))
        assert outcome(response) == EXPECTED[person]["detail"]
        assert (SECRET_TITLE in response.content.decode()) == (response.status_code == 200)
    elif action == "offer":
        data = {"kind": "person", "message": "I am here to listen.", "language": "en"}
        response = client.post(reverse("support:offer", args=[request.pk]), data)
        assert outcome(response) == EXPECTED[person]["offer"]
        added = SupportOffer.objects.filter(request=request).count() - offers_before
        assert added == (1 if EXPECTED[person]["offer"] == 302 else 0)
    elif action == "move":
        response = client.post(reverse("support:move", args=[request.pk]), {"to_status": "closed"})
        assert outcome(response) == EXPECTED[person]["move"]
        request.refresh_from_db()
        assert request.status == ("closed" if EXPECTED[person]["move"] == 302 else "open")
    else:
        response = client.get(reverse("support:list"))
        assert response.status_code == 200
        assert (SECRET_TITLE in response.content.decode()) == EXPECTED[person]["listed"]


def test_a_responder_who_is_removed_no_longer_finds_the_request(people):
    request, chosen = people["request"], people["chosen responder"]
    services.support_responder_remove(request=request, user=chosen, by=people["author"])
    assert client_for(chosen).get(reverse("support:detail", args=[request.pk])).status_code == 404
    assert not SupportRequest.objects.visible_to(chosen).filter(pk=request.pk).exists()


def test_the_sensitive_filter_does_not_leak_through_list_filters(people):
    filters = {"status": "open", "urgency": "medium"}
    response = client_for(people["volunteer"]).get(reverse("support:list"), filters)
    assert SECRET_TITLE not in response.content.decode()
    # The same filters do find the request for someone allowed to see it.
    assert SECRET_TITLE in client_for(people["steward"]).get(reverse("support:list"), filters).content.decode()


def test_admin_staff_who_are_not_stewards_do_not_see_sensitive_requests(db):
    """Django's is_staff opens the admin's door only; stewards are the superusers, as everywhere else."""
    from stakeholders.models import SupportRequest
    from tests.factories import SupportRequestFactory, UserFactory

    sensitive = SupportRequestFactory(is_sensitive=True)
    superuser = UserFactory(is_staff=True, is_superuser=True)
    assert list(SupportRequest.objects.visible_to(superuser)) == [sensitive]
    assert not SupportRequest.objects.visible_to(UserFactory(is_staff=True)).exists()
