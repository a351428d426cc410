"""What the learning-report pages read: the published report rows, the builds, and the names of things.

Pages and downloads read ReportRow (never Measurement): a row's figures only when the
privacy gate let them out (`shown`), and otherwise only the fact that it is hidden.
Every function here runs a fixed number of queries, whatever the number of regions,
periods or indicators.
"""

import re

from django.db import connection
from django.db.models import Max, Q

from capacity.models import CapacityCategory, Region
from programs.models import Program
from stakeholders.models import Organization

from .models import ReportBuild, ReportBuilt, ReportRow, Scope

# pg_advisory_xact_lock namespace for rebuild requests (evaluation.reports uses 8010 for its years).
REBUILD_REQUEST_LOCK = 8_011
# Rendered report pages are kept in the cache under this version, which
# evaluation.reports.year_replace moves on whenever it replaces a year's rows.
REPORTS_VERSION_KEY = "evaluation:reports-version"
# The movement's report has an empty scope key; its address says "all".
MOVEMENT_KEY = "all"
PERIOD = re.compile(r"^(?P<year>[0-9]{4})(?:-Q(?P<quarter>[1-4]))?\Z")
# What a row's published side is: everything else (n, sums, numerator) stays in the database.
PUBLISHED_FIELDS = ("indicator_id", "breakdown", "breakdown_key", "period", "shown", "n", "value", "low", "high")


def parse_period(text):
    """The period "2026" or "2026-Q3" as it is, or None for anything else (too long, hostile, empty)."""
    if not isinstance(text, str) or len(text) > 7:
        return None
    return text if PERIOD.match(text) else None


def period_sort_key(period):
    """Years and quarters in time order; a year before its quarters."""
    year, _sep, quarter = period.partition("-Q")
    return (int(year), int(quarter or 0))


def is_quarter(period):
    return "-Q" in period


def scope_key_of(scope, url_key):
    """The stored scope key for an address's key: the movement's is empty ("all" in addresses)."""
    if scope == Scope.MOVEMENT:
        return "" if url_key == MOVEMENT_KEY else None
    return url_key


def url_key_of(scope, scope_key):
    return MOVEMENT_KEY if scope == Scope.MOVEMENT else scope_key


def reports_built():
    """Each scope and key that has report rows, with when it was last built: one query.

    Read from what each year's build kept of it (ReportBuilt, a row per year and report),
    not from the rows themselves.
    """
    return list(
        ReportBuilt.objects.values("scope", "scope_key")
        .annotate(built_at=Max("built_at"))
        .order_by("scope", "scope_key")
    )


def vocabulary():
    """Region and capacity names by slug, method labels by value (two queries, in the active language)."""
    return {
        "regions": {region.slug: region for region in Region.objects.all()},
        "categories": {category.slug: category for category in CapacityCategory.objects.all()},
        "methods": dict(Program.Method.choices),
    }


def organizations_named(slugs):
    """Organizations by slug, for the slugs given (one query)."""
    return {org.slug: org for org in Organization.objects.filter(slug__in=list(slugs)).only("slug", "name")}


def scope_subject(scope, scope_key, words):
    """What a report is about (a region, a capacity, a method label, an organization), or None if nothing is.

    `words` is vocabulary(); an organization costs one query.
    """
    if scope == Scope.MOVEMENT:
        return "" if scope_key == "" else None
    if scope == Scope.REGION:
        return words["regions"].get(scope_key)
    if scope == Scope.CATEGORY:
        return words["categories"].get(scope_key)
    if scope == Scope.METHOD:
        return words["methods"].get(scope_key)
    if scope == Scope.ORGANIZATION:
        return Organization.objects.filter(slug=scope_key).only("slug", "name").first()
    return None


def report_periods(scope, scope_key):
    """The periods a report has rows for, in time order (one query)."""
    periods = ReportRow.objects.filter(scope=scope, scope_key=scope_key).values_list("period", flat=True).distinct()
    return sorted(set(periods), key=period_sort_key)


def default_period(periods):
    """The latest year with rows (or the latest period when there are only quarters)."""
    years = [period for period in periods if not is_quarter(period)]
    if years:
        return years[-1]
    return periods[-1] if periods else None


def report_rows(scope, scope_key, period):
    """The rows a report page shows in one query: every row of the period, and the totals of every period.

    The totals of the other periods draw the trends. Each row comes with its indicator.
    """
    return list(
        ReportRow.objects.filter(scope=scope, scope_key=scope_key)
        .filter(Q(period=period) | Q(breakdown="", indicator__isnull=False))
        .select_related("indicator")
        .order_by("indicator__position", "indicator__code", "breakdown", "breakdown_key", "period")
    )


def download_rows(scope, scope_key, period):
    """The rows of one period for a download (one query), with their indicators."""
    return list(
        ReportRow.objects.filter(scope=scope, scope_key=scope_key, period=period)
        .select_related("indicator")
        .order_by("indicator__position", "indicator__code", "breakdown", "breakdown_key")
    )


def latest_build(scope, scope_key):
    """The latest build that covered this report (its own, or one of everything), or None (one query)."""
    return (
        ReportBuild.objects.filter(Q(scope=scope, scope_key=scope_key) | Q(scope=""))
        .order_by("-requested_at", "-pk")
        .first()
    )


def latest_builds():
    """The latest few builds of any scope, for stewards on the index (one query)."""
    return list(ReportBuild.objects.order_by("-requested_at", "-pk")[:5])


def lock_rebuild_requests():
    """Inside a transaction: one rebuild request at a time (PostgreSQL advisory lock, held until commit)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, 0)", [REBUILD_REQUEST_LOCK])


def waiting_build(scope, scope_key, *, since):
    """A build of exactly this report (or of every report, scope "") that is queued and was asked for since `since`."""
    return (
        ReportBuild.objects.filter(
            scope=scope, scope_key=scope_key, status=ReportBuild.Status.QUEUED, requested_at__gte=since
        )
        .order_by("-requested_at", "-pk")
        .first()
    )
