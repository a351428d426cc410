"""The funder dashboard: its figures are exact sums in SQL, filtered, drilled into, downloaded, and private."""

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.template import Context, Template
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from capacity.charts import bar_chart
from capacity.models import CapacityCategory, Region
from programs.models import ActivityReport, Enrollment, Program
from resources import dashboard, services
from resources.filters import drill_query
from resources.models import Allocation, AllocationMethod, ExchangeRate, Expenditure
from resources.selectors import hours, with_usage
from stakeholders.models import Membership, Organization
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

DASHBOARD = "/en/funding/"
ALLOCATIONS = "/en/funding/allocations/"
REGIONS = ("sub-saharan-africa", "south-asia", "northern-western-europe", "north-america", "latin-america-caribbean")
# (currency, rate in January, rate from April): several currencies, a rate change, and USD itself.
CURRENCIES = (("EUR", "1.10", "1.05"), ("GBP", "1.27", "1.25"), ("KRW", "0.00074", "0.00071"), ("USD", None, None))
STATUSES = ("proposed", "approved", "disbursed", "closed", "declined")
CATEGORIES = ("communication", "governance", "technology")
METHODS = ("workshop", "mentoring", "online_course")


@pytest.fixture
def rates():
    for code, january, april in CURRENCIES:
        if january:
            ExchangeRate.objects.create(currency_id=code, month=date(2026, 1, 1), usd_per_unit=Decimal(january))
            ExchangeRate.objects.create(currency_id=code, month=date(2026, 4, 1), usd_per_unit=Decimal(april))


