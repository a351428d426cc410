"""Demo exchange rates: two years of monthly rates for the currencies the demo's funders and affiliates use.

Approximate 2025–2026 values, moving a little each month, so dashboards built on them
look like real ones. Setting a rate that is already there changes nothing.
"""

from datetime import date
from decimal import Decimal

from django.utils import timezone

from . import services
from .models import ExchangeRate

# US dollars per unit at the start of the two years, and the monthly drift.
START_RATES = {
    "EUR": ("1.04", "0.004"),
    "GBP": ("1.25", "0.003"),
    "CHF": ("1.10", "0.003"),
    "CAD": ("0.70", "0.001"),
    "KRW": ("0.00069", "0.000002"),
    "INR": ("0.0118", "-0.00002"),
    "BRL": ("0.165", "0.001"),
    "NGN": ("0.00065", "-0.000004"),
    "KES": ("0.0077", "0.00001"),
    "EGP": ("0.0200", "-0.0001"),
    "JOD": ("1.41", "0"),
    "LBP": ("0.0000112", "0"),
    "UAH": ("0.024", "-0.00005"),
    "PEN": ("0.265", "0.0005"),
    "MAD": ("0.099", "0.0003"),
}
MONTHS = 24


def _months(until):
    year, month = until.year, until.month
    for _ in range(MONTHS):
        yield date(year, month, 1)
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)


def load(data, *, password):
    months = list(reversed(list(_months(timezone.now().date()))))
    have = set(ExchangeRate.objects.values_list("currency_id", "month"))
    added = 0
    for code, (start, drift) in START_RATES.items():
        for index, month in enumerate(months):
            if (code, month) in have:
                continue
            value = Decimal(start) + Decimal(drift) * index
            services.exchange_rate_set(currency_code=code, month=month, usd_per_unit=value)
            added += 1
    return f"{added} exchange rates"
