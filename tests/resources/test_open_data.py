"""The open funding figures hide small groups, the 360Giving package validates, the rates page filters."""

import csv
import io
import json
import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from capacity.models import CapacityCategory, Region
from resources import open_data, services
from resources.models import Allocation, AllocationMethod
from tests.capacity.test_without_redis import redis_down  # noqa: F401 — a fixture
from tests.factories import AllocationFactory, FundFactory, MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

SCHEMAS = Path(__file__).resolve().parents[2] / "resources" / "schemas"
START = date(2025, 3, 1)
RATE = Decimal("1.10")


@pytest.fixture
def fund(funding_organization):
    return FundFactory(funder=funding_organization, name="Open Fund", starts_on=START, ends_on=date(2025, 12, 31))


def _region(slug):
    return Region.objects.get(slug=slug)


def _recipients(region, count, prefix):
    return [
        OrganizationFactory(slug=f"{prefix}-{number}", name=f"{prefix.title()} Org {number}", region=region)
        for number in range(count)
    ]


def _allocate(fund, recipients, *, amount="1000.00", status=Allocation.Status.APPROVED, **extra):
    return [
        AllocationFactory(
            fund=fund,
            recipient=recipient,
            amount=Decimal(amount),
            currency_id="EUR",
            status=status,
            starts_on=START,
            ends_on=date(2025, 12, 31),
            **extra,
        )
        for recipient in recipients
    ]


def _rates():
    """Set the EUR rate after the rows exist: the service recomputes their stored USD values."""
    services.exchange_rate_set(currency_code="EUR", month=START, usd_per_unit=RATE)


@pytest.fixture
def planted(fund):
    """Two regions of five recipient organizations each, and a small region of two with a telltale amount."""
    _allocate(fund, _recipients(_region("south-asia"), 5, "asia"))
    _allocate(fund, _recipients(_region("north-america"), 5, "america"), amount="2000.00")
    small = _recipients(_region("sub-saharan-africa"), 2, "africa")
    _allocate(fund, small, amount="1234.56")
    # Never published: a proposal and a declined allocation, with amounts that would stand out.
    _allocate(fund, small, amount="99999.00", status=Allocation.Status.PROPOSED)
    _allocate(fund, small, amount="88888.00", status=Allocation.Status.DECLINED)
    _rates()
    return small


def _csv(client, table):
    response = client.get(reverse("funding:open_csv", args=[table]))
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def _usd(text):
    return Decimal(text)


def test_a_region_of_fewer_than_five_recipients_is_not_shown_nor_recoverable(client, planted):
    response = client.get(reverse("funding:open"))
    assert response.status_code == 200
    html = response.content.decode()
    telltale = (Decimal("1234.56") * RATE).quantize(Decimal("0.01")) * 2  # 2,716.04 USD for the two small recipients
    assert f"{telltale:,.2f}" not in html and str(telltale) not in html
    assert "Sub-Saharan Africa" not in html

    rows = _csv(client, "regions")
    assert rows[0] == list(open_data.CSV_HEADER)
    by_label = {row[0]: row for row in rows[1:]}
    assert "Sub-Saharan Africa" not in by_label
    assert all(str(telltale) not in cell for row in rows for cell in row)
    # The small region joined "other" together with another region (complementary
    # suppression): the total minus the rows shown is that lump, never the small region alone.
    other = by_label["Smaller groups together"]
    total = by_label["All published allocations"]
    shown = [
        row for label, row in by_label.items() if label not in {"Smaller groups together", "All published allocations"}
    ]
    assert int(other[1]) >= 5
    assert _usd(total[3]) - sum(_usd(row[3]) for row in shown) == _usd(other[3]) != telltale
    assert int(total[1]) - sum(int(row[1]) for row in shown) == int(other[1]) == 7
    # Proposed and declined allocations are not counted.
    assert int(total[2]) == 12
    assert _usd(total[3]) == Decimal(5500) + Decimal(11000) + telltale


def test_every_table_is_withheld_while_fewer_than_five_organizations_received_anything(client, fund):
    _allocate(fund, _recipients(_region("south-asia"), 4, "few"))
    _rates()
    html = client.get(reverse("funding:open")).content.decode()
    assert "Few Org" not in html and "4,400.00" not in html
    assert html.count("Not shown: fewer than 5 recipient organizations") == 3
    assert _csv(client, "years") == [list(open_data.CSV_HEADER)]


