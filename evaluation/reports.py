"""Learning reports: measurements aggregated in SQL into report rows, passed through the privacy gate.

A build reads one year at a time. For each scope kind (movement, region, capacity
category, method, organization) and each breakdown (the total, region, emerging vs
established, method, capacity category, and the demographic dimensions), one GROUP BY
over that year's measurements gives a row per scope key, quarter, indicator and
breakdown key, and per year (the sum of its quarters, in the same query). On PostgreSQL
the GROUP BYs that read the same atoms are one query (GROUPING SETS: four per group of
indicators instead of one per scope kind and breakdown). Nothing loops over measurements
in Python: the loops below run over the aggregated rows, whose number depends on the
vocabulary and the periods, not on how much was measured.

One more GROUP BY at the finest grain the reports slice by tells which figures sit
inside others because of how the data fall (see "Figures contained in others" below).

Every figure of the year then passes through one privacy gate together (so the same
figure shown in two reports is hidden in both, and a year's quarters cannot give away a
hidden quarter), and the year's rows are replaced in one transaction: delete, insert.
Running a build twice, or again after a worker died half-way, writes the same rows.
"""

import csv
import functools
import gc
import io
import itertools
import operator
import os
import tempfile
from array import array
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass
from datetime import date
from decimal import Context, Decimal
from functools import cached_property

import numpy as np
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction
from django.db.models import Case, CharField, Count, F, Q, Sum, Value, When
from django.db.models.functions import ExtractQuarter, ExtractYear, Least
from django.utils import timezone

from capacity import fragments
from capacity.models import Region
from programs.models import DEMOGRAPHIC_DIMENSIONS

from . import privacy, report_table, statistics
from .models import (
    EVERY_INDICATOR,
    NOT_ASKED,
    Indicator,
    Measurement,
    ReportAtom,
    ReportBuild,
    ReportBuilt,
    ReportRow,
    Scope,
    StaleIndicator,
    StalePeriod,
    SurveyKind,
)
from .report_selectors import REPORTS_VERSION_KEY

DEMOGRAPHIC = tuple(DEMOGRAPHIC_DIMENSIONS)
DEMOGRAPHIC_ANSWERS = {
    dimension: (*(answer for answer, _label in answers), NOT_ASKED)
    for dimension, answers in DEMOGRAPHIC_DIMENSIONS.items()
}

# Scope kinds and the breakdowns each report shows. A scope is never broken down by
# itself, and a region's report has no emerging/established split (a region is one).
BREAKDOWNS = ("", "region", "emerging", "method", "category", *DEMOGRAPHIC)
SKIPPED = {
    Scope.REGION: {"region", "emerging"},
    Scope.METHOD: {"method"},
    Scope.CATEGORY: {"category"},
}

# The GROUP BYs of a year, one per scope kind and breakdown it shows.
_STEPS = [
    (scope, breakdown) for scope in Scope.values for breakdown in BREAKDOWNS if breakdown not in SKIPPED.get(scope, ())
]

# Coverage: which indicators show that a program has data from a survey.
COVERAGE = {
    SurveyKind.POST: ("satisfaction", "capacity_gain"),
    SurveyKind.FOLLOW_UP_3: ("retention_3m",),
    SurveyKind.FOLLOW_UP_6: ("retention_6m",),
    SurveyKind.FOLLOW_UP_12: ("retention_12m",),
}
COVERAGE_BASE = "programs"
# Indicators measured per capacity, with one summary row per person besides.
PER_CAPACITY = ("capacity_gain",)
# Shares whose numerator and the rest of their denominator are counts of people: both
# pass through the privacy gate, or value × n would give a hidden count away.
PEOPLE_SHARES = ("retention_3m", "retention_6m", "retention_12m", "emerging_share")
PARTS = ("yes", "no")

FOUR_PLACES = Decimal("0.0001")
LOCK_NAMESPACE = 8_010  # pg_advisory_lock(namespace, year), held by the session (_year_lock): one writer per year


def periods_of(year):
    return [str(year), *(f"{year}-Q{quarter}" for quarter in range(1, 5))]


def _key_expression(kind, *, for_category_via_program=False):
    """The SQL expression giving an atom's key for a scope kind or breakdown."""
    if kind in ("", Scope.MOVEMENT):
        return Value("", output_field=CharField())
    if kind == Scope.REGION or kind == "region":
        return F("region_slug")
    if kind == Scope.METHOD or kind == "method":
        return F("method")
    if kind == Scope.ORGANIZATION:
        return F("organization_slug")
    if kind == "emerging":
        return Case(
            When(region_slug__isnull=True, then=Value(None, output_field=CharField())),
            When(is_emerging=True, then=Value("emerging")),
            default=Value("established"),
            output_field=CharField(),
        )
    if kind in (Scope.CATEGORY, "category"):
        return F("program__categories__slug") if for_category_via_program else F("category_slug")
    if kind in DEMOGRAPHIC:
        return F("answer")
    raise ValueError(kind)


# What an atom is summed by, besides its program: the finest grain a report slices by.
ATOM_SLICE = (
    "organization_slug",
    "region_slug",
    "method",
    "is_emerging",
    "quarter",
    "indicator_id",
    "dimension",
    "answer",
    "category_slug",
)


@contextmanager
def _year_atoms(year, indicator_ids=None):
    """The year's measurements summed per slice, quarter and program into a temporary table; its queryset.

    One pass over the year's measurements (the GROUP BYs after it read a third of the
    rows). A program is kept only on rows about no one capacity: the rows that reach
    capacities through the program, and that coverage counts programs on. With
    `indicator_ids` (the indicators a build rebuilds), other indicators' rows are summed
    only where coverage reads them (a program's, about no capacity or dimension).
    """
    measurements = Measurement.objects.filter(date__gte=date(year, 1, 1), date__lt=date(year + 1, 1, 1))
    if indicator_ids is not None:
        measurements = measurements.filter(
            Q(indicator_id__in=indicator_ids) | Q(dimension="", category__isnull=True, program__isnull=False)
        )
    atoms = (
        measurements.annotate(
            organization_slug=F("organization__slug"),
            region_slug=F("region__slug"),
            category_slug=F("category__slug"),
            quarter=ExtractQuarter("date"),
            atom_program=Case(When(category__isnull=True, then=F("program_id")), default=None),
        )
        .values(*ATOM_SLICE, "atom_program")
        .annotate(
            sum_people=Sum("people"),
            sum_rows=Count("id"),
            sum_value=Sum("value"),
            sum_squares=Sum(F("value") * F("value")),
            sum_numerator=Sum("numerator"),
            sum_denominator=Sum("denominator"),
        )
        .order_by()
    )
    sql, params = atoms.query.sql_with_params()
    table = connection.ops.quote_name(ReportAtom._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        # A Django-compiled query with its parameters kept apart; the rest is literal.
        cursor.execute(f"CREATE TEMPORARY TABLE {table} AS {sql}", params)  # noqa: S608
        cursor.execute(f"ALTER TABLE {table} RENAME COLUMN atom_program TO program_id")
        # Each group of indicators reads its own atoms (_year_rows).
        cursor.execute(f"CREATE INDEX evaluation_reportatom_indicator ON {table} (indicator_id)")
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {table}")  # no autovacuum on temporary tables: the joins need statistics
    try:
        yield ReportAtom.objects.all()
    finally:
        # After a database error the transaction is rolled back, and the table with it.
        with suppress(DatabaseError), connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {table}")


@dataclass(slots=True)
class Cell:
    n: int = 0
    measurements: int = 0
    total: Decimal = Decimal(0)
    total_squares: Decimal = Decimal(0)
    numerator: Decimal | None = None
    denominator: Decimal | None = None


# What a step sums of the atoms, after its two keys (_cells_of_step).
_STEP_COLUMNS = (
    "quarter",
    "indicator_id",
    "sum_people",
    "sum_rows",
    "sum_value",
    "sum_squares",
    "sum_numerator",
    "sum_denominator",
)
ZERO = Decimal(0)


def _paths(base, by_capacity, per_capacity_ids):
    """The atoms a step reads, as (queryset, through the program): for a step by capacity, the
    values about one capacity and a program's outputs reaching the capacities it teaches
    (a person's per-capacity rows are not outputs: their summary row is); else the rows
    about no one capacity."""
    if not by_capacity:
        return [(base.filter(category_slug__isnull=True), False)]
    outputs = base.filter(category_slug__isnull=True, program__isnull=False).exclude(indicator_id__in=per_capacity_ids)
    return [(base.filter(category_slug__isnull=False), False), (outputs, True)]


def _cells_of_step(year_atoms, scope, breakdown, per_capacity_ids):
    """One step on SQLite (PostgreSQL adds up a family of steps at once: _cells_of_family): the
    cells of one scope kind and breakdown, each quarter's and the year's.

    Yields (scope key, period, indicator id, breakdown key, people, measurements, total,
    sum of squares, numerator, denominator): the period is the quarter, or PERIOD_YEAR
    for the year (a second GROUP BY: SQLite has no GROUPING SETS). Rows about
    one capacity (a person's gain in it) count only in capacity reports and breakdowns;
    everywhere else the person's summary row (no capacity) counts, so a person who rated
    five capacities is one person, not five. A program's outputs reach the capacities the
    program teaches through the program (one row per capacity, by the join); both paths
    are added up together. A value with no region, method or organization to file it
    under counts in the totals, not in that scope or breakdown.
    """
    if breakdown in DEMOGRAPHIC:
        base = year_atoms.filter(dimension=breakdown)
    else:
        base = year_atoms.filter(dimension="")
    parts, params = [], []
    for queryset, via_program in _paths(base, scope == Scope.CATEGORY or breakdown == "category", per_capacity_ids):
        atoms = queryset.annotate(
            scope_key=_key_expression(scope, for_category_via_program=via_program),
            breakdown_key=_key_expression(breakdown, for_category_via_program=via_program),
        ).values("scope_key", "breakdown_key", *_STEP_COLUMNS)
        sql, part_params = atoms.query.sql_with_params()
        parts.append(sql)
        params.extend(part_params)
    # Django-compiled queries with their parameters kept apart; the rest is literal.
    atoms_sql = " UNION ALL ".join(parts)
    keys = []
    if scope != Scope.MOVEMENT:
        keys.append("a.scope_key <> ''")  # NULL <> '' is not true: no key, no cell
    if breakdown:
        keys.append("a.breakdown_key <> ''")
    where = f"WHERE {' AND '.join(keys)}" if keys else ""
    sums = ", ".join(f"SUM(a.{column})" for column in _STEP_COLUMNS[2:])
    sql = " UNION ALL ".join(
        f"SELECT a.scope_key, {period}, a.indicator_id, a.breakdown_key, {sums} "  # noqa: S608
        f"FROM ({atoms_sql}) a {where} GROUP BY a.scope_key, a.breakdown_key, {grouping}a.indicator_id"
        for period, grouping in (("a.quarter", "a.quarter, "), (str(PERIOD_YEAR), ""))
    )
    decimal = _decimal_of_sqlite_sum
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params * 2)
        for scope_key, period, indicator_id, breakdown_key, n, count, total, squares, numerator, denominator in cursor:
            yield (
                scope_key,
                int(period),
                indicator_id,
                breakdown_key,
                int(n or 0),
                int(count),
                ZERO if total is None else decimal(total),
                ZERO if squares is None else decimal(squares),
                decimal(numerator),
                decimal(denominator),
            )


