from datetime import timedelta

import pytest
from django.db.models import Count
from django.db.models.functions import Coalesce
from django.http import QueryDict
from django.utils import timezone

from capacity.models import CapacityCategory, Language, Region
from programs import services
from programs.filters import ProgramFilter
from programs.models import Program
from tests.factories import OrganizationFactory, ProgramFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


def make_program(**kwargs):
    starts_in = kwargs.pop("starts_in", 7)
    seats = kwargs.pop("seats", 10)
    program = ProgramFactory(**kwargs)
    SessionFactory(program=program, starts_at=timezone.now() + timedelta(days=starts_in), seats=seats)
    return program


def titles(response):
    """The titles as the page's reader sees them."""
    return [str(program) for program in response.context["page"].object_list]


@pytest.fixture
def catalog_programs(db):
    korean = Language.objects.get(code="ko")
    arabic = Language.objects.get(code="ar")
    return {
        "speaking": make_program(
            original_title="Speaking at WikiConference",
            categories=[CapacityCategory.objects.get(slug="public-speaking")],
            starts_in=3,
        ),
        "grants": make_program(
            original_title="Writing a grant proposal",
            categories=[CapacityCategory.objects.get(slug="grant-writing")],
            languages=[korean],
            method="mentoring",
            format="onsite",
            level="advanced",
            starts_in=20,
        ),
        "wikidata": make_program(
            original_title="위키데이터 입문",
            original_language=korean,
            categories=[CapacityCategory.objects.get(slug="wikidata")],
            languages=[korean, arabic],
            provider=OrganizationFactory(
                slug="seoul-wikimedians", region=Region.objects.get(slug="east-southeast-asia-pacific")
            ),
            starts_in=40,
        ),
    }


def test_the_catalog_shows_upcoming_programs_soonest_first(client, catalog_programs):
    response = client.get("/en/programs/")
    assert response.status_code == 200
    assert titles(response) == ["Speaking at WikiConference", "Writing a grant proposal", "위키데이터 입문"]


def test_past_programs_are_hidden_by_default(client, catalog_programs):
    make_program(original_title="Last year's workshop", starts_in=-30)
    assert "Last year's workshop" not in titles(client.get("/en/programs/"))
    past = client.get("/en/programs/?date_from=2000-01-01")
    assert "Last year's workshop" in titles(past)


def test_a_parent_capacity_includes_its_children(client, catalog_programs):
    response = client.get("/en/programs/?category=fundraising")
    assert titles(response) == ["Writing a grant proposal"]


def test_filters_combine(client, catalog_programs):
    response = client.get("/en/programs/?language=ko&method=mentoring&format=onsite&level=advanced")
    assert titles(response) == ["Writing a grant proposal"]
    response = client.get("/en/programs/?language=ko&region=east-southeast-asia-pacific")
    assert [p.slug for p in response.context["page"].object_list] == [catalog_programs["wikidata"].slug]
    response = client.get("/en/programs/?provider=seoul-wikimedians&category=technology")
    assert [p.slug for p in response.context["page"].object_list] == [catalog_programs["wikidata"].slug]


def test_the_date_range_keeps_programs_with_a_session_inside_it(client, catalog_programs):
    start = (timezone.now() + timedelta(days=15)).date().isoformat()
    end = (timezone.now() + timedelta(days=25)).date().isoformat()
    assert titles(client.get(f"/en/programs/?date_from={start}&date_to={end}")) == ["Writing a grant proposal"]


def test_only_sessions_with_seats_left(client, catalog_programs):
    full = make_program(original_title="Fully booked", seats=1)
    services.enrollment_create(user=UserFactory(), session=full.sessions.get())
    assert "Fully booked" in titles(client.get("/en/programs/"))
    assert "Fully booked" not in titles(client.get("/en/programs/?seats=true"))


def test_search_finds_a_word_in_any_translation(client, catalog_programs):
    assert [p.slug for p in client.get("/en/programs/?q=위키데이터").context["page"].object_list] == [
        catalog_programs["wikidata"].slug
    ]
    assert titles(client.get("/en/programs/?q=grant proposal")) == ["Writing a grant proposal"]
    assert titles(client.get("/en/programs/?q=nothing-like-this")) == []


def test_each_option_shows_how_many_results_it_would_give(client, catalog_programs):
    facets = {
        facet.name: {o.value: o.count for o in facet.options}
        for facet in client.get("/en/programs/").context["catalog"].facets
    }
    assert facets["language"]["ko"] == 2
    assert facets["language"]["ar"] == 1
    assert facets["category"]["fundraising"] == 1
    assert facets["category"]["communication"] == 1
    assert facets["method"]["mentoring"] == 1
    # Counts for one facet apply every other filter.
    filtered = client.get("/en/programs/?language=ar").context["catalog"].facets
    methods = {facet.name: {o.value: o.count for o in facet.options} for facet in filtered}["method"]
    assert methods["workshop"] == 1 and methods["mentoring"] == 0


def test_sorting_by_newest_and_most_enrolled(client, catalog_programs):
    popular = catalog_programs["grants"].sessions.get()
    for person in UserFactory.create_batch(3):
        services.enrollment_create(user=person, session=popular)
    assert titles(client.get("/en/programs/?sort=popular"))[0] == "Writing a grant proposal"
    assert titles(client.get("/en/programs/?sort=newest"))[0] == "위키데이터 입문"


