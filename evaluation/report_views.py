"""Learning reports (/<lang>/reports/): the index, each report, its downloads, and the stewards' rebuilds.

Everything shown comes from the report rows the Celery build wrote (evaluation.reports),
through evaluation.report_selectors: a figure only when the privacy gate published it,
otherwise the words "not shown". Hidden rows never give their n, sums or numerators to a
page, a CSV file or a JSON file. A report page's figures are rendered once per build and
language and kept in the cache (at most a minute, so a renamed indicator or region shows
soon); a build moves the version they are kept under, so new figures show at once.
"""

import json
import logging
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.http import content_disposition_header, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe
from kombu.exceptions import OperationalError as BrokerError

from capacity import fragments
from capacity.charts import bar_chart
from programs.exports import csv_response
from programs.models import DEMOGRAPHIC_DIMENSIONS, DEMOGRAPHIC_LABELS
from stakeholders.access import is_steward

from . import report_selectors as selectors
from .models import NOT_ASKED, Indicator, ReportBuild, Scope, SurveyKind
from .report_forms import RebuildForm, ReportSearchForm

logger = logging.getLogger(__name__)

# Said in the README, the JSON download and on every page: how the 95% intervals are made.
INTERVAL_METHOD = gettext_lazy(
    "Means: normal approximation, mean ± 1.96 × sample standard deviation ÷ √n. "
    "Retention (each person's yes or no): Wilson score interval. "
    "The emerging-communities share and cost per participant: no interval."
)
# The outcomes "what works" compares across methods and capacities.
WHAT_WORKS_CODES = ("capacity_gain", "satisfaction", "retention_3m", "retention_6m", "retention_12m")
# Outcomes that are worth something per dollar (satisfaction is not bought by the dollar).
PER_USD_CODES = ("capacity_gain", "retention_3m", "retention_6m", "retention_12m")
COST_CODE = "cost_per_participant"
PER_USD = Decimal(1000)
DEMOGRAPHIC_BREAKDOWNS = tuple(DEMOGRAPHIC_DIMENSIONS)
BREAKDOWN_TITLES = {
    "region": gettext_lazy("By region"),
    "emerging": gettext_lazy("Emerging and established communities"),
    "gender": gettext_lazy("By gender"),
    "age": gettext_lazy("By age band"),
    "newcomer": gettext_lazy("By newcomer status"),
}
BREAKDOWN_HEADINGS = {
    "region": gettext_lazy("Region"),
    "emerging": gettext_lazy("Communities"),
    "method": gettext_lazy("Method"),
    "category": gettext_lazy("Capacity"),
    **DEMOGRAPHIC_LABELS,
}
SCOPE_GROUPS = (
    (Scope.REGION, gettext_lazy("Regions")),
    (Scope.CATEGORY, gettext_lazy("Capacities")),
    (Scope.METHOD, gettext_lazy("Methods")),
    (Scope.ORGANIZATION, gettext_lazy("Organizations")),
)
CELL_TITLES = {
    ("output", "short"): gettext_lazy("Outputs, short term"),
    ("output", "long"): gettext_lazy("Outputs, long term"),
    ("outcome", "short"): gettext_lazy("Outcomes, short term"),
    ("outcome", "long"): gettext_lazy("Outcomes, long term"),
}
# Coverage rows are about these surveys, in this order.
COVERAGE_KINDS = [kind for kind in SurveyKind.values]
# A progress page reloads itself this often (seconds) while its build is waiting or running.
REFRESH_SECONDS = 3
# A second rebuild of a report within this time of one that has not started yet goes to that one.
SAME_REBUILD_WINDOW = timedelta(minutes=5)
# What a build says when its task could not be queued (the broker was down or did not answer).
QUEUE_DOWN_ERROR = gettext_lazy("The task queue could not be reached; the build was never queued.")
# An id past PostgreSQL's bigint is no build (and would be a database error, not a 404).
BIGGEST_ID = 2**63 - 1


# --- figures as the page writes them -----------------------------------------------------


