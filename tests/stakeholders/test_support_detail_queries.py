"""A request's page costs the same number of queries with 2 offers or 40, 1 responder or 10."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from stakeholders import services
from tests.factories import SupportOfferFactory, SupportRequestFactory, UserFactory


def queries_for(client, request):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(request.get_absolute_url())
    assert response.status_code == 200
    return len(captured)


def add_help(request, offers, responders, by):
    for _number in range(offers):
        SupportOfferFactory(request=request)
    for _number in range(responders):
        services.support_responder_choose(request=request, user=UserFactory(), by=by)


def test_the_request_page_costs_the_same_queries_for_little_or_much_help(client, volunteer):
    request = SupportRequestFactory(author=volunteer, is_sensitive=True)
    client.force_login(volunteer)
    add_help(request, offers=2, responders=1, by=volunteer)
    few = queries_for(client, request)
    add_help(request, offers=38, responders=9, by=volunteer)
    many = queries_for(client, request)
    assert few == many
