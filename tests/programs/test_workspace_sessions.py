"""Adding and editing sessions in the workspace: times in the session's own time zone, seats, facilitators."""

import re
import zoneinfo
from datetime import datetime

import pytest
from django.utils import timezone

from programs import services
from programs.models import Session
from stakeholders.models import Membership
from tests.factories import MembershipFactory, ProgramFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db

SEOUL = zoneinfo.ZoneInfo("Asia/Seoul")
NEXT_YEAR = timezone.now().year + 1


def new_url(program):
    return f"/en/workspace/programs/{program.slug}/sessions/new/"


def edit_url(session):
    return f"/en/workspace/programs/{session.program.slug}/sessions/{session.pk}/edit/"


def session_data(**overrides):
    data = {
        "time_zone": "Asia/Seoul",
        "starts_on": f"{NEXT_YEAR}-03-14",
        "starts_time": "19:00",
        "ends_on": f"{NEXT_YEAR}-03-14",
        "ends_time": "21:30",
        "seats": "25",
        "opens_on": "",
        "opens_time": "",
        "closes_on": "",
        "closes_time": "",
        "venue": "Seoul Global Center, 3rd floor",
        "online_url": "",
        "facilitators": "",
        "dashboard_course": "Korean_Wikidata_Lab/Wikidata_evenings_(spring)",
    }
    data.update(overrides)
    return data


def test_staff_add_a_session_whose_times_are_in_its_own_time_zone(client, staff, program):
    client.force_login(staff)
    response = client.post(new_url(program), session_data())
    assert response.status_code == 302
    assert response["Location"] == f"/en/workspace/programs/{program.slug}/"
    session = Session.objects.get()
    assert session.program == program
    assert session.time_zone == "Asia/Seoul"
    assert session.starts_at == datetime(NEXT_YEAR, 3, 14, 19, 0, tzinfo=SEOUL)
    assert session.ends_at == datetime(NEXT_YEAR, 3, 14, 21, 30, tzinfo=SEOUL)
    assert session.starts_at.astimezone(zoneinfo.ZoneInfo("UTC")).hour == 10
    assert session.seats == 25 and session.seats_taken == 0
    assert session.dashboard_course == "Korean_Wikidata_Lab/Wikidata_evenings_(spring)"


def test_the_time_zone_starts_as_the_organizers_own(client, program, organization):
    organizer = MembershipFactory(organization=organization, user=UserFactory(time_zone="America/Bogota")).user
    client.force_login(organizer)
    page = client.get(new_url(program)).content.decode()
    assert '<option value="America/Bogota" selected>' in page


def test_an_enrollment_window_is_read_in_the_sessions_time_zone(client, staff, program):
    client.force_login(staff)
    data = session_data(
        opens_on=f"{NEXT_YEAR}-03-01", opens_time="09:00", closes_on=f"{NEXT_YEAR}-03-13", closes_time="23:59"
    )
    client.post(new_url(program), data)
    session = Session.objects.get()
    assert session.enrollment_opens_at == datetime(NEXT_YEAR, 3, 1, 9, 0, tzinfo=SEOUL)
    assert session.enrollment_closes_at == datetime(NEXT_YEAR, 3, 13, 23, 59, tzinfo=SEOUL)


def test_facilitators_are_chosen_by_username_among_the_organizations_people(client, staff, program, organization):
    member = MembershipFactory(
        organization=organization, user=UserFactory(username="minseo"), role=Membership.Role.MEMBER
    ).user
    client.force_login(staff)
    client.post(new_url(program), session_data(facilitators="minseo, @staff"))
    assert set(Session.objects.get().facilitators.all()) == {member, staff}