# On PostgreSQL the steps of a group are added up four queries at a time (_cells_of_steps),
# a family each: the steps of a family read the same atoms (about no capacity or about one,
# without or with a demographic dimension). The column of a family's atoms a scope kind's
# or breakdown's key is read from (None: the movement's, or no breakdown: '').
_KEY_COLUMN = {
    Scope.MOVEMENT: None,
    "": None,
    Scope.REGION: "region_slug",
    "region": "region_slug",
    Scope.METHOD: "method",
    "method": "method",
    Scope.ORGANIZATION: "organization_slug",
    "emerging": "emerging_key",
    Scope.CATEGORY: "category_key",
    "category": "category_key",
    **dict.fromkeys(DEMOGRAPHIC, "answer"),
}
_FAMILY_KEYS = ("organization_slug", "region_slug", "method", "emerging_key", "category_key", "dimension", "answer")


def _family_of(step):
    scope, breakdown = step
    return (scope == Scope.CATEGORY or breakdown == "category", breakdown in DEMOGRAPHIC)


def _cells_of_steps(year_atoms, per_capacity_ids):
    """Every step's cells: (scope, breakdown, its cells as _cells_of_step gives them), each step
    one or more times (its quarters and its year may come apart).

    On PostgreSQL, one GROUPING SETS query per family of steps: the atoms are read (and
    joined to the programs' capacities) once a family instead of once a step, which took
    half the time of the steps of a large group. Two steps grouping by the same columns
    (a region's total and the movement by region) share their groups. Elsewhere (SQLite
    has no GROUPING SETS), a query per step.
    """
    if connection.vendor != "postgresql":
        for scope, breakdown in _STEPS:
            yield scope, breakdown, _cells_of_step(year_atoms, scope, breakdown, per_capacity_ids)
        return
    families = {}
    for step in _STEPS:
        families.setdefault(_family_of(step), []).append(step)
    for (category, demographic), steps in families.items():
        yield from _cells_of_family(year_atoms, category, demographic, steps, per_capacity_ids)


def _cells_of_family(year_atoms, category, demographic, steps, per_capacity_ids):
    base = year_atoms.exclude(dimension="") if demographic else year_atoms.filter(dimension="")
    parts, params = [], []
    for queryset, via_program in _paths(base, category, per_capacity_ids):
        category_key = (
            _key_expression("category", for_category_via_program=via_program)
            if category
            else Value(None, output_field=CharField())
        )
        atoms = queryset.annotate(emerging_key=_key_expression("emerging"), category_key=category_key).values(
            *_FAMILY_KEYS, *_STEP_COLUMNS
        )
        sql, part_params = atoms.query.sql_with_params()
        parts.append(sql)
        params.extend(part_params)
    # The columns each step groups by (besides the indicator and the quarter), and the steps of each.
    steps_of = {}
    for scope, breakdown in steps:
        columns = {_KEY_COLUMN[scope], _KEY_COLUMN[breakdown], "dimension" if demographic else None} - {None}
        steps_of.setdefault(frozenset(columns), []).append((scope, breakdown))
    # The keys some step of the family groups by (a column no set groups by cannot be selected).
    used = set().union(*steps_of)
    keys = [key for key in _FAMILY_KEYS if key in used] + ["quarter"]
    # GROUPING(…) says which keys a group leaves out, a bit each (the last key the lowest).
    mask_of = {}
    sets = []
    for columns in steps_of:
        for with_quarter in (True, False):
            grouped = columns | {"quarter"} if with_quarter else columns
            mask = sum(1 << (len(keys) - 1 - index) for index, key in enumerate(keys) if key not in grouped)
            mask_of[mask] = columns
            sets.append("(" + ", ".join(f"a.{key}" for key in ("indicator_id", *sorted(grouped))) + ")")
    sums = ", ".join(f"SUM(a.{column})" for column in _STEP_COLUMNS[2:])
    listed = ", ".join(f"a.{key}" for key in keys)
    # Django-compiled queries with their parameters kept apart; the rest is literal.
    sql = (
        f"SELECT GROUPING({listed}), {listed}, a.indicator_id, {sums} "  # noqa: S608
        f"FROM ({' UNION ALL '.join(parts)}) a GROUP BY GROUPING SETS ({', '.join(sets)}) "
        "ORDER BY 1" + (", a.dimension" if demographic else "")
    )
    position = {key: index + 1 for index, key in enumerate(keys)}
    indicator_at = len(keys) + 1
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        by_group = itertools.groupby(
            cursor, key=lambda row: (row[0], row[position["dimension"]] if demographic else "")
        )
        for (mask, dimension), rows in by_group:
            columns = mask_of[mask]
            family_steps = steps_of[columns]
            if demographic:
                family_steps = [(scope, breakdown) for scope, breakdown in family_steps if breakdown == dimension]
            if len(family_steps) > 1:
                rows = list(rows)  # a few groups read as two steps' (small: no organization's)
            for scope, breakdown in family_steps:
                yield scope, breakdown, _family_cells(rows, scope, breakdown, position, indicator_at)


def _family_cells(rows, scope, breakdown, position, indicator_at):
    """One step's cells (as _cells_of_step gives them) of a family's rows of one group."""
    scope_at = position.get(_KEY_COLUMN[scope])
    breakdown_at = position.get(_KEY_COLUMN[breakdown])
    quarter_at = position["quarter"]
    for row in rows:
        scope_key = row[scope_at] if scope_at else ""
        breakdown_key = row[breakdown_at] if breakdown_at else ""
        # No key, no cell (a row without a region is in the totals, not in a region's figures).
        if (scope_at and not scope_key) or (breakdown_at and not breakdown_key):
            continue
        n, count, total, squares, numerator, denominator = row[indicator_at + 1 :]
        period = row[quarter_at]
        yield (
            scope_key,
            PERIOD_YEAR if period is None else int(period),
            row[indicator_at],
            breakdown_key,
            int(n or 0),
            int(count),
            ZERO if total is None else total,
            ZERO if squares is None else squares,
            numerator,
            denominator,
        )


_FROM_FLOAT = Context(prec=15).create_decimal_from_float


def _decimal_of_sqlite_sum(value):
    """A SUM of decimals as Django reads one from SQLite: a float or an int, of which it keeps
    15 digits (what SQLite stores); PostgreSQL's Decimal as it comes."""
    return value if value is None or isinstance(value, Decimal) else _FROM_FLOAT(value)


def _coverage(year_atoms, scope, indicator_ids, per_capacity_ids):
    """Programs with data per survey kind, and programs active, per scope key and period."""
    base = year_atoms.filter(dimension="", program__isnull=False)
    via_program = scope == Scope.CATEGORY
    scope_key = _key_expression(scope, for_category_via_program=via_program)
    # Programs that ran in the period: any measurement about them (a report, an answer).
    counts = {COVERAGE_BASE: Count("program", distinct=True)}
    for kind, codes in COVERAGE.items():
        ids = [indicator_ids[code] for code in codes if code in indicator_ids]
        counts[kind] = Count("program", distinct=True, filter=Q(indicator_id__in=ids))
    if via_program:
        base = base.filter(category_slug__isnull=True).exclude(indicator_id__in=per_capacity_ids)
    else:
        base = base.filter(category_slug__isnull=True)
    result = {}
    for grouping in (F("quarter"), Value(0)):  # each quarter, then the whole year
        rows = (
            base.annotate(scope_key=scope_key, period_quarter=grouping)
            .values("scope_key", "period_quarter")
            .annotate(**counts)
            .order_by()
        )
        for row in rows:
            if row["scope_key"] is None or (scope != Scope.MOVEMENT and row["scope_key"] == ""):
                continue
            result[(row["scope_key"], row["period_quarter"])] = {key: row[key] for key in counts}
    return result


def _k(key):
    """The k a cell must reach: 10 for anything touching demographics, 5 otherwise."""
    return privacy.k_for(breakdown=key[4], indicator_code=key[3])


def _k_of_build():
    """_k, remembered per indicator and breakdown for one build (a large year asks millions of times)."""
    known = {}

    def k(key):
        kind = (key[3], key[4])
        value = known.get(kind)
        if value is None:
            value = known[kind] = _k(key)
        return value

    return k


