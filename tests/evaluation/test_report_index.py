"""The learning reports' index at scale: a search over the reports' names, organizations a page at a time."""

import re
import unicodedata
from datetime import UTC, datetime

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
    # Hangul typed as separate letters (decomposed, as some keyboards send it) finds the same.
    decomposed = unicodedata.normalize("NFD", "한국")
    assert decomposed != "한국" and _listed(_index(client, {"q": decomposed}), "organization") == ["위키미디어 한국"]
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
    assert "No report matches this search." in html
    assert f'href="{INDEX}">Show every report' in html
    assert not _listed(html, "organization")


def test_searching_pages_through_the_matches_only(client, db):
    _organizations(ORGANIZATIONS_PER_PAGE + 10, other="Another group")
    html = _index(client, {"q": "chapter", "page": 2})
    assert _listed(html, "organization") == [
        f"Chapter {number:03}" for number in range(ORGANIZATIONS_PER_PAGE, ORGANIZATIONS_PER_PAGE + 10)
    ]
    # The pages' links keep the search, and nothing else of the address.
    assert 'rel="prev" href="?q=chapter&amp;page=1"' in html
    html = _index(client, {"q": "chapter", "evil": "1", "page": 1})
    pages = re.search(r'<nav aria-label="Pages">.*?</nav>', html, re.S).group(0)
    assert 'rel="next" href="?q=chapter&amp;page=2"' in pages and "evil" not in pages


@pytest.mark.parametrize(
    "query",
    [
        {"q": "x" * 101},  # longer than any name
        {"q": "chapter\x00"},  # no name holds a NUL (PostgreSQL refuses one in text)
    ],
    ids=["too-long", "nul"],
)
def test_a_search_the_form_refuses_says_why_and_lists_every_report(client, db, query):
    _organizations(ORGANIZATIONS_PER_PAGE + 1)
    html = _index(client, query)
    assert "The search was not used: every report is listed below." in html
    # The message is the field's: announced, and tied to the field for screen readers.
    assert '<p class="errorlist" role="alert" id="id_q_error">' in html
    field = re.search(r"<input [^>]*name=\"q\"[^>]*>", html).group(0)
    assert 'aria-invalid="true"' in field and "id_q_error" in field
    assert len(_listed(html, "organization")) == ORGANIZATIONS_PER_PAGE
    # The refused search is not carried on to the next page.
    assert 'rel="next" href="?page=2"' in html


@pytest.mark.parametrize(
    "page,shown",
    [
        ("2", 2),
        ("abc", 1),  # not a number: the first page
        ("2.5", 1),
        ("1\r\nX: y", 1),
        ("0", 2),  # out of range: the last page (as every list of the portal)
        ("-1", 2),
        ("99999999999999999999999", 2),
    ],
)
def test_any_page_number_shows_a_page(client, db, page, shown):
    _organizations(ORGANIZATIONS_PER_PAGE + 1)
    html = _index(client, {"page": page})
    assert f"Page {shown} of 2" in html
    assert len(_listed(html, "organization")) == (ORGANIZATIONS_PER_PAGE if shown == 1 else 1)


def test_hostile_search_text_is_shown_as_text(client, db):
    _organizations(1, evil='<script>alert("x")</script>')
    html = _index(client, {"q": "<script>"})
    assert "<script>alert" not in html
    assert _listed(html, "organization") == [escape('<script>alert("x")</script>')]


NO_MATCH = {"ko": "이 검색과 일치하는 보고서가 없습니다.", "ar": "لا يوجد تقرير يطابق هذا البحث."}


@pytest.mark.parametrize("language,direction", [("ko", "ltr"), ("ar", "rtl")])
def test_the_search_reads_in_korean_and_arabic(client, db, language, direction):
    _organizations(2)
    html = _index(client, {"q": "zzz"}, language=language)
    assert f'<html lang="{language}" dir="{direction}">' in html
    assert NO_MATCH[language] in html
    assert '<label for="id_q">' in html and 'type="search"' in html


def test_the_kept_list_is_one_per_language_whatever_the_reader_s_time_zone(client, db, django_assert_max_num_queries):
    _organizations(2)
    _index(client)
    # Another reader's zone (a cookie anyone can set): the same kept list, no query for it.
    client.cookies["tz"] = "Asia/Seoul"
    with django_assert_max_num_queries(1):
        html = _index(client, {"q": "chapter"})
    assert _listed(html, "organization") == ["Chapter 000", "Chapter 001"]


@pytest.mark.parametrize("organizations", [3, ORGANIZATIONS_PER_PAGE * 4], ids=["few", "many"])
def test_searching_and_paging_run_a_fixed_number_of_queries(
    client, db, steward, organizations, django_assert_max_num_queries
):
    _organizations(organizations)
    client.force_login(steward)
    # The first reader: the list of reports read once (the reports built, the vocabulary,
    # the organizations' names), whatever their number, and kept.
    with django_assert_max_num_queries(8):
        _index(client)
    # Session, user, the steward's menu and latest builds; the list itself from the cache.
    with django_assert_max_num_queries(6):
        _index(client, {"q": "chapter 00", "page": 2})
    with django_assert_max_num_queries(6):
        _index(client, {"page": 3})


def test_a_page_kept_as_drawn_shows_each_reader_the_times_of_their_zone_and_a_search_is_drawn_afresh(client, db):
    OrganizationFactory(slug="chapter-x", name="Chapter X")
    figure(
        "participants",
        50,
        scope="organization",
        scope_key="chapter-x",
        built_at=datetime(2026, 10, 2, 3, 4, tzinfo=UTC),
    )
    assert "Built Oct. 2, 2026, 3:04 a.m." in _index(client)
    client.cookies["tz"] = "Asia/Seoul"
    assert "Built Oct. 2, 2026, 12:04 p.m." in _index(client)
    # The page just kept is not what a search shows.
    assert "No report matches this search." in _index(client, {"q": "nowhere"})
    assert _listed(_index(client, {"q": "chapter x"}), "organization") == ["Chapter X"]
