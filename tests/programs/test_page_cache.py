"""Public pages are rendered once a minute at most, yet show every change at once."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from programs import services
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def queries_for(client, url, **extra):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **extra)
    assert response.status_code == 200
    return response, len(queries)


def test_an_anonymous_program_page_is_rendered_once_and_an_enrollment_shows_at_once(client, session):
    first, cold = queries_for(client, "/en/programs/wikidata-basics/")
    again, warm = queries_for(client, "/en/programs/wikidata-basics/")
    assert warm == 0 < cold

    def main(response):
        return response.content.decode().split('id="main"', 1)[1].split("</main>")[0]

    assert main(again) == main(first)
    assert "10 seats left" in again.content.decode()
    services.enrollment_create(user=UserFactory(), session=session)
    assert "9 seats left" in client.get("/en/programs/wikidata-basics/").content.decode()


def test_the_cached_page_depends_on_language_and_time_zone(client, session):
    english = client.get("/en/programs/wikidata-basics/").content.decode()
    korean = client.get("/ko/programs/wikidata-basics/").content.decode()
    assert '<html lang="ko"' in korean and "Times are shown in UTC." in english
    client.cookies["tz"] = "Asia/Seoul"
    assert "Asia/Seoul" in client.get("/en/programs/wikidata-basics/").content.decode()


def test_the_anonymous_page_carries_no_form_token_and_enrolling_starts_with_logging_in(client, session):
    html = client.get("/en/programs/wikidata-basics/").content.decode()
    detail = html.split('id="main"', 1)[1]
    assert "csrfmiddlewaretoken" not in detail.split("</main>")[0]
    assert 'href="/accounts/login/?next=%2Fen%2Fprograms%2Fwikidata-basics%2F"' in html


def test_signed_in_people_always_see_their_own_state(client, volunteer, session):
    client.force_login(volunteer)
    client.get("/en/programs/wikidata-basics/")
    services.enrollment_create(user=volunteer, session=session)
    assert "You are enrolled." in client.get("/en/programs/wikidata-basics/").content.decode()


def test_a_repeated_catalog_url_runs_no_query(client, session):
    queries_for(client, "/en/programs/?method=workshop")
    _response, warm = queries_for(client, "/en/programs/?method=workshop")
    assert warm == 0


def test_a_flood_of_distinct_searches_gets_lists_without_counts(client, session, settings):
    # Per day, not per minute: the counting window is aligned to the clock, and five
    # requests straddling a minute's end would start counting afresh.
    settings.CATALOG_FULL_PAGES_RATE = "3/d"
    pages = [client.get("/en/programs/", {"q": f"Wikidata {n}"}) for n in range(5)]
    assert all(page.status_code == 200 for page in pages)
    assert [('class="count"' in page.content.decode()) for page in pages] == [True, True, True, False, False]
    assert "the number of trainings per option is left out" in pages[-1].content.decode()
    # Another address is not held back by this one.
    other = client.get("/en/programs/", {"q": "Wikidata 9"}, REMOTE_ADDR="198.51.100.7")
    assert 'class="count"' in other.content.decode()


def test_a_program_unpublished_in_the_admin_leaves_the_cached_page_at_once(client, steward, session):
    assert client.get("/en/programs/wikidata-basics/").status_code == 200
    admin = type(client)()
    admin.force_login(steward)
    response = admin.post(f"/admin/programs/program/{session.program.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert client.get("/en/programs/wikidata-basics/").status_code == 404
