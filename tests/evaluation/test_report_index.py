"""The learning reports' index at scale: a search over the reports' names, organizations a page at a time."""

import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from capacity.models import CapacityCategory, Region
from evaluation.report_views import ORGANIZATIONS_PER_PAGE
from tests.evaluation.factories_reports import figure
from tests.factories import OrganizationFactory

INDEX = reverse("learning:index")


def _organizations(count, **names):
    """`count` organizations with a report each, named "Chapter 000" …; `names` adds slug=name ones."""
    made = [OrganizationFactory(slug=f"chapter-{number:03}", name=f"Chapter {number:03}") for number in range(count)]
    made += [OrganizationFactory(slug=slug.replace("_", "-"), name=name) for slug, name in names.items()]
    for organization in made:
        figure("participants", 50, scope="organization", scope_key=organization.slug)
    return made


def _listed(html, scope):
    """The names listed in one group of the index, in order."""
    section = re.search(rf'<section aria-labelledby="group-{scope}">(.*?)</section>', html, re.S)
    return re.findall(r'<li><a href="[^"]+">([^<]+)</a>', section.group(1)) if section else []


def _index(client, query=None, language="en"):
    response = client.get(INDEX.replace("/en/", f"/{language}/"), query or {})
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def region(db):
    region = Region.objects.order_by("slug").first()
    figure("participants", 50, scope="region", scope_key=region.slug)
    return region


def test_organizations_come_a_page_at_a_time_in_name_order(client, db):
    _organizations(ORGANIZATIONS_PER_PAGE + 5)
    first = _index(client)
    names = _listed(first, "organization")
    assert names == [f"Chapter {number:03}" for number in range(ORGANIZATIONS_PER_PAGE)]
    assert f"({ORGANIZATIONS_PER_PAGE + 5})" in first  # the group says how many it holds in all
    assert 'rel="next" href="?page=2"' in first
    second = _listed(_index(client, {"page": 2}), "organization")
    assert second == [f"Chapter {number:03}" for number in range(ORGANIZATIONS_PER_PAGE, ORGANIZATIONS_PER_PAGE + 5)]


def test_a_search_keeps_the_reports_whose_name_holds_it_in_any_case_and_script(client, region):
    _organizations(3, wmko="위키미디어 한국", wmar="ويكيميديا العربية", wmde="Wikimedia Deutschland")
    category = CapacityCategory.objects.order_by("slug").first()
    figure("participants", 50, scope="category", scope_key=category.slug)
    figure("participants", 50)  # the movement's own

    html = _index(client, {"q": "WIKIMEDIA deutsch"})
    assert _listed(html, "organization") == ["Wikimedia Deutschland"]
    assert "1 report matches." in html and not _listed(html, "region") and not _listed(html, "category")
    assert _listed(_index(client, {"q": "한국"}), "organization") == ["위키미디어 한국"]
    assert _listed(_index(client, {"q": "العربية"}), "organization") == ["ويكيميديا العربية"]
    # By its key too (an organization's short name in its address).
    assert _listed(_index(client, {"q": "wmko"}), "organization") == ["위키미디어 한국"]
    # A region by its name in the page's language; the search box keeps what was asked.
    html = _index(client, {"q": region.name[:4].upper()})
    assert escape(region.name) in _listed(html, "region")
    assert f'value="{escape(region.name[:4].upper())}"' in html
    # The movement's own report stays on top whatever is searched.
    assert "The movement's learning report" in _index(client, {"q": "chapter 001"})


def test_a_search_that_matches_nothing_says_so_and_offers_every_report(client, db):
    _organizations(2)
    html = _index(client, {"q": "nowhere to be found"})
    assert "No report matches this search." in html and "0 reports match." in html
    assert f'href="{INDEX}">Show every report' in html
    assert not _listed(html, "organization")


def test_searching_pages_through_the_matches_only(client, db):
    _organizations(ORGANIZATIONS_PER_PAGE + 10, other="Another group")
    html = _index(client, {"q": "chapter", "page": 2})
    assert _listed(html, "organization") == [
        f"Chapter {number:03}" for number in range(ORGANIZATIONS_PER_PAGE, ORGANIZATIONS_PER_PAGE + 10)
    ]
    # The pages' links keep the search.
    assert 'rel="prev" href="?q=chapter&amp;page=1"' in html


@pytest.mark.parametrize(
    "query",
    [
        {"q": "x" * 101},  # longer than any name
        {"q": "chapter\x00"},  # no name holds a NUL (PostgreSQL refuses one in text)
    ],
    ids=["too-long", "nul"],
)
def test_a_search_the_form_refuses_says_why_and_lists_every_report(client, db, query):
    _organizations(3)
    html = _index(client, query)
    assert 'role="alert"' in html and "Every report is listed below." in html
    assert len(_listed(html, "organization")) == 3


@pytest.mark.parametrize("page", ["0", "-1", "abc", "99999999999999999999999", "1\r\nSet-Cookie: x=1", "2.5"])
def test_any_page_number_shows_a_page(client, db, page):
    _organizations(ORGANIZATIONS_PER_PAGE + 1)
    response = client.get(INDEX, {"page": page})
    assert response.status_code == 200 and "Set-Cookie: x" not in str(response.headers)
    assert _listed(response.content.decode(), "organization")


def test_hostile_search_text_is_shown_as_text(client, db):
    _organizations(1, evil='<script>alert("x")</script>')
    html = _index(client, {"q": "<script>"})
    assert "<script>alert" not in html
    assert _listed(html, "organization") == [escape('<script>alert("x")</script>')]


@pytest.mark.parametrize("language,direction", [("ko", "ltr"), ("ar", "rtl")])
def test_the_search_reads_in_korean_and_arabic(client, db, language, direction):
    _organizations(2)
    html = _index(client, {"q": "zzz"}, language=language)
    assert f'<html lang="{language}" dir="{direction}">' in html
    assert "No report matches this search." not in html  # translated
    assert '<label for="id_q">' in html and 'type="search"' in html


@pytest.mark.parametrize("organizations", [3, ORGANIZATIONS_PER_PAGE * 4], ids=["few", "many"])
def test_searching_and_paging_run_a_fixed_number_of_queries(
    client, db, steward, organizations, django_assert_max_num_queries
):
    _organizations(organizations)
    client.force_login(steward)
    _index(client)  # the list of reports kept
    # Session, user, the steward's menu and latest builds; the list itself from the cache.
    with django_assert_max_num_queries(6):
        _index(client, {"q": "chapter 00", "page": 2})
    with django_assert_max_num_queries(6):
        _index(client, {"page": 3})
