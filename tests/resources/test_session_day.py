"""A session's day is its start's date in the site's time zone, whoever is looking.

Requests run in the reader's time zone (stakeholders.middleware), and the figures of an
allocation's period ("sessions held within it") once read the date of a session in it: a
session starting at 22:00 UTC on the eve of the period counted for a reader in Tokyo and
not for one in London, and the funder dashboard, cached without the time zone, served one
reader's figures to the other. Every figure here must be the same in every time zone,
and the same as the cost-per-participant measurements, made in a task (in UTC).
"""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from capacity.dates import site_date_of, within_site_days
from evaluation import measurements
from evaluation.models import Measurement
from programs.models import ActivityReport, Enrollment, Session
from resources import dashboard, services, workflow_selectors
from resources.models import Allocation, AllocationMethod
from resources.selectors import with_usage
from tests.factories import FundFactory, OrganizationFactory, ProgramFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db

# Where the session's start is another date than in UTC: a day later east, a day earlier west.
EAST, WEST = "Pacific/Kiritimati", "Pacific/Pago_Pago"  # UTC+14, UTC−11


@pytest.fixture
def funded(funding_organization, funder):
    """An approved time allocation from 1 April, and two sessions of its program: one at 22:00 UTC on
    31 March (1 April in the east), one at 02:00 UTC on 1 April (31 March in the west)."""
    recipient = OrganizationFactory()
    program = ProgramFactory(provider=recipient)
    fund = FundFactory(funder=funding_organization, starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31))
    allocation = services.allocation_save(
        allocation=Allocation(
            fund=fund,
            recipient=recipient,
            kind="time",
            hours=Decimal(10),
            amount=None,
            currency_id="USD",
            value_per_hour=Decimal(30),
            starts_on=date(2026, 4, 1),
            ends_on=date(2026, 12, 31),
        ),
        by=funder,
    )
    services.allocation_move(allocation=allocation, to_status="approved", by=funder)
    allocation.programs.add(program)
    AllocationMethod.objects.create(allocation=allocation, method="workshop")
    sessions = {}
    for name, start, participants in (
        ("eve", datetime(2026, 3, 31, 22, tzinfo=UTC), 7),
        ("first", datetime(2026, 4, 1, 2, tzinfo=UTC), 11),
    ):
        session = SessionFactory(program=program, starts_at=start, ends_at=start + timedelta(hours=2))
        ActivityReport.objects.create(session=session, participants=participants, facilitators=1)
        Enrollment.objects.create(user=UserFactory(), session=session, status=Enrollment.Status.COMPLETED)
        sessions[name] = session
    allocation.refresh_from_db()
    return allocation, sessions


def _in_each_zone(read):
    """What `read` gives in UTC, far east and far west (a dict by zone)."""
    found = {}
    for zone in ("UTC", EAST, WEST):
        with timezone.override(zone):
            found[zone] = read()
    return found


def test_the_dashboard_reach_and_hours_used_count_the_sessions_of_the_utc_day(funded):
    allocation, _sessions = funded
    allocations = Allocation.objects.filter(pk=allocation.pk)

    def read():
        reach = dashboard._reach(allocations)
        return reach["participants"][None], reach["completed"][None], reach["seconds"]

    # Only the session of 1 April UTC: 11 people, 1 completed, 2 hours × 1 facilitator.
    assert _in_each_zone(read) == dict.fromkeys(("UTC", EAST, WEST), (11, 1, 7200.0))
    used = _in_each_zone(lambda: with_usage(allocations).get().time_used)
    assert used == dict.fromkeys(("UTC", EAST, WEST), 7200.0)


def test_an_allocations_programs_and_sessions_count_the_sessions_of_the_utc_day(funded):
    allocation, sessions = funded

    def read():
        programs = [
            (program.participants, program.reports) for program in workflow_selectors.funded_programs(allocation)
        ]
        return programs, [session.pk for session in workflow_selectors.counted_sessions(allocation)]

    assert _in_each_zone(read) == dict.fromkeys(("UTC", EAST, WEST), ([(11, 1)], [sessions["first"].pk]))


def test_the_measurements_are_the_same_whoever_made_them(funded):
    allocation, sessions = funded
    reports = [sessions["eve"].report.pk, sessions["first"].report.pk]
    made = {}
    for zone in ("UTC", EAST, WEST):
        with timezone.override(zone):
            measurements.activity_report_measure(report_ids=reports)
            measurements.allocation_measure(allocation_ids=[allocation.pk])
        made[zone] = sorted(
            Measurement.objects.filter(
                indicator__code__in=("participants", "cost_per_participant"), dimension="", category__isnull=True
            ).values_list("indicator__code", "date", "people")
        )
    # The eve's report dated 31 March and the first session's 1 April, as in UTC; the cost
    # per participant reaches the first session's 11 people alone.
    assert made["UTC"] == [
        ("cost_per_participant", date(2026, 4, 1), 11),
        ("participants", date(2026, 3, 31), 7),
        ("participants", date(2026, 4, 1), 11),
    ]
    assert made[EAST] == made["UTC"] and made[WEST] == made["UTC"]


def test_a_reader_far_east_sees_the_figures_a_reader_in_utc_sees(funded, funder, client):
    """Through the middleware that sets the reader's time zone; the dashboard's cache, keyed without
    it, then serves a reader in UTC the very page the reader far east was given."""
    funder.time_zone = EAST
    funder.save(update_fields=["time_zone"])
    client.force_login(funder)
    east = client.get("/en/funding/")
    assert east.context["figures"].headline["hours_used"] == Decimal("2.00")  # 1 April UTC alone: 2 hours × 1
    funder.time_zone = "UTC"
    funder.save(update_fields=["time_zone"])
    utc = client.get("/en/funding/")
    assert utc.context["figures"] is None  # from the cache
    assert utc.context["figures_html"] == east.context["figures_html"]


@pytest.mark.parametrize("zone", ["UTC", "Asia/Tokyo", "Pacific/Pago_Pago", "America/Santiago"])
def test_a_period_is_its_days_in_the_site_time_zone_to_the_ends_of_the_calendar(zone, settings):
    """No 500 for a period from the calendar's first day or to its last, in any site time zone."""
    settings.TIME_ZONE = zone
    local = ZoneInfo(zone)
    program = ProgramFactory()
    starts = [
        datetime(2026, 3, 31, 23, 59, tzinfo=local),
        datetime(2026, 4, 1, 0, 0, tzinfo=local),
        datetime(2026, 4, 30, 23, 59, tzinfo=local),
        datetime(2026, 5, 1, 0, 0, tzinfo=local),
    ]
    for start in starts:
        SessionFactory(program=program, starts_at=start, ends_at=start + timedelta(hours=1))

    def held(first, last):
        return sorted(
            Session.objects.filter(within_site_days("starts_at", first, last), program=program).values_list(
                "starts_at", flat=True
            )
        )

    assert held(date(2026, 4, 1), date(2026, 4, 30)) == starts[1:3]
    assert held(date.min, date(2026, 4, 30)) == starts[:3]
    assert held(date(2026, 4, 1), date.max) == starts[1:]
    assert held(date.min, date.max) == starts
    assert [site_date_of(start) for start in starts] == [
        date(2026, 3, 31),
        date(2026, 4, 1),
        date(2026, 4, 30),
        date(2026, 5, 1),
    ]
