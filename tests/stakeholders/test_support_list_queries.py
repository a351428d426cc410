"""The support list costs the same number of queries for 3 requests or 60, whoever looks."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from capacity.models import CapacityCategory, Language
from stakeholders import services
from tests.factories import SupportOfferFactory, SupportRequestFactory, UserFactory

QUERY_CEILING = 14


def add_requests(count, author, responder):
    categories = list(CapacityCategory.objects.all()[:3])
    languages = list(Language.objects.filter(code__in=["en", "ar", "ko"]))
    for number in range(count):
        request = SupportRequestFactory(
            language=languages[number % 3], categories=categories, is_sensitive=number % 4 == 0, author=author
        )
        SupportOfferFactory(request=request)
        if number % 4 == 0:
            services.support_responder_choose(request=request, user=responder, by=author)


def queries_for(client, **params):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("support:list"), params)
    assert response.status_code == 200
    return len(captured), response


@pytest.mark.parametrize("viewer", ["anonymous", "responder", "steward"])
def test_the_list_costs_the_same_queries_for_few_or_many_requests(client, steward, viewer):
    author, responder = UserFactory(), UserFactory()
    if viewer != "anonymous":
        client.force_login({"responder": responder, "steward": steward}[viewer])
    add_requests(3, author, responder)
    few, _response = queries_for(client)
    add_requests(57, author, responder)
    many, response = queries_for(client)
    filtered, _response = queries_for(client, category="communication", language="ar", urgency="medium")
    assert few == many <= QUERY_CEILING
    assert filtered <= QUERY_CEILING
    assert response.content.decode().count('class="card"') == 25