def _rounded(value, places):
    return Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def format_value(value, unit):
    """A figure in the active language's way of writing numbers, by the indicator's unit."""
    if value is None:
        return ""
    if unit == Indicator.Unit.SHARE:
        # Translated, so each language writes a percentage its own way.
        return _("%(share)s %%") % {"share": number_format(_rounded(Decimal(value) * 100, 1), 1)}
    if unit in (Indicator.Unit.PEOPLE, Indicator.Unit.PAGES):
        return number_format(_rounded(value, 0), 0, force_grouping=True)
    if unit == Indicator.Unit.HOURS:
        return number_format(_rounded(value, 1), 1, force_grouping=True)
    if unit == Indicator.Unit.USD:
        return _("%(amount)s USD") % {"amount": number_format(_rounded(value, 2), 2, force_grouping=True)}
    return number_format(_rounded(value, 2), 2, force_grouping=True)


def format_count(value):
    return number_format(int(value), 0, force_grouping=True)


def k_for(indicator_code, breakdown):
    """The smallest group the gate shows for this kind of figure (the settings' k)."""
    if breakdown in DEMOGRAPHIC_BREAKDOWNS or indicator_code == "newcomers":
        return settings.K_ANONYMITY_DEMOGRAPHIC
    return settings.K_ANONYMITY_ACTIVITY


@dataclass
class Figure:
    """One cell as the page shows it: the published value with n and interval, or why it is not shown."""

    shown: bool
    text: str = ""
    n: str = ""
    low: str = ""
    high: str = ""
    number: float | None = None
    k: int = 0


def figure_of(row, unit):
    """The page's side of a report row: nothing but the published figures, or the fact it is hidden."""
    if row is None:
        return None
    code = row.indicator.code if row.indicator_id else ""
    if not row.shown or row.value is None:
        return Figure(shown=False, k=k_for(code, row.breakdown))
    interval = row.low is not None and row.high is not None
    return Figure(
        shown=True,
        text=format_value(row.value, unit),
        n=format_count(row.n),
        low=format_value(row.low, unit) if interval else "",
        high=format_value(row.high, unit) if interval else "",
        number=float(row.value),
    )


def published_measurements(rows):
    """How many measurements the published totals were built from; hidden rows add nothing.

    A survey answer is one measurement of one person, so a hidden row's measurement count
    is its n: counting it would give a suppressed figure away ("built from 7 measurements"
    over an organization whose only rows are 4 and 3 hidden answers).
    """
    return sum(
        row.measurements
        for row in rows
        if row.breakdown == "" and row.indicator_id and row.shown and row.value is not None
    )


def per_usd_figure(outcome, cost):
    """Outcome per 1,000 USD: the outcome ÷ cost per participant × 1,000, its interval scaled alike.

    Only when both are published; the cost is taken as known, so the interval is the
    outcome's own interval scaled (it does not widen for the cost's uncertainty).
    """
    if outcome is None or cost is None or not (outcome.shown and cost.shown):
        return None
    if outcome.value is None or cost.value is None or cost.value <= 0:
        return None
    scale = PER_USD / cost.value

    def scaled(value):
        return number_format(_rounded(value * scale, 2), 2, force_grouping=True)

    interval = outcome.low is not None and outcome.high is not None
    return Figure(
        shown=True,
        text=scaled(outcome.value),
        n=format_count(outcome.n),
        low=scaled(outcome.low) if interval else "",
        high=scaled(outcome.high) if interval else "",
        number=float(outcome.value * scale),
    )


# --- labels ------------------------------------------------------------------------------


def breakdown_label(breakdown, key, words):
    return str(_breakdown_label(breakdown, key, words))


def _breakdown_label(breakdown, key, words):
    if breakdown == "region":
        region = words["regions"].get(key)
        return region.name if region else key
    if breakdown == "category":
        category = words["categories"].get(key)
        return category.name if category else key
    if breakdown == "method":
        return words["methods"].get(key, key)
    if breakdown == "emerging":
        return {"emerging": _("Emerging communities"), "established": _("Established communities")}.get(key, key)
    if breakdown == "coverage":
        return dict(SurveyKind.choices).get(key, key)
    if breakdown in DEMOGRAPHIC_DIMENSIONS:
        if key == NOT_ASKED:
            return _("Not asked")
        return dict(DEMOGRAPHIC_DIMENSIONS[breakdown]).get(key, key)
    return key