def _families_and_links(figures, region_emerging):
    """The additive relations between figures a reader could subtract, and figures published twice.

    `figures` are the counts the gate weighs (_Figures, sorted); keys are (scope, scope key,
    period, indicator, breakdown, breakdown key, part): part "" is the people counted,
    "yes"/"no" a people-share's numerator and the rest.

    Returns (families, links). Families are _Families: positions in the figures' order, in
    the order each family is first met in a pass over the figures (each figure's rules in
    the order below), its children in the figures' order. Links are two arrays of positions
    (a[i] prints the figure b[i] prints), in the figures' order. Worked out a rule at a
    time on arrays: a large year has hundreds of thousands of figures, and a key tuple, a
    dictionary entry and a list each cost hundreds of MB.
    """
    scope, scope_key, period, code, breakdown, breakdown_key, part = figures.fields
    strings, codes = figures.strings.ids, figures.codes.ids
    rows_of = np.flatnonzero
    kinds = {}  # what a family splits its parent by → its number
    found = []  # per rule: (children, their parents, the family's kind)

    def child(rule, rows, parent, kind):
        """The figures `rows` as children of `parent` (fields, per row or one for all), where it is published."""
        present, at = figures.find(figures.packing.pack(*parent))
        kind = np.broadcast_to(np.asarray(kind, dtype=np.int64), rows.shape)
        found.append((rows[present], at[present], kind[present], rule))

    def kind_of(name):
        return kinds.setdefault(name, len(kinds))

    region_b, emerging_b, category_b = (BREAKDOWN_INDEX[name] for name in ("region", "emerging", "category"))
    # A total and its breakdown (a program teaches several capacities: not parts of a whole).
    rows = rows_of((breakdown != 0) & (breakdown != category_b))
    by_breakdown = np.array([kind_of(name) for name in BREAKDOWNS], dtype=np.int64)
    same = (scope[rows], scope_key[rows], period[rows], code[rows])
    child(0, rows, (*same, 0, EMPTY, part[rows]), by_breakdown[breakdown[rows]])
    # An emerging (or established) group and its regions.
    group_of = np.full(len(strings), NONE, dtype=np.int64)
    for slug, is_emerging in region_emerging.items():
        group = strings.get("emerging" if is_emerging else "established")
        if slug in strings and group is not None:
            group_of[strings[slug]] = group
    rows = rows_of(breakdown == region_b)
    rows = rows[group_of[breakdown_key[rows]] >= 0]
    group = group_of[breakdown_key[rows]]
    child(
        1,
        rows,
        (scope[rows], scope_key[rows], period[rows], code[rows], emerging_b, group, part[rows]),
        kind_of("region"),
    )
    # A year and its quarters.
    rows = rows_of(period != PERIOD_YEAR)
    child(
        2,
        rows,
        (
            *(field[rows] for field in (scope, scope_key)),
            PERIOD_YEAR,
            *(field[rows] for field in (code, breakdown, breakdown_key, part)),
        ),
        kind_of("period"),
    )
    # A report's cell is a part of the movement's same cell: the organizations (and
    # the regions and methods) split every movement figure between them.
    parts_of_movement = [SCOPE_INDEX[kind] for kind in (Scope.ORGANIZATION, Scope.REGION, Scope.METHOD)]
    rows = rows_of(np.isin(scope, parts_of_movement) & (breakdown != category_b))
    by_scope = np.array([kind_of(f"scope:{kind}") for kind in Scope.values], dtype=np.int64)
    movement = (SCOPE_INDEX[Scope.MOVEMENT], EMPTY)
    child(
        3,
        rows,
        (*movement, *(field[rows] for field in (period, code, breakdown, breakdown_key, part))),
        by_scope[scope[rows]],
    )
    # Participants minus newcomers would be the people who are not new (k = 10).
    if "newcomers" in codes and "participants" in codes:
        rows = rows_of((code == codes["newcomers"]) & (part == 0))
        child(
            4,
            rows,
            (
                scope[rows],
                scope_key[rows],
                period[rows],
                codes["participants"],
                breakdown[rows],
                breakdown_key[rows],
                0,
            ),
            kind_of("newcomers"),
        )

    # Families in the order first met: a member's place is (its position, its rule). A
    # family is its parent and its kind, one number; the rules' arrays go as they are read.
    rules = len(found)
    members = np.concatenate([rows for rows, _at, _kind, _rule in found])
    family = np.concatenate([at * len(kinds) + kind for _rows, at, kind, _rule in found])
    met = np.concatenate([rows * rules + rule for rows, _at, _kind, rule in found])
    found.clear()
    order = np.lexsort((met, family))  # by family, each family's members as met
    family = family[order]
    firsts = np.flatnonzero(np.concatenate(([True], family[1:] != family[:-1]))) if len(order) else order
    count = len(firsts)
    rank = np.empty(count, dtype=np.int64)  # each family's place in the order first met
    rank[np.argsort(met[order[firsts]], kind="stable")] = np.arange(count)
    del met
    family_parents, sizes = np.empty(count, dtype=np.int64), np.empty(count, dtype=np.int64)
    family_parents[rank] = family[firsts] // len(kinds)
    del family
    sizes[rank] = np.diff(np.append(firsts, len(order)))
    # Each family's members together, in the order first met (a stable sort keeps the order within).
    order = order[np.argsort(np.repeat(rank, np.diff(np.append(firsts, len(order)))), kind="stable")]
    return _Families(figures, family_parents, np.cumsum(sizes), members[order]), _links(figures)


def _links(figures):
    """Figures printed twice, as two arrays of positions in the figures' order (see _families_and_links)."""
    scope, scope_key, period, code, breakdown, breakdown_key, part = figures.fields
    strings, codes = figures.strings.ids, figures.codes.ids
    # A scope kind that is also a breakdown (region, method, capacity), by the other's number.
    scope_of = np.full(len(BREAKDOWNS), -1, dtype=np.int64)
    breakdown_of = np.full(len(Scope.values), -1, dtype=np.int64)
    for name in (Scope.REGION, Scope.METHOD, Scope.CATEGORY):
        scope_of[BREAKDOWN_INDEX[name]] = SCOPE_INDEX[name]
        breakdown_of[SCOPE_INDEX[name]] = BREAKDOWN_INDEX[name]
    found = []

    def link(rows, twin, same=None):
        present, at = figures.find(figures.packing.pack(*twin))
        if same is not None:
            present &= figures.count[at] == figures.count[rows]
        found.append((rows[present], at[present]))

    # The movement's "region = X" is region X's own total; the same for methods and capacities.
    rows = np.flatnonzero((scope == SCOPE_INDEX[Scope.MOVEMENT]) & (scope_of[breakdown] >= 0))
    link(rows, (scope_of[breakdown[rows]], breakdown_key[rows], period[rows], code[rows], 0, EMPTY, part[rows]))
    # A region's "method = M" is method M's "region = X" (each pair once: from the key that sorts first).
    first = np.array(
        [[scope_name < breakdown_name for breakdown_name in BREAKDOWNS] for scope_name in Scope.values], dtype=bool
    )
    rows = np.flatnonzero((breakdown_of[scope] >= 0) & (scope_of[breakdown] >= 0) & first[scope, breakdown])
    link(
        rows,
        (
            scope_of[breakdown[rows]],
            breakdown_key[rows],
            period[rows],
            code[rows],
            breakdown_of[scope[rows]],
            scope_key[rows],
            part[rows],
        ),
    )
    # The emerging share's numerator is the participants from emerging communities.
    if "emerging_share" in codes and "participants" in codes and "emerging" in strings:
        rows = np.flatnonzero((code == codes["emerging_share"]) & (part == PART_NAMES.index("yes")) & (breakdown == 0))
        twin = (scope[rows], scope_key[rows], period[rows], codes["participants"], BREAKDOWN_INDEX["emerging"])
        link(rows, (*twin, strings["emerging"], 0), same=True)
    rows = np.concatenate([rows for rows, _at in found])
    order = np.argsort(rows, kind="stable")
    return rows[order], np.concatenate([at for _rows, at in found])[order]


@dataclass(slots=True)
class _Families:
    """Families as positions of figures: family f is parents[f] → children[ends[f - 1]:ends[f]]."""

    figures: "_Figures"
    parents: np.ndarray
    ends: np.ndarray
    children: np.ndarray

    def __len__(self):
        return len(self.parents)

    def __iter__(self):
        """(parent key, child keys) per family, as `privacy.gate` takes them (the tests read them so)."""
        keys, children = self.figures.keys, self.children
        start = 0
        for parent, end in zip(self.parents.tolist(), self.ends.tolist(), strict=True):
            yield keys[parent], [keys[child] for child in children[start:end].tolist()]
            start = end


# ---------------------------------------------------------------------------
# Figures contained in others by how the data fall.
#
# "Organization X, region R" does not count only people of method M by definition, but
# when all of X's people in R took method M it sits inside "method M" and "M, R" all
# the same, and the two published figures differ by the people of M, R outside X. The
# gate weighs such pairs once they are found: one more GROUP BY at the finest grain the
# reports slice by (organization × region × method × emerging × quarter × answer ×
# capacity) gives each figure's *profile*, the value every person it counts shares on
# each of those dimensions. A figure B lies inside figure A when A's conditions are all
# in B's profile; then A − B must be 0 or at least k, a family of one for the gate.
#
# A large year has hundreds of thousands of figures, each reached by dozens of atoms and
# with dozens of figures its profile says may contain it: the work is done on arrays
# (numpy), a rule at a time, not a figure at a time. Every figure key is packed into one
# 64-bit integer (its strings numbered); a figure's profile is the minimum and the
# maximum of each dimension over its atoms (equal: one value; else mixed) and the AND of
# its atoms' capacities as bits. tests/evaluation/containment_reference.py holds the same
# rule written figure by figure, and the tests compare the two.

MIXED = -2  # a profile's dimension on which the people of a figure differ
NONE = -1  # no value on that dimension (no region, no method), or no answer
EMPTY = 0  # the empty string's number: an atom reaches a region's, method's or organization's figures only above it
PART_NAMES = ("", "yes", "no")
PERIOD_YEAR = 0  # a figure's period: 0 for the year, 1–4 for its quarters
BREAKDOWN_INDEX = {breakdown: index for index, breakdown in enumerate(BREAKDOWNS)}
SCOPE_INDEX = {scope: index for index, scope in enumerate(Scope.values)}
FIRST_DEMOGRAPHIC = min(BREAKDOWN_INDEX[dimension] for dimension in DEMOGRAPHIC)


def _no_pairs():
    """No family of one found: two empty arrays of positions, as the found ones come."""
    return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)


def _atoms(year_atoms):
    """The year's measurements summed at the finest grain a report slices by, with each program's capacities.

    One row per (organization, region, method, emerging, quarter, indicator, dimension,
    answer, capacity, the program's capacities): the people, and a share's numerator and
    denominator. A program's capacities come from one join, not a query per program.
    """
    from programs.models import Program

    inner = year_atoms.values(*ATOM_SLICE, "program_id", "sum_people", "sum_numerator", "sum_denominator")
    through = Program.categories.through
    categories = through.objects.annotate(slug=F("capacitycategory__slug")).values("program_id", "slug")
    inner_sql, inner_params = inner.query.sql_with_params()
    categories_sql, categories_params = categories.query.sql_with_params()
    concat = "STRING_AGG(pc.slug, ',')" if connection.vendor == "postgresql" else "GROUP_CONCAT(pc.slug, ',')"
    columns = (
        "m.organization_slug, m.region_slug, m.method, m.is_emerging, m.quarter, m.indicator_id, "
        "m.dimension, m.answer, m.category_slug, p.program_categories"
    )
    # Both parts are Django-compiled queries with their parameters kept apart; the rest is literal.
    sql = (
        f"SELECT {columns}, SUM(m.sum_people), SUM(m.sum_numerator), SUM(m.sum_denominator) "  # noqa: S608
        f"FROM ({inner_sql}) m LEFT JOIN ("
        f"SELECT pc.program_id, {concat} AS program_categories FROM ({categories_sql}) pc GROUP BY pc.program_id"
        f") p ON p.program_id = m.program_id GROUP BY {columns}"
    )
    # A server-side cursor on PostgreSQL (Django's, as for QuerySet.iterator()): the rows come
    # in batches as they are read, not all at once (100 MB for 2025's largest group).
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, (*inner_params, *categories_params))
        yield from cursor