@pytest.mark.parametrize("names", ["nobody-here", "otherstaff", "staff, otherstaff"])
def test_an_unknown_or_outside_username_is_a_form_error(client, staff, other_staff, program, names):
    client.force_login(staff)
    response = client.post(new_url(program), session_data(facilitators=names))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Nobody in Wiki Learning Hub has" in page
    assert not Session.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"ends_on": f"{NEXT_YEAR}-03-13"}, "A session must end after it starts."),
        ({"ends_time": "19:00"}, "A session must end after it starts."),
        ({"time_zone": "Mars/Olympus_Mons"}, "Select a valid choice."),
        ({"time_zone": "../../etc/passwd"}, "Select a valid choice."),
        ({"seats": "99999999999999999999999999"}, "Ensure this value is less than or equal to 1000000."),
        ({"seats": "0"}, "Ensure this value is greater than or equal to 1."),
        ({"seats": "-5"}, "Ensure this value is greater than or equal to 1."),
        ({"seats": "ten"}, "Enter a whole number."),
        ({"starts_on": "99999-01-01"}, "Enter a valid date."),
        ({"starts_on": "0001-01-01"}, "Choose a date after 1900."),
        ({"starts_on": "9999-12-31", "ends_on": "9999-12-31"}, "Choose a date before 2200."),
        ({"starts_time": "25:00"}, "Enter a valid time."),
        ({"opens_on": f"{NEXT_YEAR}-03-01"}, "Give both a date and a time, or neither."),
        (
            {
                "opens_on": f"{NEXT_YEAR}-03-10",
                "opens_time": "10:00",
                "closes_on": f"{NEXT_YEAR}-03-09",
                "closes_time": "10:00",
            },
            "Enrollment must close after it opens.",
        ),
        ({"venue": "Room 1\r\nLOCATION:elsewhere"}, "Use a single line without control characters."),
        ({"online_url": "javascript:alert(1)"}, "Enter a valid URL."),
        ({"dashboard_course": "not a course id"}, "Give the course id as the Dashboard shows it"),
        ({"facilitators": "a\r\nb"}, "Use a single line without control characters."),
        ({"facilitators": ", ".join(f"person{n}" for n in range(21))}, "A session has at most 20 facilitators."),
    ],
)
def test_hostile_or_mistaken_input_is_a_form_error_and_saves_nothing(client, staff, program, overrides, message):
    client.force_login(staff)
    response = client.post(new_url(program), session_data(**overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Session.objects.exists()


def test_a_time_the_clocks_skip_is_a_form_error(client, staff, program):
    client.force_login(staff)
    # Clocks in New York go from 02:00 to 03:00 on the second Sunday of March.
    day = next(datetime(NEXT_YEAR, 3, d) for d in range(8, 15) if datetime(NEXT_YEAR, 3, d).weekday() == 6)
    data = session_data(
        time_zone="America/New_York", starts_on=f"{day:%Y-%m-%d}", starts_time="02:30", ends_on=f"{day:%Y-%m-%d}"
    )
    response = client.post(new_url(program), data)
    assert "02:30 does not exist on that day in America/New_York" in response.content.decode()
    assert not Session.objects.exists()


def test_the_edit_form_shows_the_times_in_the_sessions_time_zone(client, staff, program):
    session = SessionFactory(
        program=program, time_zone="Asia/Seoul", starts_at=datetime(NEXT_YEAR, 5, 2, 10, 0, tzinfo=SEOUL)
    )
    session.facilitators.set([staff])
    client.force_login(staff)
    page = client.get(edit_url(session)).content.decode()
    assert f'value="{NEXT_YEAR}-05-02"' in page
    assert 'name="starts_time" value="10:00"' in page
    assert '<option value="Asia/Seoul" selected>' in page
    assert 'value="staff"' in page


def test_staff_move_a_session_and_its_people_stay(client, staff, program, volunteer):
    session = SessionFactory(program=program, seats=10)
    services.enrollment_create(user=volunteer, session=session)
    client.force_login(staff)
    response = client.post(edit_url(session), session_data(seats="12"))
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.seats == 12 and session.seats_taken == 1
    assert session.starts_at == datetime(NEXT_YEAR, 3, 14, 19, 0, tzinfo=SEOUL)


def test_fewer_seats_than_people_enrolled_is_an_error_on_the_seats(client, staff, program):
    session = SessionFactory(program=program, seats=3)
    for person in UserFactory.create_batch(3):
        services.enrollment_create(user=person, session=session)
    client.force_login(staff)
    response = client.post(edit_url(session), session_data(seats="2"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "3 people are already enrolled; seats cannot be fewer." in page
    assert 'aria-invalid="true"' in re.search(r'<input[^>]*name="seats"[^>]*>', page).group(0)
    session.refresh_from_db()
    assert session.seats == 3


def test_added_seats_go_to_the_waiting_list_first(client, staff, program):
    session = SessionFactory(program=program, seats=1)
    first, waiting = UserFactory.create_batch(2)
    services.enrollment_create(user=first, session=session)
    services.enrollment_create(user=waiting, session=session)
    client.force_login(staff)
    client.post(edit_url(session), session_data(seats="2"))
    assert session.enrollments.get(user=waiting).status == "enrolled"


def test_sessions_cannot_be_added_to_an_archived_program(client, staff, organization):
    archived = ProgramFactory(provider=organization, is_published=False, archived_at=timezone.now())
    client.force_login(staff)
    assert "restore it before adding sessions" in client.get(new_url(archived)).content.decode()
    response = client.post(new_url(archived), session_data())
    assert "restore it before adding sessions" in response.content.decode()
    assert not Session.objects.exists()


def test_a_session_is_reached_only_through_its_own_program(client, staff, program, organization):
    other_program = ProgramFactory(provider=organization)
    session = SessionFactory(program=other_program)
    client.force_login(staff)
    url = f"/en/workspace/programs/{program.slug}/sessions/{session.pk}/edit/"
    assert client.get(url).status_code == 404
    assert client.post(url, session_data()).status_code == 404


@pytest.mark.parametrize("persona", ["volunteer", "other_staff", "funder"])
def test_others_cannot_add_or_edit_sessions(client, request, persona, program):
    session = SessionFactory(program=program, seats=10)
    client.force_login(request.getfixturevalue(persona))
    assert client.post(new_url(program), session_data()).status_code == 403
    assert client.post(edit_url(session), session_data(seats="500")).status_code == 403
    assert Session.objects.count() == 1
    session.refresh_from_db()
    assert session.seats == 10


def test_a_plain_member_cannot_add_sessions(client, program, organization):
    client.force_login(MembershipFactory(organization=organization, role=Membership.Role.MEMBER).user)
    assert client.post(new_url(program), session_data()).status_code == 403
    assert not Session.objects.exists()


def test_other_staff_cannot_reach_a_drafts_sessions(client, other_staff, organization):
    draft = ProgramFactory(provider=organization, is_published=False)
    session = SessionFactory(program=draft)
    client.force_login(other_staff)
    assert client.post(new_url(draft), session_data()).status_code == 404
    assert client.get(edit_url(session)).status_code == 404


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_other_methods_are_not_allowed(client, staff, program, method):
    session = SessionFactory(program=program)
    client.force_login(staff)
    assert getattr(client, method)(new_url(program)).status_code == 405
    assert getattr(client, method)(edit_url(session)).status_code == 405


def test_the_edit_page_cancels_through_the_existing_cancellation(
    client, staff, program, volunteer, mailoutbox, django_capture_on_commit_callbacks
):
    session = SessionFactory(program=program)
    services.enrollment_create(user=volunteer, session=session)
    client.force_login(staff)
    page = client.get(edit_url(session)).content.decode()
    cancel_url = f"/en/programs/{program.slug}/sessions/{session.pk}/cancel/"
    assert f'action="{cancel_url}"' in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(cancel_url, {"confirm": "yes"})
    session.refresh_from_db()
    assert session.is_cancelled
    assert len(mailoutbox) == 1
    assert "Cancel the session" not in client.get(edit_url(session)).content.decode()
