from datetime import timedelta

import pytest
from django.utils import timezone

from programs import services
from tests.factories import ProgramFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_anonymous_people_read_a_program_without_the_online_link(client, session):
    html = client.get("/en/programs/wikidata-basics/").content.decode()
    assert "Wikidata basics" in html
    assert "10 seats left" in html
    assert "secret-room" not in html
    assert "the link is shown to enrolled people" in html


def test_the_online_link_is_shown_only_to_enrolled_people(client, volunteer, session):
    waiting = UserFactory()
    session.seats = 1
    session.save()
    services.enrollment_create(user=volunteer, session=session)
    services.enrollment_create(user=waiting, session=session)
    client.force_login(volunteer)
    assert "secret-room" in client.get("/en/programs/wikidata-basics/").content.decode()
    client.force_login(waiting)
    html = client.get("/en/programs/wikidata-basics/").content.decode()
    assert "secret-room" not in html
    assert "You are number 1 on the waiting list." in html


def test_dates_are_shown_in_the_viewers_time_zone(client, volunteer, program):
    SessionFactory(program=program, starts_at=timezone.now().replace(hour=3, minute=0) + timedelta(days=3))
    volunteer.time_zone = "Asia/Seoul"
    volunteer.save()
    client.force_login(volunteer)
    html = client.get("/en/programs/wikidata-basics/").content.decode()
    assert "Asia/Seoul" in html
    assert "+09:00" in html  # the machine-readable datetime carries the viewer's offset


def test_a_translated_program_reads_in_the_viewers_language(client):
    program = ProgramFactory(slug="commons", original_title="Commons for museums", title_ko="박물관을 위한 공용")
    SessionFactory(program=program)
    html = client.get("/ko/programs/commons/").content.decode()
    assert '<h1 lang="ko" dir="ltr">박물관을 위한 공용</h1>' in html
    assert 'class="notice"' not in html


def test_a_full_session_offers_the_waiting_list(client, volunteer, program):
    session = SessionFactory(program=program, seats=1)
    services.enrollment_create(user=UserFactory(), session=session)
    client.force_login(volunteer)
    html = client.get("/en/programs/wikidata-basics/").content.decode()
    assert "Join the waiting list" in html


def test_unpublished_and_unknown_programs_are_404(client):
    ProgramFactory(slug="draft", is_published=False)
    assert client.get("/en/programs/draft/").status_code == 404
    assert client.get("/en/programs/nope/").status_code == 404


@pytest.mark.parametrize("count", [1, 50])
def test_the_program_page_runs_a_fixed_number_of_queries(
    client, volunteer, program, django_assert_max_num_queries, count
):
    for _ in range(count):
        session = SessionFactory(program=program, seats=3)
        session.facilitators.set(UserFactory.create_batch(2))
        services.enrollment_create(user=volunteer, session=session)
    client.force_login(volunteer)
    with django_assert_max_num_queries(12):
        response = client.get("/en/programs/wikidata-basics/")
    assert response.content.decode().count("You are enrolled.") == count


def test_anonymous_readers_see_dates_in_the_time_zone_their_browser_reports(client, session):
    client.cookies["tz"] = "America/Sao_Paulo"
    html = client.get("/pt-br/programs/wikidata-basics/").content.decode()
    assert "America/Sao_Paulo" in html
    assert "-03:00" in html


def test_a_percent_encoded_time_zone_cookie_is_understood(client, session):
    client.cookies["tz"] = "Asia%2FSeoul"
    assert "Asia/Seoul" in client.get("/en/programs/wikidata-basics/").content.decode()


@pytest.mark.parametrize("cookie", ["Not/AZone", "America", "Etc", "__pycache__", "../../etc/passwd", "%00", "x" * 500])
def test_a_bogus_time_zone_cookie_falls_back_to_utc(client, session, cookie):
    client.cookies["tz"] = cookie
    response = client.get("/en/programs/wikidata-basics/")
    assert response.status_code == 200
    assert "Times are shown in UTC." in response.content.decode()
