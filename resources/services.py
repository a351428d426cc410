"""Changes to exchange rates, and the one conversion of an amount into US dollars."""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .models import Currency, ExchangeRate

USD = "USD"
CENT = Decimal("0.01")
# The most a rate may say one unit is worth: a slip of the decimal point is refused.
MAX_USD_PER_UNIT = Decimal("100000")


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def exchange_rate_set(*, currency_code: str, month: date, usd_per_unit, by=None) -> ExchangeRate:
    """Set (or change) a currency's rate for a month; the month is its first day whatever day is given."""
    try:
        value = Decimal(str(usd_per_unit))
    except (InvalidOperation, ValueError):
        raise ValidationError({"usd_per_unit": _("Enter a number such as 1.08.")}) from None
    if not value.is_finite() or value <= 0:
        raise ValidationError({"usd_per_unit": _("A rate is a positive number of US dollars.")})
    if value > MAX_USD_PER_UNIT:
        raise ValidationError(
            {
                "usd_per_unit": _("No currency is worth more than %(max)s US dollars a unit; check the decimal point.")
                % {"max": MAX_USD_PER_UNIT}
            }
        )
    if currency_code == USD:
        raise ValidationError({"currency": _("The US dollar is always worth one US dollar.")})
    currency = Currency.objects.filter(code=currency_code).first()
    if currency is None:
        raise ValidationError({"currency": _("%(code)s is not an ISO 4217 currency code.") % {"code": currency_code}})
    with transaction.atomic():
        rate = ExchangeRate.objects.select_for_update().filter(currency=currency, month=first_of_month(month)).first()
        rate = rate or ExchangeRate(currency=currency, month=first_of_month(month))
        rate.usd_per_unit = value
        rate.set_by = by
        rate.full_clean()
        rate.save()
    return rate


@dataclass(frozen=True)
class InUsd:
    """An amount in US dollars and the rate it used (None for an amount already in USD)."""

    amount: Decimal
    rate: ExchangeRate | None


def usd_amount(*, amount: Decimal, currency_code: str, on: date) -> InUsd:
    """Convert an amount with the rate in force on a day: its month's rate, else the latest earlier one.

    Rounding (written down in the README): the exact product is rounded once, to the
    cent, half to even, so totals add rounded amounts and never re-round a sum.
    """
    if not isinstance(amount, Decimal):
        raise TypeError("Money is a Decimal, never a float.")
    if currency_code == USD:
        return InUsd(amount.quantize(CENT, rounding=ROUND_HALF_EVEN), None)
    rate = (
        ExchangeRate.objects.filter(currency_id=currency_code, month__lte=first_of_month(on)).order_by("-month").first()
    )
    if rate is None:
        raise ValidationError(
            _("There is no exchange rate for %(code)s in or before %(month)s; a steward adds it.")
            % {"code": currency_code, "month": f"{on:%Y-%m}"}
        )
    return InUsd((amount * rate.usd_per_unit).quantize(CENT, rounding=ROUND_HALF_EVEN), rate)