def _key_order(breakdown, words):
    """Breakdown keys in the vocabulary's order (unknown keys after, alphabetically)."""
    if breakdown == "region":
        known = list(words["regions"])
    elif breakdown == "category":
        known = list(words["categories"])
    elif breakdown == "method":
        known = list(words["methods"])
    elif breakdown == "emerging":
        known = ["emerging", "established"]
    elif breakdown == "coverage":
        known = COVERAGE_KINDS
    elif breakdown in DEMOGRAPHIC_DIMENSIONS:
        known = [answer for answer, _label in DEMOGRAPHIC_DIMENSIONS[breakdown]] + [NOT_ASKED]
    else:
        known = []
    position = {key: index for index, key in enumerate(known)}
    return lambda key: (position.get(key, len(known)), key)


def subject_name(scope, subject):
    if scope == Scope.MOVEMENT:
        return _("The whole movement")
    if scope == Scope.METHOD:
        return str(subject)
    return subject.name


def period_label(period):
    year, _sep, quarter = period.partition("-Q")
    if quarter:
        return _("%(year)s, quarter %(quarter)s") % {"year": year, "quarter": quarter}
    return year


# --- the sections of a report --------------------------------------------------------------


@dataclass
class Table:
    """Rows (label, [Figure|None per column]) under columns (indicators or words), with an optional chart."""

    name: str
    title: str
    heading: str
    columns: list
    rows: list = field(default_factory=list)
    chart: object = None
    note: str = ""


def _chart(title, labels, figures):
    return bar_chart(
        title=title,
        labels=labels,
        series=[[figure.number if figure and figure.shown else None for figure in figures]],
        texts=[[(figure.text if figure and figure.shown else _("not shown")) for figure in figures]],
        rtl=translation.get_language_bidi(),
    )


def _indicator_table(name, title, heading, cells, indicators, keys, label_of, *, prefer=None):
    """A table of keys × indicators from {(indicator_id, key): row}, charting one indicator that has a figure shown.

    The chart draws `prefer` (capacity gain, in "what works") when it has one, else the first column that does.
    """
    columns = [indicator for indicator in indicators if any((indicator.pk, key) in cells for key in keys)]
    table = Table(name=name, title=title, heading=heading, columns=columns)
    for key in keys:
        table.rows.append(
            (label_of(key), [figure_of(cells.get((indicator.pk, key)), indicator.unit) for indicator in columns])
        )
    for index in sorted(range(len(columns)), key=lambda index: columns[index].code != prefer):
        figures = [row[1][index] for row in table.rows]
        if any(figure and figure.shown for figure in figures):
            table.chart = _chart(
                _("%(indicator)s: %(title)s") % {"indicator": columns[index].name, "title": title},
                [row[0] for row in table.rows],
                figures,
            )
            break
    return table


