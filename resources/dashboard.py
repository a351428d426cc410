"""The funder dashboard's figures, each computed by the database (GROUP BY and conditional sums).

Nothing here loops over allocations in Python: every figure is an aggregate query over
the filtered allocations, so the number of queries is the same for five allocations and
for a hundred thousand. Python only adds up the few aggregate rows a query returns
(regions into emerging and established, the recipients past the top ones into "others").

Definitions (written down in the README):
- allocated: approved, disbursed and closed allocations; disbursed: disbursed and closed;
  proposed: the pipeline. All in USD from each allocation's stored usd_amount.
- spent: the stored USD of the expenditures recorded against the allocations in view,
  as the database keeps them added up per allocation (resources.models.AllocationSpending).
- reached: the activity reports of the sessions of programs an allocation in view
  (approved, disbursed or closed) funds, held (not cancelled) within that allocation's
  period. Participants add up those reports; completed participations count the
  enrollments with the "completed" status in the same sessions. A session two
  allocations fund counts once.
- a region's participants: those reached at sessions of programs of that region.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, F, Max, Min, Q, Sum
from django.db.models.functions import Coalesce, TruncQuarter
from django.utils.translation import gettext as _

from capacity.models import CapacityCategory, Region
from programs.models import ActivityReport, Enrollment, Program
from stakeholders.access import MANAGING_ROLES
from stakeholders.models import Membership, Organization

from .models import Allocation, ExchangeRate, Expenditure, Fund
from .selectors import SecondsAfter, funded_session_rows, hours, seconds_used

ALLOCATED = (Allocation.Status.APPROVED, Allocation.Status.DISBURSED, Allocation.Status.CLOSED)
DISBURSED = (Allocation.Status.DISBURSED, Allocation.Status.CLOSED)
IS_ALLOCATED = Q(status__in=ALLOCATED)
# The status filter's groups (resources.filters): a headline figure links to the allocations it adds up.
STATUS_GROUPS = {"committed": ALLOCATED, "paid": DISBURSED}
# Time without a value per hour has no USD by design; anything else without one waits for a rate.
IS_UNCONVERTED = Q(usd_amount__isnull=True) & (~Q(kind="time") | Q(value_per_hour__isnull=False))
TOP_RECIPIENTS = 10
TABLE_NAMES = ("regions", "communities", "categories", "methods", "recipients", "quarters", "trend", "equity", "costs")
ZERO = Decimal("0.00")


# --- who sees what ------------------------------------------------------------------------


def _managed_funder_ids(user):
    return Membership.objects.filter(
        user=user, role__in=MANAGING_ROLES, organization__kind=Organization.Kind.FUNDER
    ).values("organization_id")


def can_see_dashboard(user) -> bool:
    """Stewards, and the staff and admins of a funder organization."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or _managed_funder_ids(user).exists()


def funds_for(user):
    """The funds whose figures the person may read: their funder organizations' own, or all for stewards."""
    if not user.is_authenticated:
        return Fund.objects.none()
    if user.is_superuser:
        return Fund.objects.all()
    return Fund.objects.filter(funder_id__in=_managed_funder_ids(user))


def allocations_for(user):
    """Every allocation of the funds the person may read (the dashboard filters narrow it).

    The fund ids are read first and given as constants: behind a subquery of memberships
    PostgreSQL expects one allocation where there are a hundred thousand, and joins each
    of them by index lookups instead of hashing once.
    """
    if not user.is_authenticated:
        return Allocation.objects.none()
    if user.is_superuser:
        return Allocation.objects.all()
    return Allocation.objects.filter(fund_id__in=list(funds_for(user).values_list("pk", flat=True)))


# --- building blocks ------------------------------------------------------------------------


def _plain(allocations):
    return allocations.order_by()


# Money allocations whose spending (in their own currency) went beyond their amount, as in with_usage.
IS_OVERSPENT = Q(kind=Allocation.Kind.MONEY, spending__spent__gt=F("amount"))
# What was spent of the allocations in view, in USD, from the sums the database keeps per allocation.
SPENT = Sum("spending__spent_usd")


