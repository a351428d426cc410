"""The open funding figures show allocations in full and hide small groups of people, follow the data at once;
the 360Giving package validates; the rates page filters."""

import csv
import io
import json
import re
from datetime import UTC, date, datetime, timedelta
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
from programs.models import ActivityReport
from resources import open_data, services
from resources.models import Allocation, AllocationMethod
from tests.capacity.test_without_redis import redis_down  # noqa: F401 — a fixture
from tests.factories import (
    AllocationFactory,
    FundFactory,
    MembershipFactory,
    OrganizationFactory,
    ProgramFactory,
    SessionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SCHEMAS = Path(__file__).resolve().parents[2] / "resources" / "schemas"
START = date(2025, 3, 1)
RATE = Decimal("1.10")
SESSION_DAY = datetime(2025, 6, 1, 10, tzinfo=UTC)


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


def _reach(allocations, *participants, when=SESSION_DAY, cancelled=False):
    """A program of the first allocation's recipient that all the allocations fund, with one
    reported session per figure (participants), held on `when`."""
    program = ProgramFactory(provider=allocations[0].recipient)
    for allocation in allocations:
        allocation.programs.add(program)
    for count in participants:
        session = SessionFactory(
            program=program, starts_at=when, ends_at=when + timedelta(hours=2), is_cancelled=cancelled
        )
        ActivityReport.objects.create(session=session, participants=count, facilitators=1)
    return program


def _row(rows, label):
    return next(row for row in rows if row[0] == label)


def _html_row(html, label):
    """The cells of the page's first table row headed by `label`, as text."""
    match = re.search(rf'<th scope="row">{re.escape(label)}.*?</tr>', html, re.S)
    assert match, label
    return re.findall(r"<td[^>]*>(.*?)</td>", match.group(0), re.S)


@pytest.fixture
def reached(planted, fund):
    """The planted regions reach people: South Asia 20, North America 30, the small region 3.

    A proposal of the small region funds a session of 99 people: never counted."""
    asia = list(Allocation.objects.filter(recipient__region__slug="south-asia"))
    america = list(Allocation.objects.filter(recipient__region__slug="north-america"))
    africa = list(Allocation.objects.filter(recipient__in=planted, status=Allocation.Status.APPROVED))
    _reach(asia[:1], 12, 8)
    _reach(america[:1], 30)
    _reach(africa[:1], 3)
    _reach(list(Allocation.objects.filter(recipient__in=planted, status=Allocation.Status.PROPOSED))[:1], 99)
    return africa


def test_allocation_figures_are_shown_for_every_region_even_of_two_organizations(client, planted):
    rows = _csv(client, "regions")
    assert rows[0] == list(open_data.CSV_HEADER)
    africa = _row(rows, "Sub-Saharan Africa")
    telltale = (Decimal("1234.56") * RATE).quantize(Decimal("0.01")) * 2  # 2,716.04 USD for the two recipients
    assert africa[1:4] == ["2", "2", str(telltale)]
    total = _row(rows, "All published allocations")
    # Proposed and declined allocations are not counted.
    assert total[1:4] == ["12", "12", str(Decimal(5500) + Decimal(11000) + telltale)]
    html = client.get(reverse("funding:open")).content.decode()
    assert _html_row(html, "Sub-Saharan Africa")[:3] == ["2", "2", "2,716.04"]
    assert "Smaller groups together" not in html
    assert "each money grant is already published on its own" in html


def test_a_row_of_fewer_than_five_participants_is_suppressed_and_not_recoverable(client, reached):
    rows = _csv(client, "regions")
    africa = _row(rows, "Sub-Saharan Africa")
    assert africa[4:] == ["suppressed", ""]
    # Complementary suppression: the next smallest row (South Asia, 20) is suppressed too.
    assert _row(rows, "South Asia")[4:] == ["suppressed", ""]
    assert _row(rows, "North America")[4:] == ["30", "366.67"]  # 11,000 USD / 30
    total = _row(rows, "All published allocations")
    assert total[4] == "53"  # 3 + 20 + 30; the proposal's 99 is not counted
    shown = sum(int(row[4]) for row in rows[1:-1] if row[4] != "suppressed")
    assert int(total[4]) - shown == 23 != 3
    html = client.get(reverse("funding:open")).content.decode()
    cells = _html_row(html, "Sub-Saharan Africa")
    assert cells[3:] == ["suppressed", ""]
    assert _html_row(html, "South Asia")[3] == "suppressed"
    assert _html_row(html, "North America")[3:] == ["30", "366.67"]
    assert "fewer than 5 of them" in html
    # The years table has one row (2025): it holds everyone, so nothing small is in it.
    assert _row(_csv(client, "years"), "2025")[4] == "53"


def test_a_row_of_few_organizations_but_many_participants_is_shown(client, planted):
    africa = list(Allocation.objects.filter(recipient__in=planted, status=Allocation.Status.APPROVED))
    _reach(africa[:1], 25, 15)
    row = _row(_csv(client, "regions"), "Sub-Saharan Africa")
    assert row[1] == "2" and row[4] == "40"
    assert Decimal(row[5]) == (Decimal("2716.04") / 40).quantize(Decimal("0.01"))
    html = client.get(reverse("funding:open")).content.decode()
    assert _html_row(html, "Sub-Saharan Africa")[3] == "40"


def test_a_session_two_allocations_fund_counts_once_and_only_within_their_period(fund):
    """Two allocations of one region fund the same program: its session counts once in the row
    and in the total. Sessions cancelled or outside every funding allocation's period count nowhere."""
    recipients = _recipients(_region("south-asia"), 2, "twice")
    both = _allocate(fund, recipients)
    _reach(both, 7)
    _reach(both, 50, cancelled=True)
    _reach(both, 60, when=datetime(2026, 6, 1, 10, tzinfo=UTC))
    figures = open_data.compute_open_figures()
    regions = figures.tables["regions"]
    asia = next(row for row in regions.rows if row.label == "South Asia")
    assert asia.participants == 7
    assert regions.total.participants == 7
    assert figures.tables["years"].rows[0].participants == 7


def test_a_suppressed_row_shared_with_a_shown_row_cannot_be_worked_out_from_the_total(fund):
    """A session of the complementary row is also the shown row's: the rows add up to more than
    the total, and the total minus the row shown would give the small row (3) away: that row is
    suppressed too."""
    africa = _allocate(fund, _recipients(_region("sub-saharan-africa"), 1, "small"))
    asia = _allocate(fund, _recipients(_region("south-asia"), 1, "shared"))
    america = _allocate(fund, _recipients(_region("north-america"), 1, "wide"))
    _reach(africa, 3)
    _reach(asia + america, 10)  # South Asia's 10 are North America's too
    _reach(america, 20)
    table = open_data.compute_open_figures().tables["regions"]
    figures = {row.label: row.participants for row in table.rows}
    assert table.total.participants == 33
    assert figures["Sub-Saharan Africa"] is None and figures["South Asia"] is None
    assert figures["North America"] is None  # 33 − 30 = 3 otherwise
    shown = sum(count for count in figures.values() if count)
    assert not 0 < table.total.participants - shown < 5


def test_a_total_of_fewer_than_five_participants_is_not_shown(client, fund):
    allocations = _allocate(fund, _recipients(_region("south-asia"), 5, "tiny"))
    _rates()
    _reach(allocations[:1], 4)
    for table in ("regions", "categories", "years"):
        rows = _csv(client, table)
        assert _row(rows, "All published allocations")[4:] == ["suppressed", ""]
        assert all(row[4] in {"0", "suppressed"} for row in rows[1:])
    html = client.get(reverse("funding:open")).content.decode()
    assert _html_row(html, "All published allocations")[:4] == ["5", "5", "5,500.00", "suppressed"]


def test_category_rows_count_an_allocation_once_per_family(fund):
    parent = CapacityCategory.objects.roots().order_by("position").first()
    children = list(parent.children.all()[:2])
    recipients = _recipients(_region("south-asia"), 5, "cat")
    allocations = _allocate(fund, recipients)
    for allocation in allocations:
        allocation.categories.set([parent, *children])
    _rates()
    _reach(allocations, 9)
    table = open_data.compute_open_figures().tables["categories"]
    row = next(row for row in table.rows if row.key == str(parent.pk))
    assert (row.recipients, row.allocations, row.usd, row.participants) == (5, 5, Decimal("5500.00"), 9)
    assert table.overlapping


def test_the_csv_cannot_run_a_formula(client, fund):
    category = CapacityCategory.objects.create(slug="formula", name='=HYPERLINK("http://evil.example")', position=99)
    for allocation in _allocate(fund, _recipients(_region("south-asia"), 5, "formula")):
        allocation.categories.set([category])
    _rates()
    rows = _csv(client, "categories")
    assert ['\'=HYPERLINK("http://evil.example")', "5", "5", "5500.00", "0", ""] in rows


def test_an_unknown_table_is_not_found(client):
    assert client.get("/en/funding/open/people.csv").status_code == 404
    assert client.get("/en/funding/open/..%2Fsecret.csv").status_code == 404
    assert client.post(reverse("funding:open")).status_code == 405


def test_the_page_costs_the_same_queries_whatever_the_size_and_one_from_the_cache(
    client, fund, django_assert_num_queries
):
    def page_queries():
        open_data.cache.clear()
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("funding:open")).status_code == 200
        return len(queries)

    first = _allocate(fund, _recipients(_region("south-asia"), 5, "one"))
    _rates()
    _reach(first[:1], 3)
    _reach(first[1:], 30, 4)
    small = page_queries()
    for number, region in enumerate(Region.objects.all()):
        more = _allocate(fund, _recipients(region, 6, f"more{number}"))
        _reach(more, *range(1, 9))
        _reach(more[:2], 2)
    _rates()
    assert page_queries() == small
    # From the cache: only the data version, one query.
    with django_assert_num_queries(1):
        assert client.get(reverse("funding:open")).status_code == 200
    with django_assert_num_queries(1):
        assert client.get(reverse("funding:open_csv", args=["years"])).status_code == 200