def build_sections(rows, period, words):
    """Every section of a report page from its rows (no queries: the rows carry their indicators)."""
    in_period = [row for row in rows if row.period == period]
    indicators = []
    seen = set()
    for row in sorted(
        (row for row in rows if row.indicator_id), key=lambda r: (r.indicator.position, r.indicator.code)
    ):
        if row.indicator_id not in seen:
            seen.add(row.indicator_id)
            indicators.append(row.indicator)
    by_breakdown = defaultdict(dict)  # breakdown -> {(indicator_id, key): row}
    keys = defaultdict(set)
    for row in in_period:
        by_breakdown[row.breakdown][(row.indicator_id, row.breakdown_key)] = row
        keys[row.breakdown].add(row.breakdown_key)

    # Outputs and outcomes, short and long term: the totals of the period, in a 2 × 2 grid.
    totals = by_breakdown.get("", {})
    grid = []
    for kind in Indicator.Kind.values:
        line = []
        for horizon in Indicator.Horizon.values:
            figures = [
                (indicator, figure_of(totals[(indicator.pk, "")], indicator.unit))
                for indicator in indicators
                if indicator.kind == kind and indicator.horizon == horizon and (indicator.pk, "") in totals
            ]
            line.append({"title": CELL_TITLES[(kind, horizon)], "figures": figures, "id": f"{kind}-{horizon}"})
        grid.append(line)

    # Breakdowns by region, emerging vs established, and the demographic dimensions.
    breakdowns = []
    for breakdown, title in BREAKDOWN_TITLES.items():
        if breakdown not in by_breakdown:
            continue
        ordered = sorted(keys[breakdown], key=_key_order(breakdown, words))
        breakdowns.append(
            _indicator_table(
                breakdown,
                str(title),
                str(BREAKDOWN_HEADINGS[breakdown]),
                by_breakdown[breakdown],
                indicators,
                ordered,
                lambda key, b=breakdown: breakdown_label(b, key, words),
            )
        )

    # Trends: each indicator's total per year (or per quarter, when a quarter is chosen).
    quarterly = selectors.is_quarter(period)
    trend_cells = {}
    trend_periods = set()
    for row in rows:
        if row.breakdown == "" and row.indicator_id and selectors.is_quarter(row.period) == quarterly:
            trend_cells[(row.indicator_id, row.period)] = row
            trend_periods.add(row.period)
    trends = None
    if trend_periods:
        trends = _indicator_table(
            "trends",
            _("Per quarter") if quarterly else _("Per year"),
            _("Period"),
            trend_cells,
            indicators,
            sorted(trend_periods, key=selectors.period_sort_key),
            period_label,
        )

    # Evaluation coverage: the share of active programs with each survey's data.
    coverage = None
    if "coverage" in by_breakdown:
        coverage_rows = []
        for key in sorted(keys["coverage"], key=_key_order("coverage", words)):
            coverage_rows.append(
                (breakdown_label("coverage", key, words), figure_of(by_breakdown["coverage"].get((None, key)), "share"))
            )
        coverage = {
            "rows": coverage_rows,
            "chart": _chart(
                _("Share of programs with data"), [label for label, _f in coverage_rows], [f for _l, f in coverage_rows]
            ),
        }

    # What works: outcomes by method and by capacity, and outcome per 1,000 USD.
    outcomes = [indicator for indicator in indicators if indicator.code in WHAT_WORKS_CODES]
    cost = next((indicator for indicator in indicators if indicator.code == COST_CODE), None)
    what_works = []
    for breakdown in ("method", "category"):
        if breakdown not in by_breakdown:
            continue
        cells = by_breakdown[breakdown]
        ordered = sorted(keys[breakdown], key=_key_order(breakdown, words))
        outcome_table = _indicator_table(
            f"works-{breakdown}",
            _("Outcomes by method") if breakdown == "method" else _("Outcomes by capacity"),
            str(BREAKDOWN_HEADINGS[breakdown]),
            cells,
            outcomes,
            ordered,
            lambda key, b=breakdown: breakdown_label(b, key, words),
            prefer="capacity_gain",
        )
        per_usd = None
        if cost is not None:
            usd_columns = [
                indicator
                for indicator in outcomes
                if indicator.code in PER_USD_CODES and any((indicator.pk, key) in cells for key in ordered)
            ]
            usd_rows = []
            for key in ordered:
                cost_row = cells.get((cost.pk, key))
                if cost_row is None or not cost_row.shown:
                    continue
                usd_rows.append(
                    (
                        breakdown_label(breakdown, key, words),
                        figure_of(cost_row, cost.unit),
                        [per_usd_figure(cells.get((indicator.pk, key)), cost_row) for indicator in usd_columns],
                    )
                )
            if usd_columns and usd_rows:
                per_usd = {"columns": usd_columns, "rows": usd_rows}
        if outcome_table.columns or per_usd:
            what_works.append({"table": outcome_table, "per_usd": per_usd, "breakdown": breakdown})

    built_at = max((row.built_at for row in in_period), default=None)
    measurements = published_measurements(in_period)
    return {
        "grid": grid,
        "breakdowns": breakdowns,
        "trends": trends,
        "coverage": coverage,
        "what_works": what_works,
        "built_at": built_at,
        "measurements": measurements,
        "has_figures": bool(in_period),
    }


