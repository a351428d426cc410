"""The funder dashboard (/<lang>/funding/): figures, the allocations behind each, and CSV downloads.

Funder staff and admins see their own funds' allocations, stewards everyone's; anyone
else is sent to the open figures. Every figure comes from resources.dashboard, through
the one AllocationFilter.
"""

import hashlib
import json
from decimal import Decimal

from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from capacity.charts import bar_chart
from programs.exports import csv_response
from programs.models import Program

from . import dashboard as figures_of
from .filters import AllocationFilter, drill_query
from .freshness import data_version
from .models import Allocation
from .selectors import with_usage

ALLOCATIONS_PAGE_SIZE = 25
# The figures and their rendered HTML are kept this long per funder, filters and language,
# under the version of their data (resources.freshness.data_version, one query): a change shows on
# the next request; what the version cannot see (an enrollment completed) within this time.
# Computing them for 100,000 allocations takes 1.5–2 s on the 2-core bench machine (README, Performance).
FIGURES_SECONDS = 300


def _to_open_figures():
    """Who may not read a funder's figures reads the open ones (or the home page until they exist)."""
    try:
        return redirect(reverse("funding:open"))
    except NoReverseMatch:
        return redirect(reverse("home"))


def _filterset(request):
    return AllocationFilter(request.GET, queryset=figures_of.allocations_for(request.user), request=request)


def _filter_errors(filterset):
    """[(field label, message), …] of the filters that were not understood."""
    form = filterset.form
    return [
        (str(form.fields[name].label) if name in form.fields else "", error)
        for name, errors in form.errors.items()
        for error in errors
    ]


def _query(request):
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _cache_key(request, kind):
    """Who may read it, the filters, the language and the data version: all the figures depend on.

    The parts are read once per request (the figures and their HTML share them).
    """
    parts = getattr(request, "_funding_cache_parts", None)
    if parts is None:
        user = request.user
        scope = (
            "all"
            if user.is_superuser
            else sorted(figures_of.funds_for(user).values_list("funder_id", flat=True).distinct())
        )
        query = sorted((key, values) for key, values in request.GET.lists() if key != "page")
        parts = request._funding_cache_parts = [scope, query, translation.get_language(), data_version()]
    return "funding:" + kind + ":" + hashlib.sha256(json.dumps([kind, *parts], default=str).encode()).hexdigest()[:40]


def _filters_html(request, filterset, action):
    """The filter form as the person's scope, the query and the language draw it, cached like the figures.

    Its choices (their funds, the regions, the capacities) are in the data version, so a
    renamed fund or capacity shows on the next request. Drawing its selects costs a third
    of a page served from the cache.
    """
    key = _cache_key(request, "filters:" + action)
    html = cache.get(key)
    if html is None:
        context = {"filterset": filterset, "action": action, "filter_errors": _filter_errors(filterset)}
        html = render_to_string("resources/dashboard/_filters.html", context, request=request)
        cache.set(key, html, FIGURES_SECONDS)
    return mark_safe(html)  # noqa: S308 - our own template's output, kept as rendered


def _figures(request, filterset):
    """The figures of the filtered allocations, from the cache when this view was computed lately."""
    key = _cache_key(request, "figures")
    figures = cache.get(key)
    if figures is None:
        figures = figures_of.figures_for(filterset.qs)
        cache.set(key, figures, FIGURES_SECONDS)
    return figures


def _format(value, kind):
    if value is None:
        return "–"
    if kind == "usd":
        return number_format(value, 2, force_grouping=True)
    if kind == "share":
        # Translated, so each language writes a percentage its own way (Arabic: "٪").
        return _("%(share)s %%") % {"share": number_format(value, 1)}
    if kind == "hours":
        return number_format(value, 2, force_grouping=True)
    return number_format(value, force_grouping=True) if kind == "count" else str(value)


def _chart(table, rows):
    """The table's chart, its figures written as the table's rows (already formatted) write them."""
    columns = {column.key: column for column in table.columns}
    lines = [(line, {column.key: text for column, text in cells}) for line, cells, _drill in rows if not line.is_total]
    return bar_chart(
        title=table.caption,
        labels=[line.label for line, _texts in lines],
        series=[[line.values.get(key) for line, _texts in lines] for key in table.chart_keys],
        texts=[[texts[key] for _line, texts in lines] for key in table.chart_keys],
        series_names=[columns[key].label for key in table.chart_keys],
        rtl=translation.get_language_bidi(),
    )


def _table_body(rows):
    """The rows of one table of figures, as _table.html's tbody holds them (every label and figure escaped).

    Built with format_html rather than the template: nine tables of up to forty lines, five
    to seven cells each, were half of the figures' rendering.
    """
    allocations_url = reverse("funding:allocations")
    list_text = _("List")
    parts = []
    for line, cells, drill in rows:
        link = ""
        if drill is not None:
            link = format_html(
                '<a href="{}{}">{}<span class="visually-hidden"> {}</span></a>',
                allocations_url,
                f"?{drill}" if drill else "",
                list_text,
                _("the allocations of %(line)s") % {"line": line.label},
            )
        parts.append(
            format_html(
                '<tr{}>\n<th scope="row">{}</th>\n{}<td>{}</td>\n</tr>\n',
                mark_safe(' class="total"') if line.is_total else "",
                line.label,
                format_html_join(
                    "",
                    '<td class="{}">{}</td>',
                    (("text" if column.kind == "text" else "number", text) for column, text in cells),
                ),
                link,
            )
        )
    return mark_safe("".join(parts))  # noqa: S308 - every part is format_html's


