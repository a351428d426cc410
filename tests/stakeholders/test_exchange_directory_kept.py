"""The directory's cards are kept rendered a minute; every change made through the services shows at once.

A card is the same for every reader except its last line, which each request adds
(log in, write to them, this is you): a card kept from one reader's visit never shows
another reader's line.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from stakeholders.erasure import person_records_erase
from stakeholders.services import exchange_profile_hide, organization_update, user_profile_update
from tests.factories import UserFactory
from tests.stakeholders.exchange_profiles import exchange_profile

pytestmark = pytest.mark.django_db


def directory(client, language="en"):
    response = client.get(f"/{language}/exchange/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_kept_card_is_not_read_or_rendered_again(client):
    exchange_profile(UserFactory(display_name="Min-seo Kang"), shares=["wikidata"])
    with CaptureQueriesContext(connection) as first:
        assert "Min-seo Kang" in directory(client)
    with CaptureQueriesContext(connection) as again:
        assert "Min-seo Kang" in directory(client)
    assert len(again) < len(first)
    assert not [query for query in again.captured_queries if "stakeholders_exchangecapacity" in query["sql"]]


def test_a_saved_profile_a_new_name_and_a_hidden_profile_show_at_once(client):
    person = UserFactory(display_name="Min-seo Kang")
    exchange_profile(person, about="Old words about me", about_language="en")
    assert "Old words about me" in directory(client)

    profile = exchange_profile(person, about="New words about me", about_language="en")
    html = directory(client)
    assert "New words about me" in html and "Old words about me" not in html

    data = {
        "display_name": "Minseo K.",
        "home_region": person.home_region,
        "time_zone": person.time_zone,
        "preferred_language": person.preferred_language,
        "languages": [],
    }
    user_profile_update(user=person, data=data)
    html = directory(client)
    assert "Minseo K." in html and "Min-seo Kang" not in html

    exchange_profile_hide(profile=profile)
    assert "Minseo K." not in directory(client)


def test_a_renamed_organization_shows_its_new_name_at_once(client, organization):
    exchange_profile(organization=organization, shares=["wikidata"])
    assert "Wiki Learning Hub" in directory(client)
    organization_update(organization=organization, data={"name": "Wiki Teaching Hub"}, fields=["name"])
    html = directory(client)
    assert "Wiki Teaching Hub" in html and "Wiki Learning Hub" not in html


def test_an_erased_person_leaves_the_directory_at_once(client):
    person = UserFactory(display_name="Leaving Person")
    exchange_profile(person)
    assert "Leaving Person" in directory(client)
    person_records_erase(user=person)
    assert "Leaving Person" not in directory(client)


def test_the_last_line_of_a_kept_card_is_each_readers_own(client, volunteer):
    person = UserFactory(display_name="Min-seo Kang")
    profile = exchange_profile(person)
    contact = reverse("exchange:contact", kwargs={"profile_id": profile.pk})
    assert "Log in to write to them" in directory(client)  # kept from here on

    client.force_login(volunteer)
    html = directory(client)
    assert "Write to Min-seo Kang" in html and f'href="{contact}"' in html
    assert "Log in to write to them" not in html

    client.force_login(person)
    html = directory(client)
    assert "This is you: edit your profile" in html and "Write to Min-seo Kang" not in html


def test_a_kept_card_follows_the_readers_language(client):
    exchange_profile(UserFactory(display_name="Min-seo Kang"), shares=["wikidata"])
    assert "Can share" in directory(client)
    korean = directory(client, "ko")
    assert "Min-seo Kang" in korean and "Can share" not in korean


def test_the_filters_keep_what_was_chosen(client):
    exchange_profile(
        UserFactory(display_name="Korean Speaker"), languages={"ko": 5}, region="east-southeast-asia-pacific"
    )
    html = client.get("/en/exchange/?language=ko&region=east-southeast-asia-pacific&kind=people").content.decode()
    assert '<option value="ko" lang="ko" selected>한국어</option>' in html
    assert '<option value="east-southeast-asia-pacific" selected>' in html
    assert '<option value="people" selected>People</option>' in html
    filters = html[html.index('<div class="filters"') : html.index('<div class="filter-actions">')]
    assert filters.count(" selected>") == 3
