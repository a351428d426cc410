"""Every aria-describedby and aria-labelledby on the community forms points at an element that is on the page.

A reference to a missing id is silently dropped by screen readers: Django adds
aria-describedby="<id>_helptext" to a field with help text, so the template must
give its hint that id.
"""

import re

from django.urls import reverse

from stakeholders import services
from stakeholders.models import SupportOffer
from tests.factories import SupportOfferFactory, SupportRequestFactory, UserFactory
from tests.stakeholders.exchange_profiles import exchange_profile

REFERENCE = re.compile(r'aria-(?:describedby|labelledby)="([^"]+)"')


def dangling_references(html):
    ids = set(re.findall(r'\sid="([^"]+)"', html))
    return sorted({target for value in REFERENCE.findall(html) for target in value.split()} - ids)


def test_the_exchange_profile_and_contact_forms_reference_only_what_is_there(client, volunteer):
    mentor = exchange_profile(UserFactory(), shares=["wikidata"], languages={"en": 5})
    client.force_login(volunteer)
    for url in (reverse("exchange:edit_mine"), reverse("exchange:contact", kwargs={"profile_id": mentor.pk})):
        html = client.get(url).content.decode()
        assert REFERENCE.search(html), url  # the pages do use references: the check below is not empty
        assert dangling_references(html) == [], url


def test_the_support_request_page_references_only_what_is_there(client, volunteer, steward):
    request = SupportRequestFactory(author=volunteer)
    SupportOfferFactory(request=request)
    services.support_responder_choose(request=request, user=UserFactory(), by=steward)
    client.force_login(volunteer)
    html = client.get(request.get_absolute_url()).content.decode()
    assert SupportOffer.objects.filter(request=request).exists() and "aria-describedby" in html
    assert dangling_references(html) == []
