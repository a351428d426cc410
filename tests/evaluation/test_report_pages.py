"""Learning report pages: every section from hand-made report rows, hidden rows kept hidden, hostile periods and keys."""

import json
import re
from datetime import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from capacity.models import CapacityCategory, Language, Region
from evaluation.models import Practice
from tests.evaluation.factories_reports import figure, movement_report
from tests.factories import OrganizationFactory

BUILT = timezone.make_aware(datetime(2026, 10, 2, 3, 4, 5))
# Every string a planted hidden row holds: its n, sum, sum of squares, numerator and denominator.
SECRETS = ("777.77", "777,77", "4242.42", "555.55", "888.88")


def movement(path="scope", period=None, lang="en"):
    from django.utils import translation

    with translation.override(lang):
        if path == "scope":
            url = reverse("learning:scope", kwargs={"scope": "movement", "key": "all"})
            return url + (f"?period={period}" if period else "")
        return reverse(f"learning:{path}", kwargs={"scope": "movement", "key": "all", "period": period})


@pytest.fixture
def regions(db):
    emerging = Region.objects.filter(is_emerging=True).first()
    established = Region.objects.filter(is_emerging=False).first()
    return emerging, established


@pytest.fixture
def category():
    return CapacityCategory.objects.order_by("position", "slug").first()


@pytest.fixture
def report(db, regions, category):
    """A movement report for 2025 and 2026 with every section, and hidden rows planted in each."""
    return movement_report(built_at=BUILT)


def test_every_section_of_a_report_renders_from_its_rows(client, report):
    response = client.get(movement())
    assert response.status_code == 200
    html = response.content.decode()
    for heading in (
        "Outputs, short term",
        "Outcomes, long term",
        "By region",
        "Emerging and established communities",
        "By gender",
        "Trends over periods",
        "Evaluation coverage",
        "What works",
        "Outcomes by method",
        "Outcomes by capacity",
        "Outcome per 1,000 USD, by method",
        "Promising practices",
    ):
        assert heading in html, heading
    # Figures with their unit, n and 95% interval, in the language's way of writing numbers.
    assert "1,234" in html and "5,612.5" in html
    assert "0.85" in html and "95% interval 0.60 to 1.10" in html
    assert "42.0 %" in html and "95% interval 30.0 % to 55.0 %" in html
    assert "50.00 USD" in html
    assert "n = 40" in html
    # Breakdown labels from the vocabulary, and a chart beside each table.
    assert escape(report["established"].name) in html and escape(report["emerging"].name) in html
    assert "Emerging communities" in html and "Established communities" in html
    assert html.count('<svg class="bar-chart"') >= 4
    # Trends over the years; coverage by survey.
    assert "900" in html
    assert "After the session" in html and "60.0 %" in html
    # What works: gain per 1,000 USD = 0.9 / 60 × 1,000 = 15, its interval 0.5 and 1.3 scaled alike.
    assert "15.00" in html and "95% interval 8.33 to 21.67" in html
    assert "Workshop" in html and escape(report["category"].name) in html
    # Built when, from how many measurements (the totals' measurements: 40+40+40+60+50+6+4).
    assert "from 236 measurements" in html  # the hidden newcomers row does not count
    assert "Not shown: fewer than" in html
    # In "what works", a hidden outcome (mentoring's capacity gain) is "not enough data".
    works = html[html.index('id="works-heading"') :]
    start = works.index('<th scope="row">Mentoring</th>')
    mentoring = works[start : works.index("</tr>", start)]
    assert "Not enough data" in mentoring


def test_quarters_trend_by_quarter_and_the_default_is_the_latest_year(client, report):
    html = client.get(movement()).content.decode()
    assert '<option value="2026" selected>' in html
    assert "Per year" in html and "2025" in html
    quarter = client.get(movement(period="2026-Q2")).content.decode()
    assert "Per quarter" in quarter and "2026, quarter 1" in quarter and "734" in quarter


