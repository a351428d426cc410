"""The workspace attacked: other organizations' objects in URLs and POST bodies, repeated submits, garbage queries."""

from datetime import timedelta

import pytest
from django.utils import timezone

from programs.models import Program, Session
from tests.factories import ProgramFactory, SessionFactory

pytestmark = pytest.mark.django_db

NEXT_YEAR = timezone.now().year + 1


def edit_url(session):
    return f"/en/workspace/programs/{session.program.slug}/sessions/{session.pk}/edit/"


def session_data(**overrides):
    data = {
        "time_zone": "UTC",
        "starts_on": f"{NEXT_YEAR}-03-14",
        "starts_time": "10:00",
        "ends_on": f"{NEXT_YEAR}-03-14",
        "ends_time": "12:00",
        "seats": "25",
        "venue": "",
        "online_url": "",
        "facilitators": "",
        "dashboard_course": "",
    }
    data.update(overrides)
    return data


def local_fields(session):
    """The session's times as the edit form shows them, in UTC."""
    return {
        "starts_on": session.starts_at.strftime("%Y-%m-%d"),
        "starts_time": session.starts_at.strftime("%H:%M"),
        "ends_on": session.ends_at.strftime("%Y-%m-%d"),
        "ends_time": session.ends_at.strftime("%H:%M"),
    }


@pytest.fixture
def archived_session(organization):
    """A session that ended last month, of a program archived since."""
    program = ProgramFactory(provider=organization, is_published=False, archived_at=timezone.now())
    start = (timezone.now() - timedelta(days=30)).replace(second=0, microsecond=0)
    return SessionFactory(program=program, starts_at=start, ends_at=start + timedelta(hours=2), time_zone="UTC")


# --- an archived program keeps every session over -----------------------------------------


def test_a_session_of_an_archived_program_cannot_be_moved_into_the_future(client, staff, archived_session):
    before = (archived_session.starts_at, archived_session.ends_at)
    client.force_login(staff)
    response = client.post(edit_url(archived_session), session_data())
    assert response.status_code == 200
    assert "This program is archived" in response.content.decode()
    archived_session.refresh_from_db()
    assert (archived_session.starts_at, archived_session.ends_at) == before


def test_a_past_session_of_an_archived_program_can_still_be_corrected(client, staff, archived_session):
    client.force_login(staff)
    data = session_data(venue="Room 2, not room 1", **local_fields(archived_session))
    response = client.post(edit_url(archived_session), data)
    assert response.status_code == 302
    archived_session.refresh_from_db()
    assert archived_session.venue == "Room 2, not room 1"


# --- what a POST body cannot change ---------------------------------------------------------


def test_a_program_edit_cannot_move_it_to_another_organization_or_change_its_state(
    client, staff, program, other_organization
):
    client.force_login(staff)
    data = {
        "original_language": "en",
        "original_title": "Wikidata basics, again",
        "original_summary": "A training.",
        "original_description": "",
        "method": program.method,
        "format": program.format,
        "level": program.level,
        "region": program.region.slug,
        "categories": ["communication"],
        "languages": ["en"],
        "slug": program.slug,
        "provider": str(other_organization.pk),
        "is_published": "",
        "archived_at": "2020-01-01 00:00",
    }
    assert client.post(f"/en/workspace/programs/{program.slug}/edit/", data).status_code == 302
    program.refresh_from_db()
    assert program.original_title == "Wikidata basics, again"
    assert (program.provider_id, program.is_published, program.archived_at) == (program.provider.pk, True, None)


def test_a_session_edit_cannot_move_it_to_another_organizations_program_or_set_its_counts(
    client, staff, program, other_organization
):
    elsewhere = ProgramFactory(provider=other_organization)
    session = SessionFactory(program=program, seats=10)
    client.force_login(staff)
    data = session_data(program=str(elsewhere.pk), seats_taken="9", is_cancelled="on")
    assert client.post(edit_url(session), data).status_code == 302
    session.refresh_from_db()
    assert (session.program_id, session.seats_taken, session.is_cancelled) == (program.pk, 0, False)
    assert not Session.objects.filter(program=elsewhere).exists()