def test_the_data_version_is_one_query_and_moves_with_each_change(fund, django_assert_num_queries):
    allocation = _allocate(fund, _recipients(_region("south-asia"), 1, "version"))[0]
    versions = []

    def moved():
        with django_assert_num_queries(1):
            versions.append(open_data.data_version())
        return len(set(versions)) == len(versions)

    assert moved()
    _rates()
    assert moved()
    allocation.save()
    assert moved()
    program = ProgramFactory(provider=allocation.recipient)
    allocation.programs.add(program)  # a change of what the allocation funds, alone
    assert moved()
    session = SessionFactory(program=program, starts_at=SESSION_DAY, ends_at=SESSION_DAY + timedelta(hours=1))
    assert moved()
    report = ActivityReport.objects.create(session=session, participants=6, facilitators=1)
    assert moved()
    report.participants = 7
    report.save()
    assert moved()
    session.is_cancelled = True
    session.save()
    assert moved()
    allocation.recipient.region = _region("north-america")
    allocation.recipient.save()
    assert moved()
    program.region = _region("north-america")  # its funded sessions now count under another region
    program.save()
    assert moved()
    report.delete()
    assert moved()
    # The dashboard's filter choices and line names: a fund and a capacity renamed.
    fund.name = "Renamed fund"
    fund.save()
    assert moved()
    category = CapacityCategory.objects.order_by("pk").first()
    category.name = "Renamed capacity"
    category.save()
    assert moved()
    Allocation.objects.filter(pk=allocation.pk).delete()
    assert moved()
    assert open_data.data_version() == versions[-1]  # nothing changed: the same version


