"""An organization's programs in its workspace: every state, filtered, newest first, 25 a page."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from programs.models import Program
from stakeholders.models import Membership
from tests.factories import MembershipFactory, ProgramFactory, SessionFactory

pytestmark = pytest.mark.django_db

URL = "/en/workspace/wiki-learning-hub/"


@pytest.fixture
def three_states(organization):
    draft = ProgramFactory(provider=organization, original_title="A draft", is_published=False)
    published = ProgramFactory(provider=organization, original_title="On offer")
    archived = ProgramFactory(
        provider=organization, original_title="Retired", is_published=False, archived_at=timezone.now()
    )
    return draft, published, archived


def titles(page):
    return re.findall(r'<th scope="row" role="rowheader"><a href="/en/workspace/programs/[^"]+"[^>]*>([^<]+)</a>', page)


def test_staff_see_every_program_of_their_organization_in_any_state(client, staff, three_states):
    ProgramFactory(original_title="Another organization's")
    client.force_login(staff)
    page = client.get(URL).content.decode()
    assert titles(page) == ["Retired", "On offer", "A draft"]
    assert "Draft</span>" in page and "Published</span>" in page and "Archived</span>" in page
    assert "All (3)" in page and "Draft (1)" in page


@pytest.mark.parametrize(
    ("state", "expected"), [("draft", "A draft"), ("published", "On offer"), ("archived", "Retired")]
)
def test_the_list_filters_by_state(client, staff, three_states, state, expected):
    client.force_login(staff)
    page = client.get(URL, {"state": state}).content.decode()
    assert titles(page) == [expected]
    assert f'href="/en/workspace/wiki-learning-hub/?state={state}" aria-current="page"' in page


def test_an_unknown_state_shows_everything(client, staff, three_states):
    client.force_login(staff)
    response = client.get(URL, {"state": "<script>", "page": "99999999999999999999999"})
    assert response.status_code == 200
    assert len(titles(response.content.decode())) == 3


def test_each_program_shows_its_next_session_and_how_many_sessions_it_has(client, staff, organization):
    program = ProgramFactory(provider=organization, original_title="Two sessions")
    soon = timezone.now() + timedelta(days=2)
    SessionFactory(program=program, starts_at=soon)
    SessionFactory(program=program, starts_at=soon + timedelta(days=7))
    SessionFactory(program=program, starts_at=soon + timedelta(days=1), is_cancelled=True)
    client.force_login(staff)
    page = client.get(URL).content.decode()
    row = re.search(r'<tr role="row">\s*<th scope="row".*?</tr>', page, re.S).group(0)
    assert f'datetime="{soon.isoformat()[:19]}' in row  # the person's time zone is UTC
    assert 'data-label="Sessions">2</td>' in row
    assert f'href="/en/workspace/programs/{program.slug}/edit/"' in row
    assert f'href="/en/programs/{program.slug}/"' in row


def test_25_programs_a_page_newest_first(client, staff, organization):
    ProgramFactory.create_batch(30, provider=organization)
    client.force_login(staff)
    first = client.get(URL).content.decode()
    second = client.get(URL, {"page": 2}).content.decode()
    newest = list(Program.objects.order_by("-created_at", "-pk").values_list("original_title", flat=True))
    assert titles(first) == newest[:25]
    assert titles(second) == newest[25:]
    assert "Page 1 of 2" in first


def test_empty_lists_say_what_to_do(client, staff, organization):
    client.force_login(staff)
    assert "No programs yet" in client.get(URL).content.decode()
    ProgramFactory(provider=organization)
    assert "No program is in this state." in client.get(URL, {"state": "archived"}).content.decode()


@pytest.mark.parametrize("persona", ["volunteer", "other_staff", "funder"])
def test_others_are_forbidden(client, request, persona, organization):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403


def test_a_plain_member_is_forbidden(client, organization):
    client.force_login(MembershipFactory(organization=organization, role=Membership.Role.MEMBER).user)
    assert client.get(URL).status_code == 403


def test_a_steward_opens_any_organizations_workspace_from_its_page(client, steward, organization):
    client.force_login(steward)
    assert f'href="{URL}"' in client.get("/en/organizations/wiki-learning-hub/").content.decode()
    assert client.get(URL).status_code == 200


def test_an_unknown_organization_is_not_found(client, staff):
    client.force_login(staff)
    assert client.get("/en/workspace/nowhere/").status_code == 404


def test_anonymous_people_are_sent_to_log_in(client, organization):
    assert client.get(URL)["Location"].startswith("/accounts/login/")


def test_the_list_costs_the_same_queries_for_3_or_30_programs(
    client, staff, organization, django_assert_max_num_queries
):
    client.force_login(staff)
    queries = {}
    for count in (3, 30):
        missing = count - Program.objects.filter(provider=organization).count()
        for program in ProgramFactory.create_batch(missing, provider=organization):
            SessionFactory(program=program)
        with django_assert_max_num_queries(8) as captured:
            response = client.get(URL)
        assert response.status_code == 200
        queries[count] = len(captured)
    assert queries[3] == queries[30], queries


def test_the_list_only_answers_get(client, staff, organization):
    client.force_login(staff)
    assert client.post(URL).status_code == 405
