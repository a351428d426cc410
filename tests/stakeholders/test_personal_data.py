"""A person downloads everything the portal holds about them, and only about them."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from programs import services
from programs.models import ImportUpload
from stakeholders.models import Invitation
from tests.factories import MembershipFactory, ProgramFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/en/me/data.json"


@pytest.fixture
def program(organization):
    return ProgramFactory(provider=organization)


@pytest.fixture
def busy_person(organization, program):
    """Someone with every kind of data the portal keeps about a person."""
    person = UserFactory(username="minseo", email="minseo@example.org", display_name="김민서", time_zone="Asia/Seoul")
    MembershipFactory(user=person, organization=organization, role="staff")
    Invitation.objects.create(organization=MembershipFactory().organization, user=person, role="member")
    start = timezone.now() - timedelta(days=3)
    past = SessionFactory(program=program, starts_at=start, ends_at=start + timedelta(hours=2))
    enrollment = services.enrollment_create(user=person, session=past, now=start - timedelta(days=1)).enrollment
    services.enrollment_complete(enrollment=enrollment)
    upcoming = SessionFactory(program=program)
    services.enrollment_create(user=person, session=upcoming)
    upcoming.facilitators.add(person)
    services.report_save(session=past, values={"participants": 1}, by=person)
    ImportUpload.objects.create(
        organization=organization,
        uploaded_by=person,
        kind="attendance",
        original_filename="출석.csv",
        content=b"x",
        sha256="0" * 64,
    )
    return person


def test_the_download_holds_every_kind_of_data_about_the_person(client, busy_person):
    client.force_login(busy_person)
    response = client.get(URL)
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="capacity-my-data.json"'
    assert "no-store" in response["Cache-Control"]
    document = json.loads(response.content)
    assert document["account"]["email"] == "minseo@example.org"
    assert document["account"]["display_name"] == "김민서"
    assert document["account"]["email_addresses"] == [
        {"email": "minseo@example.org", "verified": True, "primary": True}
    ]
    assert [m["role"] for m in document["memberships"]] == ["staff"]
    assert [i["status"] for i in document["invitations_received"]] == ["pending"]
    assert [e["status"] for e in document["enrollments"]] == ["completed", "enrolled"]
    assert len(document["certificates"]) == 1 and document["certificates"][0]["revoked"] is False
    assert len(document["sessions_facilitated"]) == 1
    assert len(document["activity_reports_submitted"]) == 1
    assert document["files_imported"][0]["file_name"] == "출석.csv"
    # Korean stays readable in the file rather than escaped.
    assert "김민서".encode() in response.content


def test_the_download_holds_nothing_about_anyone_else(client, busy_person, volunteer, program):
    services.enrollment_create(user=volunteer, session=SessionFactory(program=program))
    client.force_login(volunteer)
    document = json.loads(client.get(URL).content)
    assert document["account"]["username"] == volunteer.username
    assert "minseo" not in json.dumps(document)
    assert len(document["enrollments"]) == 1
    assert document["memberships"] == [] and document["certificates"] == []


def test_anonymous_people_are_sent_to_log_in(client):
    assert client.get(URL)["Location"].startswith("/accounts/login/")


def test_only_get_is_answered(client, volunteer):
    client.force_login(volunteer)
    assert client.post(URL).status_code == 405


def test_the_download_runs_a_fixed_number_of_queries(client, volunteer, program, django_assert_max_num_queries):
    client.force_login(volunteer)
    queries = {}
    for sessions in (1, 15):
        while volunteer.enrollments.count() < sessions:
            session = SessionFactory(program=program)
            services.enrollment_create(user=volunteer, session=session)
            session.facilitators.add(volunteer)
        # A query or two per kind of data: account, programs, exchange, support, demographics.
        with django_assert_max_num_queries(24) as captured:
            assert client.get(URL).status_code == 200
        queries[sessions] = len(captured)
    # The same count with one session or fifteen: nothing is read row by row.
    assert queries[1] == queries[15], queries


def test_the_profile_page_links_to_the_download(client, volunteer):
    client.force_login(volunteer)
    assert 'href="/en/me/data.json"' in client.get("/en/me/profile/").content.decode()