def build(funder_organization, size, *, prefix="r"):
    """`size` allocations from one fund of the funder, across regions, currencies, kinds and statuses.

    Money allocations get expenditures (every seventh overspent), every third allocation
    funds a program of its recipient with a reported session, facilitators and completed
    enrollments. Made with factories, then usd_recompute stores the USD values.
    """
    fund = FundFactory(funder=funder_organization, starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31))
    regions = [Region.objects.get(slug=slug) for slug in REGIONS]
    categories = [CapacityCategory.objects.get(slug=slug) for slug in CATEGORIES]
    person = UserFactory()
    for n in range(size):
        code = CURRENCIES[(n // 2) % len(CURRENCIES)][0]
        recipient = OrganizationFactory(slug=f"{prefix}-recipient-{n}", region=regions[n % len(regions)])
        kind = ("money", "money", "in_kind", "time")[n % 4]
        starts_on = date(2026, 1 + (n * 5) % 12, 1 + n % 27)
        fields = {"amount": Decimal(1000 + 37 * n), "currency_id": code}
        if code == "KRW":
            fields["amount"] = Decimal(1_000_000 + 12_345 * n)
        if kind == "in_kind":
            fields["description"] = "Laptops"
        if kind == "time":
            fields = {"amount": None, "hours": Decimal("40.50"), "currency_id": code if n % 8 == 3 else None}
            if n % 8 == 3:
                fields["value_per_hour"] = Decimal(30)
        allocation = AllocationFactory(
            fund=fund,
            recipient=recipient,
            kind=kind,
            status=STATUSES[n % len(STATUSES)],
            starts_on=starts_on,
            ends_on=date(2026, 12, 31),
            **fields,
        )
        allocation.categories.set(categories[: 1 + n % 3])
        AllocationMethod.objects.create(allocation=allocation, method=METHODS[n % len(METHODS)])
        if kind == "money" and allocation.status in ("approved", "disbursed", "closed"):
            part = (allocation.amount * Decimal("0.4")).quantize(Decimal(1))
            Expenditure.objects.create(
                allocation=allocation,
                spent_on=starts_on + timedelta(days=20),
                amount=part,
                currency_id=code,
                category="venue",
            )
            if n % 7 in (0, 1):
                Expenditure.objects.create(
                    allocation=allocation,
                    spent_on=starts_on + timedelta(days=40),
                    amount=allocation.amount,
                    currency_id=code,
                    category="travel",
                    overspend_reason="More people came.",
                )
        if n % 3 == 0:
            program = ProgramFactory(provider=recipient, region=regions[(n + 1) % len(regions)])
            allocation.programs.add(program)
            start = datetime(starts_on.year, starts_on.month, starts_on.day, 9, tzinfo=UTC) + timedelta(days=3)
            session = SessionFactory(program=program, starts_at=start, ends_at=start + timedelta(hours=3))
            ActivityReport.objects.create(session=session, participants=10 + n, facilitators=2)
            for _ in range(2):
                Enrollment.objects.create(user=UserFactory(), session=session, status=Enrollment.Status.COMPLETED)
            Enrollment.objects.create(user=person, session=session, status=Enrollment.Status.ENROLLED)
    for code, january, _april in CURRENCIES:
        if january:
            services.usd_recompute(currency_code=code, since=date(2026, 1, 1))
    # Amounts in US dollars need no rate: the services store them rounded to the cent.
    for row in [*Allocation.objects.filter(currency_id="USD"), *Expenditure.objects.filter(currency_id="USD")]:
        value = services.allocation_value(row) if isinstance(row, Allocation) else row.amount
        if value is not None:
            row.usd_amount = services.usd_amount(amount=value, currency_code="USD", on=date(2026, 1, 1)).amount
            row.save(update_fields=["usd_amount"])
    return fund


@pytest.fixture
def funder_client(client, funder):
    client.force_login(funder)
    return client


def allocated_rows(funder_organization):
    return Allocation.objects.filter(fund__funder=funder_organization, status__in=dashboard.ALLOCATED)


# --- figures -------------------------------------------------------------------------------


def test_totals_equal_the_sums_of_the_rounded_usd_of_each_row_to_the_cent(rates, funding_organization):
    build(funding_organization, 24)
    figures = dashboard.figures_for(dashboard.allocations_for(UserFactory(is_superuser=True)))
    expected_allocated = Decimal(0)
    for allocation in allocated_rows(funding_organization):
        converted = services.allocation_usd(allocation=allocation)
        if converted is not None:  # time without a value per hour has no USD
            expected_allocated += converted.amount
    expected_spent = sum(
        (
            services.usd_amount(amount=e.amount, currency_code=e.currency_id, on=e.spent_on).amount
            for e in Expenditure.objects.all()
        ),
        Decimal(0),
    )
    top = figures.headline
    assert top["allocated"] == expected_allocated
    assert top["spent"] == expected_spent
    assert top["remaining"] == expected_allocated - expected_spent
    # Each table's lines add up to the total, to the cent (categories and methods count an allocation in each).
    for name in ("regions", "recipients"):
        lines = figures.tables[name].lines
        assert sum(line.values["allocated"] for line in lines if not line.is_total) == expected_allocated
        assert sum(line.values["spent"] for line in lines if not line.is_total) == expected_spent
    communities = figures.tables["communities"].lines
    assert communities[0].values["allocated"] + communities[1].values["allocated"] == expected_allocated
    assert sum(line.values["allocated"] for line in figures.tables["quarters"].lines) == expected_allocated
    # Several currencies and both months' rates were used, and the footnote says so.
    assert figures.rates["currencies"] == ["EUR", "GBP", "KRW"]
    assert figures.rates["rates"] == 6
    assert (figures.rates["first"], figures.rates["last"]) == (date(2026, 1, 1), date(2026, 4, 1))


def test_pipeline_hours_overspending_and_reach_match_the_row_by_row_figures(rates, funding_organization):
    build(funding_organization, 24)
    allocations = Allocation.objects.filter(fund__funder=funding_organization)
    top = dashboard.headline(allocations)
    rows = list(with_usage(allocations))
    assert top["proposed"] == sum((a.usd_amount or 0 for a in rows if a.status == "proposed"), Decimal(0))
    assert top["overspent"] == sum(1 for a in rows if a.overspent) > 0
    time_rows = [a for a in rows if a.kind == "time" and a.status in dashboard.ALLOCATED]
    assert top["hours_allocated"] == sum((a.hours for a in time_rows), Decimal(0))
    assert top["hours_used"] == hours(sum(a.time_used or 0 for a in time_rows))
    assert top["hours_used"] > 0
    # A time allocation without a value per hour is not "waiting for a rate".
    assert top["unconverted"] == 0
    # The dashboard adds its headline up from its cells by region and quarter, and its time used
    # from the reach query: the same figures as the headline read on its own.
    assert dashboard.figures_for(allocations).headline == top
    reach = dashboard._reach(allocations)
    assert reach == _reach_row_by_row(allocations)
    assert hours(reach["seconds"]) == top["hours_used"]
    funded_sessions = {
        (program.pk, allocation.pk)
        for allocation in allocations.filter(status__in=dashboard.ALLOCATED)
        for program in allocation.programs.all()
    }
    expected = sum(
        report.participants
        for report in ActivityReport.objects.filter(session__program__in={program for program, _a in funded_sessions})
    )
    assert reach["participants"][None] == expected > 0
    assert reach["completed"][None] == 2 * len(funded_sessions)
    # Per method: the sessions of the allocations with that method, each once.
    for method in METHODS:
        programs = {
            program.pk
            for allocation in allocations.filter(status__in=dashboard.ALLOCATED, methods__method=method)
            for program in allocation.programs.all()
        }
        reports = ActivityReport.objects.filter(session__program__in=programs)
        assert reach["participants"][method] == sum(report.participants for report in reports)
        assert reach["completed"][method] == 2 * reports.count()


def test_an_allocation_whose_currency_has_no_rate_is_counted_as_unconverted(funding_organization):
    fund = FundFactory(funder=funding_organization, starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31))
    AllocationFactory(fund=fund, currency_id="NGN", status="approved", amount=Decimal(5000))
    AllocationFactory(
        fund=fund, currency_id="USD", status="approved", amount=Decimal("12.50"), usd_amount=Decimal("12.50")
    )
    top = dashboard.headline(Allocation.objects.all())
    assert (top["unconverted"], top["allocated"]) == (1, Decimal("12.50"))


def test_filters_narrow_every_figure(rates, funding_organization, funder_client):
    build(funding_organization, 20)
    everything = dashboard.figures_for(Allocation.objects.all()).headline
    response = funder_client.get(DASHBOARD, {"region": "south-asia", "status": "approved"})
    assert response.status_code == 200
    shown = response.context["figures"]
    expected = Allocation.objects.filter(recipient__region__slug="south-asia", status="approved")
    assert shown.headline["count"] == expected.count() < everything["count"]
    assert [line.label for line in shown.tables["regions"].lines if not line.is_total] == ["South Asia"]


def test_the_fund_filter_offers_only_the_viewers_funds(rates, funding_organization, funder_client):
    other = build(OrganizationFactory(kind=Organization.Kind.FUNDER), 3, prefix="other")
    build(funding_organization, 3)
    response = funder_client.get(DASHBOARD, {"fund": other.pk})
    assert response.status_code == 200
    assert response.context["figures"] is None
    assert "Select a valid choice" in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        {"starts_from": "not-a-date"},
        {"year": "20x6"},
        {"year": "99999999999999999999"},
        {"quarter": "5"},
        {"region": "nowhere"},
        {"category": "\r\n=cmd"},
        {"fund": "-1"},
        {"fund": "99999999999999999999999"},
        {"region": "south\x00asia"},
        {"category": "x" * 5000},
        {"recipient": "\x00"},
        {"overspent": "2"},
        {"starts_from": "9999-99-99", "starts_to": "2026-01-01"},
        {"status": "spent"},
        {"year": "10000"},
        {"year": "0"},
        {"others": "0"},
        {"unconverted": "2"},
        {"method": "None"},
        {"page": "9999"},
    ],
)
def test_bad_filter_input_is_named_and_never_a_500(rates, funding_organization, funder_client, query):
    build(funding_organization, 3)
    for url in (DASHBOARD, ALLOCATIONS):
        response = funder_client.get(url, query)
        assert response.status_code == 200
    if "page" not in query:
        assert "Some filters are not valid" in funder_client.get(DASHBOARD, query).content.decode()
        assert funder_client.get(reverse("funding:dashboard_csv", args=["regions"]), query).status_code == 400