def _practices(scope, scope_key):
    """Published practices beside the report, with their addresses; none if practices are not there yet."""
    try:
        from .practices import practices_beside
    except ImportError:  # pragma: no cover - the practices module is another helper's, landing separately
        return []
    practices = []
    for practice in practices_beside(scope=scope, scope_key=scope_key):
        try:
            url = reverse("practices:detail", kwargs={"slug": practice.slug})
        except NoReverseMatch:
            url = None
        practices.append({"practice": practice, "url": url})
    return practices


# --- pages ---------------------------------------------------------------------------------


def _report_url(scope, scope_key):
    return reverse("learning:scope", kwargs={"scope": scope, "key": selectors.url_key_of(scope, scope_key)})


# What changes only when a build writes rows (which moves the reports version on): the
# list of reports built, a report's periods. Kept longer than a page's fragments.
UNTIL_NEXT_BUILD_SECONDS = 3600


def _build_data_key(name, *parts):
    """The key of data that is the same for every reader (no language, no time zone), under the reports version."""
    with translation.override(settings.LANGUAGE_CODE), timezone.override(UTC):
        return fragments.fragment_key(name, *parts, version_key=selectors.REPORTS_VERSION_KEY)


def _reports_built():
    """selectors.reports_built(), kept under the reports version, one list for every reader.

    Its one query reads the few thousand rows the builds keep of it (ReportBuilt), a few
    milliseconds at movement scale; kept, a build shows in the index at once and the query
    runs once per build.
    """
    key = _build_data_key("learning-reports-built")
    built = fragments.get(key)
    if built is None:
        built = selectors.reports_built()
        fragments.put(key, built, UNTIL_NEXT_BUILD_SECONDS)
    return built


def _index_entries():
    """The reports built, as the index lists them in the active language: kept a minute per language and build.

    {"movement": entry or None, "groups": {scope: [entries by name]}, "is_empty": bool};
    an entry is {"label", "folded", "url", "built_at"}, `folded` its name and key as the
    search compares them (_folded). At movement scale about 1,300 reports; the organizations'
    names are read for a thousand of them, so one renamed shows within the minute. The
    entries hold no time zone (a time is formatted as the page is drawn), so the key is
    made in UTC: one list per language, whatever zone each reader chose.
    """
    with timezone.override(UTC):
        key = fragments.fragment_key("learning-reports-entries", version_key=selectors.REPORTS_VERSION_KEY)
    kept = fragments.get(key)
    if kept is not None:
        return kept
    built = _reports_built()
    words = selectors.vocabulary()
    organizations = selectors.organizations_named(
        entry["scope_key"] for entry in built if entry["scope"] == Scope.ORGANIZATION
    )
    movement = None
    groups = {scope: [] for scope, _title in SCOPE_GROUPS}
    for entry in built:
        scope, key_of_scope = entry["scope"], entry["scope_key"]
        if scope == Scope.MOVEMENT:
            if key_of_scope == "":
                movement = {"url": _report_url(scope, key_of_scope), "built_at": entry["built_at"]}
            continue
        if scope not in groups:
            continue
        if scope == Scope.ORGANIZATION:
            subject = organizations.get(key_of_scope)
        else:
            subject = selectors.scope_subject(scope, key_of_scope, words)
        if subject is None:  # renamed or removed since the build: its rows wait for the next one
            continue
        label = str(subject_name(scope, subject))
        groups[scope].append(
            {
                "label": label,
                # NUL between the two: the search refuses one, so no search spans them.
                "folded": f"{_folded(label)}\x00{_folded(key_of_scope)}",
                "url": _report_url(scope, key_of_scope),
                "built_at": entry["built_at"],
            }
        )
    for entries in groups.values():
        entries.sort(key=lambda entry: entry["label"].casefold())
    kept = {"movement": movement, "groups": groups, "is_empty": not built}
    fragments.put(key, kept)
    return kept


def _folded(text):
    """Text as the index's search compares it: composed the same way (NFKC) and case-folded."""
    return unicodedata.normalize("NFKC", text).casefold()