def test_a_new_session_goes_to_the_program_of_the_address_whatever_the_body_says(
    client, staff, program, other_organization
):
    elsewhere = ProgramFactory(provider=other_organization)
    client.force_login(staff)
    response = client.post(
        f"/en/workspace/programs/{program.slug}/sessions/new/", session_data(program=str(elsewhere.pk))
    )
    assert response.status_code == 302
    assert Session.objects.get().program == program


# --- repeated submits -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "action, fields",
    [
        ("publish", {"is_published": True}),
        ("unpublish", {"is_published": False}),
        ("restore", {"is_published": False, "archived_at": None}),
    ],
)
def test_a_repeated_state_change_adds_nothing_to_the_audit_trail(client, staff, organization, action, fields):
    program = ProgramFactory(provider=organization, **fields)
    client.force_login(staff)
    recorded = Program.history.filter(id=program.pk).count()
    updated = Program.objects.get(pk=program.pk).updated_at
    for _attempt in range(2):
        assert client.post(f"/en/workspace/programs/{program.slug}/{action}/").status_code == 302
    assert Program.history.filter(id=program.pk).count() == recorded
    assert Program.objects.get(pk=program.pk).updated_at == updated


def test_archiving_twice_keeps_the_first_archiving_time(client, staff, organization):
    program = ProgramFactory(provider=organization)
    client.force_login(staff)
    client.post(f"/en/workspace/programs/{program.slug}/archive/")
    first = Program.objects.get(pk=program.pk).archived_at
    client.post(f"/en/workspace/programs/{program.slug}/archive/")
    assert first is not None and Program.objects.get(pk=program.pk).archived_at == first


# --- garbage in addresses and query strings -------------------------------------------------


@pytest.mark.parametrize(
    "query", ["page=-1", "page=abc", "page=1e309", f"page={2**64}", "state=%3Cscript%3E", "x=" + "y" * 5000]
)
@pytest.mark.parametrize("path", ["{org}/", "{org}/reports/", "programs/{program}/"])
def test_garbage_in_the_query_string_shows_a_page_and_reflects_no_markup(client, staff, program, query, path):
    client.force_login(staff)
    url = "/en/workspace/" + path.format(org=program.provider.slug, program=program.slug) + "?" + query
    response = client.get(url)
    assert response.status_code == 200
    assert "<script>" not in response.content.decode()


@pytest.mark.parametrize("number", [2**31, 2**63, 2**64, 10**30])
def test_ids_too_large_for_the_database_are_not_found(client, staff, program, number):
    client.force_login(staff)
    for url in (
        f"/en/workspace/programs/{program.slug}/sessions/{number}/edit/",
        f"/en/workspace/sessions/{number}/report/",
        f"/en/workspace/sessions/{number}/participants.csv",
        f"/en/workspace/sessions/{number}/report.csv",
    ):
        assert client.get(url).status_code == 404, url


def test_restoring_a_published_program_says_nothing_changed_rather_than_restored(client, staff, organization):
    program = ProgramFactory(provider=organization)
    client.force_login(staff)
    page = client.post(f"/en/workspace/programs/{program.slug}/restore/", follow=True).content.decode()
    assert "Nothing changed" in page and "“Published”" in page
    assert "restored as a draft" not in page
    program.refresh_from_db()
    assert program.is_published


def test_a_session_whose_stored_zone_no_validator_would_take_still_opens_for_editing(client, staff, program):
    session = SessionFactory(program=program)
    Session.objects.filter(pk=session.pk).update(time_zone="America")  # a directory of the zone database
    client.force_login(staff)
    assert client.get(edit_url(session)).status_code == 200
