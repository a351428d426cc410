"""Changes to exchange rates, and the one conversion of an amount into US dollars."""

import hashlib
import os
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from programs.models import Program
from stakeholders.models import Organization

from .access import can_manage_fund, can_report_spending
from .models import Allocation, AllocationMethod, Currency, ExchangeRate, Expenditure, Fund, Receipt

USD = "USD"
CENT = Decimal("0.01")
# The most a rate may say one unit is worth: a slip of the decimal point is refused. No ISO
# currency of resources/data/iso4217.json is near it (KWD, the dearest, about 3.3), and the
# largest amount (MAX_AMOUNT) times it still fits the 14 digits of the US-dollar columns.
MAX_USD_PER_UNIT = Decimal("10000")


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
        usd_recompute(currency_code=currency.code, since=rate.month, by=by)
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
            {
                field: _("%(value)s is more than %(max)s; check the decimal point.")
                % {
                    "value": number_format(value, force_grouping=True),
                    "max": number_format(maximum, force_grouping=True),
                }
            }
        )
    if currency is not None and -value.normalize().as_tuple().exponent > currency.minor_units:
        raise ValidationError(
            {
                field: _("%(code)s amounts have at most %(places)s decimal places.")
                % {"code": currency.code, "places": currency.minor_units}
            }
        )
    return value


def allocation_save(*, allocation: Allocation, categories=None, programs=None, methods=None, by) -> Allocation:
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
                    % {
                        "value": number_format(hours, force_grouping=True),
                        "max": number_format(MAX_HOURS, force_grouping=True),
                    }
                }
            )
        if -hours.normalize().as_tuple().exponent > 2:
            raise ValidationError({"hours": _("Hours have at most two decimal places.")})
        allocation.hours = hours
    value = allocation_value(allocation)
    if value is not None and value > MAX_AMOUNT:
        # Hours × value per hour: each within its limit, the product may still not fit (nor be meant).
        raise ValidationError(
            {
                "value_per_hour": _("%(value)s is more than %(max)s; check the decimal point.")
                % {
                    "value": number_format(value, force_grouping=True),
                    "max": number_format(MAX_AMOUNT, force_grouping=True),
                }
            }
        )
    programs = list(programs) if programs is not None else None
    if methods is not None:
        methods = list(methods)
        unknown = [method for method in methods if method not in Program.Method.values]
        if unknown:
            raise ValidationError(
                {"methods": _("%(method)s is not a method of the vocabulary.") % {"method": unknown[0]}}
            )
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
        allocation.usd_amount, allocation.usd_rate = _stored_usd(
            value=allocation_value(allocation), currency_code=allocation.currency_id, on=allocation.starts_on
        )
        allocation._history_user = by
        allocation.save()
        if categories is not None:
            allocation.categories.set(categories)
        if programs is not None:
            allocation.programs.set(programs)
        if methods is not None:
            wanted = set(methods)
            for row in allocation.methods.all():
                if row.method not in wanted:
                    row._history_user = by
                    row.delete()
            kept = set(allocation.methods.values_list("method", flat=True))
            for method in sorted(wanted - kept):
                row = AllocationMethod(allocation=allocation, method=method)
                row._history_user = by
                row.save()
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
        if to_status == Allocation.Status.DECLINED and stored.expenditures.exists():
            # Declined allocations leave "allocated" while their spending would stay in "spent".
            raise ValidationError(
                _("Spending is recorded against this allocation; it cannot be declined. Close it once it is disbursed.")
            )
        stored.status = to_status
        stored.status_changed_at = timezone.now()
        stored.full_clean()
        stored._history_user = by
        stored.save(update_fields=["status", "status_changed_at", "updated_at"])
    allocation.status, allocation.status_changed_at = stored.status, stored.status_changed_at
    return stored


def allocation_value(allocation: Allocation) -> Decimal | None:
    """What an allocation is worth in its own currency: the amount, or hours × value per hour."""
    if allocation.kind == Allocation.Kind.TIME:
        if allocation.value_per_hour is None:
            return None
        return allocation.hours * allocation.value_per_hour
    return allocation.amount