def overspent_ids(allocations):
    """The ids of the overspent allocations among these."""
    return _plain(allocations).filter(IS_OVERSPENT).values("pk")


def _expenditures(allocations):
    return Expenditure.objects.filter(allocation__in=_plain(allocations).values("pk")).order_by()


def _share(part, whole):
    """part / whole as a percentage to one decimal, or None when the whole is nothing."""
    if not whole:
        return None
    return (Decimal(part or 0) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


def _per(amount, count):
    if not count:
        return None
    return (Decimal(amount or 0) / Decimal(count)).quantize(Decimal("0.01"))


# --- what the page shows ------------------------------------------------------------------


@dataclass
class Column:
    key: str
    label: str
    kind: str  # usd, hours, count, share, text


@dataclass
class Line:
    label: str
    values: dict
    drill: dict | None = None  # the filters that list the allocations behind the line
    is_total: bool = False

    def cells(self, columns):
        return [(column, self.values.get(column.key)) for column in columns]


@dataclass
class Table:
    name: str
    caption: str
    columns: list
    lines: list
    note: str = ""
    chart_keys: tuple = ()  # the columns drawn as bars, one series each

    @property
    def rows(self):
        """[(line, [(column, value), …]), …] for the template."""
        return [(line, line.cells(self.columns)) for line in self.lines]


@dataclass
class Figures:
    """The dashboard of one filtered set of allocations."""

    headline: dict
    rates: dict
    tables: dict = field(default_factory=dict)

    @property
    def is_empty(self):
        return not self.headline["count"]


def _totals():
    """The headline's sums, over the whole view or over each group of it (the cells figures_for reads)."""
    return {
        "count": Count("pk"),
        "allocated": Sum("usd_amount", filter=IS_ALLOCATED),
        "disbursed": Sum("usd_amount", filter=Q(status__in=DISBURSED)),
        "proposed": Sum("usd_amount", filter=Q(status=Allocation.Status.PROPOSED)),
        "proposed_count": Count("pk", filter=Q(status=Allocation.Status.PROPOSED)),
        "hours_allocated": Sum("hours", filter=IS_ALLOCATED & Q(kind=Allocation.Kind.TIME)),
        "unconverted": Count("pk", filter=IS_UNCONVERTED),
        "spent": SPENT,
        "unconverted_expenditures": Sum("spending__without_usd"),
        "overspent": Count("pk", filter=IS_OVERSPENT),
    }


HEADLINE_SUMS = ("allocated", "disbursed", "proposed", "hours_allocated", "spent")
HEADLINE_COUNTS = ("count", "proposed_count", "unconverted", "unconverted_expenditures", "overspent")


def headline(allocations):
    """The headline figures of the allocations in view, on their own (figures_for reads them with the rest)."""
    time = _plain(allocations).filter(IS_ALLOCATED, kind=Allocation.Kind.TIME)
    return _headline([_plain(allocations).aggregate(**_totals())], seconds_used(time))


def _headline(cells, seconds_used):
    """The headline figures: the view's cells (rows of _totals, by region and quarter or one for all) added up.

    Every allocation in view is in exactly one cell, so the sums are the view's; `seconds_used`
    is people's time at the sessions the allocated time allocations fund (_reach, seconds_used).
    """
    figures = {key: sum((row[key] or ZERO for row in cells), ZERO) for key in HEADLINE_SUMS}
    figures.update({key: sum(row[key] or 0 for row in cells) for key in HEADLINE_COUNTS})
    figures["remaining"] = figures["allocated"] - figures["spent"]
    figures["hours_used"] = hours(seconds_used) or Decimal("0.00")
    return figures


def rates_in_view(allocations):
    """Which rates the USD figures used: how many, of which currencies, from which month to which."""
    used = ExchangeRate.objects.filter(
        Q(pk__in=_plain(allocations).filter(usd_rate__isnull=False).values("usd_rate"))
        | Q(pk__in=_expenditures(allocations).filter(usd_rate__isnull=False).values("usd_rate"))
    )
    # One row per currency (ISO 4217 has under 200), named rather than counted; one query.
    by_currency = list(
        used.order_by("currency_id")
        .values("currency_id")
        .annotate(n=Count("pk"), first=Min("month"), last=Max("month"))
    )
    return {
        "rates": sum(row["n"] for row in by_currency),
        "first": min((row["first"] for row in by_currency), default=None),
        "last": max((row["last"] for row in by_currency), default=None),
        "currencies": [row["currency_id"] for row in by_currency],
    }


def _allocated_by(allocations, *keys):
    return {
        tuple(row[key] for key in keys): row
        for row in _plain(allocations)
        .values(*keys)
        .annotate(
            allocated=Sum("usd_amount", filter=IS_ALLOCATED),
            proposed=Sum("usd_amount", filter=Q(status=Allocation.Status.PROPOSED)),
            spent=SPENT,
            count=Count("pk"),
        )
    }


MONEY_COLUMNS = ("allocated", "spent", "proposed", "count")


def _money_columns():
    return [
        Column("allocated", _("Allocated (USD)"), "usd"),
        Column("spent", _("Spent (USD)"), "usd"),
        Column("proposed", _("Proposed (USD)"), "usd"),
        Column("count", _("Allocations"), "count"),
    ]


def _money_values(allocated_row):
    allocated_row = allocated_row or {}
    return {
        "allocated": allocated_row.get("allocated") or ZERO,
        "spent": allocated_row.get("spent") or ZERO,
        "proposed": allocated_row.get("proposed") or ZERO,
        "count": allocated_row.get("count") or 0,
    }


def figures_for(allocations, *, top=TOP_RECIPIENTS) -> Figures:
    """Every figure of the dashboard for the (already filtered) allocations; a fixed number of queries."""
    # The allocations by region of the recipient and quarter of the start, with every headline
    # sum: the headline, the regions, the communities, the quarters and the trend add these up.
    cells = list(
        _plain(allocations.annotate(quarter=TruncQuarter("starts_on")))
        .values("recipient__region", "quarter")
        .annotate(**_totals())
    )
    rates = rates_in_view(allocations)
    if not cells:
        return Figures(headline=_headline(cells, None), rates=rates)
    reach = _reach(allocations)
    top_line = _headline(cells, reach["seconds"])
    figures = Figures(headline=top_line, rates=rates)
    tables = figures.tables
    money = _money_columns()
    total_values = {
        "allocated": top_line["allocated"],
        "spent": top_line["spent"],
        "proposed": top_line["proposed"],
        "count": top_line["count"],
    }

    # Regions of the recipients, with emerging and established, from one pass by region and quarter.
    regions = list(Region.objects.all())
    emerging_regions = {region.pk for region in regions if region.is_emerging}
    cells = {(row["recipient__region"], _as_date(row["quarter"])): row for row in cells}
    by_region = {(region,): _added(rows) for region, rows in _grouped(cells, lambda key: key[0]).items()}
    region_lines, communities = [], {True: dict.fromkeys(MONEY_COLUMNS, 0), False: dict.fromkeys(MONEY_COLUMNS, 0)}
    for region in regions:
        row = by_region.get((region.pk,))
        if row is None:
            continue
        values = _money_values(row)
        values["community"] = _("Emerging") if region.is_emerging else _("Established")
        for key in MONEY_COLUMNS:
            communities[region.is_emerging][key] += values[key]
        region_lines.append(Line(str(region), values, {"region": region.slug}))
    tables["regions"] = Table(
        "regions",
        _("By region of the recipient"),
        [Column("community", _("Communities"), "text"), *money],
        [*region_lines, Line(_("Total"), total_values, {}, is_total=True)],
        chart_keys=("allocated", "spent"),
    )
    tables["communities"] = Table(
        "communities",
        _("Emerging and established communities"),
        money,
        [
            Line(_("Emerging communities"), communities[True], {"community": "emerging"}),
            Line(_("Established communities"), communities[False], {"community": "established"}),
            Line(_("Total"), total_values, {}, is_total=True),
        ],
        chart_keys=("allocated", "spent"),
    )

    # Capacity categories by family (a top-level category and its children, as the category
    # filter reads a parent): an allocation with several families counts in each, once per family.
    category_lines = []
    for root, values in _by_category_family(allocations):
        if root is None:
            category_lines.append(Line(_("No purpose given"), values, {"category": "none"}))
        else:
            category_lines.append(Line(str(root), values, {"category": root.slug}))
    tables["categories"] = Table(
        "categories",
        _("By capacity"),
        money,
        category_lines,
        note=_(
            "An allocation for several capacities counts in full under each of them, so these lines add up "
            "to more than the total."
        ),
        chart_keys=("allocated", "spent"),
    )

    # Methods, with the cost per participant reached.
    by_method = _allocated_by(allocations, "methods__method")
    method_lines = []
    for method, label in Program.Method.choices:
        row = by_method.get((method,))
        if row is None:
            continue
        values = _money_values(row)
        values["participants"] = reach["participants"][method]
        values["completed"] = reach["completed"][method]
        values["per_participant"] = _per(values["spent"], values["participants"])
        values["per_completed"] = _per(values["spent"], values["completed"])
        method_lines.append(Line(str(label), values, {"method": method}))
    if (None,) in by_method:
        method_lines.append(
            Line(
                _("No method given"),
                _money_values(by_method[(None,)]),
                {"method": "none"},
            )
        )
    tables["methods"] = Table(
        "methods",
        _("By method"),
        money,
        method_lines,
        note=_("An allocation for several methods counts in full under each of them."),
        chart_keys=("allocated", "spent"),
    )

    # Recipients: the largest ones, then everyone else in one line.
    top_rows = top_recipients(allocations, top)
    recipient_ids = [row["recipient"] for row in top_rows]
    names = Organization.objects.in_bulk(recipient_ids)
    recipient_lines = []
    others = dict(total_values)
    for row in top_rows:
        values = _money_values(row)
        for key in MONEY_COLUMNS:
            others[key] -= values[key]
        organization = names[row["recipient"]]
        recipient_lines.append(Line(str(organization), values, {"recipient": organization.slug}))
    if others["count"]:
        recipient_lines.append(Line(_("All other recipients"), others, {"others": top}))
    tables["recipients"] = Table(
        "recipients",
        _("By recipient (the %(top)s largest)") % {"top": top},
        money,
        [*recipient_lines, Line(_("Total"), total_values, {}, is_total=True)],
        chart_keys=("allocated", "spent"),
    )

    # Quarters of the start date, and the emerging communities' share in each (the same pass).
    by_quarter = {
        key: _added(rows) for key, rows in _grouped(cells, lambda key: (key[1], key[0] in emerging_regions)).items()
    }
    quarters = sorted({quarter for quarter, _emerging in by_quarter})
    quarter_lines, trend_lines = [], []
    for quarter in quarters:
        emerging = by_quarter.get((quarter, True)) or {}
        established = by_quarter.get((quarter, False)) or {}
        values = {
            "allocated": (emerging.get("allocated") or ZERO) + (established.get("allocated") or ZERO),
            "spent": (emerging.get("spent") or ZERO) + (established.get("spent") or ZERO),
            "proposed": (emerging.get("proposed") or ZERO) + (established.get("proposed") or ZERO),
            "count": (emerging.get("count") or 0) + (established.get("count") or 0),
        }
        label = _quarter_label(quarter)
        drill = {"year": quarter.year, "quarter": (quarter.month - 1) // 3 + 1}
        quarter_lines.append(Line(label, values, drill))
        trend_lines.append(
            Line(
                label,
                {
                    "emerging": emerging.get("allocated") or ZERO,
                    "allocated": values["allocated"],
                    "share": _share(emerging.get("allocated"), values["allocated"]),
                },
                # The emerging communities' allocations of the quarter; none, no link (a nought).
                {**drill, "community": "emerging"} if emerging.get("count") else None,
            )
        )
    tables["quarters"] = Table(
        "quarters",
        _("By quarter of the start date"),
        money,
        quarter_lines,
        chart_keys=("allocated", "spent"),
    )
    tables["trend"] = Table(
        "trend",
        _("Emerging communities' share of allocated resources, by quarter"),
        [
            Column("emerging", _("To emerging communities (USD)"), "usd"),
            Column("allocated", _("Allocated (USD)"), "usd"),
            Column("share", _("Emerging communities' share"), "share"),
        ],
        trend_lines,
        chart_keys=("share",),
    )

    # Equity: each region's share of the resources next to its share of the people reached.
    participants_by_region = reach["by_region"]
    all_participants = sum(participants_by_region.values())
    equity_lines = []
    for region in regions:
        allocated = (by_region.get((region.pk,)) or {}).get("allocated") or ZERO
        participants = participants_by_region.get(region.pk, 0)
        if not allocated and not participants:
            continue
        equity_lines.append(
            Line(
                str(region),
                {
                    "community": _("Emerging") if region.is_emerging else _("Established"),
                    "allocated_share": _share(allocated, top_line["allocated"]),
                    "participants": participants,
                    "participants_share": _share(participants, all_participants),
                },
                {"region": region.slug},
            )
        )
    tables["equity"] = Table(
        "equity",
        _("Share of resources and share of people reached, by region"),
        [
            Column("community", _("Communities"), "text"),
            Column("allocated_share", _("Share of allocated USD"), "share"),
            Column("participants", _("Participants reached"), "count"),
            Column("participants_share", _("Share of participants"), "share"),
        ],
        equity_lines,
        note=_(
            "Allocated: by the recipient's region. Participants: the activity reports of sessions of the programs "
            "these allocations fund, held within each allocation's period, by the program's region."
        ),
        chart_keys=("allocated_share", "participants_share"),
    )

    # What a participant and a completed participation cost.
    cost_columns = [
        Column("spent", _("Spent (USD)"), "usd"),
        Column("participants", _("Participants reached"), "count"),
        Column("per_participant", _("USD per participant"), "usd"),
        Column("completed", _("Completed participations"), "count"),
        Column("per_completed", _("USD per completed participation"), "usd"),
    ]
    overall = {
        "spent": top_line["spent"],
        "participants": reach["participants"][None],
        "completed": reach["completed"][None],
    }
    overall["per_participant"] = _per(overall["spent"], overall["participants"])
    overall["per_completed"] = _per(overall["spent"], overall["completed"])
    tables["costs"] = Table(
        "costs",
        _("Cost per participant and per completed participation"),
        cost_columns,
        [
            *[
                Line(line.label, dict(line.values), line.drill)
                for line in method_lines
                if "participants" in line.values
            ],
            Line(_("All allocations in view"), overall, {}, is_total=True),
        ],
        note=_(
            "Spent USD divided by the participants of the activity reports (and by the completed enrollments) of "
            "the sessions the allocations fund within their periods. An allocation for several methods counts "
            "under each."
        ),
        chart_keys=("per_participant",),
    )
    return figures


def top_recipients(allocations, top):
    """The `top` recipients with the most allocated USD (ties by id), with their sums; one query.

    The recipients table and the "others" filter (its "All other recipients" line) both read it.
    """
    return list(
        _plain(allocations)
        .values("recipient")
        .annotate(
            allocated=Sum("usd_amount", filter=IS_ALLOCATED),
            proposed=Sum("usd_amount", filter=Q(status=Allocation.Status.PROPOSED)),
            spent=SPENT,
            count=Count("pk"),
        )
        .order_by(F("allocated").desc(nulls_last=True), "recipient")[:top]
    )


def _by_category_family(allocations):
    """[(top-level category or None, money values), …], the largest allocated first; one query.

    The family of a category is its parent, or itself when top-level (the taxonomy has two
    levels), as in resources.open_data. Sums run over the distinct (allocation, family)
    pairs, so an allocation tagged with two children of one family counts once under it
    (its spending too), and the line equals the list its {"category": slug} link gives. The
    query groups its pairs by family (one row per family, not a sum per family).
    """
    roots = CapacityCategory.objects.roots().order_by("position", "slug")
    root_of = {root.pk: root for root in roots}

    def family(prefix):
        return Coalesce(F(f"{prefix}categories__parent_id"), F(f"{prefix}categories__id"))

    pairs = _plain(allocations).values(
        row=F("pk"), usd=F("usd_amount"), state=F("status"), spent=F("spending__spent_usd"), family=family("")
    )
    allocated = _rows_grouped(
        pairs.distinct(),
        f"family, SUM(CASE WHEN state IN ({', '.join(['%s'] * len(ALLOCATED))}) THEN usd END), "
        "SUM(CASE WHEN state = %s THEN usd END), SUM(spent), COUNT(*)",
        (*ALLOCATED, Allocation.Status.PROPOSED),
        "family",
    )
    lines = []
    for family_id, allocated_usd, proposed_usd, spent_usd, count in allocated:
        root = root_of.get(family_id)
        if family_id is not None and root is None:
            continue  # a family is a top-level category (the taxonomy has two levels); no line otherwise
        row = {
            "allocated": _usd(allocated_usd),
            "proposed": _usd(proposed_usd),
            "spent": _usd(spent_usd),
            "count": count,
        }
        lines.append((root, _money_values(row)))
    order = {root.pk: index for index, root in enumerate(root_of.values())}
    lines.sort(key=lambda line: (-line[1]["allocated"], line[0] is None, order.get(line[0] and line[0].pk, 0)))
    return lines


def _rows_grouped(queryset, columns, params, group_by):
    """The rows of `SELECT columns FROM (queryset) GROUP BY group_by`: a query Django cannot write.

    `queryset` is compiled by Django with its parameters kept apart; `columns` and
    `group_by` are this module's own literal SQL over the queryset's aliases, and `params`
    fill the %s of `columns`, which come before the queryset's. No rows when the
    queryset can match nothing (Django then writes no SQL at all).
    """
    try:
        inner_sql, inner_params = queryset.query.sql_with_params()
    except EmptyResultSet:
        return []
    sql = f"SELECT {columns} FROM ({inner_sql}) pairs GROUP BY {group_by}"  # noqa: S608 - literal SQL, params apart
    with connection.cursor() as cursor:
        cursor.execute(sql, (*params, *inner_params))
        return cursor.fetchall()


def _usd(value):
    """A sum of USD as the database gives it (SQLite: a float) as Decimal cents, or ZERO."""
    if value is None:
        return ZERO
    if not isinstance(value, Decimal):
        value = Decimal(str(value))
    return value.quantize(Decimal("0.01"))


def _grouped(cells, key_of):
    """{new key: [values of the cells that fall under it]} — a handful of aggregate rows, not allocations."""
    groups = {}
    for key, value in cells.items():
        groups.setdefault(key_of(key), []).append(value)
    return groups


def _added(rows):
    """The sums of several aggregate rows of _allocated_by."""
    return {
        "allocated": sum((row["allocated"] or ZERO for row in rows), ZERO),
        "proposed": sum((row["proposed"] or ZERO for row in rows), ZERO),
        "spent": sum((row["spent"] or ZERO for row in rows), ZERO),
        "count": sum(row["count"] for row in rows),
    }


def _as_date(value):
    """A quarter as a date (a back end may give a datetime)."""
    return value.date() if isinstance(value, datetime) else value


def _quarter_label(quarter):
    return _("%(year)s Q%(quarter)s") % {"year": quarter.year, "quarter": (quarter.month - 1) // 3 + 1}


def _reach(allocations):
    """Participants and completed participations reached, in all and per method, participants per region,
    and the seconds of people's time used.

    One query. The sessions the allocated allocations in view fund (funded_sessions' rule:
    not cancelled, within an allocation's period) with their program's region, each method
    of those allocations and their kinds; then every session's report and completed
    enrollments are added up once per method and once per region. A session several
    allocations fund counts once in each line and in the total. A region whose funded
    sessions have no report yet is in by_region with 0. The time used is that of the
    sessions allocated time allocations fund, each once (facilitators × the session's
    length, as selectors.seconds_used reads it), or None when there is none.
    """
    methods = [method for method, _label in Program.Method.choices]
    funded = (
        funded_session_rows(_plain(allocations).filter(IS_ALLOCATED))
        .values(
            session=F("pk"),
            region=F("program__region"),
            method=F("program__allocations__methods__method"),
            kind=F("program__allocations__kind"),
            length=SecondsAfter(F("ends_at"), F("starts_at")),
        )
        .distinct()
    )
    methods_reached = {None: 0, **dict.fromkeys(methods, 0)}
    try:
        funded_sql, funded_params = funded.query.sql_with_params()
    except EmptyResultSet:  # allocations that can match nothing (an empty list of funds): nobody reached
        return {"participants": methods_reached, "completed": dict(methods_reached), "by_region": {}, "seconds": None}
    reports = ActivityReport._meta
    enrollments = Enrollment._meta
    quote = connection.ops.quote_name
    report_session = quote(reports.get_field("session").column)
    enrollment_session = quote(enrollments.get_field("session").column)
    # The subquery is Django's, its parameters kept apart; table and column names come from the models.
    # Its sixth column is 0.0 where it does not apply, so every dialect types it as a number.
    sql = f"""
        WITH funded AS ({funded_sql}),
        sessions AS (SELECT DISTINCT session, region FROM funded),
        by_method AS (SELECT DISTINCT session, method FROM funded),
        timed AS (SELECT DISTINCT session, length FROM funded WHERE kind = %s),
        figures AS (
            SELECT s.session, COALESCE(r.{quote(reports.get_field("participants").column)}, 0) AS participants,
                (SELECT COUNT(*) FROM {quote(enrollments.db_table)} e
                 WHERE e.{enrollment_session} = s.session AND e.{quote(enrollments.get_field("status").column)} = %s
                ) AS completed
            FROM (SELECT DISTINCT session FROM sessions) s
            LEFT JOIN {quote(reports.db_table)} r ON r.{report_session} = s.session
        )
        SELECT 'method', f.method, NULL, SUM(x.participants), SUM(x.completed), 0.0
        FROM by_method f JOIN figures x ON x.session = f.session GROUP BY f.method
        UNION ALL
        SELECT 'region', NULL, s.region, SUM(x.participants), SUM(x.completed), 0.0
        FROM sessions s JOIN figures x ON x.session = s.session GROUP BY s.region
        UNION ALL
        SELECT 'seconds', NULL, NULL, 0, 0, SUM(t.length * r.{quote(reports.get_field("facilitators").column)})
        FROM timed t JOIN {quote(reports.db_table)} r ON r.{report_session} = t.session
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, (*funded_params, Allocation.Kind.TIME, Enrollment.Status.COMPLETED))
        rows = cursor.fetchall()
    participants = dict(methods_reached)
    completed = dict(methods_reached)
    by_region = {}
    seconds = None
    for kind, method, region, people, done, time_used in rows:
        if kind == "seconds":
            seconds = time_used
        elif kind == "method":
            if method is not None and method in participants:  # the pairs of methodless allocations: total only
                participants[method] = int(people or 0)
                completed[method] = int(done or 0)
        else:
            by_region[region] = int(people or 0)
            participants[None] += int(people or 0)
            completed[None] += int(done or 0)
    return {"participants": participants, "completed": completed, "by_region": by_region, "seconds": seconds}
