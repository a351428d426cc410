"""The open figures of funding: per-grant allocation figures, suppressed people figures, and 360Giving.

Published allocations are the approved, disbursed and closed ones (proposed and declined
ones are decisions not made, or not made in the recipient's favour, and stay private).

The public page reads `open_figures()`: three fixed tables (by region, by top-level
capacity category, by year) computed by the database with a fixed number of aggregate
queries. What each row says about allocations (recipient organizations, allocations, US
dollars) is shown in full: every published grant is public one by one in the 360Giving
package, with its recipient and region, so a sum of them protects nobody. What a row says
about people (participants reached) passes through the one gate,
capacity.privacy.suppress_small_cells. The tables are cached under a data version read in
one query per visit, so a change shows at once. The 360Giving package is written grant by
grant from a server-side cursor, so its size does not bound memory.
"""

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, F, Max, Min, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce, ExtractYear
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from capacity.dates import site_date, site_date_of
from capacity.models import CapacityCategory, Region
from capacity.privacy import suppress_small_cells
from programs.models import ActivityReport, Program

from .freshness import data_version
from .models import Allocation, ExchangeRate

PUBLISHED_STATUSES = (Allocation.Status.APPROVED, Allocation.Status.DISBURSED, Allocation.Status.CLOSED)

# Bumped when the shape of the cached tables changes, so an older copy is never read.
TABLES_FORMAT = 2
# A backstop only: the cache key follows the data (data_version), so this bounds what the
# version does not see (an enrollment marked completed, a write in plain SQL).
CACHE_SECONDS = 300
TABLES = ("regions", "categories", "years")
# The path from an activity report to the allocations that fund its session.
FUNDING = "session__program__allocations__"

# The 360Giving package (standard 1.4.3; "version" is major.minor).
STANDARD_VERSION = "1.4"
LICENSE_URL = "https://creativecommons.org/licenses/by/4.0/"
CATEGORY_VOCABULARY = "Capacity: capacity categories"
METHOD_VOCABULARY = "Capacity: capacity-building methods"


def open_data_prefix() -> str:
    """The publisher's 360Giving prefix ("360G-…"), from settings.OPEN_DATA_PREFIX."""
    return settings.OPEN_DATA_PREFIX


def published_allocations():
    return Allocation.objects.filter(status__in=PUBLISHED_STATUSES)


@dataclass
class Row:
    """One line of a public table.

    recipients, allocations and usd are about published grants and always shown;
    participants is None when suppressed (a group of people too small to show).
    """

    key: str
    label: str
    recipients: int
    allocations: int
    usd: Decimal
    participants: int | None = None
    emerging: bool = False

    @property
    def suppressed(self) -> bool:
        return self.participants is None

    @property
    def usd_per_participant(self) -> Decimal | None:
        """Allocated US dollars per participant reached, only where participants are shown and some."""
        if not self.participants:
            return None
        return (Decimal(self.usd) / self.participants).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)


@dataclass
class Table:
    """A table: every row with its allocation figures, people figures suppressed, and the total."""

    name: str
    rows: list[Row] = field(default_factory=list)
    total: Row | None = None
    # True when one allocation can count in several rows (categories); a session funded by
    # allocations of several rows counts in each of them, in every table.
    overlapping: bool = False


@dataclass
class _Spec:
    """How one table is cut: its row keys and labels, and the key of an activity report's funding allocation."""

    name: str
    labels: dict  # row key (as the database gives it; None = no category) -> label
    figures: dict  # row key -> (recipients, allocations, usd)
    key: object  # expression on ActivityReport through FUNDING
    emerging: frozenset = frozenset()
    overlapping: bool = False


def _reports_reached():
    """Activity reports of sessions, not cancelled, of programs a published allocation funds,
    held within that allocation's period (the session's start date in the site's time zone).

    One filter() call: the three conditions hold for the same allocation, and a later
    reference to FUNDING in values()/annotate() reuses that join.
    """
    day = site_date("session__starts_at")
    return ActivityReport.objects.filter(
        session__is_cancelled=False,
        **{
            f"{FUNDING}status__in": PUBLISHED_STATUSES,
            f"{FUNDING}starts_on__lte": day,
            f"{FUNDING}ends_on__gte": day,
        },
    ).order_by()


def _is_key(key):
    return Q(key__isnull=True) if key is None else Q(key=key)