def test_hidden_rows_never_leak_their_n_or_sums_into_the_page_csv_or_json(client, report):
    html = client.get(movement()).content.decode()
    csv_text = b"".join(client.get(movement("csv", "2026")).streaming_content).decode()
    document = client.get(movement("json", "2026")).content.decode()
    quarter = client.get(movement(period="2026-Q3")).content.decode()
    for text in (html, csv_text, document, quarter):
        for secret in SECRETS:
            assert secret not in text, secret
    assert not re.search(r"n = 3\b", html)
    rows = json.loads(document)["rows"]
    suppressed = [row for row in rows if row["suppressed"]]
    assert suppressed and all(row["n"] is None and row["value"] is None and row["low"] is None for row in suppressed)
    assert {row["indicator"] for row in suppressed} >= {"newcomers", "participants", "capacity_gain"}


def test_the_json_download_says_when_it_was_built_from_what_with_which_k_and_interval(client, report, settings):
    document = json.loads(client.get(movement("json", "2026")).content)
    assert document["built_at"].startswith("2026-10-02")
    assert document["measurements"] == 236
    assert document["k"]["demographic"] == settings.K_ANONYMITY_DEMOGRAPHIC
    assert document["k"]["activity"] == settings.K_ANONYMITY_ACTIVITY
    assert "Wilson" in document["interval"]["method"] and document["interval"]["level"] == 0.95
    participants = next(r for r in document["rows"] if r["indicator"] == "participants" and r["breakdown"] == "")
    assert participants == {
        "indicator": "participants",
        "unit": "people",
        "breakdown": "",
        "breakdown_key": "",
        "breakdown_label": "",
        "suppressed": False,
        "n": 1234,
        "value": 1234.0,
        "low": None,
        "high": None,
    }
    # Exactly the period's rows: 7 totals, 6 breakdown cells, 3 coverage, 6 what-works cells.
    assert len(document["rows"]) == 22


def test_the_csv_download_has_every_row_of_the_period_with_suppressed_ones_empty(client, report):
    response = client.get(movement("csv", "2026"))
    assert response["Content-Type"].startswith("text/csv")
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0].startswith("scope,scope_key,scope_name,period,indicator")
    assert len(lines) == 1 + 22
    newcomers = next(line for line in lines if ",newcomers," in line)
    assert newcomers.endswith(",true,,,,")


@pytest.mark.parametrize(
    "period",
    ["2026-Q5", "26", "99999", "<script>alert(1)</script>", "2026' OR 1=1--", "2026%00", "x" * 5000, "1999", "2026-q1"],
)
def test_a_hostile_or_unknown_period_is_not_found(client, report, period):
    assert client.get(movement(), {"period": period}).status_code == 404


@pytest.mark.parametrize("period", ["2026-Q9", "abcd", "1999", "2026-Q1.csv", "-1"])
def test_downloads_of_a_period_without_rows_are_not_found(client, report, period):
    for kind in ("csv", "json"):
        assert client.get(movement(kind, period)).status_code == 404


@pytest.mark.parametrize(
    "scope,key",
    [
        ("nowhere", "all"),
        ("movement", "everything"),
        ("region", "no-such-region"),
        ("category", "no-such-capacity"),
        ("method", "juggling"),
        ("organization", "no-such-organization"),
    ],
)
def test_a_scope_or_key_that_does_not_exist_is_not_found(client, db, scope, key):
    url = reverse("learning:scope", kwargs={"scope": scope, "key": key})
    assert client.get(url).status_code == 404
    assert client.get(reverse("learning:csv", kwargs={"scope": scope, "key": key, "period": "2026"})).status_code == 404


def test_an_existing_region_without_a_report_says_none_was_built(client, regions):
    url = reverse("learning:scope", kwargs={"scope": "region", "key": regions[0].slug})
    response = client.get(url)
    assert response.status_code == 200
    assert "No report has been built yet." in response.content.decode()


def test_the_index_lists_the_reports_built_and_when(client, report, category):
    region = report["established"]
    organization = OrganizationFactory(slug="chapter-x", name="Chapter X")
    figure("participants", 50, scope="region", scope_key=region.slug, built_at=BUILT)
    figure("participants", 50, scope="category", scope_key=category.slug, built_at=BUILT)
    figure("participants", 50, scope="method", scope_key="mentoring", built_at=BUILT)
    figure("participants", 50, scope="organization", scope_key=organization.slug, built_at=BUILT)
    html = client.get(reverse("learning:index")).content.decode()
    for text in (
        "The movement's learning report",
        escape(region.name),
        escape(category.name),
        "Mentoring",
        "Chapter X",
    ):
        assert text in html, text
    assert reverse("learning:scope", kwargs={"scope": "organization", "key": "chapter-x"}) in html
    assert "Rebuild" not in html