class _Numbers:
    """Strings numbered from 0, in the order they are first met."""

    def __init__(self, *first):
        self.ids = {}
        for value in first:
            self.of(value)

    def of(self, value):
        number = self.ids.get(value)
        if number is None:
            number = self.ids[value] = len(self.ids)
        return number

    def or_none(self, value):
        """A value's number, or NONE for no value (None or an empty string)."""
        return self.of(value) if value else NONE

    def strings(self):
        return list(self.ids)


@dataclass(slots=True)
class _Packing:
    """How a figure key's seven fields share one 64-bit integer: bit widths from the largest numbers."""

    string_bits: int
    code_bits: int

    def pack(self, scope, scope_key, period, code, breakdown, breakdown_key, part):
        """Numpy arrays (or numbers) of the fields → the packed keys; NONE is never a field here."""
        packed = np.int64(scope)
        for value, bits in (
            (scope_key, self.string_bits),
            (period, 3),
            (code, self.code_bits),
            (breakdown, 4),
            (breakdown_key, self.string_bits),
            (part, 2),
        ):
            packed = (packed << np.int64(bits)) | np.asarray(value, dtype=np.int64)
        return packed

    def pack_each(self, fields):
        """`pack` for seven arrays taken one at a time from an iterable: one of them alive at once."""
        fields = iter(fields)
        packed = np.array(next(fields), dtype=np.int64)
        for bits in (self.string_bits, 3, self.code_bits, 4, self.string_bits, 2):
            packed <<= np.int64(bits)
            packed |= next(fields)
        if next(fields, None) is not None:
            raise ValueError("a figure key has seven fields")
        return packed


class _Figures:
    """The figures the gate weighs (counts' keys), as arrays of numbered fields, sorted by packed key."""

    def __init__(self, year, codes):
        """No figures yet: the names their fields are numbered by (strings, indicators, periods)."""
        self.period_names = periods_of(year)
        self.strings = _Numbers("")  # "" is EMPTY
        self.codes = _Numbers(*sorted(set(codes.values())))
        self.fields = [np.zeros(0, dtype=np.int32) for _ in range(7)]  # 32 bits: half a million figures each
        self.count = np.zeros(0, dtype=np.int64)

    @classmethod
    def of_counts(cls, counts, year, codes):
        """The figures of a mapping of figure key (scope, scope key, period, indicator, breakdown, breakdown key,
        part) → people, in its order (the tests' way in; a build fills them from its cells)."""
        figures = cls(year, codes)
        periods = {name: index for index, name in enumerate(figures.period_names)}
        parts = {name: index for index, name in enumerate(PART_NAMES)}
        of, code_of = figures.strings.of, figures.codes.of
        fields = [[] for _ in range(7)]
        for scope, scope_key, period, code, breakdown, breakdown_key, part in counts:
            for column, value in zip(
                fields,
                (
                    SCOPE_INDEX[scope],
                    of(scope_key),
                    periods[period],
                    code_of(code),
                    BREAKDOWN_INDEX[breakdown],
                    of(breakdown_key),
                    parts[part],
                ),
                strict=True,
            ):
                column.append(value)
        figures.fields = [np.array(column, dtype=np.int32) for column in fields]
        figures.count = np.fromiter(counts.values(), dtype=np.int64, count=len(counts))
        return figures

    def __len__(self):
        return len(self.count)

    @cached_property
    def keys(self):
        """The figures' key tuples, in their order (for tests and reference checks: a build never needs them)."""
        names = (
            list(Scope.values),
            self.strings.strings(),
            self.period_names,
            self.codes.strings(),
            list(BREAKDOWNS),
            self.strings.strings(),
            list(PART_NAMES),
        )
        columns = [
            [table[number] for number in field.tolist()] for table, field in zip(names, self.fields, strict=True)
        ]
        return list(zip(*columns, strict=True))

    def sort(self):
        """Pack the keys (after every string, the atoms' too, is numbered) and sort them for lookups."""
        string_bits = max(1, len(self.strings.ids).bit_length())
        code_bits = max(1, len(self.codes.ids).bit_length())
        if 3 + 2 * string_bits + 3 + code_bits + 4 + 2 > 63:
            raise ValueError("too many distinct report keys to pack into 64 bits")
        self.packing = _Packing(string_bits, code_bits)
        packed = self.packing.pack(*self.fields)
        self.order = np.argsort(packed, kind="stable")
        self.sorted = packed[self.order]

    def find(self, packed):
        """(found, index into keys) for packed keys; index is meaningless where not found."""
        if not len(self.sorted):
            return np.zeros(len(packed), dtype=bool), np.zeros(len(packed), dtype=np.int64)
        position = np.minimum(np.searchsorted(self.sorted, packed), len(self.sorted) - 1)
        return self.sorted[position] == packed, self.order[position]

    def thresholds(self, k):
        """k of each (indicator number, breakdown number): `k` reads a key's indicator and breakdown alone."""
        names = self.codes.strings()
        rows = [[k((None, None, None, name, breakdown, None, "")) for breakdown in BREAKDOWNS] for name in names]
        return np.array(rows, dtype=np.int64).reshape(len(names), len(BREAKDOWNS))

    def name_ranks(self):
        """For each of the seven fields, each number's place in the order of the names it stands for."""

        def by_name(names):
            rank = np.empty(len(names), dtype=np.int64)
            rank[sorted(range(len(names)), key=names.__getitem__)] = np.arange(len(names))
            return rank

        strings = by_name(self.strings.strings())
        return (
            by_name(list(Scope.values)),
            strings,
            by_name(self.period_names),
            by_name(self.codes.strings()),
            by_name(list(BREAKDOWNS)),
            strings,
            by_name(list(PART_NAMES)),
        )

    def ranks(self):
        """Each figure's place in the order of its key tuples, worked out from each field's order of names.

        Each field's rank packed as its number is (`sort` first): one array to sort, not seven.
        """
        field_ranks = self.name_ranks()
        packed = self.packing.pack_each(rank[field] for rank, field in zip(field_ranks, self.fields, strict=True))
        order = np.argsort(packed, kind="stable")
        del packed
        ranks = np.empty(len(order), dtype=np.int64)
        ranks[order] = np.arange(len(order))
        return ranks

    def worth_profiling(self, largest_k):
        """The figures another figure of the same indicator and part exceeds by 1 to largest_k − 1.

        Only they can be given away by a figure that contains them: the rest need no profile.
        """
        if self.count.size and int(self.count.max()) >= 1 << 31:
            raise ValueError("a figure counts more people than the containment check can pack")
        group = (self.fields[3].astype(np.int64) * len(PART_NAMES) + self.fields[6]) << np.int64(32)
        known = np.unique(group | self.count)
        low = np.searchsorted(known, group | (self.count + 1), side="left")
        high = np.searchsorted(known, group | (self.count + largest_k - 1), side="right")
        return (self.count > 0) & (low < high)


