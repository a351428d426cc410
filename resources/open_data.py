"""The open figures of funding: small-group-suppressed aggregates and the 360Giving export.

Published allocations are the approved, disbursed and closed ones (proposed and declined
ones are decisions not made, or not made in the recipient's favour, and stay private).

The public page reads `open_tables()`: three fixed tables (by region, by capacity
category, by year) computed by the database, suppressed, and kept in the cache for a few
minutes, so a visit costs no query while the cache answers. The 360Giving package is
written grant by grant from a server-side cursor, so its size does not bound memory.
"""

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Exists, Max, Min, OuterRef, Q, Subquery, Sum
from django.db.models.functions import ExtractYear
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from capacity.models import CapacityCategory, Region
from capacity.privacy import suppress_small_cells
from programs.models import Program

from .models import Allocation, ExchangeRate

PUBLISHED_STATUSES = (Allocation.Status.APPROVED, Allocation.Status.DISBURSED, Allocation.Status.CLOSED)

# Bumped when the shape of the cached tables changes, so an older copy is never read.
TABLES_FORMAT = 1
CACHE_SECONDS = 300
TABLES = ("regions", "categories", "years")

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
    """One line of a public table: what it counts, and its three figures."""

    key: str
    label: str
    recipients: int
    allocations: int
    usd: Decimal
    emerging: bool = False


@dataclass
class Table:
    """A suppressed table: the rows shown, the lumped small groups, and the total."""

    name: str
    rows: list[Row] = field(default_factory=list)
    other: Row | None = None
    total: Row | None = None
    # True when the whole table holds fewer recipient organizations than the threshold.
    withheld: bool = False
    # True when one allocation can count in several rows (categories): rows add up to more than the total.
    overlapping: bool = False


@dataclass(frozen=True)
class Cell:
    """What the database gives per (row key, recipient): allocations and their value in US dollars."""

    key: str
    recipient: int
    allocations: int
    usd: Decimal


def _suppressed(name, labels, cells, *, minimum, overlapping=False, emerging=()):
    """Build a Table from per-recipient cells, hiding every row of fewer than `minimum` recipients.

    The group protected is the recipient organization. The rows pass through
    capacity.privacy.suppress_small_cells (small rows join "other", and so does the
    smallest shown row while "other" is itself too small). Where one organization can
    sit in several rows (years, categories), the distinct organizations in "other" can
    be fewer than the sum of its rows: rows keep joining it until it holds at least
    `minimum` organizations, or nothing can be shown beside the total.
    """
    recipients = defaultdict(set)
    allocations = defaultdict(int)
    usd = defaultdict(Decimal)
    every_recipient = set()
    for cell in cells:
        recipients[cell.key].add(cell.recipient)
        allocations[cell.key] += cell.allocations
        usd[cell.key] += cell.usd
        every_recipient.add(cell.recipient)
    table = Table(name=name, overlapping=overlapping)
    if len(every_recipient) < minimum:
        table.withheld = True
        return table
    counts = [(key, len(recipients[key])) for key in labels]
    shown, _other = suppress_small_cells(counts, minimum=minimum)
    shown_keys = [key for key, _count in shown]
    hidden = [key for key in labels if key not in shown_keys]

    def hidden_recipients():
        return set().union(*(recipients[key] for key in hidden)) if hidden else set()

    while hidden and 0 < len(hidden_recipients()) < minimum:
        candidates = [(len(recipients[key]), key) for key in shown_keys if recipients[key]]
        if not candidates:
            break
        _count, key = min(candidates)
        shown_keys.remove(key)
        hidden.append(key)
    if hidden and 0 < len(hidden_recipients()) < minimum:
        table.withheld = True  # only the total would be left, and it could be split by subtraction
        return table
    table.rows = [
        Row(key, labels[key], len(recipients[key]), allocations[key], usd[key], key in emerging) for key in shown_keys
    ]
    if hidden and hidden_recipients():
        table.other = Row(
            "other",
            _("Smaller groups together"),
            len(hidden_recipients()),
            sum(allocations[key] for key in hidden),
            sum((usd[key] for key in hidden), Decimal(0)),
        )
    return table