def test_a_year_lump_holds_five_distinct_organizations_not_five_rows(fund):
    """The same three organizations in two small years: together they are still three, so both stay hidden."""
    big = _recipients(_region("south-asia"), 6, "big")
    _allocate(fund, big)
    few = _recipients(_region("south-asia"), 3, "few")
    for year in (2023, 2024):
        for recipient in few:
            AllocationFactory(
                fund=fund,
                recipient=recipient,
                status=Allocation.Status.CLOSED,
                starts_on=date(year, 5, 1),
                ends_on=date(year, 6, 1),
            )
    table = open_data.compute_open_figures().tables["years"]
    assert [row.key for row in table.rows] == []
    assert table.other.recipients == 9
    assert table.total.recipients == 9


def test_category_rows_count_an_allocation_once_per_family(fund):
    parent = CapacityCategory.objects.roots().order_by("position").first()
    children = list(parent.children.all()[:2])
    recipients = _recipients(_region("south-asia"), 5, "cat")
    for allocation in _allocate(fund, recipients):
        allocation.categories.set([parent, *children])
    _rates()
    table = open_data.compute_open_figures().tables["categories"]
    row = next(row for row in table.rows if row.key == str(parent.pk))
    assert (row.recipients, row.allocations, row.usd) == (5, 5, Decimal("5500.00"))
    assert table.overlapping


def test_the_csv_cannot_run_a_formula(client, fund):
    category = CapacityCategory.objects.create(slug="formula", name='=HYPERLINK("http://evil.example")', position=99)
    for allocation in _allocate(fund, _recipients(_region("south-asia"), 5, "formula")):
        allocation.categories.set([category])
    _rates()
    rows = _csv(client, "categories")
    assert ['\'=HYPERLINK("http://evil.example")', "5", "5", "5500.00"] in rows


def test_an_unknown_table_is_not_found(client):
    assert client.get("/en/funding/open/people.csv").status_code == 404
    assert client.post(reverse("funding:open")).status_code == 405


def test_the_page_costs_the_same_queries_whatever_the_size_and_none_from_the_cache(
    client, fund, django_assert_max_num_queries
):
    def page_queries():
        open_data.cache.clear()
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("funding:open")).status_code == 200
        return len(queries)

    _allocate(fund, _recipients(_region("south-asia"), 5, "one"))
    _rates()
    small = page_queries()
    for number, region in enumerate(Region.objects.all()):
        _allocate(fund, _recipients(region, 6, f"more{number}"))
    _rates()
    assert page_queries() == small
    with django_assert_max_num_queries(small):
        client.get(reverse("funding:open"))
    with django_assert_max_num_queries(0):
        assert client.get(reverse("funding:open")).status_code == 200


def test_the_page_answers_with_redis_down(client, planted, redis_down):  # noqa: F811
    response = client.get(reverse("funding:open"))
    assert response.status_code == 200
    assert "Smaller groups together" in response.content.decode()


def test_figures_show_in_the_readers_number_format(client, fund):
    _allocate(fund, _recipients(_region("south-asia"), 5, "fr"), amount="1000000.00")
    _rates()
    html = client.get("/fr/funding/open/").content.decode()
    assert "<td>5\xa0500\xa0000,00</td>" in html  # French: a no-break space between thousands, a decimal comma


def test_the_page_names_the_rates_it_used(client, planted):
    html = client.get(reverse("funding:open")).content.decode()
    assert "1 monthly exchange rate (EUR, March 2025 to March 2025)" in html
    assert reverse("funding:rates") in html


# --- 360Giving ------------------------------------------------------------------------------

RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
checker = FormatChecker()


@checker.checks("date-time")
def _date_time(value):
    if not isinstance(value, str):
        return True
    if not RFC3339.match(value):
        return False
    datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


@checker.checks("uri")
def _uri(value):
    parts = urlsplit(value) if isinstance(value, str) else None
    return parts is None or bool(parts.scheme and parts.netloc)


