"""Promising practices: the public library, its search and filters, and what each reader sees."""

import pytest
from django.urls import reverse
from django.utils import translation

from capacity.models import CapacityCategory, Language, Region
from evaluation import practices
from tests.factories import OrganizationFactory, ProgramFactory, UserFactory

pytestmark = pytest.mark.django_db


def practice_data(**changes):
    """What a practice form hands a service, with some fields changed."""
    data = {
        "original_language": Language.objects.get(code="en"),
        "original_title": "Mentoring circles for new admins",
        "original_context": "Few new administrators stayed a year.",
        "original_what_was_done": "Monthly circles of four with one experienced admin.",
        "original_evidence": "Eight of ten stayed active after twelve months.",
        "original_would_change": "Start the circles earlier.",
        "method": "mentoring",
        "region": Region.objects.get(slug="south-asia"),
        "report_scopes": ["method:mentoring"],
    }
    return data | changes


def make_practice(organization, *, status="published", categories=("board-practices",), programs=(), **changes):
    """A practice written by its organization, taken to `status` through the services."""
    steward = UserFactory(is_staff=True, is_superuser=True)
    practice = practices.practice_create(
        organization=organization,
        author=None,
        data=practice_data(**changes),
        programs=programs,
        categories=CapacityCategory.objects.filter(slug__in=categories),
    )
    if status in ("submitted", "published", "returned"):
        practice = practices.practice_submit(practice=practice)
    if status == "published":
        practice = practices.practice_publish(practice=practice, by=steward)
    if status == "returned":
        practice = practices.practice_return(practice=practice, by=steward, note="Add figures.")
    return practice


def titles(response):
    return [practice.original_title for practice in response.context["page"].object_list]


def test_the_library_lists_published_practices_only(client, organization):
    make_practice(organization, original_title="Published one")
    for status in ("draft", "submitted", "returned"):
        make_practice(organization, status=status, original_title=f"A {status} one")
    response = client.get(reverse("practices:list"))
    assert response.status_code == 200
    assert titles(response) == ["Published one"]
    assert "A draft one" not in response.content.decode()


def test_an_empty_library_says_so(client, db):
    response = client.get(reverse("practices:list"))
    assert "No practice has been published yet." in response.content.decode()
    response = client.get(reverse("practices:list"), {"q": "nothing"})
    assert "No practice matches these filters." in response.content.decode()


def test_search_finds_words_in_the_original_and_in_translations(client, organization, steward):
    korean = make_practice(
        organization,
        original_language=Language.objects.get(code="ko"),
        original_title="신규 편집자 멘토링",
        original_evidence="열 명 중 여덟 명",
    )
    practices.practice_translate(
        practice=korean, by=steward, language_code="es", values={"title": "Mentoría de nuevos editores"}
    )
    make_practice(organization, original_title="Photo walks", original_context="Cameras in the park.")
    assert titles(client.get(reverse("practices:list"), {"q": "멘토링"})) == ["신규 편집자 멘토링"]
    assert titles(client.get(reverse("practices:list"), {"q": "mentoría"})) == ["신규 편집자 멘토링"]
    assert titles(client.get(reverse("practices:list"), {"q": "CAMERAS park"})) == ["Photo walks"]
    assert titles(client.get(reverse("practices:list"), {"q": "cameras mentoría"})) == []


@pytest.mark.parametrize(
    "q",
    [
        "'; DROP TABLE evaluation_practice; --",
        "%_\\",
        "<script>alert(1)</script>",
        "a" * 5000,
        "\x00",
        "word " * 500,
        "‮evil",
    ],
)
def test_a_hostile_search_is_answered_without_an_error(client, organization, q):
    make_practice(organization)
    response = client.get(reverse("practices:list"), {"q": q})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.content.decode()


def test_filters_narrow_the_library(client, organization, other_organization):
    make_practice(organization, original_title="Mentoring", categories=("board-practices",))
    make_practice(
        other_organization,
        original_title="Workshop",
        method="workshop",
        region=Region.objects.get(slug="north-america"),
        categories=("public-speaking",),
        original_language=Language.objects.get(code="ar"),
    )
    url = reverse("practices:list")
    assert titles(client.get(url, {"method": "workshop"})) == ["Workshop"]
    assert titles(client.get(url, {"region": "south-asia"})) == ["Mentoring"]
    assert titles(client.get(url, {"organization": other_organization.slug})) == ["Workshop"]
    assert titles(client.get(url, {"language": "ar"})) == ["Workshop"]
    # A top-level capacity includes its children.
    assert titles(client.get(url, {"category": "communication"})) == ["Workshop"]
    assert titles(client.get(url, {"category": "board-practices"})) == ["Mentoring"]