def _region_table(minimum):
    regions = list(Region.objects.order_by("position", "slug"))
    cells = [
        Cell(str(row["recipient__region_id"]), row["recipient_id"], row["allocations"], row["usd"] or Decimal(0))
        for row in published_allocations()
        .order_by()
        .values("recipient_id", "recipient__region_id")
        .annotate(allocations=Count("pk"), usd=Sum("usd_amount"))
    ]
    labels = {str(region.pk): region.name for region in regions}
    emerging = {str(region.pk) for region in regions if region.is_emerging}
    return _suppressed("regions", labels, cells, minimum=minimum, emerging=emerging)


def _year_table(minimum):
    rows = list(
        published_allocations()
        .order_by()
        .annotate(year=ExtractYear("starts_on"))
        .values("recipient_id", "year")
        .annotate(allocations=Count("pk"), usd=Sum("usd_amount"))
    )
    cells = [Cell(str(row["year"]), row["recipient_id"], row["allocations"], row["usd"] or Decimal(0)) for row in rows]
    labels = {str(year): str(year) for year in sorted({row["year"] for row in rows})}
    return _suppressed("years", labels, cells, minimum=minimum)


def _category_table(minimum):
    """By top-level capacity category: an allocation for a child category counts under its parent.

    One query, one row per recipient, a pair of conditional aggregates per top-level
    category: an allocation with several categories of one family counts once in it.
    """
    roots = list(CapacityCategory.objects.roots().order_by("position", "slug"))
    through = Allocation.categories.through

    def in_family(root_pk):
        return Exists(
            through.objects.filter(allocation_id=OuterRef("pk")).filter(
                Q(capacitycategory_id=root_pk) | Q(capacitycategory__parent_id=root_pk)
            )
        )

    uncategorized = ~Exists(through.objects.filter(allocation_id=OuterRef("pk")))
    aggregates = {}
    for root in roots:
        aggregates[f"n_{root.pk}"] = Count("pk", filter=Q(in_family(root.pk)))
        aggregates[f"usd_{root.pk}"] = Sum("usd_amount", filter=Q(in_family(root.pk)))
    aggregates["n_none"] = Count("pk", filter=Q(uncategorized))
    aggregates["usd_none"] = Sum("usd_amount", filter=Q(uncategorized))
    cells = []
    for row in published_allocations().order_by().values("recipient_id").annotate(**aggregates):
        for key in [str(root.pk) for root in roots] + ["none"]:
            if row[f"n_{key}"]:
                cells.append(Cell(key, row["recipient_id"], row[f"n_{key}"], row[f"usd_{key}"] or Decimal(0)))
    labels = {str(root.pk): root.name for root in roots}
    if any(cell.key == "none" for cell in cells):
        labels["none"] = _("No capacity category given")
    return _suppressed("categories", labels, cells, minimum=minimum, overlapping=True)


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
    tables = {
        "regions": _region_table(minimum),
        "categories": _category_table(minimum),
        "years": _year_table(minimum),
    }
    withheld_total = totals["recipients"] < minimum
    for table in tables.values():
        if withheld_total:
            table.withheld = True
        if not table.withheld:
            table.total = Row(
                "total", _("All published allocations"), totals["recipients"], totals["allocations"], totals["usd"] or 0
            )
        if table.withheld:
            table.rows, table.other, table.total = [], None, None
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


def _cache_key():
    return f"funding:open:{TABLES_FORMAT}:{translation.get_language()}:{settings.K_ANONYMITY_ACTIVITY}"


def open_figures() -> OpenFigures:
    """The public figures from the cache, computed when missing (or when the cache is down)."""
    key = _cache_key()
    figures = cache.get(key)
    if figures is None:
        figures = compute_open_figures()
        cache.set(key, figures, CACHE_SECONDS)
    return figures


def table_csv_rows(table: Table):
    """The rows of a table's CSV download: the same suppressed figures as the page, dollars to the cent."""
    for row in [*table.rows, table.other, table.total]:
        if row is not None:
            yield (row.label, row.recipients, row.allocations, Decimal(row.usd).quantize(Decimal("0.01")))


CSV_HEADER = ("group", "recipient_organizations", "allocations", "allocated_usd")


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
    awarded = allocation.approved_at.date() if allocation.approved_at else allocation.starts_on
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