class _Atoms:
    """The atoms as arrays: each dimension numbered, capacities as bits, which parts count someone."""

    def __init__(self, rows, figures, codes, per_capacity_ids):
        strings = figures.strings
        of, or_none = strings.of, strings.or_none
        emerging_of = {None: NONE, True: of("emerging"), False: of("established")}
        code_numbers = {indicator_id: figures.codes.of(code) for indicator_id, code in codes.items()}
        shares = {indicator_id for indicator_id, code in codes.items() if code in PEOPLE_SHARES}
        self.capacities = _Numbers()  # capacity slug → its bit
        capacity_sets = {}  # a program's "a,b" → the bits of its capacities
        # Columns of 32-bit numbers (a list would hold 8 bytes a number): a large year has millions of atoms.
        columns = [array("i") for _ in range(9)]
        # One bound append per column, called directly.
        (
            add_organization,
            add_region,
            add_method,
            add_emerging,
            add_quarter,
            add_code,
            add_dimension,
            add_answer,
            add_outside,
        ) = (column.append for column in columns)
        masks, counted = [], bytearray()  # counted: the three parts of each atom, one after the other
        add_mask, add_counted = masks.append, counted.extend
        for (
            organization,
            region,
            method,
            is_emerging,
            quarter,
            indicator_id,
            dimension,
            answer,
            category,
            program_categories,
            people,
            numerator,
            denominator,
        ) in rows:
            if indicator_id in shares and denominator is not None:
                yes = int(numerator or 0)
                parts = ((people or 0) > 0, yes > 0, int(denominator) - yes > 0)
            else:
                parts = ((people or 0) > 0, False, False)
            if not any(parts):
                continue
            if category is not None:
                mask = 1 << self.capacities.of(category)
            elif program_categories and indicator_id not in per_capacity_ids:
                mask = capacity_sets.get(program_categories)
                if mask is None:
                    mask = 0
                    for slug in program_categories.split(","):
                        mask |= 1 << self.capacities.of(slug)
                    capacity_sets[program_categories] = mask
            else:
                mask = 0
            add_organization(NONE if organization is None else of(organization))
            add_region(NONE if region is None else of(region))
            add_method(or_none(method))
            add_emerging(emerging_of[None if region is None else bool(is_emerging)])
            add_quarter(int(quarter))  # EXTRACT gives a numeric on PostgreSQL
            add_code(code_numbers[indicator_id])
            add_dimension(BREAKDOWN_INDEX[dimension] if dimension else 0)
            add_answer(or_none(answer))
            add_outside(category is None)
            add_mask(mask)
            add_counted(parts)
        del add_organization, add_region, add_method, add_emerging, add_quarter, add_code, add_dimension, add_answer
        del add_outside  # the columns are let go as each becomes an array
        (
            self.organization,
            self.region,
            self.method,
            self.emerging,
            self.quarter,
            self.code,
            self.dimension,
            self.answer,
            outside,
        ) = (np.frombuffer(columns.pop(0), dtype=np.int32).copy() for _ in range(len(columns)))
        self.outside = outside.astype(np.uint8)
        self.counted = np.frombuffer(counted, dtype=bool).reshape(-1, len(PART_NAMES)).copy()
        # Capacities as bits, 64 to a word.
        words = max(1, -(-len(self.capacities.ids) // 64))
        self.bits = np.zeros((len(masks), words), dtype=np.uint64)
        for word in range(words):
            self.bits[:, word] = np.array([(mask >> (64 * word)) & (2**64 - 1) for mask in masks], dtype=np.uint64)
        self.capacity_strings = np.array([of(slug) for slug in self.capacities.strings()], dtype=np.int64)

    def __len__(self):
        return len(self.code)


def _with_capacity(bits, capacity_strings):
    """(row, capacity's string number) for every capacity bit set in each row of `bits`."""
    rows, capacities = [], []
    for capacity, string in enumerate(capacity_strings):
        word, bit = divmod(capacity, 64)
        having = np.flatnonzero((bits[:, word] >> np.uint64(bit)) & np.uint64(1))
        rows.append(having)
        capacities.append(np.full(len(having), string, dtype=np.int64))
    if not rows:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(rows), np.concatenate(capacities)


PROFILE_DIMENSIONS = ("organization", "region", "method", "emerging", "quarter")


def _reduce(packed, dimensions, bits, outside):
    """Rows sharing a packed key → one row: each dimension's minimum and maximum, the AND of bits and of outside."""
    order = np.argsort(packed, kind="stable")
    packed = packed[order]
    starts = np.flatnonzero(np.concatenate(([True], packed[1:] != packed[:-1])))
    lows = [np.minimum.reduceat(low[order], starts) for low, _high in dimensions]
    highs = [np.maximum.reduceat(high[order], starts) for _low, high in dimensions]
    return (
        packed[starts],
        list(zip(lows, highs, strict=True)),
        np.bitwise_and.reduceat(bits[order], starts, axis=0),
        np.minimum.reduceat(outside[order], starts),
    )


def _reach(values, above, plain, demographic, outside, bits, capacity_strings, empty):
    """(rows, scope, scope key, breakdown, breakdown key) for each way a row reaches a figure, arrays over those rows.

    One rule at a time (a generator): the arrays of every rule at once were the largest
    thing a large year held (300 MB for 2025's largest group).

    The rules of the GROUP BYs of `year_rows`, for atoms (what figures each one counts
    someone in) and for profiles (what figures may contain a profiled one) alike.
    `values` are the rows' organization, region, method (string numbers; only those
    `above` reach a figure: EMPTY for atoms, whose empty strings count in no such figure,
    NONE for profiles, whose one value may be the empty string's) and emerging (0, 1 or
    negative); `plain` the rows that reach the plain breakdowns (total, region, emerging,
    method); `demographic` (rows, breakdown, key) the demographic breakdown they reach;
    `outside` the rows counted outside capacity reports; `bits` the capacities each row
    reaches through its programs: the capacity's own report, and every report's
    "category" breakdown.
    """
    organization, region, method, emerging = values
    count = len(plain)

    def same(value, dtype=np.int64):
        """One value for every row, as an array that holds it once (indexing it gives real arrays)."""
        return np.broadcast_to(np.asarray(value, dtype=dtype), (count,))

    scopes = [
        (Scope.MOVEMENT, same(True, bool), same(empty)),
        (Scope.REGION, region > above, region),
        (Scope.METHOD, method > above, method),
        (Scope.ORGANIZATION, organization > above, organization),
    ]
    breakdowns = [
        ("", plain, same(0), same(empty)),
        ("region", plain & (region > above), same(BREAKDOWN_INDEX["region"]), region),
        ("emerging", plain & (emerging >= 0), same(BREAKDOWN_INDEX["emerging"]), emerging),
        ("method", plain & (method > above), same(BREAKDOWN_INDEX["method"]), method),
        ("demographic", *demographic),
    ]
    for scope, in_scope, scope_key in scopes:
        for name, in_breakdown, breakdown, breakdown_key in breakdowns:
            if name not in SKIPPED.get(scope, ()):
                rows = np.flatnonzero(outside & in_scope & in_breakdown)
                yield rows, SCOPE_INDEX[scope], scope_key[rows], breakdown[rows], breakdown_key[rows]
    reaching, capacity = _with_capacity(bits, capacity_strings)
    for _name, in_breakdown, breakdown, breakdown_key in breakdowns:
        keep = in_breakdown[reaching]
        rows = reaching[keep]
        yield rows, SCOPE_INDEX[Scope.CATEGORY], capacity[keep], breakdown[rows], breakdown_key[rows]
    category = BREAKDOWN_INDEX["category"]
    for scope, in_scope, scope_key in scopes:
        keep = (plain & in_scope)[reaching]
        rows = reaching[keep]
        yield rows, SCOPE_INDEX[scope], scope_key[rows], np.full(len(rows), category), capacity[keep]


def _profiles(atoms, figures, wanted):
    """(figure index, each profile dimension's value or MIXED, capacity bits, outside) for the wanted figures reached.

    Every atom reaches the figures the GROUP BYs of `year_rows` put it in, by the same
    rules (dimensions, capacities through programs, rows without a region or method);
    a figure is profiled for a part (its people, a share's yes or no) from the atoms that
    count someone in that part.
    """
    pack = figures.packing.pack
    plain = atoms.dimension == 0
    rules = _reach(
        (atoms.organization, atoms.region, atoms.method, atoms.emerging),
        EMPTY,
        plain,
        (~plain & (atoms.answer >= 0), atoms.dimension, atoms.answer),
        atoms.outside.astype(bool),
        atoms.bits,
        atoms.capacity_strings,
        np.int64(figures.strings.of("")),
    )
    found = []
    for rows, scope, scope_key, breakdown, breakdown_key in rules:
        for part in range(len(PART_NAMES)):
            counted = atoms.counted[rows, part]
            part_rows = rows[counted]
            if not len(part_rows):
                continue
            for period in (atoms.quarter[part_rows], PERIOD_YEAR):
                packed = pack(
                    scope,
                    scope_key[counted],
                    period,
                    atoms.code[part_rows],
                    breakdown[counted],
                    breakdown_key[counted],
                    part,
                )
                present, index = figures.find(packed)
                keep = present & wanted[index]
                if keep.any():
                    chosen = part_rows[keep]
                    dimensions = [(getattr(atoms, name)[chosen],) * 2 for name in PROFILE_DIMENSIONS]
                    found.append(_reduce(packed[keep], dimensions, atoms.bits[chosen], atoms.outside[chosen]))
    if not found:
        return None
    # A figure is reached by one rule only; reducing again over all of them costs little and needs no proof.
    packed, dimensions, bits, outside = _reduce(
        np.concatenate([piece[0] for piece in found]),
        [
            tuple(np.concatenate([piece[1][index][end] for piece in found]) for end in (0, 1))
            for index in range(len(PROFILE_DIMENSIONS))
        ],
        np.concatenate([piece[2] for piece in found]),
        np.concatenate([piece[3] for piece in found]),
    )
    _present, index = figures.find(packed)
    values = [np.where(low == high, low, MIXED) for low, high in dimensions]
    return index, values, bits, outside


def _families_by_data(figures, atoms, codes, per_capacity_ids, k):
    """Families of one (A → [B]) for every two figures with B inside A by the data and 0 < A − B < k.

    As two arrays of positions in `figures.keys` (the A's, the B's), the gate's `pairs`.
    `figures` are the counts the gate weighs (_Figures); `k` gives a figure's threshold
    from its indicator and breakdown (key[3], key[4]).
    """
    largest_k = max(settings.K_ANONYMITY_DEMOGRAPHIC, settings.K_ANONYMITY_ACTIVITY)
    smallest_k = min(settings.K_ANONYMITY_DEMOGRAPHIC, settings.K_ANONYMITY_ACTIVITY)
    wanted = figures.worth_profiling(largest_k)
    if not wanted.any():
        return _no_pairs()  # the atoms are not even read
    atoms = _Atoms(atoms, figures, codes, per_capacity_ids)
    figures.sort()  # again: the atoms may have brought strings no figure has
    profiled = _profiles(atoms, figures, wanted)
    if profiled is None:
        return _no_pairs()
    inner, (organization, region, method, emerging, quarter), bits, outside = profiled
    scope, scope_key, period, code, breakdown, breakdown_key, part = (field[inner] for field in figures.fields)
    size = figures.count[inner]
    thresholds = figures.thresholds(k)
    inner_k = thresholds[code, breakdown]
    demographic = breakdown >= FIRST_DEMOGRAPHIC
    # The figures that may contain each inner one, by its profile: the figures an atom
    # with that profile reaches, and the inner figure's own demographic breakdown.
    candidates = _reach(
        (organization, region, method, emerging),
        NONE,
        ~demographic,
        (demographic, breakdown, breakdown_key),
        outside.astype(bool),
        bits,
        atoms.capacity_strings,
        figures.strings.of(""),
    )

    movement = SCOPE_INDEX[Scope.MOVEMENT]
    outers, inners = [], []
    for rows, wider_scope, wider_key, wider_breakdown, wider_breakdown_key in _in_chunks(candidates):
        for wider_period in (np.full(len(rows), PERIOD_YEAR), quarter[rows]):
            keep = wider_period != MIXED
            rows_here = rows[keep]
            outer_period = wider_period[keep]
            outer_key, outer_breakdown, outer_breakdown_key = (
                wider_key[keep],
                wider_breakdown[keep],
                wider_breakdown_key[keep],
            )
            packed = figures.packing.pack(
                wider_scope,
                outer_key,
                outer_period,
                code[rows_here],
                outer_breakdown,
                outer_breakdown_key,
                part[rows_here],
            )
            present, outer = figures.find(packed)
            rest = np.where(present, figures.count[outer], 0) - size[rows_here]
            outer_k = thresholds[code[rows_here], outer_breakdown]
            weighed = (
                (rest > 0)
                & (rest < largest_k)
                & ~((rest >= smallest_k) & (rest >= np.maximum(outer_k, inner_k[rows_here])))
            )
            # The figures that contain it by definition were weighed already (_families_and_links).
            ancestor = (
                (((wider_scope == scope[rows_here]) & (outer_key == scope_key[rows_here])) | (wider_scope == movement))
                & (
                    ((outer_breakdown == breakdown[rows_here]) & (outer_breakdown_key == breakdown_key[rows_here]))
                    | (outer_breakdown == 0)
                )
                & ((outer_period == period[rows_here]) | (outer_period == PERIOD_YEAR))
            )
            chosen = weighed & ~ancestor
            outers.append(outer[chosen])
            inners.append(inner[rows_here[chosen]])
    if not outers:
        return _no_pairs()
    ranks = figures.ranks()
    # In key order, each pair once: the gate is greedy, and the atoms come in whatever order
    # the database gives. Pairs sort by the outer's key, then the inner's.
    by_rank = np.unique(ranks[np.concatenate(outers)] * len(ranks) + ranks[np.concatenate(inners)])
    by_key = np.empty(len(ranks), dtype=np.int64)
    by_key[ranks] = np.arange(len(ranks))
    return by_key[by_rank // len(ranks)], by_key[by_rank % len(ranks)]


# Rows of a rule weighed at a time: each costs about a hundred bytes while weighed, and a
# rule of a large year reaches a million rows and more.
CHUNK = 65_536


def _in_chunks(rules):
    """Each rule of `_reach` (rows, scope, then arrays over the rows) as pieces of at most CHUNK rows."""
    for rows, scope, *columns in rules:
        for start in range(0, len(rows), CHUNK):
            piece = slice(start, start + CHUNK)
            yield rows[piece], scope, *(column[piece] for column in columns)


def _families_within_k(figures, k):
    """Families of one (A → [B]) for every figure A that counts everyone B counts by definition and A − B < k.

    As two arrays of positions in `figures.keys` (the A's, the B's), the gate's `pairs`.

    Any figure minus one it contains is a group of people too: the movement's total, the
    report's own total and the movement's same breakdown cell contain a figure, and a year
    contains its quarters. What the partitions of `_families_and_links` do
    not already weigh is weighed here, a family of one (its parent minus it must be 0 or
    at least k).

    Only the pairs that differ by less than k become families. A parent that exceeds its
    child by k or more can never give anyone away through the pair: what the child
    leaves out is k people or more whichever of the two is shown, and that part is an
    unknown of its own, so the pair never pins a hidden figure down either. Weighing
    them anyway changes no decision of the gate (a test builds generated years both
    ways) but made nine in ten of a large year's families (5.8 million at the movement's
    scale).

    In the order a loop over the figures (in counts' order) and their ancestors would give
    them (own scope before the movement's, own breakdown before the total, own period
    before the year; the test reference `ancestors` writes that loop): the gate is greedy.
    """
    largest_k = max(settings.K_ANONYMITY_DEMOGRAPHIC, settings.K_ANONYMITY_ACTIVITY)
    smallest_k = min(settings.K_ANONYMITY_DEMOGRAPHIC, settings.K_ANONYMITY_ACTIVITY)
    scope, scope_key, period, code, breakdown, breakdown_key, part = figures.fields
    thresholds = figures.thresholds(k)
    own_k = thresholds[code, breakdown]
    movement, empty = SCOPE_INDEX[Scope.MOVEMENT], figures.strings.of("")
    found = []  # (figure, its ancestor's place in that order, the ancestor)
    for wider_scope in (False, True):  # its own scope, then the movement's
        for wider_breakdown in (False, True):  # its own breakdown, then the total
            for wider_period in (False, True):  # its own period, then the year
                if not (wider_scope or wider_breakdown or wider_period):
                    continue  # the figure itself
                rows = np.flatnonzero(
                    ((scope != movement) if wider_scope else True)
                    & ((breakdown != 0) if wider_breakdown else True)
                    & ((period != PERIOD_YEAR) if wider_period else True)
                )
                outer_breakdown = 0 if wider_breakdown else breakdown[rows]
                packed = figures.packing.pack(
                    movement if wider_scope else scope[rows],
                    empty if wider_scope else scope_key[rows],
                    PERIOD_YEAR if wider_period else period[rows],
                    code[rows],
                    outer_breakdown,
                    empty if wider_breakdown else breakdown_key[rows],
                    part[rows],
                )
                present, outer = figures.find(packed)
                rest = figures.count[outer] - figures.count[rows]
                weighed = present & (
                    (rest < smallest_k)
                    | ((rest < largest_k) & (rest < np.maximum(thresholds[code[rows], outer_breakdown], own_k[rows])))
                )
                place = 4 * wider_scope + 2 * wider_breakdown + wider_period
                found.append((rows[weighed] * 8 + place, outer[weighed]))
    if not found:
        return _no_pairs()
    order = np.concatenate([where for where, _outer in found])
    outers = np.concatenate([outer for _where, outer in found])
    ordered = np.argsort(order, kind="stable")
    return outers[ordered], order[ordered] // 8


def _published(indicator, cell, hidden):
    """(value, low, high) for a shown cell; None when hidden or the sample is too small."""
    if hidden:
        return None
    aggregation = indicator.aggregation
    if aggregation == Indicator.Aggregation.SUM:
        return cell.total.quantize(FOUR_PLACES), None, None
    if not privacy.publishable_mean(cell.n):
        return None
    if aggregation == Indicator.Aggregation.MEAN:
        mean, low, high = statistics.mean_interval(n=cell.n, total=cell.total, total_squares=cell.total_squares)
        return mean, low, high
    if not cell.denominator:
        return None
    if indicator.unit == Indicator.Unit.SHARE and cell.measurements == cell.n == cell.denominator:
        # Each measurement one person's yes or no (retention): a Wilson interval.
        return statistics.rate_interval(numerator=cell.numerator, denominator=cell.denominator)
    # A share fixed per program (the emerging share) or a cost: the ratio, no interval.
    return statistics.ratio(numerator=cell.numerator, denominator=cell.denominator)


def year_rows(year, *, write, progress=None, groups=None, participants_shown=()):
    """The report rows of one year, gated, handed to `write` a group at a time (tuples in ROW_FIELDS order).

    `groups`: the groups of indicators the gate weighs together (_gate_group) to build,
    with the coverage rows; None for all of them. `participants_shown`: the (scope, key,
    period) whose participants total is shown, from rows kept of a group not built
    (coverage is shown with it). Returns the number of measurements read.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("year_rows reads one snapshot of the measurements: call it in a transaction (year_replace)")
    indicators = {indicator.pk: indicator for indicator in Indicator.objects.all()}
    built = None
    if groups is not None:
        built = [pk for pk, indicator in indicators.items() if _gate_group(indicator.code) in groups]
    with _year_atoms(year, built) as atoms, _collected_between_groups():
        return _year_rows(year, indicators, atoms, progress, write, groups, set(participants_shown))


@contextmanager
def _collected_between_groups():
    """Python's cycle collector paused while a year is built; _year_rows runs it after each group.

    A group holds millions of tuples, lists, cells and numbers at once; the collector would
    walk them all again each time enough new ones pile up (a tenth of a large year's time),
    to find next to nothing: the gate frees its own lists (privacy.gate breaks its one
    cycle), and the rest is freed by reference counts as each group ends. Run after a
    group, when its figures are gone, it has little to walk and frees the few cycles left
    (Django's querysets). The pause is the whole process's: in a Celery worker's process
    (prefork) a task runs alone; in the demo, whose builds run in the request, a
    threaded server's other requests wait for the collector as long as a (small) build takes.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _year_rows(year, indicators, atoms, progress, write, only, participants_shown):
    indicator_ids = {indicator.code: indicator.pk for indicator in indicators.values()}
    codes = {indicator_id: indicator.code for indicator_id, indicator in indicators.items()}
    by_code = {indicator.code: indicator for indicator in indicators.values()}
    region_emerging = dict(Region.objects.values_list("slug", "is_emerging"))
    per_capacity_ids = [indicator_ids[code] for code in PER_CAPACITY if code in indicator_ids]
    groups = sorted({_gate_group(code) for code in indicator_ids})
    total_steps = year_steps(indicator_ids)
    progress = progress or (lambda done, total: None)
    done = 0
    k = _k_of_build()
    built_at = timezone.now()
    read = 0
    # The participants totals shown (coverage is shown with them), as kept or as built.
    participants_id = indicator_ids.get("participants")

    # One group of indicators the gate weighs together at a time (the same decisions: no
    # family or link joins two groups), from its GROUP BYs to its rows written: a year's
    # figures are never all in memory at once.
    for group in groups:
        ids = [indicator_id for indicator_id, code in codes.items() if _gate_group(code) == group]
        group_atoms = atoms.filter(indicator_id__in=ids)
        # Not asked for (its rows kept as they were), or nothing measured this year: no GROUP BY to run.
        if (only is not None and group not in only) or not group_atoms.exists():
            done += len(_STEPS) + 1
            progress(done, total_steps)
            continue
        figures = _Figures(year, codes)
        # The cells' temporary file is closed (and gone) whatever happens to the group.
        with closing(_Cells(figures, codes)) as cells:
            steps_seen = set()
            for scope, breakdown, step in _cells_of_steps(group_atoms, per_capacity_ids):
                measured = cells.add_step(scope, breakdown, step)
                if scope == Scope.MOVEMENT and not breakdown:
                    read += measured
                if (scope, breakdown) not in steps_seen:
                    steps_seen.add((scope, breakdown))
                    done += 1
                    progress(done, total_steps)
            done += len(_STEPS) - len(steps_seen)  # steps without a row
            progress(done, total_steps)
            if len(cells):
                # In key order: the gate is greedy, and the GROUP BYs answer in whatever order the plan gives.
                order, cell_of = cells.figures_in_key_order()
                figures.sort()
                families, links = _families_and_links(figures, region_emerging)
                within_k = _families_within_k(figures, k)
                by_data = _families_by_data(figures, _atoms(group_atoms), codes, set(per_capacity_ids), k)
                pairs = tuple(map(np.concatenate, zip(within_k, by_data, strict=True)))
                del within_k, by_data
                thresholds = figures.thresholds(k)
                hidden_figures = privacy.gate_positions(
                    size=figures.count,
                    threshold=thresholds[figures.fields[3], figures.fields[4]],
                    families=(families.parents, families.ends, families.children),
                    links=links,
                    pairs=pairs,
                )
                # A cell is hidden when any figure of it is (its people, a share's yes or no).
                hidden = np.zeros(len(cells), dtype=bool)
                hidden[cell_of[hidden_figures]] = True
                del figures, families, links, pairs, thresholds, hidden_figures, cell_of
                for rows in cells.rows(order, hidden, by_code, built_at):
                    for row in rows:
                        if row[3] == participants_id and not row[4] and row[SHOWN]:
                            participants_shown.add(row[:3])
                    write(rows)
                del rows, hidden, order  # the last batch too (at least one: there are cells)
                gc.collect()  # the cycles of the group (_collected_between_groups)
        done += 1
        progress(done, total_steps)

    # Coverage: shares of programs, not of people; shown when the program count is.
    for index, scope in enumerate(Scope.values):
        rows = []
        for (scope_key, quarter), counts in _coverage(atoms, scope, indicator_ids, per_capacity_ids).items():
            period = f"{year}-Q{quarter}" if quarter else str(year)
            programs = counts[COVERAGE_BASE]
            if not programs:
                continue  # no program ran (an aggregate over no rows still answers one row)
            shown = (scope, scope_key, period) in participants_shown
            for kind in COVERAGE:
                with_data = min(counts[kind], programs)
                value = (Decimal(with_data) / programs).quantize(FOUR_PLACES) if shown else None
                rows.append(
                    (scope, scope_key, period, None, "coverage", kind, programs, 0, Decimal(0), Decimal(0))
                    + (with_data, programs, shown, value, None, None, built_at)
                )
        write(rows)
        progress(done + index + 1, total_steps)
    return read


# The columns of a report row as year_rows hands them to the writer.
ROW_FIELDS = (
    "scope",
    "scope_key",
    "period",
    "indicator_id",
    "breakdown",
    "breakdown_key",
    "n",
    "measurements",
    "total",
    "total_squares",
    "numerator",
    "denominator",
    "shown",
    "value",
    "low",
    "high",
    "built_at",
)

SHOWN = ROW_FIELDS.index("shown")
# The columns a row may leave empty (NULL): numbers only, never text (_insert relies on it).
NULLABLE_FIELDS = ("indicator_id", "numerator", "denominator", "value", "low", "high")

# Figures of different indicators the gate weighs together: participants minus newcomers
# (a family) and the emerging share's numerator, printed again as the participants from
# emerging communities (a link). No family or link joins any other two indicators (every
# other relation is between figures of one indicator), so each of the rest is gated on
# its own: the same decisions, and a year's figures are never all held at once.
GATED_TOGETHER = frozenset({"participants", "newcomers", "emerging_share"})


def _gate_group(code):
    return "participants" if code in GATED_TOGETHER else code


class _Cells:
    """A group's cells (each figure of the reports before the gate), as columns, in the order the GROUP BYs give them.

    Its key as numbers (scope, scope key, period, indicator, breakdown, breakdown key:
    the names of `figures`), its people and measurements; for a people-share with a
    denominator, its numerator and the rest of the denominator in whole people (the gate
    weighs them too), else -1. The exact sums only the rows written need (the total, the
    sum of squares, a share's numerator and denominator, decimals) wait in a temporary
    file, a line per cell, where each cell's line ends (`ends`): a large group's 300,000
    cells held 128 MB as `Cell` objects with their `Decimal`s while the gate ran, and
    their lines read back all at once 40 MB more while the rows were written; a row's
    line is read when its row is made.
    """

    def __init__(self, figures, codes):
        self.figures = figures
        self.fields = [array("i") for _ in range(6)]
        self.n, self.measurements, self.yes, self.no = (array("q") for _ in range(4))
        self.sums = tempfile.TemporaryFile("w+b")
        self.ends = array("q")
        code_of = figures.codes.of
        self.code_of = {indicator_id: code_of(code) for indicator_id, code in codes.items()}
        self.shares = {indicator_id for indicator_id, code in codes.items() if code in PEOPLE_SHARES}

    def __len__(self):
        return len(self.n)

    def add_step(self, scope, breakdown, step):
        """A step's cells (_cells_of_steps: a tuple each, its quarters', its year's or both: a step may
        come in two parts); returns the measurements of its year's cells.

        A step is one scope kind and one breakdown: no two share a cell, nor do a step's parts. Every answer of
        a demographic dimension a report shows is a cell, a zero too: a small answer hidden
        must look like an answer nobody gave (both say "not shown").
        """
        if breakdown in DEMOGRAPHIC:
            step = list(step)
            given = {cell[:4] for cell in step}
            shown = {cell[:3] for cell in step}
            step += [
                (*key, answer, 0, 0, ZERO, ZERO, None, None)
                for key in shown
                for answer in DEMOGRAPHIC_ANSWERS[breakdown]
                if (*key, answer) not in given
            ]
        of = self.figures.strings.of
        scope_number, breakdown_number = SCOPE_INDEX[scope], BREAKDOWN_INDEX[breakdown]
        add_scope, add_scope_key, add_period, add_code, add_breakdown, add_breakdown_key = (
            column.append for column in self.fields
        )
        add_n, add_measurements, add_yes, add_no = (
            column.append for column in (self.n, self.measurements, self.yes, self.no)
        )
        code_of, shares = self.code_of, self.shares
        lines = []
        measured = 0
        for scope_key, period, indicator_id, breakdown_key, n, count, total, squares, numerator, denominator in step:
            add_scope(scope_number)
            add_scope_key(of(scope_key))
            add_period(period)
            add_code(code_of[indicator_id])
            add_breakdown(breakdown_number)
            add_breakdown_key(of(breakdown_key))
            add_n(n)
            add_measurements(count)
            if period == PERIOD_YEAR:
                measured += count
            if indicator_id in shares and denominator is not None:
                yes = int(numerator)
                add_yes(yes)
                add_no(int(denominator) - yes)
            else:
                add_yes(-1)
                add_no(-1)
            lines.append(
                f"{total}\t{squares}\t{'' if numerator is None else numerator}"
                f"\t{'' if denominator is None else denominator}"
            )
        data = "".join(lines).encode("ascii")  # decimals and tabs: one byte a character
        ends = itertools.accumulate(map(len, lines), initial=self.ends[-1] if self.ends else 0)
        self.ends.extend(itertools.islice(ends, 1, None))
        self.sums.write(data)
        return measured

    def figures_in_key_order(self):
        """Fill the figures from the cells in key order: each cell's people, then a people-share's yes and no.

        Returns the cells' positions in key order, and each figure's cell.
        """
        fields = [np.frombuffer(column, dtype=np.int32) for column in self.fields]
        ranks = self.figures.name_ranks()[:6]
        order = np.lexsort([rank[field] for rank, field in zip(ranks, fields, strict=True)][::-1])
        yes, no = (np.frombuffer(column, dtype=np.int64) for column in (self.yes, self.no))
        per_cell = np.where(yes[order] >= 0, len(PART_NAMES), 1)
        cell_of = np.repeat(order, per_cell)
        part = np.arange(len(cell_of), dtype=np.int64) - np.repeat(np.cumsum(per_cell) - per_cell, per_cell)
        people = np.frombuffer(self.n, dtype=np.int64)[cell_of]
        self.figures.fields = [field[cell_of] for field in fields] + [part.astype(np.int32)]
        self.figures.count = np.select([part == 0, part == 1], [people, yes[cell_of]], no[cell_of])
        return order, cell_of

    def rows(self, order, hidden, indicators, built_at):
        """The report rows (in ROW_FIELDS order) of the cells in `order`, a batch at a time; `hidden` per cell."""
        self.sums.flush()  # read back by position, under the file object's buffer
        descriptor, ends = self.sums.fileno(), self.ends
        scopes, strings, codes = list(Scope.values), self.figures.strings.strings(), self.figures.codes.strings()
        periods = self.figures.period_names
        scope, scope_key, period, code, breakdown, breakdown_key = self.fields
        hidden = hidden.tolist()
        for start in range(0, len(order), ROW_BATCH):
            rows = []
            for i in order[start : start + ROW_BATCH].tolist():
                begin = ends[i - 1] if i else 0
                line = os.pread(descriptor, ends[i] - begin, begin).decode("ascii")
                total, total_squares, numerator, denominator = line.split("\t")
                cell = Cell(
                    n=self.n[i],
                    measurements=self.measurements[i],
                    total=Decimal(total),
                    total_squares=Decimal(total_squares),
                    numerator=Decimal(numerator) if numerator else None,
                    denominator=Decimal(denominator) if denominator else None,
                )
                key = (
                    scopes[scope[i]],
                    strings[scope_key[i]],
                    periods[period[i]],
                    codes[code[i]],
                    BREAKDOWNS[breakdown[i]],
                    strings[breakdown_key[i]],
                )
                rows.append(_row(key, cell, indicators[key[3]], hidden[i], built_at))
            yield rows

    def close(self):
        self.sums.close()


def _row(key, cell, indicator, hidden, built_at):
    """One report row (in ROW_FIELDS order) for a figure, with what the gate lets out of it."""
    scope, scope_key, period, _code, breakdown, breakdown_key = key
    published = _published(indicator, cell, hidden or (breakdown in DEMOGRAPHIC and not cell.n))
    if published is None:
        published = (None, None, None)
    return (
        scope,
        scope_key,
        period,
        indicator.pk,
        breakdown,
        breakdown_key,
        cell.n,
        cell.measurements,
        cell.total,
        cell.total_squares,
        cell.numerator,
        cell.denominator,
        published[0] is not None,
        *published,
        built_at,
    )


@contextmanager
def _year_lock(year):
    """Two builds of one year take turns (a session-level PostgreSQL advisory lock, taken
    before the snapshot so the second build reads what the first wrote). SQLite lets one
    writer in at a time anyway."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [LOCK_NAMESPACE, year])
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_NAMESPACE, year])
        except DatabaseError:
            # Connections are kept between requests and tasks (DB_CONN_MAX_AGE): a lock that
            # could not be given back must go with its connection, or the year waits for ever.
            connection.close()
            raise


def year_replace(year, *, progress=None, incremental=False):
    """Replace the report rows of one year from one snapshot of the measurements. Returns (rows, measurements).

    Reading and writing happen in one REPEATABLE READ transaction: every GROUP BY sees
    the same measurements, so the figures a report prints twice agree, and a sync that
    commits half-way through is read next time, never half. The whole year is rewritten
    even when a steward asked for one report, so no report keeps figures the gate
    weighed against data that has since changed.

    `incremental`: rebuild only what the year's marks say changed (_indicators_to_build):
    the groups of indicators the gate weighs together with the indicators marked (no
    family, link or pair of the gate joins two groups, so each group's decisions are the
    same built alone), with the coverage rows; every other group's rows are kept as they
    were built. `rows` counts the rows built. Either way the year's marks read with its
    snapshot are cleared once its rows are in, unless marked again meanwhile (their
    version moved): what they marked is in the snapshot, what was marked after is not.
    """
    with _year_lock(year):
        with transaction.atomic():
            # Only as the outermost transaction (a test wraps everything in its own).
            if connection.vendor == "postgresql" and len(connection.atomic_blocks) == 1:
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            # The marks first: this read takes the snapshot every GROUP BY reads.
            year_marks = list(StalePeriod.objects.filter(year=year).values_list("version", flat=True))
            marks = list(StaleIndicator.objects.filter(year=year).values_list("pk", "indicator", "version"))
            codes = dict(Indicator.objects.values_list("pk", "code"))
            indicators = _indicators_to_build(year, marks, codes) if incremental else None
            written, read = _year_write(year, progress, indicators, codes)
            # Rendered report pages are kept under this version (report_views): theirs moves on.
            fragments.content_changed(REPORTS_VERSION_KEY)
        # Still under the year's lock: no other build of the year reads these marks meanwhile.
        StalePeriod.objects.filter(year=year, version__in=year_marks).delete()
        if marks:
            StaleIndicator.objects.filter(
                functools.reduce(operator.or_, (Q(pk=pk, version=version) for pk, _code, version in marks))
            ).delete()
    return written, read


def _indicators_to_build(year, marks, codes):
    """The indicator codes an incremental build of a year rebuilds (each with its group), or None for all.

    The whole year when it was marked whole (EVERY_INDICATOR), or before marks said what
    changed (none); when a code marked is no indicator's any more (renamed since: its rows
    are under another code); and when there are no rows of the year to keep where they
    can be copied from (never built, or built before the year had a table of its own).
    """
    marked = {code for _pk, code, _version in marks}
    if not marked or EVERY_INDICATOR in marked or not marked <= set(codes.values()):
        return None
    if not ReportBuilt.objects.filter(year=year).exists() or not report_table.keeps_rows(periods_of(year)):
        return None
    return marked


def _year_write(year, progress, indicators, codes):
    groups, kept = None, []
    if indicators is not None:
        groups = {_gate_group(code) for code in indicators}
        kept = sorted(pk for pk, code in codes.items() if _gate_group(code) not in groups)
    written, reported, built_at = 0, set(), None
    # A table of the year's own, swapped for the old one at the end (PostgreSQL; report_table).
    with report_table.year_table(year, periods_of(year), keep=kept) as table:

        def write(rows):
            nonlocal written, built_at
            _insert(rows, table=table)
            written += len(rows)
            # Each report written: a row's first two fields (scope, key); when, its last (one per build).
            reported.update(map(_SCOPE_OF_ROW, rows))
            built_at = rows[-1][-1] if rows else built_at

        shown = ()
        if kept:
            kept_reports, shown = _kept(table, year, kept)
            reported |= kept_reports
        read = year_rows(year, write=write, progress=progress, groups=groups, participants_shown=shown)
        # Before the swap, which locks readers out until commit.
        _built_replace(year, reported, built_at or timezone.now())
    return written, read


def _kept(table, year, indicator_ids):
    """Of the rows kept in a year's table (these indicators'): the reports they are in, and
    the (scope, key, period) whose participants total they show."""
    quote = connection.ops.quote_name
    scope, scope_key, period, indicator, breakdown, shown = (
        quote(ReportRow._meta.get_field(name).column)
        for name in ("scope", "scope_key", "period", "indicator", "breakdown", "shown")
    )
    periods = periods_of(year)
    participants = list(
        Indicator.objects.filter(code="participants", pk__in=indicator_ids).values_list("pk", flat=True)
    )

    def where(ids):
        # Names from the model and the build's own table, quoted; the values are parameters.
        return (
            f"FROM {quote(table)} WHERE {period} IN ({', '.join(['%s'] * len(periods))}) "  # noqa: S608
            f"AND {indicator} IN ({', '.join(['%s'] * len(ids))})"
        )

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT {scope}, {scope_key} {where(indicator_ids)}", [*periods, *indicator_ids])
        reported = set(cursor.fetchall())
        kept_shown = set()
        if participants:
            cursor.execute(
                f"SELECT {scope}, {scope_key}, {period} {where(participants)} AND {breakdown} = '' AND {shown}",
                [*periods, *participants],
            )
            kept_shown = set(cursor.fetchall())
    return reported, kept_shown


_SCOPE_OF_ROW = operator.itemgetter(0, 1)


def _built_replace(year, reported, built_at):
    """The reports the index lists for a year (ReportBuilt): those its build just wrote rows for.

    `reported` is a set of (scope, key), all built at `built_at`. Inside the year's build
    transaction: a failed build leaves the year's list as it left its rows, and two years
    built at once never touch each other's.
    """
    ReportBuilt.objects.filter(year=year).delete()
    ReportBuilt.objects.bulk_create(
        ReportBuilt(year=year, scope=scope, scope_key=scope_key, built_at=built_at)
        for scope, scope_key in sorted(reported)
    )


COPY_BATCH = 50_000
# Report rows made and written at a time by a build: a row with its Decimals is about a
# kilobyte in Python, and 50,000 of them at once were 50 MB more at a large year's peak.
ROW_BATCH = 5_000


def _insert(rows, *, table=None):
    """Write report rows (tuples in ROW_FIELDS order) into `table` (the report row table unless given):
    PostgreSQL's COPY (a tenth of the time of INSERTs at a million rows), else bulk_create.

    The CSV is written by Python's csv module (in C): every text and every missing value
    quoted, numbers and booleans bare. COPY reads a quoted empty value as NULL only in the
    nullable columns (FORCE_NULL), none of which holds text, so an empty key stays an
    empty string. Written a value at a time in Python, it was a tenth of a large year's build.
    """
    if connection.vendor != "postgresql":
        ReportRow.objects.bulk_create((ReportRow(**dict(zip(ROW_FIELDS, row, strict=True))) for row in rows), 2000)
        return
    quote = connection.ops.quote_name
    columns = ", ".join(quote(ReportRow._meta.get_field(name).column) for name in ROW_FIELDS)
    nullable = ", ".join(quote(ReportRow._meta.get_field(name).column) for name in NULLABLE_FIELDS)
    table = quote(table or ReportRow._meta.db_table)
    statement = f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv, FORCE_NULL ({nullable}))"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), COPY_BATCH):
            buffer = io.StringIO()
            csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n").writerows(
                rows[start : start + COPY_BATCH]
            )
            buffer.seek(0)
            cursor.copy_expert(statement, buffer)


def measured_years():
    """Every year that has measurements or report rows (a year emptied of data loses its rows too)."""
    years = set(
        Measurement.objects.annotate(year=ExtractYear("date")).values_list("year", flat=True).distinct().order_by()
    )
    for period in ReportRow.objects.values_list("period", flat=True).distinct().order_by():
        years.add(int(period[:4]))
    return sorted(years)


# ---------------------------------------------------------------------------
# Builds: what the Celery task runs, with its progress kept in ReportBuild.


def build_request(*, scope="", scope_key="", by=None, incremental=False):
    """Queue a build (of one scope, or of everything) and return it; the worker runs it."""
    from .tasks import build_reports

    if scope and scope not in Scope.values:
        raise ValueError(scope)
    build = ReportBuild.objects.create(
        scope=scope,
        scope_key=scope_key,
        incremental=incremental,
        requested_by=by,
    )
    transaction.on_commit(lambda: build_reports.delay(build.pk))
    return build


def year_steps(codes=None):
    """The progress steps of one year's build (the same for every year): a GROUP BY step per scope and
    breakdown and a gate step for each group of indicators, then a coverage step per scope kind."""
    if codes is None:
        codes = Indicator.objects.values_list("code", flat=True)
    return len({_gate_group(code) for code in codes}) * (len(_STEPS) + 1) + len(Scope.values)


def build_run(*, build_id, fan_out=None):
    """Start a queued build (or take over one left running): its years rebuilt by `build_year`.

    A full build rebuilds every year; an incremental one the years marked stale. With a
    worker pool (a broker: REDIS_URL), every year is a task of its own: workers build
    years side by side, and a worker killed mid-year leaves only that year to do again.
    In-process (no broker, as in the demo), the years are built here one after the other,
    and the rows written are returned. Each start is an attempt of its own: a year task
    left over from an earlier attempt counts for nothing. A build done or failed is not
    started again (its message delivered twice).
    """
    build = ReportBuild.objects.get(pk=build_id)
    if build.status not in (ReportBuild.Status.QUEUED, ReportBuild.Status.RUNNING):
        return 0
    if build.incremental:
        # A year marked, or with an indicator marked (the two are marked together; either is enough).
        marked = StalePeriod.objects.values_list("year", flat=True).union(
            StaleIndicator.objects.values_list("year", flat=True)
        )
        years = sorted(set(marked))
    else:
        years = measured_years()
    attempt = build.attempt + 1
    ReportBuild.objects.filter(pk=build_id).update(
        status=ReportBuild.Status.RUNNING,
        attempt=attempt,
        started_at=timezone.now(),
        finished_at=None,
        steps_done=0,
        steps_total=len(years) * year_steps(),
        years_total=len(years),
        years_planned=years,
        years_built=[],
        rows=0,
        measurements=0,
        error="",
    )
    if not years:
        ReportBuild.objects.filter(pk=build_id).update(status=ReportBuild.Status.DONE, finished_at=timezone.now())
        return 0
    if fan_out is None:
        fan_out = not settings.CELERY_TASK_ALWAYS_EAGER
    if fan_out:
        from .tasks import build_report_year

        for year in years:
            # (The third argument, a year's version, is no longer read: kept for tasks queued before.)
            transaction.on_commit(lambda year=year: build_report_year.delay(build_id, year, None, attempt))
        return 0
    return sum(build_year(build_id=build_id, year=year, attempt=attempt) for year in years)


@contextmanager
def _progress_of(build_id):
    """A year's progress callback: its steps added to the build's (years may run side by side).

    A year's transaction stays open for minutes: years built side by side would wait on
    each other's lock of the build's row (or fail to serialize under REPEATABLE READ), so
    on PostgreSQL a year started outside any transaction (a worker's task) writes its
    progress through a connection of its own, waiting at most a second for the row and
    giving up a step rather than the year. Inside a caller's transaction (which may hold
    that lock itself), and on SQLite (one writer, years one at a time), it writes through
    the build's own connection.
    """
    reported = 0

    def steps(done):
        nonlocal reported
        step, reported = done - reported, done
        return step

    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield lambda done, _steps: ReportBuild.objects.filter(pk=build_id).update(
            steps_done=Least(F("steps_done") + steps(done), F("steps_total"))
        )
        return
    side = connections.create_connection(DEFAULT_DB_ALIAS)
    table = side.ops.quote_name(ReportBuild._meta.db_table)
    statement = f"UPDATE {table} SET steps_done = LEAST(steps_done + %s, steps_total) WHERE id = %s"  # noqa: S608

    def progress(done, _steps):
        step = steps(done)
        with suppress(DatabaseError), side.cursor() as cursor:  # progress is for people to watch, not the build
            cursor.execute("SET lock_timeout = '1s'")
            cursor.execute(statement, [step, build_id])

    try:
        yield progress
    finally:
        side.close()


def build_year(*, build_id, year, attempt=None):
    """Build one year of a build's attempt and record it; the attempt is done with its last year. Returns the rows.

    An incremental build's year rebuilds what its marks say changed, and clears the marks
    it read (year_replace): a year marked again meanwhile stays marked for the next build.
    A year written twice (its task run again after its worker died) counts once, and a
    year already recorded is not built again. A task of an earlier attempt (`attempt`
    no longer the build's) does nothing; without `attempt`, the current one.
    """
    current = ReportBuild.objects.filter(pk=build_id, status=ReportBuild.Status.RUNNING)
    if attempt is not None:
        current = current.filter(attempt=attempt)
    state = current.values("years_planned", "years_built", "incremental").first()
    if state is None or year not in state["years_planned"] or year in state["years_built"]:
        return 0  # another year failed, a newer attempt took over, or this year is done
    try:
        with _progress_of(build_id) as progress:
            rows, read = year_replace(year, progress=progress, incremental=state["incremental"])
    except Exception as error:
        current.update(status=ReportBuild.Status.FAILED, finished_at=timezone.now(), error=str(error)[:500])
        raise
    with transaction.atomic():
        build = current.select_for_update().first()
        if build is None or year in build.years_built:
            return rows
        build.years_built = sorted([*build.years_built, year])
        build.rows += rows
        build.measurements += read
        fields = ["years_built", "rows", "measurements"]
        if set(build.years_built) >= set(build.years_planned):
            build.status = ReportBuild.Status.DONE
            build.finished_at = timezone.now()
            build.steps_done = build.steps_total
            fields += ["status", "finished_at", "steps_done"]
        build.save(update_fields=fields)
    return rows