# --- the page, the drill-down and the downloads ----------------------------------------------


def test_the_dashboard_draws_each_table_with_its_chart(rates, funding_organization, funder_client):
    build(funding_organization, 12)
    response = funder_client.get(DASHBOARD)
    html = response.content.decode()
    for name in dashboard.TABLE_NAMES:
        assert f'id="{name}-heading"' in html
    assert html.count('role="img"') == len(dashboard.TABLE_NAMES)
    assert html.count("<figcaption>") == len(dashboard.TABLE_NAMES)
    assert '<th scope="col">' in html and "<caption>" in html
    assert "overspent=1" in html
    assert "USD at the rate of the month each allocation starts" in html


def test_the_overspent_link_lists_exactly_the_overspent_allocations(rates, funding_organization, funder_client):
    build(funding_organization, 30)
    response = funder_client.get(ALLOCATIONS, {"overspent": "1"})
    listed = {allocation.pk for allocation in response.context["page"].object_list}
    expected = {a.pk for a in with_usage(Allocation.objects.all()) if a.overspent}
    assert listed == expected and listed
    assert all(allocation.overspent for allocation in response.context["page"].object_list)
    assert "Only overspent allocations" in response.content.decode()


def test_the_drill_down_rows_link_to_each_allocation(rates, funding_organization, funder_client):
    build(funding_organization, 4)
    html = funder_client.get(ALLOCATIONS).content.decode()
    allocation = Allocation.objects.first()
    assert f'href="/en/funding/allocations/{allocation.pk}/"' in html


def test_the_drill_down_is_paginated_25_a_page(rates, funding_organization, funder_client):
    build(funding_organization, 27)
    first = funder_client.get(ALLOCATIONS).context["page"]
    second = funder_client.get(ALLOCATIONS, {"page": 2}).context["page"]
    assert (len(first.object_list), len(second.object_list)) == (25, 2)


def read_csv(response):
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def test_each_table_downloads_as_formula_safe_csv_with_the_same_filters(rates, funding_organization, funder_client):
    build(funding_organization, 10)
    Organization.objects.filter(slug="r-recipient-0").update(name='=HYPERLINK("http://evil.example","x")')
    for name in (*dashboard.TABLE_NAMES, "headline", "allocations"):
        response = funder_client.get(reverse("funding:dashboard_csv", args=[name]))
        assert response.status_code == 200, name
        assert response["Content-Disposition"].startswith("attachment")
    rows = read_csv(funder_client.get(reverse("funding:dashboard_csv", args=["recipients"])))
    labels = [row[0] for row in rows]
    assert '\'=HYPERLINK("http://evil.example","x")' in labels
    assert not any(label.startswith("=") for label in labels)
    narrowed = read_csv(funder_client.get(reverse("funding:dashboard_csv", args=["allocations"]), {"kind": "time"}))
    assert {row[4] for row in narrowed[1:]} == {"time"}
    assert funder_client.get("/en/funding/table/nothing.csv").status_code == 404


# --- a fixed number of queries -----------------------------------------------------------------


def queries_of(client, url, data=None):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, data or {})
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    ("url", "data", "ceiling"),
    [
        # The dashboard: its figures from 10 queries (the spending kept added up per allocation, 0007); the
        # allocations: 2 to key the filter form kept rendered (scope, data version), 3 fewer when it is kept.
        (DASHBOARD, None, 20),
        (DASHBOARD, {"region": "south-asia", "category": "communication", "year": "2026"}, 22),
        (ALLOCATIONS, None, 14),
        (ALLOCATIONS, {"overspent": "1"}, 14),
        ("/en/funding/table/regions.csv", None, 15),
        ("/en/funding/table/allocations.csv", None, 5),
    ],
)
def test_the_number_of_queries_does_not_grow_with_the_allocations(
    rates, funding_organization, funder_client, django_assert_max_num_queries, url, data, ceiling
):
    build(funding_organization, 5, prefix="small")
    with django_assert_max_num_queries(ceiling):
        queries_of(funder_client, url, data)
    build(funding_organization, 40, prefix="large")
    with django_assert_max_num_queries(ceiling):
        queries_of(funder_client, url, data)


