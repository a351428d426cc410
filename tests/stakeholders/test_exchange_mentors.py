"""Find a mentor: people who share what I want, in a language we both speak, best match first."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from programs.services import person_delete
from stakeholders.models import CapacityLevel, ExchangeProfile, User
from stakeholders.selectors import mentor_matches
from stakeholders.services import exchange_profile_hide
from tests.factories import UserFactory
from tests.stakeholders.exchange_profiles import exchange_profile

MENTORS = "exchange:mentors"


def person(name):
    return UserFactory(display_name=name)


@pytest.fixture
def planted(volunteer, organization):
    """Me (the volunteer) wanting Fundraising and Wikidata in Korean and some English, and people around me."""
    exchange_profile(volunteer, wants=["fundraising", "wikidata"], languages={"ko": 5, "en": 2})
    exchange_profile(person("Best Match"), shares=["fundraising", "wikidata"], languages={"ko": 5})
    exchange_profile(person("Child Sharer"), shares=["grant-writing", "wikidata"], languages={"en": 5})
    exchange_profile(person("Wikidata Native"), shares=["wikidata"], languages={"ko": 5})
    exchange_profile(person("Wikidata Learner Of Korean"), shares=["wikidata"], languages={"ko": 1})
    exchange_profile(
        person("Expert Without Korean"),
        shares=["fundraising", "wikidata", "grant-writing"],
        level=CapacityLevel.EXPERT,
        languages={"ar": 5, "fr": 5},
    )
    exchange_profile(person("Hidden Expert"), shares=["fundraising", "wikidata"], languages={"ko": 5}, listed=False)
    exchange_profile(person("Only Wants"), wants=["fundraising", "wikidata"], languages={"ko": 5})
    exchange_profile(person("Only Has"), has=["fundraising"], languages={"ko": 5})
    exchange_profile(
        UserFactory(display_name="Gone Mentor", is_active=False), shares=["fundraising"], languages={"ko": 5}
    )
    exchange_profile(organization=organization, shares=["fundraising", "wikidata"], languages={"ko": 5})
    return volunteer


def ranked_names(response):
    return [profile.user.public_name for profile in response.context["page"].object_list]


def test_the_best_match_comes_first_and_nobody_without_a_shared_language_appears(client, planted):
    client.force_login(planted)
    response = client.get(reverse(MENTORS))
    assert response.status_code == 200
    assert ranked_names(response) == [
        "Best Match",  # shares both wanted capacities themselves, native Korean
        "Child Sharer",  # a child of Fundraising counts less; English is only at my level 2
        "Wikidata Native",
        "Wikidata Learner Of Korean",  # same capacity, a weaker common language
    ]
    html = response.content.decode()
    for never in (
        "Expert Without Korean",
        "Hidden Expert",
        "Only Wants",
        "Only Has",
        "Gone Mentor",
        "Wiki Learning Hub",
    ):
        assert never not in html


def test_the_reasons_name_what_they_share_and_the_language_we_share(client, planted):
    client.force_login(planted)
    html = client.get(reverse(MENTORS)).content.decode()
    assert "Shares Fundraising, Wikidata, speaks 한국어" in html
    assert "Shares Grant writing, Wikidata, speaks English" in html


def test_one_wanted_capacity_narrows_the_suggestions(client, planted):
    client.force_login(planted)
    response = client.get(reverse(MENTORS), {"capacity": "fundraising"})
    assert ranked_names(response) == ["Best Match", "Child Sharer"]


def test_a_capacity_i_do_not_want_is_ignored(client, planted):
    client.force_login(planted)
    response = client.get(reverse(MENTORS), {"capacity": "public-speaking\r\n<b>"})
    assert response.status_code == 200
    assert len(ranked_names(response)) == 4


def test_i_am_never_my_own_mentor(volunteer):
    exchange_profile(volunteer, wants=["wikidata"], shares=["wikidata"], languages={"ko": 5})
    assert list(mentor_matches(user=volunteer).page) == []


def test_a_higher_level_wins_when_all_else_is_equal(volunteer):
    exchange_profile(volunteer, wants=["wikidata"], languages={"ko": 5})
    exchange_profile(person("Beginner"), shares=["wikidata"], level=CapacityLevel.BEGINNER, languages={"ko": 5})
    exchange_profile(person("Expert"), shares=["wikidata"], level=CapacityLevel.EXPERT, languages={"ko": 5})
    assert [profile.user.public_name for profile in mentor_matches(user=volunteer).page] == ["Expert", "Beginner"]


def test_without_a_profile_the_page_says_to_create_one(client, volunteer):
    client.force_login(volunteer)
    response = client.get(reverse(MENTORS))
    assert response.status_code == 200
    assert "Create your exchange profile" in response.content.decode()
    assert reverse("exchange:edit_mine") in response.content.decode()


def test_without_wanted_capacities_the_page_says_to_add_some(client, volunteer):
    exchange_profile(volunteer, shares=["wikidata"])
    client.force_login(volunteer)
    assert "Add capacities you want to learn" in client.get(reverse(MENTORS)).content.decode()


def test_a_hidden_profile_still_finds_mentors(volunteer):
    exchange_profile(volunteer, wants=["wikidata"], languages={"ko": 5}, listed=False)
    exchange_profile(person("Mentor"), shares=["wikidata"], languages={"ko": 5})
    assert [profile.user.public_name for profile in mentor_matches(user=volunteer).page] == ["Mentor"]


def test_the_reason_joins_lists_as_the_readers_language_does(volunteer):
    exchange_profile(volunteer, wants=["wikidata", "grant-writing"], languages={"ar": 5})
    exchange_profile(person("Mentor"), shares=["wikidata", "grant-writing"], languages={"ar": 5})
    with translation.override("en"):
        reason = mentor_matches(user=volunteer).page[0].reason
    assert reason.startswith("Shares ") and ", " in reason


def test_the_ranking_is_kept_until_the_exchange_changes_and_never_shows_who_left(client, planted):
    client.force_login(planted)
    url = reverse(MENTORS)
    with CaptureQueriesContext(connection) as first:
        response = client.get(url)
    before = ranked_names(response)
    with CaptureQueriesContext(connection) as second:
        response = client.get(url)
    assert ranked_names(response) == before
    assert len(second.captured_queries) == len(first.captured_queries) - 1  # the ranking itself

    exchange_profile(person("New Mentor"), shares=["fundraising", "wikidata"], languages={"ko": 4})
    assert ranked_names(client.get(url)) == [before[0], "New Mentor", *before[1:]]

    best = ExchangeProfile.objects.get(user__display_name="Best Match")
    exchange_profile_hide(profile=best)
    response = client.get(url)
    assert "Best Match" not in ranked_names(response) and response.context["page"].paginator.count == 4

    # Deactivated in the admin (no service moves the exchange on): gone from the page at once all the same.
    User.objects.filter(display_name="New Mentor").update(is_active=False)
    assert ranked_names(client.get(url)) == before[1:]
    person_delete(user=User.objects.get(display_name="Child Sharer"))
    response = client.get(url)
    assert ranked_names(response) == before[2:] and response.context["page"].paginator.count == 2