# Organizations with a report, a page at a time on the index (the movement has about a thousand).
ORGANIZATIONS_PER_PAGE = 60


def _index_groups(listed, needle, page_number):
    """The index's groups of reports ({scope, title, entries, count}) holding `needle`, the matches, the page.

    Organizations come a page at a time (the page `page_number` names, as every list of
    the portal reads one); the other groups whole.
    """
    groups = []
    matches = 0
    organizations_page = None
    for scope, title in SCOPE_GROUPS:
        entries = listed["groups"][scope]
        if needle:
            entries = [entry for entry in entries if needle in entry["folded"]]
        count = len(entries)
        matches += count
        if not count:
            continue
        if scope == Scope.ORGANIZATION:
            organizations_page = Paginator(entries, ORGANIZATIONS_PER_PAGE).get_page(page_number)
            entries = organizations_page.object_list
        groups.append({"scope": scope, "title": title, "entries": entries, "count": count})
    return groups, matches, organizations_page


@require_safe
def index(request):
    """The movement's report and every region, capacity, method and organization that has one, with a search.

    Regions, capacities and methods are few and listed whole; organizations a page at a
    time. `q` keeps the reports whose name (or key) holds it, in any case; a search too
    long or holding what no name can (a NUL) is refused with the form's message and the
    whole list shown. A page of the list without a search, the index's busy path, is kept
    as drawn for a minute per language, time zone (its times) and build: drawing its
    hundred-odd entries cost more than the rest of the request.
    """
    listed = _index_entries()
    form = ReportSearchForm(request.GET)
    searched = form.cleaned_data["q"] if form.is_valid() else ""
    needle = _folded(searched)
    groups, matches, page = _index_groups(listed, needle, request.GET.get("page"))
    list_context = {
        "groups": groups,
        "searched": bool(needle),
        "matches": matches,
        "page": page,
        # The pages' links carry the search the form took, nothing else of the address.
        "query_without_page": urlencode({"q": searched}) if needle else "",
    }
    key = None
    if not needle:
        key = fragments.fragment_key(
            "learning-reports-index-page", page.number if page else 1, version_key=selectors.REPORTS_VERSION_KEY
        )
    groups_html = fragments.get(key)
    if groups_html is None:
        groups_html = render_to_string("evaluation/reports/_index_groups.html", list_context)
        fragments.put(key, groups_html)
    steward = is_steward(request.user)
    context = {
        "movement": listed["movement"],
        "is_empty": listed["is_empty"],
        "form": form,
        "groups_html": mark_safe(groups_html),  # noqa: S308 - our own template's output, kept as drawn
        "is_steward": steward,
        "builds": selectors.latest_builds() if steward else [],
        "interval_method": INTERVAL_METHOD,
    }
    return render(request, "evaluation/reports/index.html", context)


def _report_subject(scope, url_key):
    """(scope key, vocabulary, subject, periods) of an address, or 404 for what has no report and no name."""
    if scope not in Scope.values:
        raise Http404
    scope_key = selectors.scope_key_of(scope, url_key)
    if scope_key is None:
        raise Http404
    words = selectors.vocabulary()
    subject = selectors.scope_subject(scope, scope_key, words)
    periods = _report_periods(scope, scope_key)
    if subject is None and not periods:
        raise Http404
    return scope_key, words, subject, periods


def _report_periods(scope, scope_key):
    """selectors.report_periods(), kept in the cache under the reports version, one list per report.

    Its query reads every row of the report (the movement's: about 3,000 a year, 10–40 ms
    at movement scale), for every request of every period and download; a build moves
    the version on, so a new period shows at once.
    """
    key = _build_data_key("learning-report-periods", scope, scope_key)
    periods = fragments.get(key)
    if periods is None:
        periods = selectors.report_periods(scope, scope_key)
        if periods:  # not for a key with no report: anyone can ask for any key, and its query finds nothing fast
            fragments.put(key, periods, UNTIL_NEXT_BUILD_SECONDS)
    return periods