def _participants(spec):
    """Participants per row key, each report (one per session) once per row however many
    allocations of the row fund its session: a conditional sum per row over the distinct
    (report, row key) pairs. One query."""
    if not spec.labels:
        return {}
    pairs = _reports_reached().values("pk", figure=F("participants"), key=spec.key).distinct()
    keys = list(spec.labels)
    sums = pairs.aggregate(**{f"row{index}": Sum("figure", filter=_is_key(key)) for index, key in enumerate(keys)})
    return {key: sums[f"row{index}"] or 0 for index, key in enumerate(keys)}


def _region_spec():
    regions = list(Region.objects.order_by("position", "slug"))
    figures = {
        row["recipient__region_id"]: (row["recipients"], row["allocations"], row["usd"] or Decimal(0))
        for row in published_allocations()
        .order_by()
        .values("recipient__region_id")
        .annotate(recipients=Count("recipient", distinct=True), allocations=Count("pk"), usd=Sum("usd_amount"))
    }
    return _Spec(
        name="regions",
        labels={region.pk: region.name for region in regions},
        figures=figures,
        key=F(f"{FUNDING}recipient__region_id"),
        emerging=frozenset(region.pk for region in regions if region.is_emerging),
    )


def _year_spec():
    figures = {
        row["year"]: (row["recipients"], row["allocations"], row["usd"] or Decimal(0))
        for row in published_allocations()
        .order_by()
        .annotate(year=ExtractYear("starts_on"))
        .values("year")
        .annotate(recipients=Count("recipient", distinct=True), allocations=Count("pk"), usd=Sum("usd_amount"))
    }
    return _Spec(
        name="years",
        labels={year: str(year) for year in sorted(figures)},
        figures=figures,
        key=ExtractYear(f"{FUNDING}starts_on"),
    )


def _category_spec():
    """By top-level capacity category: an allocation for a child category counts under its parent,
    once per family however many of its categories the family holds; one for several families
    counts under each, one without a category under "none".

    One query: conditional aggregates per family over the distinct (allocation, family)
    pairs (a join, not a subquery per allocation and family).
    """
    roots = list(CapacityCategory.objects.roots().order_by("position", "slug"))
    # The family of a category: its parent, or itself when it is top-level (the taxonomy has
    # two levels); None for an allocation without a category.
    pairs = (
        published_allocations()
        .order_by()
        .values(
            allocation=F("pk"),
            organization=F("recipient_id"),
            usd=F("usd_amount"),
            key=Coalesce(F("categories__parent_id"), F("categories__id")),
        )
        .distinct()
    )
    keys = [root.pk for root in roots] + [None]
    aggregates = {}
    for index, key in enumerate(keys):
        aggregates[f"r{index}"] = Count("organization", distinct=True, filter=_is_key(key))
        aggregates[f"n{index}"] = Count("allocation", filter=_is_key(key))
        aggregates[f"u{index}"] = Sum("usd", filter=_is_key(key))
    sums = pairs.aggregate(**aggregates)
    figures = {
        key: (sums[f"r{index}"], sums[f"n{index}"], sums[f"u{index}"] or Decimal(0)) for index, key in enumerate(keys)
    }
    labels = {root.pk: root.name for root in roots}
    if figures[None][1]:
        labels[None] = _("No capacity category given")
    key = Coalesce(F(f"{FUNDING}categories__parent_id"), F(f"{FUNDING}categories__id"))
    return _Spec(name="categories", labels=labels, figures=figures, key=key, overlapping=True)


def _suppress(spec, participants, *, minimum, total):
    """The rows of a table, their participants through capacity.privacy.suppress_small_cells.

    A row reaching fewer than `minimum` participants (but some) is suppressed; while the
    suppressed rows together reach fewer than `minimum`, the smallest shown row is
    suppressed too (complementary suppression), so the total minus the rows shown never
    gives a small row away.

    Rows can share a session (allocations of two regions, years or categories funding one
    program), so the rows can add up to more than the total, and what a reader can work
    out, the total minus the rows shown, is then not the sum of the suppressed rows. While
    that difference is above zero and below `minimum`, the smallest shown row is
    suppressed too, as the gate does (figures already computed: no query).
    """
    counts = [(key, participants.get(key, 0)) for key in spec.labels]
    shown, _other = suppress_small_cells(counts, minimum=minimum)
    shown = dict(shown)
    while 0 < total - sum(shown.values()) < minimum:
        candidates = [(count, index, key) for index, (key, count) in enumerate(counts) if count and key in shown]
        if not candidates:
            break
        _count, _index, key = min(candidates)
        del shown[key]
    table = Table(name=spec.name, overlapping=spec.overlapping)
    for key, label in spec.labels.items():
        recipients, allocations, usd = spec.figures.get(key, (0, 0, Decimal(0)))
        table.rows.append(
            Row(
                "none" if key is None else str(key),
                label,
                recipients,
                allocations,
                usd,
                shown.get(key),
                key in spec.emerging,
            )
        )
    return table