def allocation_usd(*, allocation: Allocation) -> InUsd | None:
    """The allocation in US dollars with the rate in force when it starts; time without a value has none."""
    value = allocation_value(allocation)
    if value is None:
        return None
    return usd_amount(amount=value, currency_code=allocation.currency_id, on=allocation.starts_on)


def _stored_usd(*, value, currency_code, on):
    """(usd_amount, usd_rate) to store: both empty when there is nothing to convert or no rate yet."""
    if value is None or currency_code is None:
        return None, None
    try:
        converted = usd_amount(amount=Decimal(value), currency_code=currency_code, on=on)
    except ValidationError:  # no rate yet: the figure waits for a steward, and is counted as unconverted
        return None, None
    return converted.amount, converted.rate


def _rate_in_force(rates, month):
    """The rate of the latest month on or before `month` in a list sorted by month (newest first)."""
    for rate in rates:
        if rate.month <= month:
            return rate
    return None


def _write_usd(model, rows, by) -> int:
    # Through the history library: before/after of every recomputed value stays in the audit.
    bulk_update_with_history(rows, model, ["usd_amount", "usd_rate"], default_user=by)
    return len(rows)


def usd_recompute(*, currency_code: str, since: date, by=None) -> int:
    """Recompute the stored USD values of allocations and expenditures a rate change touches.

    A rate for month M is in force for amounts dated in M and after (until a later month's
    rate), so only rows of that currency dated from M on can change. Rows are read in
    batches and only those whose value changed are written, each change audited like any
    other (a history row naming who set the rate); returns how many changed.
    """
    rates = list(ExchangeRate.objects.filter(currency_id=currency_code).order_by("-month"))
    changed = 0
    for model, date_field in ((Allocation, "starts_on"), (Expenditure, "spent_on")):
        rows = model.objects.filter(
            currency_id=currency_code, **{f"{date_field}__gte": first_of_month(since)}
        ).order_by("pk")
        batch = []
        for row in rows.iterator(chunk_size=2000):
            value = allocation_value(row) if model is Allocation else row.amount
            rate = _rate_in_force(rates, first_of_month(getattr(row, date_field)))
            if value is None or rate is None:
                new_amount, new_rate = None, None
            else:
                new_amount = (Decimal(value) * rate.usd_per_unit).quantize(CENT, rounding=ROUND_HALF_EVEN)
                new_rate = rate
            if new_amount != row.usd_amount or (new_rate.pk if new_rate else None) != row.usd_rate_id:
                row.usd_amount, row.usd_rate = new_amount, new_rate
                batch.append(row)
            if len(batch) >= 1000:
                changed += _write_usd(model, batch, by)
                batch = []
        if batch:
            changed += _write_usd(model, batch, by)
    return changed


# Receipts: the first bytes of each accepted type, and the largest file taken.
RECEIPT_TYPES = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
}
RECEIPT_EXTENSIONS = {".pdf": "application/pdf", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}
SPENDING_STATUSES = (Allocation.Status.APPROVED, Allocation.Status.DISBURSED)


@dataclass(frozen=True)
class ReceiptFile:
    """A checked receipt: a clean file name, its type and bytes."""

    filename: str
    content_type: str
    content: bytes


def receipt_check(*, filename: str, content: bytes) -> ReceiptFile:
    """Refuse a receipt that is empty, too large, or not really a PDF, PNG or JPEG."""
    name = "".join(ch for ch in os.path.basename((filename or "").replace("\\", "/")) if ch.isprintable()).strip()
    name = name[-200:] or "receipt"
    limit = settings.RECEIPT_MAX_BYTES
    if not content:
        raise ValidationError({"receipt": _("The receipt file is empty.")})
    if len(content) > limit:
        raise ValidationError(
            {
                "receipt": _("A receipt can be at most %(limit)s MB; this file is %(size)s MB.")
                % {"limit": round(limit / 1_048_576, 1), "size": round(len(content) / 1_048_576, 1)}
            }
        )
    extension = os.path.splitext(name)[1].lower()
    content_type = RECEIPT_EXTENSIONS.get(extension)
    if content_type is None or not content.startswith(RECEIPT_TYPES[content_type]):
        raise ValidationError({"receipt": _("A receipt is a PDF, PNG or JPEG file.")})
    return ReceiptFile(name, content_type, content)


