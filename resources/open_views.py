"""Public funding pages: the open figures, their CSV files, the 360Giving package and the rates.

Open to everyone, without an account. They show no person: allocation figures in full
(each grant is public in the 360Giving package anyway) and participants reached with every
group of fewer than K_ANONYMITY_ACTIVITY people suppressed (resources.open_data).
"""

import re

from django.core.paginator import Paginator
from django.http import Http404, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from programs.exports import csv_response

from . import open_data
from .models import Currency, ExchangeRate

RATES_PER_PAGE = 50
CURRENCY_CODE = re.compile(r"^[A-Z]{3}$")


@require_GET
def open_figures(request):
    figures = open_data.open_figures()
    tables = [
        (figures.tables["regions"], _("Published allocations by recipient's region")),
        (figures.tables["categories"], _("Published allocations by capacity category")),
        (figures.tables["years"], _("Published allocations by the year they start")),
    ]
    return render(request, "resources/open/figures.html", {"figures": figures, "tables": tables})


@require_GET
def open_table_csv(request, table):
    if table not in open_data.TABLES:
        raise Http404
    figures = open_data.open_figures()
    return csv_response(
        filename=f"capacity-funding-by-{table}.csv",
        header=open_data.CSV_HEADER,
        rows=open_data.table_csv_rows(figures.tables[table]),
    )


@require_GET
def open_360giving(request):
    """The 360Giving package, streamed grant by grant (no limit on the number of grants).

    The standard's package holds at least one grant: with nothing published yet there is
    no package to give, so the answer is 404 with the reason, never an invalid file.
    """
    if not open_data.grants_queryset().exists():
        return JsonResponse({"detail": _("No approved money allocation is published yet.")}, status=404)
    chunks = open_data.package_chunks(
        download_url=request.build_absolute_uri(reverse("funding:open_360giving")),
        access_url=request.build_absolute_uri(reverse("funding:open")),
    )
    response = StreamingHttpResponse((chunk.encode() for chunk in chunks), content_type="application/json")
    response["Content-Disposition"] = 'inline; filename="capacity-360giving.json"'
    # Public figures about organizations, the same for everyone: shared caches may keep them briefly.
    response["Cache-Control"] = f"public, max-age={open_data.CACHE_SECONDS}"
    return response


def _rate_text(value):
    """A rate with the decimals it has (1.08, 0.0000112), in the reader's number format."""
    value = value.normalize()
    places = max(0, -value.as_tuple().exponent)
    return formats.number_format(value, decimal_pos=places, use_l10n=True, force_grouping=True)


@require_GET
def rates(request):
    currencies = list(Currency.objects.filter(rates__isnull=False).distinct().order_by("code"))
    asked = request.GET.get("currency", "").strip().upper()
    error = ""
    selected = ""
    if asked:
        if CURRENCY_CODE.match(asked) and asked in {currency.code for currency in currencies}:
            selected = asked
        else:
            error = _("There is no exchange rate for this currency; choose one from the list.")
    rows = ExchangeRate.objects.select_related("currency").order_by("currency_id", "-month")
    if selected:
        rows = rows.filter(currency_id=selected)
    page = Paginator(rows, RATES_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    for rate in page.object_list:
        rate.usd_text = _rate_text(rate.usd_per_unit)
    context = {
        "page": page,
        "currencies": currencies,
        "selected": selected,
        "error": error,
        "query_without_page": f"currency={selected}" if selected else "",
    }
    return render(request, "resources/open/rates.html", context)