def test_the_index_says_when_nothing_was_built(client, db):
    html = client.get(reverse("learning:index")).content.decode()
    assert "No report has been built yet." in html
    assert "Rebuild" not in html


def test_before_any_build_stewards_find_the_rebuild_button(client, steward):
    client.force_login(steward)
    html = client.get(reverse("learning:index")).content.decode()
    assert "No report has been built yet." in html
    assert "Rebuild every report" in html and 'name="scope" value="all"' in html


def test_stewards_find_the_rebuild_buttons(client, report, steward):
    client.force_login(steward)
    index = client.get(reverse("learning:index")).content.decode()
    assert "Rebuild every report" in index
    page = client.get(movement()).content.decode()
    assert "Rebuild this report" in page and 'name="scope" value="movement"' in page


def _practice(slug, title, category=None):
    """A published practice linked to the movement's report."""
    practice = Practice.objects.create(
        slug=slug,
        original_language=Language.objects.get(code="en"),
        original_title=title,
        original_context="c",
        original_what_was_done="w",
        original_evidence="e",
        organization=OrganizationFactory(),
        status=Practice.Status.PUBLISHED,
        published_at=timezone.now(),
        report_scopes=["movement:"],
    )
    if category is not None:
        practice.categories.add(category)
    return practice


def test_published_practices_stand_beside_the_report(client, report):
    practice = _practice("mentoring-circles", "Mentoring circles for new editors")
    html = client.get(movement()).content.decode()
    assert practice.original_title in html


@pytest.mark.parametrize("language,direction", [("ko", "ltr"), ("ar", "rtl")])
def test_reports_render_in_korean_and_arabic(client, report, language, direction):
    for url in (movement(lang=language), reverse("learning:index").replace("/en/", f"/{language}/")):
        response = client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        assert f'<html lang="{language}" dir="{direction}">' in html
    assert "bar-chart" in client.get(movement(lang=language)).content.decode()


def test_the_page_carries_no_inline_script_or_style(client, report):
    html = client.get(movement()).content.decode()
    assert "<script>" not in html and "<style" not in html and " style=" not in html and "onclick" not in html


def _sized_report(regions_count, periods, codes):
    """Totals, region cells and method cells for `regions_count` regions × `periods` years × indicators `codes`."""
    regions = list(Region.objects.all()[:regions_count])
    for year in range(2026 - periods + 1, 2027):
        for code in codes:
            figure(code, Decimal("12"), period=str(year), n=40)
            figure(code, Decimal("12"), period=f"{year}-Q1", n=40)
            figure(code, Decimal("3"), period=str(year), breakdown="method", breakdown_key="workshop", n=20)
            for region in regions:
                figure(code, Decimal("5"), period=str(year), breakdown="region", breakdown_key=region.slug, n=20)
    figure(None, "0.5", period="2026", breakdown="coverage", breakdown_key="post")
    for number, category in enumerate(CapacityCategory.objects.all()[: regions_count - 1]):
        _practice(f"practice-{number}", f"Practice {number}", category)


SMALL = (1, 1, ["participants", "capacity_gain"])
LARGE = (
    6,
    4,
    [
        "participants",
        "newcomers",
        "hours_of_learning",
        "pages_created_or_improved",
        "retention_3m",
        "retention_12m",
        "capacity_gain",
        "satisfaction",
        "emerging_share",
        "cost_per_participant",
    ],
)


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["small", "large"])
def test_the_report_page_runs_a_fixed_number_of_queries(client, db, steward, size, django_assert_max_num_queries):
    _sized_report(*size)
    client.force_login(steward)
    # Session, user, memberships (the menu), regions, capacities, periods, rows, latest build,
    # practices and their capacities.
    with django_assert_max_num_queries(10):
        assert client.get(movement()).status_code == 200


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["small", "large"])
def test_the_index_runs_a_fixed_number_of_queries(client, db, steward, size, django_assert_max_num_queries):
    _sized_report(*size)
    for region in Region.objects.all()[: size[0]]:
        figure("participants", 50, scope="region", scope_key=region.slug)
    for _number in range(size[0]):
        organization = OrganizationFactory()
        figure("participants", 50, scope="organization", scope_key=organization.slug)
    client.force_login(steward)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("learning:index")).status_code == 200