def test_the_cache_follows_a_change_to_an_allocation_a_rate_or_a_report_at_once(client, fund, funder):
    allocations = _allocate(fund, _recipients(_region("south-asia"), 5, "fresh"))
    _rates()
    proposal = services.allocation_save(
        allocation=Allocation(
            fund=fund,
            recipient=allocations[0].recipient,
            kind=Allocation.Kind.MONEY,
            amount=Decimal("1000.00"),
            currency_id="EUR",
            starts_on=START,
            ends_on=date(2025, 9, 30),
        ),
        by=funder,
    )

    def asia():
        return _row(_csv(client, "regions"), "South Asia")

    assert asia()[2:4] == ["5", "5500.00"]
    assert asia()[2:4] == ["5", "5500.00"]  # now from the cache
    services.allocation_move(allocation=proposal, to_status="approved", by=funder)
    assert asia()[2:4] == ["6", "6600.00"]
    services.exchange_rate_set(currency_code="EUR", month=START, usd_per_unit=Decimal("2.00"))
    assert asia()[2:4] == ["6", "12000.00"]
    assert "12,000.00" in client.get(reverse("funding:open")).content.decode()
    _reach(allocations, 40)
    assert asia()[4] == "40"


def test_the_page_answers_with_redis_down(client, reached, redis_down):  # noqa: F811
    response = client.get(reverse("funding:open"))
    assert response.status_code == 200
    assert _html_row(response.content.decode(), "North America")[3] == "30"


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
    # The phone number whole: a bare "555" also turns up inside generated ids (location-1555).
    assert "Jane" not in text and "555 0100" not in text and "@" not in text


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


def test_with_nothing_published_the_360giving_export_says_so_instead_of_an_invalid_package(client, fund, funder):
    proposed = services.allocation_save(
        allocation=Allocation(
            fund=fund,
            recipient=OrganizationFactory(),
            amount=Decimal("100"),
            currency_id="USD",
            starts_on=START,
            ends_on=START,
        ),
        by=funder,
    )
    assert proposed.status == "proposed"
    response = client.get(reverse("funding:open_360giving"))
    assert response.status_code == 404
    assert response.json() == {"detail": "No approved money allocation is published yet."}