def _rendered_sections(request, scope, scope_key, period, words):
    """A report's figures as rendered HTML, with when and from how many measurements they were built.

    Built and rendered at most once a minute per report, period, language and build: at
    movement scale that is 100 ms of work, against a millisecond to read it back.
    """
    key = fragments.fragment_key("learning-report", scope, scope_key, period, version_key=selectors.REPORTS_VERSION_KEY)
    rendered = fragments.get(key)
    if rendered is None:
        sections = build_sections(selectors.report_rows(scope, scope_key, period), period, words)
        context = {
            "sections": sections,
            "interval_method": INTERVAL_METHOD,
            "k_demographic": settings.K_ANONYMITY_DEMOGRAPHIC,
            "k_activity": settings.K_ANONYMITY_ACTIVITY,
            "minimum_sample": getattr(settings, "REPORT_MINIMUM_SAMPLE", 10),
        }
        rendered = {
            "built_at": sections["built_at"],
            "measurements": sections["measurements"],
            "body": render_to_string("evaluation/reports/_report_body.html", context, request=request),
        }
        fragments.put(key, rendered)
    return rendered


@require_safe
def report(request, scope, key):
    scope_key, words, subject, periods = _report_subject(scope, key)
    requested = request.GET.get("period")
    if requested in (None, ""):
        period = selectors.default_period(periods)
    else:
        period = selectors.parse_period(requested)
        if period is None or period not in periods:
            raise Http404
    steward = is_steward(request.user)
    sections = _rendered_sections(request, scope, scope_key, period, words) if period else None
    context = {
        "scope": scope,
        "scope_key": scope_key,
        "url_key": key,
        "title": subject_name(scope, subject) if subject is not None else scope_key,
        "scope_label": Scope(scope).label,
        "period": period,
        "period_label": period_label(period) if period else "",
        "periods": [(value, period_label(value)) for value in reversed(periods)],
        "sections": sections,
        "report_body": mark_safe(sections["body"]) if sections else "",  # noqa: S308 — our own rendering
        "practices": _practices(scope, scope_key),
        "is_steward": steward,
        "build": selectors.latest_build(scope, scope_key) if steward else None,
    }
    return render(request, "evaluation/reports/report.html", context)


# --- downloads -----------------------------------------------------------------------------


def _download(scope, key, period):
    scope_key, words, subject, periods = _report_subject(scope, key)
    period = selectors.parse_period(period)
    if period is None or period not in periods:
        raise Http404
    rows = selectors.download_rows(scope, scope_key, period)
    title = subject_name(scope, subject) if subject is not None else scope_key
    return scope_key, words, str(title), period, rows


def _published(row):
    """What a download may say of a row: its figures if shown, else only that it is suppressed."""
    if row.shown and row.value is not None:
        return False, row.n, row.value, row.low, row.high
    return True, None, None, None, None


CSV_HEADER = (
    "scope",
    "scope_key",
    "scope_name",
    "period",
    "indicator",
    "indicator_name",
    "unit",
    "breakdown",
    "breakdown_key",
    "breakdown_label",
    "suppressed",
    "n",
    "value",
    "low_95",
    "high_95",
)


@require_safe
def report_csv(request, scope, key, period):
    scope_key, words, title, period, rows = _download(scope, key, period)

    def lines():
        for row in rows:
            suppressed, n, value, low, high = _published(row)
            yield (
                scope,
                scope_key,
                title,
                period,
                row.indicator.code if row.indicator_id else "",
                row.indicator.name if row.indicator_id else "",
                row.indicator.unit if row.indicator_id else Indicator.Unit.SHARE,
                row.breakdown,
                row.breakdown_key,
                breakdown_label(row.breakdown, row.breakdown_key, words) if row.breakdown else "",
                suppressed,
                n,
                value,
                low,
                high,
            )

    filename = f"learning-report-{scope}-{key}-{period}.csv"
    return csv_response(filename=filename, header=CSV_HEADER, rows=lines())


def _number(value):
    return None if value is None else float(value)