def _spent_elsewhere(allocation, excluding_pk):
    rows = Expenditure.objects.filter(allocation=allocation)
    if excluding_pk:
        rows = rows.exclude(pk=excluding_pk)
    return rows.aggregate(total=Sum("amount"))["total"] or Decimal(0)


def expenditure_save(*, expenditure: Expenditure, receipt: ReceiptFile | None = None, by) -> Expenditure:
    """Record (or correct) spending against a money allocation, in the allocation's currency.

    Spending beyond the allocation needs a reason. Nothing is saved if anything is wrong.
    """
    if not expenditure.allocation_id:
        raise ValidationError({"allocation": _("Choose the allocation the money was spent from.")})
    with transaction.atomic():
        allocation = (
            Allocation.objects.select_for_update(of=("self",))
            .select_related("recipient", "currency")
            .get(pk=expenditure.allocation_id)
        )
        if not can_report_spending(by, allocation):
            raise ValidationError(
                _("Only the recipient's staff and administrators, or a steward, record its spending.")
            )
        if expenditure.pk:
            stored = Expenditure.objects.select_for_update().get(pk=expenditure.pk)
            if stored.allocation_id != allocation.pk:
                raise ValidationError(_("An expenditure stays with the allocation it was recorded against."))
        if allocation.kind != Allocation.Kind.MONEY:
            raise ValidationError(
                _("Spending is recorded against money; %(kind)s is counted differently.")
                % {"kind": allocation.get_kind_display()}
            )
        if allocation.status not in SPENDING_STATUSES:
            raise ValidationError(
                _("This allocation is %(status)s; spending is recorded while it is approved or disbursed.")
                % {"status": allocation.get_status_display()}
            )
        expenditure.currency = allocation.currency
        expenditure.amount = _check_money(expenditure.amount, field="amount", currency=allocation.currency)
        if expenditure.amount is None or expenditure.amount == 0:
            raise ValidationError({"amount": _("Give the amount spent, above zero.")})
        if expenditure.spent_on and expenditure.spent_on > timezone.localdate():
            raise ValidationError(
                {"spent_on": _("Spending is recorded once it has happened; the date is in the future.")}
            )
        expenditure.overspend_reason = (expenditure.overspend_reason or "").strip()
        beyond = _spent_elsewhere(allocation, expenditure.pk) + expenditure.amount > allocation.amount
        if beyond and not expenditure.overspend_reason:
            raise ValidationError(
                {
                    "overspend_reason": _(
                        "With this, spending goes beyond the allocation of %(amount)s %(code)s; say why."
                    )
                    % {
                        "amount": number_format(
                            allocation.amount, decimal_pos=allocation.currency.minor_units, force_grouping=True
                        ),
                        "code": allocation.currency_id,
                    }
                }
            )
        if not beyond:
            expenditure.overspend_reason = ""
        if not expenditure.pk:
            expenditure.recorded_by = by
        expenditure.full_clean()
        expenditure.usd_amount, expenditure.usd_rate = _stored_usd(
            value=expenditure.amount, currency_code=expenditure.currency_id, on=expenditure.spent_on
        )
        expenditure._history_user = by
        expenditure.save()
        if receipt is not None:
            Receipt.objects.update_or_create(
                expenditure=expenditure,
                defaults={
                    "original_filename": receipt.filename,
                    "content_type": receipt.content_type,
                    "size": len(receipt.content),
                    "sha256": hashlib.sha256(receipt.content).hexdigest(),
                    "content": receipt.content,
                },
            )
    return expenditure


def expenditure_delete(*, expenditure: Expenditure, by) -> None:
    """Remove a mistaken expenditure (and its receipt) while the allocation is still open for spending."""
    with transaction.atomic():
        allocation = (
            Allocation.objects.select_for_update(of=("self",))
            .select_related("recipient")
            .get(pk=expenditure.allocation_id)
        )
        if not can_report_spending(by, allocation):
            raise ValidationError(
                _("Only the recipient's staff and administrators, or a steward, record its spending.")
            )
        if allocation.status not in SPENDING_STATUSES:
            raise ValidationError(
                _("This allocation is %(status)s; its spending can no longer be changed.")
                % {"status": allocation.get_status_display()}
            )
        expenditure._history_user = by
        expenditure.delete()