# --- who sees what -------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "volunteer", "affiliate staff", "funder's plain member"])
def test_people_who_fund_nothing_are_sent_to_the_open_figures(
    rates, funding_organization, client, who, volunteer, staff
):
    build(funding_organization, 4)
    person = {
        "anonymous": None,
        "volunteer": volunteer,
        "affiliate staff": staff,
        "funder's plain member": MembershipFactory(organization=funding_organization, role=Membership.Role.MEMBER).user,
    }[who]
    if person:
        client.force_login(person)
    for url in (DASHBOARD, ALLOCATIONS, "/en/funding/table/regions.csv", "/en/funding/table/allocations.csv"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/accounts/login/" not in response["Location"]
        assert b"recipient" not in response.content


def test_another_funders_staff_sees_none_of_this_funders_figures(rates, funding_organization, funder, client):
    build(funding_organization, 6)
    other_funder = OrganizationFactory(kind=Organization.Kind.FUNDER)
    own = build(other_funder, 2, prefix="own")
    # The first funder loads the very URLs first, so their figures are in the cache.
    first = Client()
    first.force_login(funder)
    theirs = first.get(DASHBOARD).context["figures"].headline
    assert theirs["count"] == 6
    assert first.get(DASHBOARD).context["figures"] is None  # now served from the cache
    first.get(ALLOCATIONS)
    client.force_login(MembershipFactory(organization=other_funder, role=Membership.Role.ADMIN).user)
    response = client.get(DASHBOARD)
    figures = response.context["figures"]
    assert figures is not None  # computed for this funder, not the first funder's cached page
    assert figures.headline["count"] == 2
    html = response.content.decode()
    # The first funder's USD figures, but for those the two funders happen to share (the same made-up spending).
    keys = ("allocated", "disbursed", "spent", "remaining", "proposed")
    mine = {f"{figures.headline[key]:,.2f}" for key in keys}
    their_figures = {f"{theirs[key]:,.2f}" for key in keys if theirs[key]} - mine
    assert len(their_figures) >= 3 and [text for text in their_figures if text in html] == []
    assert "r-recipient" not in html and "6 allocations in view" not in html
    listed = {a.fund_id for a in client.get(ALLOCATIONS).context["page"].object_list}
    assert listed == {own.pk}
    rows = read_csv(client.get("/en/funding/table/allocations.csv"))
    assert {row[1] for row in rows[1:]} == {own.name}
    assert not any("r-recipient" in cell for row in rows for cell in row)
    headline = read_csv(client.get("/en/funding/table/headline.csv"))
    assert headline[1][0] == "2"


def test_a_change_through_the_services_shows_at_once_though_figures_are_cached(
    rates, funding_organization, funder, funder_client
):
    build(funding_organization, 6)
    before = funder_client.get(DASHBOARD).context["figures"].headline
    assert funder_client.get(DASHBOARD).context["figures"] is None  # the same figures, from the cache
    proposed = Allocation.objects.filter(status="proposed", usd_amount__isnull=False).first()
    services.allocation_move(allocation=proposed, to_status="approved", by=funder)
    after = funder_client.get(DASHBOARD).context["figures"].headline
    assert after["allocated"] == before["allocated"] + proposed.usd_amount


def test_the_allocations_list_is_kept_rendered_and_a_change_shows_at_once(
    rates, funding_organization, funder, staff, funder_client
):
    build(funding_organization, 6)
    first = funder_client.get(ALLOCATIONS, {"kind": "money"})
    assert first.context["page"] is not None
    again = funder_client.get(ALLOCATIONS, {"kind": "money"})
    assert "page" not in again.context  # from the cache: no query read the allocations
    table = re.compile(r"<table.*</table>", re.DOTALL)  # the rest of the page has its nonces
    assert table.search(again.content.decode()).group() == table.search(first.content.decode()).group()
    assert funder_client.get(ALLOCATIONS, {"kind": "money", "page": "2"}).context["page"].number == 1  # its own key
    spending = Allocation.objects.filter(kind="money", status="approved").first()
    Expenditure.objects.create(
        allocation=spending, spent_on=spending.starts_on, amount=Decimal("12345.6700"), currency_id=spending.currency_id
    )
    after = funder_client.get(ALLOCATIONS, {"kind": "money"})
    shown = {allocation.pk: allocation.spent for allocation in after.context["page"].object_list}
    assert shown[spending.pk] == with_usage(Allocation.objects.filter(pk=spending.pk)).get().spent
    assert table.search(after.content.decode()).group() != table.search(first.content.decode()).group()


def test_a_funder_without_funds_is_told_how_to_start(funder_client):
    response = funder_client.get(DASHBOARD)
    assert response.status_code == 200
    assert "has no fund yet" in response.content.decode()


def test_the_funders_staff_and_stewards_see_the_figures(rates, funding_organization, funder_client, client, steward):
    build(funding_organization, 6)
    build(OrganizationFactory(kind=Organization.Kind.FUNDER), 3, prefix="elsewhere")
    assert funder_client.get(DASHBOARD).context["figures"].headline["count"] == 6
    client.force_login(steward)
    assert client.get(DASHBOARD).context["figures"].headline["count"] == 9


# --- the chart builder -----------------------------------------------------------------------------


def test_bars_are_proportional_and_mirror_in_right_to_left_languages():
    chart = bar_chart(title="Allocated", labels=["A", "B", "C"], series=[[Decimal(100), Decimal(50), None]])
    first, second, third = (category.bars[0] for category in chart.categories)
    assert second.width == pytest.approx(first.width / 2)
    assert third.width == 0
    mirrored = bar_chart(title="Allocated", labels=["A", "B", "C"], series=[[100, 50, 0]], rtl=True)
    bar = mirrored.categories[0].bars[0]
    assert bar.x + bar.width == pytest.approx(chart.width - first.x)
    assert (mirrored.label_anchor, mirrored.value_anchor) == ("start", "end")


def test_a_chart_with_two_series_has_a_legend_and_refuses_uneven_series():
    chart = bar_chart(title="t", labels=["x", "y"], series=[[1, 2], [3, 4]], series_names=["one", "two"])
    assert [item.name for item in chart.legend] == ["one", "two"]
    assert [len(category.bars) for category in chart.categories] == [2, 2]
    with pytest.raises(ValueError):
        bar_chart(title="t", labels=["x"], series=[[1, 2]])
    assert bar_chart(title="t", labels=[], series=[[]]).is_empty


# --- every figure and line links to the allocations behind it ---------------------------------------


def listed(client, query):
    """(count, allocated USD, proposed USD, spent USD, hours, hours used) of the list a link gives.

    Two lines can link to the same list; the list is kept rendered, so the cache is emptied
    first for the page object to be read from this request.
    """
    cache.clear()
    response = client.get(ALLOCATIONS + ("?" + query if query else ""))
    assert response.status_code == 200, query
    assert "Some filters are not valid" not in response.content.decode(), query
    rows = list(with_usage(response.context["filterset"].qs))
    assert response.context["page"].paginator.count == len(rows)
    return {
        "count": len(rows),
        "usd": sum((a.usd_amount or 0 for a in rows), Decimal(0)),
        "allocated": sum((a.usd_amount or 0 for a in rows if a.status in dashboard.ALLOCATED), Decimal(0)),
        "proposed": sum((a.usd_amount or 0 for a in rows if a.status == "proposed"), Decimal(0)),
        "spent": sum((a.spent_usd or 0 for a in rows), Decimal(0)),
        "hours": sum((a.hours or 0 for a in rows), Decimal(0)),
        "hours_used": hours(sum(a.time_used or 0 for a in rows)) or Decimal("0.00"),
        "statuses": {a.status for a in rows},
        "kinds": {a.kind for a in rows},
    }


def headline_links(html):
    """{figure label: the query of its link, or None} from the rendered headline."""
    links = {}
    for label, href in re.findall(r"<dt>(.*?)</dt><dd>(?:<a href=\"([^\"]*)\">)?", html):
        links[label.replace("&#x27;", "'")] = None if not href else href.partition("?")[2].replace("&amp;", "&")
    return links


def test_every_headline_figure_links_to_the_allocations_it_adds_up(rates, funding_organization, funder_client):
    fund = build(funding_organization, 24)
    # Two allocations waiting for a rate (no NGN rate), so that figure is not nought.
    for n in range(2):
        AllocationFactory(fund=fund, currency_id="NGN", status="approved", amount=Decimal(5000 + n))
    html = funder_client.get(DASHBOARD).content.decode()
    top = dashboard.headline(Allocation.objects.all())
    links = headline_links(html)
    assert len(links) == 9 and None not in links.values(), links
    allocated = listed(funder_client, links["Allocated (USD)"])
    assert allocated["usd"] == top["allocated"] and allocated["statuses"] == set(dashboard.ALLOCATED)
    disbursed = listed(funder_client, links["Disbursed (USD)"])
    assert disbursed["usd"] == top["disbursed"] and disbursed["statuses"] == set(dashboard.DISBURSED)
    assert listed(funder_client, links["Spent (USD)"])["spent"] == top["spent"] > 0
    remaining = listed(funder_client, links["Remaining (USD)"])
    assert remaining["usd"] - remaining["spent"] == top["remaining"]
    proposed = listed(funder_client, links["Proposed (USD)"])
    assert (proposed["usd"], proposed["count"]) == (top["proposed"], top["proposed_count"])
    time = listed(funder_client, links["Hours of people's time allocated"])
    assert time["hours"] == top["hours_allocated"] and time["kinds"] == {"time"}
    used = listed(funder_client, links["Hours used (facilitators at reported sessions)"])
    assert used["hours_used"] == top["hours_used"] > 0
    assert listed(funder_client, links["Overspent allocations"])["count"] == top["overspent"] > 0
    unconverted = listed(funder_client, links["Allocations without a USD value (no rate yet)"])
    assert unconverted["count"] == top["unconverted"] == 2
    assert "Only allocations without a USD value" in funder_client.get(ALLOCATIONS + "?unconverted=1").content.decode()


def test_a_headline_link_keeps_the_status_chosen(rates, funding_organization, funder_client):
    build(funding_organization, 10)
    links = headline_links(funder_client.get(DASHBOARD, {"status": "disbursed"}).content.decode())
    shown = funder_client.get(DASHBOARD, {"status": "disbursed"})
    assert "status=disbursed" in links["Allocated (USD)"]
    assert listed(funder_client, links["Allocated (USD)"])["statuses"] == {"disbursed"}
    assert links["Proposed (USD)"] is None  # nothing proposed is in view: a nought, no link
    assert shown.status_code == 200


@pytest.mark.parametrize("base", ["", "category=governance", "method=workshop&status=committed"])
def test_every_table_line_equals_the_list_behind_it(rates, funding_organization, funder_client, base):
    build(funding_organization, 24)
    response = funder_client.get(DASHBOARD + "?" + base)
    figures = response.context["figures"]
    # Few largest recipients, so that "All other recipients" has a line.
    in_view = response.context["filterset"].qs
    figures.tables["recipients"] = dashboard.figures_for(in_view, top=3).tables["recipients"]
    checked = set()
    for name, table in figures.tables.items():
        for line in table.lines:
            if name == "trend" and not line.values["emerging"]:
                continue  # nothing to emerging communities that quarter
            assert line.drill is not None, (name, line.label)
            if "count" not in line.values or not line.values["count"]:
                continue
            behind = listed(funder_client, drill_query(base, **line.drill))
            for key in ("count", "allocated", "proposed", "spent"):
                assert line.values[key] == behind[key], (name, line.label, key)
            checked.add(line.label)
    assert {"All other recipients", "Total"} <= checked
    assert len(checked) > 12


def test_a_trend_line_lists_the_emerging_communities_allocations_of_its_quarter(
    rates, funding_organization, funder_client
):
    build(funding_organization, 24)
    figures = funder_client.get(DASHBOARD).context["figures"]
    checked = 0
    for line in figures.tables["trend"].lines:
        if line.drill is None:
            assert not line.values["emerging"]
            continue
        behind = listed(funder_client, drill_query("", **line.drill))
        assert behind["allocated"] == line.values["emerging"]
        checked += 1
    assert checked
    # Established communities only: no emerging allocation, so no trend line links anywhere.
    established = funder_client.get(DASHBOARD, {"community": "established"}).context["figures"]
    assert all(line.drill is None for line in established.tables["trend"].lines)


def test_lines_without_a_capacity_or_a_method_link_to_those_allocations(rates, funding_organization, funder_client):
    fund = build(funding_organization, 6)
    bare = AllocationFactory(fund=fund, currency_id="USD", status="approved", amount=Decimal(70), usd_amount=70)
    figures = funder_client.get(DASHBOARD).context["figures"]
    for name, label in (("categories", "No purpose given"), ("methods", "No method given")):
        line = next(line for line in figures.tables[name].lines if line.label == label)
        behind = funder_client.get(ALLOCATIONS, line.drill).context["page"]
        assert [a.pk for a in behind.object_list] == [bare.pk]
        assert line.values["count"] == 1 and line.values["allocated"] == Decimal(70)


# --- capacity families ------------------------------------------------------------------------------


def test_a_capacity_line_counts_its_childrens_allocations_once_each(funding_organization, funder_client):
    parent = CapacityCategory.objects.create(slug="zz-parent", name="Zz parent")
    first = CapacityCategory.objects.create(slug="zz-child-1", name="Zz child one", parent=parent)
    second = CapacityCategory.objects.create(slug="zz-child-2", name="Zz child two", parent=parent)
    elsewhere = CapacityCategory.objects.create(slug="zz-other", name="Zz other")
    fund = FundFactory(funder=funding_organization, starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31))

    def allocation(usd, status, *categories):
        made = AllocationFactory(fund=fund, currency_id="USD", status=status, amount=usd, usd_amount=usd)
        made.categories.set(categories)
        return made

    allocation(Decimal(100), "approved", first, second)  # two children of one family: once
    allocation(Decimal(20), "approved", parent)
    allocation(Decimal(3), "proposed", first, elsewhere)  # two families: under each
    allocation(Decimal(4000), "approved", elsewhere)
    figures = funder_client.get(DASHBOARD).context["figures"]
    lines = {line.label: line for line in figures.tables["categories"].lines}
    assert "Zz child one" not in lines and "Zz child two" not in lines
    family = lines["Zz parent"]
    assert family.drill == {"category": "zz-parent"}
    assert (family.values["count"], family.values["allocated"], family.values["proposed"]) == (
        3,
        Decimal(120),
        Decimal(3),
    )
    assert (lines["Zz other"].values["count"], lines["Zz other"].values["allocated"]) == (2, Decimal(4000))
    behind = listed(funder_client, drill_query("", **family.drill))
    assert (behind["count"], behind["allocated"], behind["proposed"]) == (3, Decimal(120), Decimal(3))
    assert [line.label for line in figures.tables["categories"].lines] == ["Zz other", "Zz parent"]
    # With a child chosen, each family line and its list still agree (the link adds the family, not replaces).
    narrowed = funder_client.get(DASHBOARD, {"category": "zz-child-1"}).context["figures"]
    lines = {line.label: line for line in narrowed.tables["categories"].lines}
    assert {label: line.values["count"] for label, line in lines.items()} == {"Zz parent": 2, "Zz other": 1}
    for line in lines.values():
        query = drill_query("category=zz-child-1", **line.drill)
        assert listed(funder_client, query)["count"] == line.values["count"]
    words = funder_client.get(ALLOCATIONS + "?" + drill_query("category=zz-child-1", **lines["Zz other"].drill))
    assert "Also for the capacity Zz other" in words.content.decode()


