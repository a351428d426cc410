"""The funder dashboard: its figures are exact sums in SQL, filtered, drilled into, downloaded, and private."""

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from capacity.charts import bar_chart
from capacity.models import CapacityCategory, Region
from programs.models import ActivityReport, Enrollment, Program
from resources import dashboard, services
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
    reach = dashboard._reach(allocations)
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
        {"status": "paid"},
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
    ("url", "data"),
    [
        (DASHBOARD, None),
        (DASHBOARD, {"region": "south-asia", "category": "communication", "year": "2026"}),
        (ALLOCATIONS, None),
        (ALLOCATIONS, {"overspent": "1"}),
        ("/en/funding/table/regions.csv", None),
        ("/en/funding/table/allocations.csv", None),
    ],
)
def test_the_number_of_queries_does_not_grow_with_the_allocations(
    rates, funding_organization, funder_client, django_assert_max_num_queries, url, data
):
    build(funding_organization, 5, prefix="small")
    small = queries_of(funder_client, url, data)
    build(funding_organization, 40, prefix="large")
    with django_assert_max_num_queries(small):
        queries_of(funder_client, url, data)
    assert small <= 40


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


def test_another_funders_staff_sees_none_of_this_funders_figures(rates, funding_organization, client):
    build(funding_organization, 6)
    other_funder = OrganizationFactory(kind=Organization.Kind.FUNDER)
    own = build(other_funder, 2, prefix="own")
    client.force_login(MembershipFactory(organization=other_funder, role=Membership.Role.ADMIN).user)
    figures = client.get(DASHBOARD).context["figures"]
    assert figures.headline["count"] == 2
    listed = {a.fund_id for a in client.get(ALLOCATIONS).context["page"].object_list}
    assert listed == {own.pk}
    rows = read_csv(client.get("/en/funding/table/allocations.csv"))
    assert {row[1] for row in rows[1:]} == {own.name}
    assert not any("r-recipient" in cell for row in rows for cell in row)


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


def test_methods_are_the_vocabularys():
    assert set(METHODS) <= set(Program.Method.values)
