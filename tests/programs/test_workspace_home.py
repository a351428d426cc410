"""The workspace home: each organization a person runs, with its newest programs; a clear page for everyone else."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from stakeholders.models import Membership
from tests.factories import MembershipFactory, OrganizationFactory, ProgramFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db

HOME = "/en/workspace/"


def test_staff_see_their_organization_with_its_programs_and_their_state(client, staff, organization):
    draft = ProgramFactory(provider=organization, original_title="Draft on Wikidata", is_published=False)
    published = ProgramFactory(provider=organization, original_title="Published on Commons")
    SessionFactory(program=published, starts_at=timezone.now() + timedelta(days=3))
    ProgramFactory(original_title="Someone else's program")
    client.force_login(staff)
    page = client.get(HOME).content.decode()
    assert "Wiki Learning Hub" in page
    assert "Draft on Wikidata" in page and "Published on Commons" in page
    assert "Someone else&#x27;s program" not in page
    assert f"/en/workspace/programs/{draft.slug}/" in page
    assert "/en/workspace/wiki-learning-hub/programs/new/" in page
    assert "1 draft" in page and "1 published" in page and "0 archived" in page


def test_the_home_shows_only_the_newest_programs_of_each_organization(client, staff, organization):
    for number in range(7):
        ProgramFactory(provider=organization, original_title=f"Course number {number}")
    client.force_login(staff)
    page = client.get(HOME).content.decode()
    # The five newest, and a link to all of them.
    assert "Course number 6" in page and "Course number 2" in page
    assert "Course number 1" not in page and "Course number 0" not in page
    assert 'href="/en/workspace/wiki-learning-hub/"' in page


def test_an_administrator_of_two_organizations_sees_both(client, affiliate_admin, other_organization):
    MembershipFactory(organization=other_organization, user=affiliate_admin, role=Membership.Role.ADMIN)
    client.force_login(affiliate_admin)
    page = client.get(HOME).content.decode()
    assert "Wiki Learning Hub" in page and "Other Chapter" in page


def test_an_organization_without_programs_says_how_to_start(client, staff):
    client.force_login(staff)
    page = client.get(HOME).content.decode()
    assert "No programs yet" in page
    assert "New program" in page


def test_a_volunteer_gets_a_page_that_explains_the_workspace(client, volunteer):
    client.force_login(volunteer)
    response = client.get(HOME)
    assert response.status_code == 200
    page = response.content.decode()
    assert "for the staff and administrators of an organization" in page
    assert "ask one of its administrators to invite you as staff" in page


def test_a_plain_member_is_told_to_ask_for_the_staff_role(client, organization):
    member = MembershipFactory(organization=organization, role=Membership.Role.MEMBER).user
    ProgramFactory(provider=organization, original_title="Not for members")
    client.force_login(member)
    page = client.get(HOME).content.decode()
    assert "not its staff" in page
    assert "Not for members" not in page


def test_a_steward_without_memberships_learns_how_to_reach_any_workspace(client, steward):
    client.force_login(steward)
    page = client.get(HOME).content.decode()
    assert "As a steward" in page


def test_anonymous_people_are_sent_to_log_in(client):
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_home_only_answers_get(client, staff):
    client.force_login(staff)
    assert client.post(HOME).status_code == 405


@pytest.mark.parametrize("organizations", [1, 4])
@pytest.mark.parametrize("programs_each", [3, 30])
def test_the_home_costs_the_same_queries_whatever_the_numbers(
    client, django_assert_max_num_queries, organizations, programs_each
):
    person = UserFactory()
    for _number in range(organizations):
        organization = OrganizationFactory()
        MembershipFactory(organization=organization, user=person)
        for program in ProgramFactory.create_batch(programs_each, provider=organization):
            SessionFactory(program=program)
    client.force_login(person)
    with django_assert_max_num_queries(5):
        response = client.get(HOME)
    assert response.status_code == 200


def test_the_menu_shows_the_workspace_to_those_who_run_an_organization(client, staff, volunteer, organization):
    member = MembershipFactory(organization=organization, role=Membership.Role.MEMBER).user
    link = 'href="/en/workspace/"'
    client.force_login(staff)
    assert link in client.get("/en/programs/").content.decode()
    for person in (volunteer, member):
        client.force_login(person)
        assert link not in client.get("/en/programs/").content.decode()


def test_the_menu_link_costs_no_query_of_its_own(client, staff, django_assert_num_queries):
    client.force_login(staff)
    client.get("/en/glossary/")  # warm the session and caches
    with CaptureQueriesContext(connection) as before:
        client.get("/en/glossary/")
    MembershipFactory(user=staff)  # a second organization in the menu
    with django_assert_num_queries(len(before.captured_queries)):
        page = client.get("/en/glossary/").content.decode()
    assert 'href="/en/workspace/"' in page