# --- years, hours used, rates, shares, money --------------------------------------------------------


def test_quarter_and_trend_links_of_a_far_year_give_a_valid_list(funding_organization, funder_client):
    fund = FundFactory(funder=funding_organization, starts_on=date(5000, 1, 1), ends_on=date(5000, 12, 31))
    far = AllocationFactory(
        fund=fund,
        currency_id="USD",
        status="approved",
        amount=Decimal(9),
        usd_amount=Decimal(9),
        starts_on=date(5000, 5, 2),
        ends_on=date(5000, 6, 1),
        recipient=OrganizationFactory(region=Region.objects.get(slug="south-asia")),
    )
    figures = funder_client.get(DASHBOARD).context["figures"]
    for name in ("quarters", "trend"):
        (line,) = figures.tables[name].lines
        assert line.drill["year"] == 5000
        response = funder_client.get(ALLOCATIONS, line.drill)
        assert "Some filters are not valid" not in response.content.decode()
        assert [a.pk for a in response.context["page"].object_list] == [far.pk]
    assert funder_client.get(ALLOCATIONS, {"year": "1"}).context["page"] is not None
    assert funder_client.get(ALLOCATIONS, {"year": "9999"}).context["page"] is not None


def test_a_session_two_time_allocations_fund_counts_once_in_hours_used(funding_organization):
    fund = FundFactory(funder=funding_organization, starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31))
    recipient = OrganizationFactory()
    program = ProgramFactory(provider=recipient)
    for _ in range(2):
        time = AllocationFactory(
            fund=fund,
            recipient=recipient,
            kind="time",
            status="approved",
            amount=None,
            currency_id=None,
            hours=Decimal(10),
            starts_on=date(2026, 1, 1),
            ends_on=date(2026, 12, 31),
        )
        time.programs.add(program)
    start = datetime(2026, 3, 2, 9, tzinfo=UTC)
    session = SessionFactory(program=program, starts_at=start, ends_at=start + timedelta(hours=3))
    ActivityReport.objects.create(session=session, participants=12, facilitators=2)
    top = dashboard.headline(Allocation.objects.all())
    assert top["hours_used"] == Decimal("6.00")  # 3 hours × 2 facilitators, once
    assert top["hours_allocated"] == Decimal(20)