def _figures_html(request, filterset, query):
    """The rendered figures (headline and every table with its chart), cached like the figures."""
    key = _cache_key(request, "html")
    html = cache.get(key)
    if html is not None:
        return mark_safe(html), None  # noqa: S308 - our own template's output, kept as rendered
    figures = _figures(request, filterset)
    sections = []
    if not figures.is_empty:
        for table in figures.tables.values():
            rows = [
                (line, [(column, _format(value, column.kind)) for column, value in cells], _drill(query, line))
                for line, cells in table.rows
            ]
            sections.append({"table": table, "chart": _chart(table, rows), "body": _table_body(rows)})
    context = {
        "figures": figures,
        "sections": sections,
        "query": query,
        "links": _headline_links(filterset, query),
    }
    html = render_to_string("resources/dashboard/_figures.html", context, request=request)
    cache.set(key, html, FIGURES_SECONDS)
    return html, figures


@require_GET
def dashboard(request):
    if not figures_of.can_see_dashboard(request.user):
        return _to_open_figures()
    filterset = _filterset(request)
    has_funds = figures_of.funds_for(request.user).exists()
    query = _query(request)
    figures_html = figures = None
    if has_funds and filterset.is_valid():
        figures_html, figures = _figures_html(request, filterset, query)
    context = {
        "filterset": filterset,
        "filters_html": _filters_html(request, filterset, reverse("funding:dashboard")) if has_funds else "",
        "has_funds": has_funds,
        "figures_html": figures_html,
        "figures": figures,  # None when the HTML came from the cache
        "query": query,
    }
    return render(request, "resources/dashboard/dashboard.html", context)


def _status_value(statuses):
    """The status filter's value that selects exactly `statuses` (a status or a group), or None."""
    statuses = {str(status) for status in statuses}
    if statuses == {value for value, _label in Allocation.Status.choices}:
        return ""
    for value, group in figures_of.STATUS_GROUPS.items():
        if statuses == set(group):
            return value
    return next(iter(statuses)) if len(statuses) == 1 else None


def _headline_links(filterset, query):
    """The query behind each headline figure: the filters in view, narrowed to what the figure adds up.

    A figure's statuses meet the status already chosen (their common part, which the status
    filter can always say); when they have nothing in common the figure is nought and has no link.
    """
    data = filterset.form.cleaned_data
    chosen = data.get("status")
    every = [value for value, _label in Allocation.Status.choices]
    in_view = {str(status) for status in (figures_of.STATUS_GROUPS.get(chosen, (chosen,)) if chosen else every)}

    def narrowed(statuses, **extra):
        common = in_view & {str(status) for status in statuses}
        if not common:
            return None
        if extra.get("kind") and data.get("kind") not in (None, "", extra["kind"]):
            return None
        return drill_query(query, status=_status_value(common), **extra)

    allocated = figures_of.ALLOCATED
    return {
        "count": query,
        "allocated": narrowed(allocated),
        "disbursed": narrowed(figures_of.DISBURSED),
        "spent": query,  # the spending of every allocation in view
        "remaining": narrowed(allocated),
        "proposed": narrowed([Allocation.Status.PROPOSED]),
        "hours_allocated": narrowed(allocated, kind=Allocation.Kind.TIME),
        "hours_used": narrowed(allocated, kind=Allocation.Kind.TIME),
        "overspent": drill_query(query, overspent="1"),
        "unconverted": drill_query(query, unconverted="1"),
    }


def _drill(query, line):
    # A line of no allocation has none to list (and its own filter could widen the view).
    if line.drill is None or line.values.get("count") == 0:
        return None
    return drill_query(query, **line.drill)


def _hidden_filters(request, filterset):
    """The drill-down's filters that have no visible control (a recipient, "overspent"…), said in words."""
    if not filterset.is_valid():
        return {}
    data = filterset.form.cleaned_data
    labels = []
    if data.get("overspent"):
        labels.append(_("Only overspent allocations"))
    if data.get("unconverted"):
        labels.append(_("Only allocations without a USD value (no rate yet)"))
    if data.get("recipient"):
        labels.append(_("Only allocations to %(recipient)s") % {"recipient": data["recipient"]})
    if data.get("also_category"):
        also = data["also_category"]
        labels.append(
            _("Also for the capacity %(category)s") % {"category": also}
            if also != "none"
            else _("Also without a purpose given")
        )
    if data.get("also_method"):
        also = data["also_method"]
        labels.append(
            _("Also by the method %(method)s") % {"method": dict(Program.Method.choices)[also]}
            if also != "none"
            else _("Also without a method given")
        )
    if data.get("others"):
        labels.append(_("Only recipients past the %(top)s with the most allocated USD") % {"top": int(data["others"])})
    if not labels:
        return {}
    query = request.GET.copy()
    for name in ("overspent", "unconverted", "recipient", "also_category", "also_method", "others", "page"):
        query.pop(name, None)
    return {"narrowed_to": labels, "widened_query": query.urlencode()}