def _totals():
    valued = Q(amount__isnull=False) | Q(value_per_hour__isnull=False)
    return published_allocations().aggregate(
        recipients=Count("recipient", distinct=True),
        allocations=Count("pk"),
        usd=Sum("usd_amount"),
        unconverted=Count("pk", filter=Q(usd_amount__isnull=True) & valued),
        rates=Count("usd_rate", distinct=True),
        first_month=Min("usd_rate__month"),
        last_month=Max("usd_rate__month"),
    )


@dataclass
class OpenFigures:
    """Everything the public page shows, already suppressed: safe to cache and to publish."""

    tables: dict[str, Table]
    minimum: int
    unconverted: int
    rates_used: int
    rate_currencies: list[str]
    first_month: object
    last_month: object
    computed_at: datetime


def compute_open_figures() -> OpenFigures:
    """The three tables and the rates they used; a fixed number of queries whatever the data size."""
    minimum = settings.K_ANONYMITY_ACTIVITY
    totals = _totals()
    # Each report once, however many allocations fund its session.
    reached = ActivityReport.objects.filter(pk__in=_reports_reached().values("pk"))
    all_participants = reached.aggregate(total=Sum("participants"))["total"] or 0
    # Fewer than k people in all: the total is not shown (and every row is below k too).
    total = None if 0 < all_participants < minimum else all_participants
    tables = {}
    for spec in (_region_spec(), _category_spec(), _year_spec()):
        table = _suppress(spec, _participants(spec), minimum=minimum, total=all_participants)
        table.total = Row(
            "total",
            _("All published allocations"),
            totals["recipients"],
            totals["allocations"],
            totals["usd"] or Decimal(0),
            total,
        )
        tables[spec.name] = table
    currencies = list(
        ExchangeRate.objects.filter(pk__in=published_allocations().exclude(usd_rate=None).values("usd_rate"))
        .order_by("currency_id")
        .values_list("currency_id", flat=True)
        .distinct()
    )
    return OpenFigures(
        tables=tables,
        minimum=minimum,
        unconverted=totals["unconverted"],
        rates_used=totals["rates"],
        rate_currencies=currencies,
        first_month=totals["first_month"],
        last_month=totals["last_month"],
        computed_at=timezone.now(),
    )


# What the figures read and keep an audit history of (django-simple-history): every save or
# delete through the ORM, bulk ones of the services included (bulk_*_with_history), adds a
# history row; the newest row id is read from the primary key index, whatever the table's size.
def _cache_key(version):
    return f"funding:open:{TABLES_FORMAT}:{translation.get_language()}:{settings.K_ANONYMITY_ACTIVITY}:{version}"


def open_figures() -> OpenFigures:
    """The public figures from the cache under the current data version, computed when missing
    (or when the cache is down: the page still answers)."""
    key = _cache_key(data_version())
    figures = cache.get(key)
    if figures is None:
        figures = compute_open_figures()
        cache.set(key, figures, CACHE_SECONDS)
    return figures


# The mark of a suppressed figure in the CSV files (a fixed word, as the column names are).
SUPPRESSED = "suppressed"


def table_csv_rows(table: Table):
    """The rows of a table's CSV download: the same suppressed figures as the page, dollars to the cent."""
    for row in [*table.rows, table.total]:
        if row is None:
            continue
        per_participant = row.usd_per_participant
        yield (
            row.label,
            row.recipients,
            row.allocations,
            Decimal(row.usd).quantize(Decimal("0.01")),
            SUPPRESSED if row.suppressed else row.participants,
            "" if per_participant is None else per_participant,
        )


CSV_HEADER = (
    "group",
    "recipient_organizations",
    "allocations",
    "allocated_usd",
    "participants_reached",
    "allocated_usd_per_participant",
)


# --- 360Giving ---------------------------------------------------------------------------


def _date_time(moment) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _number(amount: Decimal):
    """A Decimal as a JSON number with the same digits.

    Amounts have at most 10 digits before the point and 4 after (14 significant digits),
    and a float prints the shortest text that reads back as itself, so the digits written
    are exactly the stored amount's.
    """
    amount = amount.normalize()
    if amount == amount.to_integral_value():
        return int(amount)
    return float(amount)


def organization_identifier(organization) -> str:
    """A stable identifier for an organization without a registry number: the publisher's prefix and its key."""
    return f"{open_data_prefix()}-org-{organization.pk}"