def _reach_row_by_row(allocations):
    """What _reach must give, from each session in Python: the rule of funded_sessions, read one row at a time."""
    funded = {}  # session → the methods of the allocations that fund it on its day
    for allocation in allocations.filter(status__in=dashboard.ALLOCATED):
        methods = {row.method for row in allocation.methods.all()}
        for program in allocation.programs.all():
            for session in program.sessions.filter(is_cancelled=False):
                if allocation.starts_on <= session.starts_at.date() <= allocation.ends_on:
                    funded.setdefault(session, set()).update(methods)
    participants = {None: 0, **{method: 0 for method, _label in Program.Method.choices}}
    completed = dict(participants)
    by_region = {}
    timed = {  # the sessions allocated time allocations fund, each once, with their report
        session: session.report
        for allocation in allocations.filter(status__in=dashboard.ALLOCATED, kind="time")
        for program in allocation.programs.all()
        for session in program.sessions.filter(is_cancelled=False, report__isnull=False)
        if allocation.starts_on <= session.starts_at.date() <= allocation.ends_on
    }
    seconds = [(s.ends_at - s.starts_at).total_seconds() * report.facilitators for s, report in timed.items()]
    for session, methods in funded.items():
        people = ActivityReport.objects.filter(session=session).values_list("participants", flat=True).first() or 0
        done = session.enrollments.filter(status=Enrollment.Status.COMPLETED).count()
        for method in {None, *methods}:
            participants[method] += people
            completed[method] += done
        by_region[session.program.region_id] = by_region.get(session.program.region_id, 0) + people
    return {
        "participants": participants,
        "completed": completed,
        "by_region": by_region,
        "seconds": sum(seconds) if seconds else None,
    }


