"""Changes to exchange rates, and the one conversion of an amount into US dollars."""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stakeholders.models import Organization

from .access import can_manage_fund
from .models import Allocation, Currency, ExchangeRate, Fund

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


# The most an allocation may count in any currency (the column holds ten digits before the point):
# more is a slip of the decimal point, refused with a clear message rather than a database error.
MAX_AMOUNT = Decimal("9999999999")
MAX_HOURS = Decimal("1000000")


def _refuse_unless_manager(fund, by):
    if by is None or not can_manage_fund(by, fund):
        raise ValidationError(_("Only the funder's staff and administrators, or a steward, can change its funds."))


def fund_save(*, fund: Fund, by) -> Fund:
    """Create or change a fund of a funder organization whose staff the person is."""
    if not fund.funder_id:
        fund.full_clean()  # names every missing field
    if fund.funder.kind != Organization.Kind.FUNDER:
        raise ValidationError({"funder": _("Only a funder organization has funds.")})
    with transaction.atomic():
        if fund.pk:
            stored = Fund.objects.select_for_update(of=("self",)).select_related("funder").get(pk=fund.pk)
            _refuse_unless_manager(stored, by)  # the funder it belonged to must agree too
        _refuse_unless_manager(fund, by)
        fund.full_clean()
        fund._history_user = by
        fund.save()
    return fund


def _check_money(value, *, field, currency, maximum=MAX_AMOUNT):
    """A Decimal amount that is not negative, not absurd and has no more decimals than its currency."""
    if value is None:
        return None
    if isinstance(value, float):
        raise TypeError("Money is a Decimal, never a float.")
    try:
        value = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("Enter a number such as 1500.00.")}) from None
    if not value.is_finite():
        raise ValidationError({field: _("Enter a number such as 1500.00.")})
    if value < 0:
        raise ValidationError({field: _("An amount cannot be negative.")})
    if value > maximum:
        raise ValidationError(
            {field: _("%(value)s is more than %(max)s; check the decimal point.") % {"value": value, "max": maximum}}
        )
    if currency is not None and -value.normalize().as_tuple().exponent > currency.minor_units:
        raise ValidationError(
            {
                field: _("%(code)s amounts have at most %(places)s decimal places.")
                % {"code": currency.code, "places": currency.minor_units}
            }
        )
    return value


def allocation_save(*, allocation: Allocation, categories=None, programs=None, by) -> Allocation:
    """Create or change an allocation while it is still proposed; nothing is saved if anything is wrong."""
    if not (allocation.fund_id and allocation.recipient_id):
        allocation.full_clean()  # names every missing field
    currency = Currency.objects.filter(pk=allocation.currency_id).first() if allocation.currency_id else None
    allocation.amount = _check_money(allocation.amount, field="amount", currency=currency)
    allocation.value_per_hour = _check_money(allocation.value_per_hour, field="value_per_hour", currency=currency)
    if allocation.hours is not None:
        try:
            hours = Decimal(str(allocation.hours))
        except (InvalidOperation, ValueError):
            raise ValidationError({"hours": _("Enter a number of hours such as 40.")}) from None
        if not hours.is_finite() or hours <= 0:
            raise ValidationError({"hours": _("Give a number of hours above zero.")})
        if hours > MAX_HOURS:
            raise ValidationError(
                {
                    "hours": _("%(value)s is more than %(max)s; check the decimal point.")
                    % {"value": hours, "max": MAX_HOURS}
                }
            )
        if -hours.normalize().as_tuple().exponent > 2:
            raise ValidationError({"hours": _("Hours have at most two decimal places.")})
        allocation.hours = hours
    programs = list(programs) if programs is not None else None
    if programs and any(program.provider_id != allocation.recipient_id for program in programs):
        raise ValidationError({"programs": _("Only the recipient's own programs can be funded by its allocation.")})
    with transaction.atomic():
        if allocation.pk:
            stored = (
                Allocation.objects.select_for_update(of=("self",)).select_related("fund__funder").get(pk=allocation.pk)
            )
            _refuse_unless_manager(stored.fund, by)
            if stored.status != Allocation.Status.PROPOSED:
                raise ValidationError(
                    _("This allocation is %(status)s; only a proposed allocation can be changed.")
                    % {"status": stored.get_status_display()}
                )
            allocation.status = stored.status
            allocation.status_changed_at = stored.status_changed_at
        else:
            allocation.status = Allocation.Status.PROPOSED
            allocation.status_changed_at = None
        _refuse_unless_manager(allocation.fund, by)
        if allocation.recipient_id == allocation.fund.funder_id:
            raise ValidationError({"recipient": _("A funder cannot allocate to itself.")})
        allocation.full_clean()
        allocation._history_user = by
        allocation.save()
        if categories is not None:
            allocation.categories.set(categories)
        if programs is not None:
            allocation.programs.set(programs)
    return allocation


# proposed → approved → disbursed → closed; a proposed or approved allocation may be declined.
ALLOWED_MOVES = {
    Allocation.Status.PROPOSED: {Allocation.Status.APPROVED, Allocation.Status.DECLINED},
    Allocation.Status.APPROVED: {Allocation.Status.DISBURSED, Allocation.Status.DECLINED},
    Allocation.Status.DISBURSED: {Allocation.Status.CLOSED},
    Allocation.Status.CLOSED: set(),
    Allocation.Status.DECLINED: set(),
}


def allocation_move(*, allocation: Allocation, to_status: str, by) -> Allocation:
    """Move an allocation to its next status; who and when are kept in its history."""
    with transaction.atomic():
        stored = Allocation.objects.select_for_update(of=("self",)).select_related("fund__funder").get(pk=allocation.pk)
        current = Allocation.Status(stored.status)
        if to_status not in ALLOWED_MOVES[current]:
            target = Allocation.Status(to_status).label if to_status in Allocation.Status.values else to_status
            raise ValidationError(
                _("This allocation is %(status)s; it cannot become %(target)s.")
                % {"status": current.label, "target": target}
            )
        if by is None or not can_manage_fund(by, stored.fund):
            raise ValidationError(
                _(
                    "This allocation is %(status)s; only the funder's staff and administrators, or a steward, can move it."
                )
                % {"status": current.label}
            )
        stored.status = to_status
        stored.status_changed_at = timezone.now()
        stored.full_clean()
        stored._history_user = by
        stored.save(update_fields=["status", "status_changed_at", "updated_at"])
    allocation.status, allocation.status_changed_at = stored.status, stored.status_changed_at
    return stored


def allocation_usd(*, allocation: Allocation) -> InUsd | None:
    """The allocation in US dollars with the rate in force when it starts; time without a value has none."""
    if allocation.kind == Allocation.Kind.TIME:
        if allocation.value_per_hour is None:
            return None
        value = allocation.hours * allocation.value_per_hour
    else:
        value = allocation.amount
    return usd_amount(amount=value, currency_code=allocation.currency_id, on=allocation.starts_on)