def _allocations_page(request, filterset, query):
    """One page of the filtered allocations, rendered, from the cache when it was rendered lately.

    Kept like the figures, under the person's scope, the filters, the language and the data
    version, with the page asked for (its number as given: "abc" and "1" are kept apart).
    """
    key = _cache_key(request, "list:" + request.GET.get("page", "")[:20])
    html = cache.get(key)
    if html is not None:
        return mark_safe(html)  # noqa: S308 - our own template's output, kept as rendered
    # Which rates the USD columns used, for every allocation listed (one aggregate query).
    rates = figures_of.rates_in_view(filterset.qs)
    # The page's ids first, in order, then their usage for those 25 only: the time-used
    # subquery and the spending join would otherwise run for every allocation before the sort.
    ids = filterset.qs.order_by("-starts_on", "-pk").values_list("pk", flat=True)
    page = Paginator(ids, ALLOCATIONS_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = with_usage(
        Allocation.objects.filter(pk__in=list(page.object_list)).select_related("fund", "recipient__region", "currency")
    ).in_bulk()
    page.object_list = [rows[pk] for pk in page.object_list]
    context = {"page": page, "rates": rates, "query": query, "query_without_page": query}
    html = render_to_string("resources/dashboard/_allocations_list.html", context, request=request)
    cache.set(key, html, FIGURES_SECONDS)
    return mark_safe(html)  # noqa: S308 - as above


@require_GET
def allocations(request):
    """The allocations behind a figure: the same filters, 25 a page, each linking to its page."""
    if not figures_of.can_see_dashboard(request.user):
        return _to_open_figures()
    filterset = _filterset(request)
    query = _query(request)
    context = {
        "filterset": filterset,
        "filters_html": _filters_html(request, filterset, reverse("funding:allocations")),
        "list_html": _allocations_page(request, filterset, query) if filterset.is_valid() else None,
        "query": query,
        **_hidden_filters(request, filterset),
    }
    return render(request, "resources/dashboard/allocations.html", context)


ALLOCATION_HEADER = (
    "allocation_id",
    "fund",
    "recipient",
    "recipient_region",
    "kind",
    "status",
    "starts_on",
    "ends_on",
    "amount",
    "currency",
    "hours",
    "value_usd",
    "spent",
    "spent_usd",
    "overspent",
)


def _allocation_rows(allocations):
    for allocation in allocations.iterator(chunk_size=2000):
        yield (
            allocation.pk,
            allocation.fund.name,
            allocation.recipient.name,
            allocation.recipient.region.slug,
            allocation.kind,
            allocation.status,
            allocation.starts_on.isoformat(),
            allocation.ends_on.isoformat(),
            allocation.amount,
            allocation.currency_id or "",
            allocation.hours,
            allocation.usd_amount,
            allocation.spent,
            allocation.spent_usd,
            allocation.overspent,
        )


@require_GET
def table_csv(request, name):
    """One table of the dashboard (or the allocations behind it) as a formula-safe CSV file."""
    if not figures_of.can_see_dashboard(request.user):
        return _to_open_figures()
    filterset = _filterset(request)
    if not filterset.is_valid():
        return HttpResponseBadRequest(_("Some filters are not valid; correct them on the dashboard."))
    if name == "allocations":
        rows = with_usage(filterset.qs.select_related("fund", "recipient__region").order_by("pk"))
        return csv_response(filename="allocations.csv", header=ALLOCATION_HEADER, rows=_allocation_rows(rows))
    figures = _figures(request, filterset)
    if name == "headline":
        header = list(HEADLINE_KEYS)
        row = [_csv_value(figures.headline.get(key), "usd" if key in USD_KEYS else "") for key in header]
        return csv_response(filename="headline.csv", header=header, rows=[row])
    table = figures.tables.get(name)
    if table is None:
        if name in figures_of.TABLE_NAMES:  # nothing in view: the header alone
            return csv_response(filename=f"{name}.csv", header=["label"], rows=[])
        raise Http404
    header = ["label", *[column.key for column in table.columns]]
    rows = [
        [line.label, *[_csv_value(line.values.get(column.key), column.kind) for column in table.columns]]
        for line in table.lines
    ]
    return csv_response(filename=f"{name}.csv", header=header, rows=rows)


CENT = Decimal("0.01")
USD_KEYS = {"allocated", "disbursed", "spent", "remaining", "proposed"}


def _csv_value(value, kind):
    """USD to the cent as the page shows it (SQLite hands sums back with more digits)."""
    if kind == "usd" and isinstance(value, Decimal):
        return value.quantize(CENT)
    return value


HEADLINE_KEYS = (
    "count",
    "allocated",
    "disbursed",
    "spent",
    "remaining",
    "proposed",
    "proposed_count",
    "hours_allocated",
    "hours_used",
    "overspent",
    "unconverted",
    "unconverted_expenditures",
)