def test_reach_counts_a_session_once_however_many_allocations_and_methods_fund_it(funding_organization):
    fund = FundFactory(funder=funding_organization, starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31))
    recipient = OrganizationFactory()
    asia, africa, america = (
        Region.objects.get(slug=slug) for slug in ("south-asia", "sub-saharan-africa", "north-america")
    )
    shared = ProgramFactory(provider=recipient, region=asia)
    alone = ProgramFactory(provider=recipient, region=africa)
    elsewhere = ProgramFactory(provider=recipient, region=america)

    def allocation(status, methods, programs, starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31)):
        made = AllocationFactory(
            fund=fund, recipient=recipient, status=status, currency_id="USD", starts_on=starts_on, ends_on=ends_on
        )
        for method in methods:
            AllocationMethod.objects.create(allocation=made, method=method)
        made.programs.set(programs)
        return made

    allocation("approved", ["workshop", "mentoring"], [shared])
    allocation("disbursed", ["workshop"], [shared, elsewhere])  # the shared program twice for "workshop"
    allocation("closed", [], [alone])  # no method: in the total and its region only
    allocation("proposed", ["online_course"], [alone])  # the pipeline reaches no one
    allocation("approved", ["online_course"], [alone], starts_on=date(2026, 6, 1))  # only its period's sessions

    def session(program, day, participants, done, *, cancelled=False):
        start = datetime(2026, day // 100, day % 100, 9, tzinfo=UTC)
        made = SessionFactory(program=program, starts_at=start, ends_at=start + timedelta(hours=2))
        made.is_cancelled = cancelled
        made.save(update_fields=["is_cancelled"])
        if participants is not None:  # None: held, its enrollments completed, not reported yet
            ActivityReport.objects.create(session=made, participants=participants, facilitators=1)
        for _ in range(done):
            Enrollment.objects.create(user=UserFactory(), session=made, status=Enrollment.Status.COMPLETED)
        Enrollment.objects.create(user=UserFactory(), session=made, status=Enrollment.Status.ENROLLED)

    session(shared, 302, 11, 2)
    session(shared, 405, 7, 1)
    session(shared, 406, 50, 5, cancelled=True)
    session(alone, 210, 13, 3)  # before the online course's period
    session(alone, 710, 17, 4)
    session(elsewhere, 512, 19, 0)
    session(shared, 820, None, 6)
    session(elsewhere, 901, None, 2)  # its region's only other session: 19 people still
    allocations = Allocation.objects.filter(fund=fund)
    reach = dashboard._reach(allocations)
    assert reach == _reach_row_by_row(allocations)
    assert reach["participants"][None] == 11 + 7 + 13 + 17 + 19
    assert reach["participants"]["workshop"] == 11 + 7 + 19  # each session once, though two allocations fund it
    assert reach["participants"]["online_course"] == 17
    assert reach["completed"]["mentoring"] == 3 + 6
    assert reach["completed"][None] == 2 + 1 + 3 + 4 + 0 + 6 + 2
    assert reach["by_region"] == {asia.pk: 18, africa.pk: 30, america.pk: 19}
    # Narrowed to one allocation, only its sessions.
    narrowed = allocations.filter(methods__method="mentoring")
    assert dashboard._reach(narrowed) == _reach_row_by_row(narrowed)
    assert dashboard._reach(allocations.filter(status="proposed"))["participants"][None] == 0
    # Allocations that can match nothing (no funds to read): nobody reached, no query to fail.
    nobody = dashboard._reach(Allocation.objects.filter(fund_id__in=[]))
    assert nobody["participants"][None] == nobody["completed"]["workshop"] == 0 and nobody["by_region"] == {}
    assert dashboard._by_category_family(Allocation.objects.none()) == []


def test_the_drill_down_says_which_rates_its_usd_used(rates, funding_organization, funder_client):
    build(funding_organization, 8)
    response = funder_client.get(ALLOCATIONS, {"kind": "money"})
    html = response.content.decode()
    assert "USD at the rate of the month each allocation starts" in html
    assert response.context["rates"] == dashboard.rates_in_view(Allocation.objects.filter(kind="money"))
    assert response.context["rates"]["rates"] > 0
    for code in response.context["rates"]["currencies"]:
        assert code in html


def test_shares_are_written_with_the_languages_own_percent_form(monkeypatch):
    from resources import dashboard_views

    monkeypatch.setattr(dashboard_views, "_", lambda text: "%(share)s٪" if text == "%(share)s %%" else text)
    assert dashboard_views._format(Decimal("12.5"), "share") == "12.5٪"


def test_the_methods_table_uses_the_vocabularys_labels(rates, funding_organization, funder_client):
    build(funding_organization, 6)
    figures = funder_client.get(DASHBOARD).context["figures"]
    lines = figures.tables["methods"].lines
    assert {line.drill["method"] for line in lines} == set(METHODS)
    labels = dict(Program.Method.choices)
    assert [line.label for line in lines] == [str(labels[line.drill["method"]]) for line in lines]


def test_money_totals_across_currencies_are_the_hand_computed_sums(rates, funding_organization, funder_client):
    fund = FundFactory(funder=funding_organization, starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31))

    def allocation(code, amount, starts_on, status="approved"):
        return AllocationFactory(
            fund=fund, currency_id=code, amount=Decimal(amount), status=status, starts_on=starts_on
        )

    eur = allocation("EUR", "1234.56", date(2026, 1, 15))  # × 1.10 = 1358.016 → 1358.02
    allocation("EUR", "10.10", date(2026, 4, 10), "disbursed")  # × 1.05 = 10.605 → 10.60 (half to even)
    gbp = allocation("GBP", "999.99", date(2026, 5, 3), "closed")  # × 1.25 = 1249.9875 → 1249.99
    allocation("KRW", "1234567", date(2026, 2, 1))  # × 0.00074 = 913.57958 → 913.58
    allocation("KRW", "50000", date(2026, 6, 1), "proposed")  # × 0.00071 = 35.50
    Expenditure.objects.create(
        allocation=gbp, spent_on=date(2026, 5, 20), amount=Decimal("100.02"), currency_id="GBP", category="venue"
    )  # × 1.25 = 125.025 → 125.02 (half to even)
    Expenditure.objects.create(
        allocation=eur, spent_on=date(2026, 2, 1), amount=Decimal("0.05"), currency_id="EUR", category="venue"
    )  # × 1.10 = 0.055 → 0.06
    for code in ("EUR", "GBP", "KRW"):
        services.usd_recompute(currency_code=code, since=date(2026, 1, 1))
    top = funder_client.get(DASHBOARD).context["figures"].headline
    assert top["allocated"] == Decimal("3532.19")  # 1358.02 + 10.60 + 1249.99 + 913.58
    assert top["disbursed"] == Decimal("1260.59")  # 10.60 + 1249.99
    assert top["proposed"] == Decimal("35.50")
    assert top["spent"] == Decimal("125.08")  # 125.02 + 0.06
    assert top["remaining"] == Decimal("3407.11")
    html = funder_client.get(DASHBOARD, {"status": "committed"}).content.decode()
    assert "3,532.19" in html