def grant_identifier(allocation) -> str:
    return f"{open_data_prefix()}-allocation-{allocation.pk}"


def grants_queryset():
    """Published money allocations with what a grant needs, read in chunks of 500 (categories and methods too)."""
    approved = (
        Allocation.history.model.objects.filter(id=OuterRef("pk"), status=Allocation.Status.APPROVED)
        .order_by("history_date")
        .values("history_date")[:1]
    )
    return (
        published_allocations()
        .filter(kind=Allocation.Kind.MONEY)
        .select_related("fund__funder", "recipient__region")
        .prefetch_related("categories", "methods")
        .annotate(approved_at=Subquery(approved))
        .order_by("pk")
    )


def grant(allocation) -> dict:
    """One allocation as a 360Giving grant; the caller has activated the export's language.

    The free-text description is never exported (it may name people); the grant's
    description is built from its purpose. The award date is the day the allocation was
    approved, from its history, else its start date.
    """
    funder, recipient = allocation.fund.funder, allocation.recipient
    categories = sorted(allocation.categories.all(), key=lambda category: (category.position, category.slug))
    methods = sorted(allocation.methods.all(), key=lambda method: method.method)
    purpose = ", ".join(category.name for category in categories) or _("capacity building")
    description = _("Money from %(fund)s for %(recipient)s, for %(purpose)s.") % {
        "fund": allocation.fund.name,
        "recipient": recipient.name,
        "purpose": purpose,
    }
    if methods:
        description += " " + _("Methods: %(methods)s.") % {
            "methods": ", ".join(str(Program.Method(method.method).label) for method in methods)
        }
    awarded = site_date_of(allocation.approved_at) if allocation.approved_at else allocation.starts_on
    record = {
        "id": grant_identifier(allocation),
        "title": _("%(fund)s: %(recipient)s") % {"fund": allocation.fund.name, "recipient": recipient.name},
        "description": description,
        "currency": allocation.currency_id,
        "amountAwarded": _number(allocation.amount),
        "awardDate": awarded.isoformat(),
        "plannedDates": [
            {
                "startDate": allocation.starts_on.isoformat(),
                "endDate": allocation.ends_on.isoformat(),
            }
        ],
        "recipientOrganization": [{"id": organization_identifier(recipient), "name": recipient.name}],
        "fundingOrganization": [{"id": organization_identifier(funder), "name": funder.name}],
        "grantProgramme": [{"code": f"{open_data_prefix()}-fund-{allocation.fund_id}", "title": allocation.fund.name}],
        "beneficiaryLocation": [
            {"id": f"{open_data_prefix()}-region-{recipient.region.slug}", "name": recipient.region.name}
        ],
        "classifications": [
            {"vocabulary": CATEGORY_VOCABULARY, "code": category.slug, "title": category.name}
            for category in categories
        ]
        + [
            {"vocabulary": METHOD_VOCABULARY, "code": method.method, "title": str(Program.Method(method.method).label)}
            for method in methods
        ],
        "dateModified": _date_time(allocation.updated_at),
    }
    if allocation.status in (Allocation.Status.DISBURSED, Allocation.Status.CLOSED):
        record["amountDisbursed"] = record["amountAwarded"]
    return record


def package_head(*, download_url: str, access_url: str) -> dict:
    now = _date_time(timezone.now())
    return {
        "version": STANDARD_VERSION,
        "title": _("Capacity: approved capacity-building money allocations"),
        "description": _(
            "Money allocations that funders approved, disbursed or closed in Capacity, the Wikimedia "
            "capacity-building portal. Proposed and declined allocations, in-kind support and "
            "people's time are not included."
        ),
        "identifier": f"{open_data_prefix()}-allocations",
        "issued": now,
        "modified": now,
        "publisher": {"name": settings.OPEN_DATA_PUBLISHER, "identifier": open_data_prefix()},
        "license": LICENSE_URL,
        "downloadURL": download_url,
        "accessURL": access_url,
    }


def package_chunks(*, download_url: str, access_url: str, language: str = "en", chunk_size: int = 500):
    """The 360Giving package as pieces of JSON text: the head, then one grant at a time."""
    with translation.override(language):
        head = json.dumps(package_head(download_url=download_url, access_url=access_url), ensure_ascii=False)
        yield head[:-1] + ', "grants": ['
        first = True
        for allocation in grants_queryset().iterator(chunk_size=chunk_size):
            text = json.dumps(grant(allocation), ensure_ascii=False)
            yield text if first else "," + text
            first = False
        yield "]}"
