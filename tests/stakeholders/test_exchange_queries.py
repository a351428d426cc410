"""The directory, mentor suggestions and messages cost the same queries with 2 profiles or 25."""

from django.urls import reverse

from stakeholders import services
from tests.factories import OrganizationFactory, UserFactory
from tests.stakeholders.exchange_profiles import exchange_profile

# A person's profile: shares two capacities, wants one, has one, speaks two languages.
VARIED = {
    "shares": ["grant-writing", "wikidata"],
    "wants": ["public-speaking"],
    "has": ["event-organizing"],
    "languages": {"ko": 5, "en": 3},
    "region": "south-asia",
    "about": "소개",
    "about_language": "ko",
}


def add_profiles(count):
    for number in range(count):
        if number % 5 == 4:
            exchange_profile(organization=OrganizationFactory(), **VARIED)
        else:
            exchange_profile(**VARIED)


def test_the_directory_costs_the_same_queries_whatever_the_number_of_profiles(
    client, volunteer, django_assert_max_num_queries
):
    client.force_login(volunteer)
    queries = {}
    for total, more in ((2, 2), (25, 23)):
        add_profiles(more)
        with django_assert_max_num_queries(14) as captured:
            response = client.get(reverse("exchange:directory"), {"capacity": "fundraising", "language": "ko"})
        assert response.status_code == 200
        assert len(response.context["page"].object_list) == total
        queries[total] = len(captured)
    assert queries[2] == queries[25], queries


def test_mentor_suggestions_cost_the_same_queries_whatever_the_number_of_people(
    client, volunteer, django_assert_max_num_queries
):
    exchange_profile(volunteer, wants=["fundraising", "wikidata"], languages={"ko": 5})
    client.force_login(volunteer)
    queries = {}
    for total, more in ((2, 2), (25, 23)):
        for _number in range(more):
            exchange_profile(**VARIED)
        with django_assert_max_num_queries(14) as captured:
            response = client.get(reverse("exchange:mentors"))
        assert response.status_code == 200
        assert len(response.context["page"].object_list) == total
        queries[total] = len(captured)
    assert queries[2] == queries[25], queries


def test_the_messages_page_costs_the_same_queries_whatever_the_number_of_messages(
    client, volunteer, django_assert_max_num_queries
):
    client.force_login(volunteer)
    exchange_profile(volunteer)
    queries = {}
    for total, more in ((2, 2), (25, 23)):
        for _number in range(more):
            services.contact_request_send(sender=UserFactory(), recipient=volunteer, message="Hello")
        with django_assert_max_num_queries(10) as captured:
            response = client.get(reverse("exchange:contacts"))
        assert response.status_code == 200
        assert len(response.context["page"].object_list) == total
        queries[total] = len(captured)
    assert queries[2] == queries[25], queries


def test_the_edit_page_costs_the_same_queries_with_one_language_or_ten(
    client, volunteer, django_assert_max_num_queries
):
    client.force_login(volunteer)
    queries = {}
    for count, codes in ((1, ["ko"]), (10, ["ko", "en", "ar", "fr", "es", "de", "ja", "hi", "sw", "pt-br"])):
        exchange_profile(volunteer, shares=["wikidata"], wants=["grant-writing"], languages=dict.fromkeys(codes, 3))
        with django_assert_max_num_queries(14) as captured:
            response = client.get(reverse("exchange:edit_mine"))
        assert response.status_code == 200
        assert len(response.context["language_formset"].forms) == count + 2
        queries[count] = len(captured)
    assert queries[1] == queries[10], queries
