"""The support list keeps each request's card rendered a minute; what the services change shows at once.

The list of ids is read afresh for every reader, so a kept card of a sensitive request
reaches only those allowed to see it.
"""

import pytest
from django.urls import reverse

from stakeholders import services
from stakeholders.erasure import person_records_erase
from tests.factories import OrganizationFactory, SupportRequestFactory, UserFactory

pytestmark = pytest.mark.django_db


def listing(client):
    response = client.get(reverse("support:list"))
    assert response.status_code == 200
    return response.content.decode()


def test_a_move_an_offer_and_a_renamed_organization_show_on_the_list_at_once(client, steward):
    organization = OrganizationFactory(name="Wiki Learning Hub")
    request = SupportRequestFactory(title="Venue lost", organization=organization)
    html = listing(client)
    assert "Venue lost" in html and "0 offers" in html and "For Wiki Learning Hub" in html

    services.support_request_move(request=request, to_status="triaged", by=steward)
    assert "support-status-triaged" in listing(client)

    services.support_offer_create(
        request=request, author=UserFactory(), kind="advice", message="Try the library.", language=request.language
    )
    assert "1 offer" in listing(client)

    services.organization_update(organization=organization, data={"name": "Wiki Teaching Hub"}, fields=["name"])
    assert "For Wiki Teaching Hub" in listing(client)


def test_a_kept_sensitive_card_reaches_only_those_let_in(client, steward):
    author = UserFactory()
    SupportRequestFactory(title="Harassment at our event", is_sensitive=True, author=author)
    client.force_login(author)
    assert "Harassment at our event" in listing(client)  # kept from here on
    client.logout()
    assert "Harassment at our event" not in listing(client)
    client.force_login(UserFactory())
    assert "Harassment at our event" not in listing(client)
    client.force_login(steward)
    assert "Harassment at our event" in listing(client)


def test_erasing_the_author_of_a_sensitive_request_erases_its_kept_title(client, steward):
    author = UserFactory()
    request = SupportRequestFactory(title="Harassment at our event", is_sensitive=True, author=author)
    client.force_login(steward)
    assert "Harassment at our event" in listing(client)
    person_records_erase(user=author)
    html = listing(client)
    assert "Harassment at our event" not in html and f"#{request.pk}" in html