@pytest.mark.parametrize(
    "query",
    [
        "category=no-such-thing",
        "language=xx&region=%00",
        "date_from=yesterday&date_to=2024-13-45",
        "page=999&sort=drop-table",
        "page=-1",
        "q=" + "x" * 500,
        "q=%27%22%3B--&method=bogus",
        "seats=maybe",
        "language=%00&provider=%00&category=%00",
        "date_to=9999-12-31",
        "date_from=0001-01-01&date_to=0001-01-02",
        "q=%00",
    ],
)
def test_invalid_filter_values_never_cause_an_error_page(client, catalog_programs, query):
    response = client.get(f"/en/programs/?{query}")
    assert response.status_code == 200


def test_empty_results_say_so_and_suggest_loosening(client, catalog_programs):
    html = client.get("/en/programs/?language=ar&method=mentoring").content.decode()
    assert "No training matches all of these filters." in html
    assert "Try removing a filter" in html


@pytest.mark.parametrize("count", [1, 50])
def test_the_catalog_runs_a_fixed_number_of_queries(db, client, django_assert_max_num_queries, count):
    region = Region.objects.get(slug="south-asia")
    languages = list(Language.objects.filter(code__in=["en", "hi", "bn"]))
    categories = list(CapacityCategory.objects.filter(parent__isnull=False)[:3])
    for _ in range(count):
        make_program(languages=languages, categories=categories, provider=OrganizationFactory(region=region))
    # First visit computes and caches the counts; later visits read them.
    with django_assert_max_num_queries(18) as first:
        response = client.get("/en/programs/")
    assert len(response.context["page"].object_list) == min(count, 20)
    with django_assert_max_num_queries(8) as later:
        client.get("/en/programs/")
    print(f"\ncatalog with {count} programs: {len(first)} queries on a cold cache, {len(later)} warm")


def test_long_facets_list_the_most_common_options_and_keep_the_selected_one(client):
    languages = list(Language.objects.order_by("code")[:30])
    for number, language in enumerate(languages):
        for _ in range(1 + number % 3):
            make_program(languages=[language])
    rare = languages[0]  # one program only
    facets = {facet.name: facet for facet in client.get("/en/programs/").context["catalog"].facets}
    assert len(facets["language"].options) == 25
    selected = {
        facet.name: facet for facet in client.get(f"/en/programs/?language={rare.code}").context["catalog"].facets
    }
    assert rare.code in [option.value for option in selected["language"].options if option.selected]


def test_an_invalid_value_does_not_poison_the_counts_others_see(client, catalog_programs):
    narrowed = client.get("/en/programs/?method=mentoring&level=bogus")
    assert titles(narrowed) == ["Writing a grant proposal"]
    assert narrowed.context["page"].paginator.count == 1
    everything = client.get("/en/programs/")
    assert everything.context["page"].paginator.count == 3


def _counted_one_facet_at_a_time(query):
    """The counts as the ORM gives them, one facet at a time: what the one-query counts must equal."""
    filterset = ProgramFilter(QueryDict(query), queryset=Program.objects.published())
    filterset.is_valid()
    expected = {}
    for facet in ProgramFilter.FACETS:
        programs = Program.objects.filter(pk__in=filterset.qs_without(facet).values("pk")).order_by()
        if facet == "category":
            per_tag = programs.values_list("categories__slug").annotate(n=Count("pk", distinct=True))
            per_root = (
                programs.annotate(root=Coalesce("categories__parent__slug", "categories__slug"))
                .values_list("root")
                .annotate(n=Count("pk", distinct=True))
            )
            counts = {**dict(per_tag), **dict(per_root)}
        else:
            field = {"language": "languages__code", "region": "region__slug", "provider": "provider__slug"}.get(
                facet, facet
            )
            counts = dict(programs.values_list(field).annotate(n=Count("pk", distinct=True)))
        expected[facet] = {option: total for option, total in counts.items() if option is not None}
    return expected


@pytest.mark.parametrize(
    "query",
    [
        "",
        "q=wikidata",
        "q=grant&method=mentoring",
        "language=ko",
        "language=ko&language=ar&category=fundraising",
        "category=communication&region=east-southeast-asia-pacific&format=online",
        "provider=seoul-wikimedians&level=advanced&seats=true",
    ],
)
def test_the_counts_of_every_facet_in_one_query_are_the_orms_one_at_a_time(client, catalog_programs, query):
    fundraising = CapacityCategory.objects.get(slug="fundraising")
    # Tagged with a top-level capacity and one of its children: counted once under the parent.
    both = make_program(original_title="Grants and fundraising", languages=[Language.objects.get(code="ar")])
    both.categories.set([fundraising, CapacityCategory.objects.get(slug="grant-writing")])
    make_program(original_title="Untagged wikidata walk", categories=[], method="mentoring")
    response = client.get(f"/en/programs/?{query}")
    assert response.status_code == 200
    shown = {facet.name: {o.value: o.count for o in facet.options} for facet in response.context["catalog"].facets}
    expected = _counted_one_facet_at_a_time(query)
    for facet, options in shown.items():
        for value, count in options.items():
            assert count == expected[facet].get(value, 0), (facet, value)