def test_a_translation_makes_a_practice_readable_in_that_language(client, organization, steward):
    practice = make_practice(
        organization, original_title="Mentoring", original_language=Language.objects.get(code="ar")
    )
    assert titles(client.get(reverse("practices:list"), {"language": "ko"})) == []
    practices.practice_translate(practice=practice, by=steward, language_code="ko", values={"title": "멘토링"})
    assert titles(client.get(reverse("practices:list"), {"language": "ko"})) == ["Mentoring"]


@pytest.mark.parametrize(
    "params",
    [
        {"method": "teleportation"},
        {"region": "atlantis"},
        {"category": "nope"},
        {"organization": "ghost"},
        {"language": "xx-nope"},
        {"page": "999"},
        {"page": "-1"},
        {"page": "abc"},
        {"category": ["a", "b"]},
    ],
)
def test_unknown_filter_values_are_ignored_with_a_note(client, organization, params):
    make_practice(organization)
    response = client.get(reverse("practices:list"), params)
    assert response.status_code == 200
    assert len(titles(response)) == 1


def test_the_library_shows_25_practices_a_page(client, organization):
    for number in range(27):
        make_practice(organization, original_title=f"Practice {number:02}")
    first = client.get(reverse("practices:list"), {"method": "mentoring"})
    assert len(titles(first)) == 25
    assert "method=mentoring&amp;page=2" in first.content.decode()
    second = client.get(reverse("practices:list"), {"method": "mentoring", "page": 2})
    assert len(titles(second)) == 2


@pytest.mark.parametrize("count", [3, 30])
def test_the_library_reads_a_fixed_number_of_queries(client, organization, django_assert_max_num_queries, count):
    region = Region.objects.get(slug="north-america")
    for number in range(count):
        make_practice(
            OrganizationFactory() if number % 2 else organization,
            original_title=f"Practice {number}",
            region=region if number % 3 else None,
            categories=("board-practices", "public-speaking"),
        )
    client.force_login(UserFactory())
    with django_assert_max_num_queries(14):
        response = client.get(reverse("practices:list"), {"q": "practice", "method": "mentoring"})
    assert response.status_code == 200


def test_a_card_shows_the_readers_language_else_the_original_with_its_direction(client, organization, steward):
    practice = make_practice(
        organization, original_language=Language.objects.get(code="ar"), original_title="حلقات الإرشاد"
    )
    page = client.get(reverse("practices:list")).content.decode()
    assert '<h2 lang="ar" dir="rtl"><a href="/en/practices/' in page
    practices.practice_translate(
        practice=practice, by=steward, language_code="en", values={"title": "Mentoring circles"}
    )
    page = client.get(reverse("practices:list")).content.decode()
    assert '<h2 lang="en" dir="ltr"><a href="/en/practices/' in page
    assert "Mentoring circles" in page
    # A Korean reader has no Korean translation: the Arabic original, right to left.
    with translation.override("ko"):
        page = client.get(reverse("practices:list")).content.decode()
    assert '<h2 lang="ar" dir="rtl">' in page
    assert "حلقات الإرشاد" in page


def test_the_detail_shows_each_text_in_the_readers_language_or_the_original(client, organization, steward):
    program = ProgramFactory(provider=organization, original_title="Admin school")
    hidden = ProgramFactory(provider=organization, original_title="Unpublished program", is_published=False)
    practice = make_practice(
        organization,
        original_language=Language.objects.get(code="ar"),
        original_context="سياق",
        programs=[program, hidden],
    )
    practices.practice_translate(
        practice=practice, by=steward, language_code="en", values={"title": "Circles", "context": "Context in English"}
    )
    page = client.get(reverse("practices:detail", args=[practice.slug])).content.decode()
    assert '<h1 lang="en" dir="ltr">Circles</h1>' in page
    assert '<div class="written-text" lang="en" dir="ltr"><p>Context in English</p></div>' in page
    # What was not translated is shown in the original, marked as Arabic.
    assert 'lang="ar" dir="rtl"><p>Monthly circles of four with one experienced admin.</p>' in page
    assert "Admin school" in page
    assert "Unpublished program" not in page
    assert "Mentoring" in page  # the method


def test_the_detail_links_the_learning_reports_it_stands_beside(client, organization):
    practice = make_practice(organization, report_scopes=["method:mentoring", "movement:", "region:south-asia"])
    page = client.get(reverse("practices:detail", args=[practice.slug])).content.decode()
    assert '<a href="/en/reports/movement/all/">The whole movement</a>' in page
    assert '<a href="/en/reports/region/south-asia/">South Asia</a>' in page
    links = {link["value"]: link for link in practices.practice_page(practice=practice)["reports"]}
    assert links["region:south-asia"]["label"] == "South Asia"
    assert links["method:mentoring"]["label"] == "Mentoring"


def test_the_library_answers_get_only(client, db):
    assert client.post(reverse("practices:list")).status_code == 405
    assert client.put(reverse("practices:list")).status_code == 405
