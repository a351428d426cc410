"""The directory: listed profiles only, filtered through the URL, without anyone's address."""

import pytest
from django.urls import reverse

from stakeholders.models import CapacityLevel
from tests.factories import UserFactory
from tests.stakeholders.exchange_profiles import exchange_profile

DIRECTORY = "exchange:directory"

pytestmark = pytest.mark.django_db


def names_in(response):
    return {card["name"] for card in response.context["cards"]}


def test_anyone_sees_listed_profiles_without_email_or_username(client):
    person = UserFactory(username="secret_login", display_name="Min-seo Kang", email="minseo@example.org")
    exchange_profile(person, shares=["wikidata"], languages={"ko": 5}, about="위키데이터", about_language="ko")
    response = client.get(reverse(DIRECTORY))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Min-seo Kang" in html
    assert "minseo@example.org" not in html and "secret_login" not in html
    assert '<p class="exchange-about" lang="ko" dir="ltr">위키데이터</p>' in html
    # Each card is a second-level heading under the page's title, with no level skipped.
    assert '<h2 class="card-title">' in html and "<h3" not in html


def test_arabic_text_about_is_marked_right_to_left(client):
    exchange_profile(about="أنظم ورشات ويكي بيانات", about_language="ar", languages={"ar": 5})
    html = client.get(reverse(DIRECTORY)).content.decode()
    assert 'lang="ar" dir="rtl">أنظم ورشات ويكي بيانات</p>' in html


def test_hidden_and_deactivated_people_are_never_in_the_directory(client):
    exchange_profile(UserFactory(display_name="Listed Person"))
    exchange_profile(UserFactory(display_name="Hidden Person"), listed=False)
    exchange_profile(UserFactory(display_name="Gone Person", is_active=False))
    response = client.get(reverse(DIRECTORY))
    assert names_in(response) == {"Listed Person"}
    assert "Hidden Person" not in response.content.decode()


def test_a_parent_capacity_finds_people_with_its_children(client):
    exchange_profile(UserFactory(display_name="Grant Writer"), shares=["grant-writing"])
    exchange_profile(UserFactory(display_name="Fundraiser"), has=["fundraising"])
    exchange_profile(UserFactory(display_name="Wikidatan"), shares=["wikidata"])
    response = client.get(reverse(DIRECTORY), {"capacity": "fundraising"})
    assert names_in(response) == {"Grant Writer", "Fundraiser"}
    response = client.get(reverse(DIRECTORY), {"capacity": "grant-writing"})
    assert names_in(response) == {"Grant Writer"}


def test_role_and_capacity_must_hold_on_the_same_capacity(client):
    exchange_profile(UserFactory(display_name="Sharer"), shares=["wikidata"])
    exchange_profile(UserFactory(display_name="Learner"), wants=["wikidata"], shares=["public-speaking"])
    response = client.get(reverse(DIRECTORY), {"capacity": "wikidata", "role": "shares"})
    assert names_in(response) == {"Sharer"}
    response = client.get(reverse(DIRECTORY), {"capacity": "wikidata", "role": "wants"})
    assert names_in(response) == {"Learner"}
    response = client.get(reverse(DIRECTORY), {"capacity": "wikidata", "role": ["wants", "shares"]})
    assert names_in(response) == {"Sharer", "Learner"}


def test_language_region_and_kind_filter_the_directory(client, organization):
    exchange_profile(
        UserFactory(display_name="Korean Speaker"), languages={"ko": 5}, region="east-southeast-asia-pacific"
    )
    exchange_profile(UserFactory(display_name="Arabic Speaker"), languages={"ar": 5}, region="middle-east-north-africa")
    exchange_profile(organization=organization, languages={"ko": 4})
    assert names_in(client.get(reverse(DIRECTORY), {"language": "ko"})) == {"Korean Speaker", "Wiki Learning Hub"}
    assert names_in(client.get(reverse(DIRECTORY), {"region": "middle-east-north-africa"})) == {"Arabic Speaker"}
    assert names_in(client.get(reverse(DIRECTORY), {"kind": "organizations"})) == {"Wiki Learning Hub"}
    assert names_in(client.get(reverse(DIRECTORY), {"kind": "people", "language": "ko"})) == {"Korean Speaker"}


def test_an_organization_links_to_its_page_not_to_a_contact_form(client, volunteer, organization):
    profile = exchange_profile(organization=organization, shares=["wikidata"])
    client.force_login(volunteer)
    html = client.get(reverse(DIRECTORY)).content.decode()
    assert reverse("organizations:detail", kwargs={"slug": organization.slug}) in html
    assert reverse("exchange:contact", kwargs={"profile_id": profile.pk}) not in html


def test_levels_and_proficiencies_are_shown(client):
    exchange_profile(shares=["wikidata"], level=CapacityLevel.EXPERT, languages={"ko": 5})
    html = client.get(reverse(DIRECTORY)).content.decode()
    assert "Wikidata · Expert" in html and "한국어</span> · Native" in html


def test_bad_filter_values_are_ignored_with_a_notice_not_a_500(client):
    exchange_profile(UserFactory(display_name="Someone"))
    response = client.get(
        reverse(DIRECTORY),
        {"capacity": "no-such-thing", "language": "\r\n<x>", "region": "9" * 30, "kind": "robots", "page": "-4"},
    )
    assert response.status_code == 200
    assert "Some filter values were not understood" in response.content.decode()
    assert names_in(response) == {"Someone"}


def test_the_directory_pages_by_25(client):
    for _number in range(27):
        exchange_profile()
    assert len(client.get(reverse(DIRECTORY)).context["page"].object_list) == 25
    assert len(client.get(reverse(DIRECTORY), {"page": "2"}).context["page"].object_list) == 2
    assert len(client.get(reverse(DIRECTORY), {"page": "999"}).context["page"].object_list) == 2
