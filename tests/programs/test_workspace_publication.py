"""Publishing, unpublishing, archiving and restoring a program from the workspace."""

from datetime import timedelta

import pytest
from django.utils import timezone

from programs.models import Program
from tests.factories import ProgramFactory, SessionFactory

pytestmark = pytest.mark.django_db


def action_url(program, action):
    return f"/en/workspace/programs/{program.slug}/{action}/"


@pytest.fixture
def draft(organization):
    return ProgramFactory(provider=organization, slug="draft-program", is_published=False)


def state_of(program):
    return Program.objects.get(pk=program.pk).publication_state


def test_staff_publish_a_draft_and_it_reaches_the_catalog(client, staff, draft):
    SessionFactory(program=draft)
    client.force_login(staff)
    response = client.post(action_url(draft, "publish"), follow=True)
    assert state_of(draft) == "published"
    assert "The program is published in the catalog." in response.content.decode()
    assert client.get("/en/programs/draft-program/").status_code == 200


def test_unpublishing_takes_it_back_to_draft(client, staff, program):
    client.force_login(staff)
    client.post(action_url(program, "unpublish"))
    assert state_of(program) == "draft"


def test_a_program_with_sessions_to_come_is_not_archived_and_says_why(client, staff, program):
    SessionFactory(program=program)
    client.force_login(staff)
    response = client.post(action_url(program, "archive"), follow=True)
    assert state_of(program) == "published"
    assert "cancel them before archiving it" in response.content.decode()


def test_a_program_whose_sessions_are_over_is_archived_then_restored_as_a_draft(client, staff, program):
    SessionFactory(
        program=program, starts_at=timezone.now() - timedelta(days=3), ends_at=timezone.now() - timedelta(days=2)
    )
    client.force_login(staff)
    client.post(action_url(program, "archive"))
    assert state_of(program) == "archived"
    page = client.get(f"/en/workspace/programs/{program.slug}/").content.decode()
    assert "Restore as a draft" in page and "Add a session" not in page
    response = client.post(action_url(program, "publish"), follow=True)
    assert "restore it first" in response.content.decode()
    assert state_of(program) == "archived"
    client.post(action_url(program, "restore"))
    assert state_of(program) == "draft"


@pytest.mark.parametrize("action", ["publish", "unpublish", "archive", "restore"])
@pytest.mark.parametrize("persona", ["volunteer", "other_staff", "funder"])
def test_others_cannot_change_a_programs_state(client, request, persona, draft, action):
    client.force_login(request.getfixturevalue(persona))
    # A draft is not found for them; nothing changes either way.
    assert client.post(action_url(draft, action)).status_code == 404
    assert state_of(draft) == "draft"


def test_other_staff_get_403_on_a_published_program_and_it_stays_published(client, other_staff, program):
    client.force_login(other_staff)
    assert client.post(action_url(program, "unpublish")).status_code == 403
    assert state_of(program) == "published"


@pytest.mark.parametrize("action", ["publish", "unpublish", "archive", "restore"])
def test_state_changes_only_answer_post(client, staff, program, action):
    client.force_login(staff)
    assert client.get(action_url(program, action)).status_code == 405
    assert state_of(program) == "published"


def test_anonymous_people_are_sent_to_log_in(client, draft):
    response = client.post(action_url(draft, "publish"))
    assert response["Location"].startswith("/accounts/login/")
    assert state_of(draft) == "draft"