# --- the tables' rows, drawn without the template engine ----------------------------------------

ROWS_REFERENCE = Template(
    """{% load i18n %}{% url 'funding:allocations' as allocations_url %}
      {% for line, cells, drill in rows %}
      <tr{% if line.is_total %} class="total"{% endif %}>
        <th scope="row">{{ line.label }}</th>
        {% for column, text in cells %}<td class="{% if column.kind == 'text' %}text{% else %}number{% endif %}">{{ text }}</td>{% endfor %}
        <td>{% if drill is not None %}<a href="{{ allocations_url }}{% if drill %}?{{ drill }}{% endif %}">{% translate "List" %}<span class="visually-hidden"> {% blocktranslate with line=line.label %}the allocations of {{ line }}{% endblocktranslate %}</span></a>{% endif %}</td>
      </tr>
      {% endfor %}"""
)


@pytest.mark.parametrize("language", ["en", "ar", "ko"])
def test_the_table_rows_are_the_markup_the_template_drew(rates, funding_organization, language):
    """dashboard_views._table_body against the template it replaced (kept above as the reference)."""
    from resources import dashboard_views

    build(funding_organization, 12)
    with translation.override(language):
        figures = dashboard.figures_for(Allocation.objects.all())
        query = "region=south-asia&status=committed"
        for table in figures.tables.values():
            rows = [
                (
                    line,
                    [(column, dashboard_views._format(value, column.kind)) for column, value in cells],
                    dashboard_views._drill(query, line),
                )
                for line, cells in table.rows
            ]
            ours = re.sub(r">\s+<", "><", str(dashboard_views._table_body(rows))).strip()
            reference = re.sub(r">\s+<", "><", ROWS_REFERENCE.render(Context({"rows": rows}))).strip()
            assert ours == reference, table.name
        # A hostile label (an organization's name) and drill-down: escaped alike.
        column = dashboard.Column("count", "Allocations", "count")
        hostile = dashboard.Line('<script>alert("x")</script> & Co', {"count": 1}, {"recipient": '"><x'})
        rows = [(hostile, [(column, "1")], dashboard_views._drill(query, hostile))]
        ours = str(dashboard_views._table_body(rows))
        assert (
            re.sub(r">\s+<", "><", ours).strip()
            == re.sub(r">\s+<", "><", ROWS_REFERENCE.render(Context({"rows": rows}))).strip()
        )
        assert "<script>" not in ours and "&lt;script&gt;" in ours and '"><x' not in ours