@require_safe
def report_json(request, scope, key, period):
    scope_key, words, title, period, rows = _download(scope, key, period)
    built_at = max((row.built_at for row in rows), default=None)
    document = {
        "scope": scope,
        "scope_key": scope_key,
        "scope_name": title,
        "period": period,
        "built_at": built_at.isoformat() if built_at else None,
        "measurements": published_measurements(rows),
        "k": {
            "demographic": settings.K_ANONYMITY_DEMOGRAPHIC,
            "activity": settings.K_ANONYMITY_ACTIVITY,
            "minimum_sample": getattr(settings, "REPORT_MINIMUM_SAMPLE", 10),
        },
        "interval": {"level": 0.95, "method": str(INTERVAL_METHOD)},
        "rows": [],
    }
    for row in rows:
        suppressed, n, value, low, high = _published(row)
        document["rows"].append(
            {
                "indicator": row.indicator.code if row.indicator_id else None,
                "unit": row.indicator.unit if row.indicator_id else Indicator.Unit.SHARE,
                "breakdown": row.breakdown,
                "breakdown_key": row.breakdown_key,
                "breakdown_label": breakdown_label(row.breakdown, row.breakdown_key, words) if row.breakdown else "",
                "suppressed": suppressed,
                "n": n,
                "value": _number(value),
                "low": _number(low),
                "high": _number(high),
            }
        )
    response = HttpResponse(
        json.dumps(document, ensure_ascii=False, indent=1), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"learning-report-{scope}-{key}-{period}.json"
    )
    return response


# --- stewards: rebuilds and their progress --------------------------------------------------


@require_POST
@login_required
def rebuild(request):
    """Queue a rebuild of one report (or all) and go to its progress page; stewards only."""
    if not is_steward(request.user):
        raise PermissionDenied
    form = RebuildForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("learning:index")
    from .reports import build_request  # the builder is the lead's module, imported when used

    scope, scope_key = form.cleaned_data["scope"], form.cleaned_data["scope_key"]
    build = waiting = None
    try:
        # The task is queued when the row is committed, at the end of this block.
        with transaction.atomic():
            # Two stewards (or one double click) at the same moment take turns, so the second finds the first's build.
            selectors.lock_rebuild_requests()
            waiting = selectors.waiting_build(scope, scope_key, since=timezone.now() - SAME_REBUILD_WINDOW)
            if waiting is None:
                build = build_request(scope=scope, scope_key=scope_key, by=request.user)
    except (BrokerError, OSError):
        logger.exception("Report build %s could not be queued", getattr(build, "pk", None))
        if build is None:
            messages.error(request, _("The rebuild could not be queued. Try again in a few minutes."))
            return redirect("learning:index")
        _queueing_failed(build)
        messages.error(request, _("The task queue cannot be reached, so the rebuild did not start. Try again later."))
    if waiting is not None:
        # The build that has not started yet will read the same data.
        messages.info(request, _("This report is already waiting to be rebuilt."))
        return redirect("learning:build", build_id=waiting.pk)
    return redirect("learning:build", build_id=build.pk)


def _queueing_failed(build):
    """A build whose task never reached the broker: failed, not "queued" for ever with nothing to run it."""
    ReportBuild.objects.filter(pk=build.pk, status=ReportBuild.Status.QUEUED).update(
        status=ReportBuild.Status.FAILED,
        finished_at=timezone.now(),
        # Stored in the language of the steward who asked (the build page shows it as it is).
        error=str(QUEUE_DOWN_ERROR),
    )


@require_safe
@login_required
def build_progress(request, build_id):
    """A build's progress, reloading itself while it runs; stewards only (others find nothing)."""
    if not is_steward(request.user) or build_id > BIGGEST_ID:
        raise Http404
    build = get_object_or_404(ReportBuild.objects.select_related("requested_by"), pk=build_id)
    running = build.status in (ReportBuild.Status.QUEUED, ReportBuild.Status.RUNNING)
    report_url = None
    if build.status == ReportBuild.Status.DONE:
        report_url = _report_url(build.scope, build.scope_key) if build.scope else reverse("learning:index")
    context = {
        "build": build,
        "running": running,
        "refresh_seconds": REFRESH_SECONDS,
        "report_url": report_url,
        "scope_label": Scope(build.scope).label if build.scope in Scope.values else _("Every report"),
    }
    return render(request, "evaluation/reports/build.html", context)