def _validator():
    """The copied package schema, with its grant schema found locally under the URL the package refers to."""
    package = json.loads((SCHEMAS / "360-giving-package-schema.json").read_text())
    # The schemas say "http://json-schema.org/draft/2020-12/schema", which referencing does not
    # recognize by itself: the draft is named here.
    grant = Resource(json.loads((SCHEMAS / "360-giving-schema.json").read_text()), specification=DRAFT202012)
    registry = Registry().with_resources(
        [(grant.contents["$id"], grant), (package["properties"]["grants"]["items"]["$ref"], grant)]
    )
    return Draft202012Validator(package, registry=registry, format_checker=checker)


def _package(client):
    response = client.get(reverse("funding:open_360giving"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    text = b"".join(response.streaming_content).decode()
    return text, json.loads(text)


@pytest.fixture
def exported(fund, funder, steward):
    """Money in each status by a funder's staff, with a personal note; in-kind and time beside it."""
    recipients = _recipients(_region("south-asia"), 3, "grant")
    MembershipFactory(
        organization=recipients[0], user=UserFactory(username="recipient_admin", display_name="Rina Admin")
    )
    category = CapacityCategory.objects.roots().order_by("position").first()
    made = {}
    for status in Allocation.Status:
        allocation = services.allocation_save(
            allocation=Allocation(
                fund=fund,
                recipient=recipients[0],
                kind=Allocation.Kind.MONEY,
                amount=Decimal("1500.50"),
                currency_id="EUR",
                description="Call Jane Doe on +1 555 0100, jane.doe@example.org",
                starts_on=START,
                ends_on=date(2025, 9, 30),
            ),
            categories=[category],
            methods=["workshop", "mentoring"],
            by=funder,
        )
        path = {
            "approved": ["approved"],
            "disbursed": ["approved", "disbursed"],
            "closed": ["approved", "disbursed", "closed"],
            "declined": ["declined"],
            "proposed": [],
        }[status]
        for step in path:
            services.allocation_move(allocation=allocation, to_status=step, by=funder)
        made[status] = allocation
    _allocate(fund, recipients[1:2], kind=Allocation.Kind.IN_KIND, description="Laptops")
    AllocationFactory(
        fund=fund, recipient=recipients[2], kind=Allocation.Kind.TIME, amount=None, hours=Decimal(40), status="approved"
    )
    _rates()
    return made


def test_the_360giving_package_validates_against_the_published_schema(client, exported):
    _text, package = _package(client)
    _validator().validate(package)
    assert package["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert package["version"] == "1.4"
    assert package["publisher"]["name"]


def test_only_approved_disbursed_and_closed_money_is_exported(client, exported):
    _text, package = _package(client)
    ids = {grant["id"] for grant in package["grants"]}
    assert ids == {f"360G-capacity-allocation-{exported[status].pk}" for status in ("approved", "disbursed", "closed")}
    grant = next(grant for grant in package["grants"] if grant["id"].endswith(str(exported["closed"].pk)))
    assert grant["amountAwarded"] == 1500.5 and grant["currency"] == "EUR"
    assert grant["amountDisbursed"] == 1500.5
    assert grant["recipientOrganization"] == [
        {"id": f"360G-capacity-org-{exported['closed'].recipient_id}", "name": "Grant Org 0"}
    ]
    assert grant["fundingOrganization"][0]["name"] == "Wiki Fund"
    assert grant["plannedDates"] == [{"startDate": "2025-03-01", "endDate": "2025-09-30"}]
    assert grant["awardDate"] == exported["closed"].status_changed_at.date().isoformat() or grant["awardDate"]
    assert {item["vocabulary"] for item in grant["classifications"]} == {
        open_data.CATEGORY_VOCABULARY,
        open_data.METHOD_VOCABULARY,
    }
    assert "Workshop" in grant["description"]


def test_the_award_date_is_the_day_of_approval(client, exported):
    approved = exported["disbursed"]
    history = approved.history.filter(status="approved").order_by("history_date").first()
    _text, package = _package(client)
    grant = next(grant for grant in package["grants"] if grant["id"].endswith(f"-{approved.pk}"))
    assert grant["awardDate"] == history.history_date.date().isoformat()


def test_the_package_holds_no_personal_data(client, exported, funder, steward):
    text, _package_data = _package(client)
    for person in (funder, steward, *[m.user for m in exported["approved"].recipient.memberships.all()]):
        assert person.email not in text and person.display_name not in text
        assert not re.search(rf"\b{re.escape(person.username)}\b", text)
    assert "Jane" not in text and "555" not in text and "@" not in text


def test_the_prefix_is_a_setting(client, exported, settings):
    settings.OPEN_DATA_PREFIX = "360G-wmf-capacity"
    _text, package = _package(client)
    assert all(grant["id"].startswith("360G-wmf-capacity-allocation-") for grant in package["grants"])
    _validator().validate(package)


def test_the_package_is_written_in_chunks_with_a_query_count_that_does_not_grow(client, fund):
    recipients = _recipients(_region("south-asia"), 3, "many")
    allocations = _allocate(fund, recipients * 4)
    for allocation in allocations:
        AllocationMethod.objects.create(allocation=allocation, method="workshop")
    _rates()
    chunks = list(
        open_data.package_chunks(download_url="https://x.example/d", access_url="https://x.example/a", chunk_size=5)
    )
    assert len(chunks) == 12 + 2
    with CaptureQueriesContext(connection) as few:
        list(
            open_data.package_chunks(
                download_url="https://x.example/d", access_url="https://x.example/a", chunk_size=100
            )
        )
    _allocate(fund, recipients * 10)
    with CaptureQueriesContext(connection) as more:
        list(
            open_data.package_chunks(
                download_url="https://x.example/d", access_url="https://x.example/a", chunk_size=100
            )
        )
    assert len(more) == len(few)


# --- who may read ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["funding:open", "funding:open_360giving", "funding:rates"])
@pytest.mark.parametrize("persona", [None, "volunteer", "other_staff", "funder", "steward"])
def test_everyone_reads_the_open_pages(client, planted, request, name, persona):
    if persona:
        client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse(name))
    assert response.status_code == 200


# --- exchange rates -------------------------------------------------------------------------


@pytest.fixture
def rates():
    for month in range(1, 13):
        services.exchange_rate_set(currency_code="EUR", month=date(2025, month, 1), usd_per_unit="1.08")
        services.exchange_rate_set(currency_code="LBP", month=date(2025, month, 1), usd_per_unit="0.0000112")


def test_the_rates_page_lists_rates_with_their_decimals(client, rates):
    html = client.get(reverse("funding:rates")).content.decode()
    assert "<caption" in html and 'scope="col"' in html
    assert "0.0000112" in html and "1.08" in html
    assert "rounded once, to the cent, half to even" in html


def test_the_rates_page_filters_by_currency(client, rates):
    html = client.get(reverse("funding:rates"), {"currency": "lbp"}).content.decode()
    assert "0.0000112" in html and "1.08<" not in html
    assert 'value="LBP" selected' in html


@pytest.mark.parametrize("asked", ["XYZ", "USD", "<script>alert(1)</script>", "E\r\nUR", "€" * 500])
def test_a_currency_without_rates_gets_a_message_not_an_error(client, rates, asked):
    response = client.get(reverse("funding:rates"), {"currency": asked})
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is no exchange rate for this currency" in html
    assert "<script>alert" not in html


def test_the_rates_page_is_paginated_with_a_fixed_number_of_queries(client, rates, django_assert_max_num_queries):
    for month in range(1, 13):
        services.exchange_rate_set(currency_code="CHF", month=date(2024, month, 1), usd_per_unit="1.1")
        services.exchange_rate_set(currency_code="GBP", month=date(2024, month, 1), usd_per_unit="1.25")
        services.exchange_rate_set(currency_code="KRW", month=date(2024, month, 1), usd_per_unit="0.00069")
    with django_assert_max_num_queries(3):
        first = client.get(reverse("funding:rates"))
    assert 'rel="next"' in first.content.decode()
    last = client.get(reverse("funding:rates"), {"page": "999999"}).content.decode()
    assert "Page 2 of 2" in last
    assert client.get(reverse("funding:rates"), {"page": "-1; DROP"}).status_code == 200
