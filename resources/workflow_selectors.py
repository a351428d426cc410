"""Reads of the funder's and the recipient's pages: totals and comparisons computed by the database."""

import hashlib
from decimal import ROUND_HALF_EVEN, Decimal

from django.conf import settings
from django.core.cache import cache
from django.db.models import Case, Count, DecimalField, ExpressionWrapper, F, Q, Sum, When
from django.db.models.functions import Coalesce
from django.utils import translation

from capacity.dates import within_site_days
from capacity.privacy import suppress_small_cells
from programs.models import Program, Session
from stakeholders.access import MANAGING_ROLES
from stakeholders.models import Membership, Organization

from .dashboard import rates_in_view
from .models import Allocation, Expenditure, Fund
from .selectors import MONEY, reached_reports, with_usage

# What a funder has committed: the allocations no longer proposed nor declined.
COMMITTED = (Allocation.Status.APPROVED, Allocation.Status.DISBURSED, Allocation.Status.CLOSED)
PAID_OUT = (Allocation.Status.DISBURSED, Allocation.Status.CLOSED)
ZERO = Decimal(0)


def managed_funders(user):
    """The funder organizations whose funds the person manages (all of them for stewards)."""
    funders = Organization.objects.filter(kind=Organization.Kind.FUNDER)
    if user.is_superuser:
        return funders.order_by("name")
    return funders.filter(memberships__user=user, memberships__role__in=MANAGING_ROLES).order_by("name")


def allocation_value_expression(prefix=""):
    """An allocation's value in its own currency, in SQL: the amount, or hours × value per hour."""
    return Case(
        When(**{f"{prefix}kind": Allocation.Kind.TIME}, then=F(f"{prefix}hours") * F(f"{prefix}value_per_hour")),
        default=F(f"{prefix}amount"),
        output_field=MONEY,
    )


def other_currency_allocations(fund_ids):
    """The committed allocations of these funds made in another currency than the fund's (their USD is summed)."""
    return Allocation.objects.filter(fund_id__in=fund_ids, status__in=COMMITTED).exclude(currency=F("fund__currency"))


def fund_list(user):
    """The person's funds with what is committed and paid out, in the fund's currency, in one GROUP BY.

    Allocations made in another currency than the fund's are counted apart (how many, and
    their value in US dollars): adding them to the fund's currency would need a rate.
    """
    value = allocation_value_expression("allocations__")
    same = Q(allocations__currency=F("currency"))
    committed = Q(allocations__status__in=COMMITTED)
    return (
        Fund.objects.filter(funder__in=managed_funders(user))
        .select_related("funder", "currency")
        .annotate(
            allocated=Coalesce(Sum(value, filter=same & committed), ZERO, output_field=MONEY),
            disbursed=Coalesce(Sum(value, filter=same & Q(allocations__status__in=PAID_OUT)), ZERO, output_field=MONEY),
            proposed=Coalesce(
                Sum(value, filter=same & Q(allocations__status=Allocation.Status.PROPOSED)), ZERO, output_field=MONEY
            ),
            allocation_count=Count("allocations"),
            other_currency_count=Count("allocations", filter=committed & ~same),
            other_currency_usd=Sum("allocations__usd_amount", filter=committed & ~same),
            # Not in the USD sum: no rate yet (time without a value per hour has no USD by design).
            other_currency_unconverted=Count(
                "allocations",
                filter=committed
                & ~same
                & Q(allocations__usd_amount__isnull=True)
                & (~Q(allocations__kind=Allocation.Kind.TIME) | Q(allocations__value_per_hour__isnull=False)),
            ),
        )
        .order_by("-starts_on", "name", "pk")
    )


def _with_remaining(allocations):
    """with_usage, and what is left of a money allocation (negative once overspent)."""
    return with_usage(allocations).annotate(remaining=ExpressionWrapper(F("amount") - F("spent"), output_field=MONEY))


def fund_allocations(fund):
    """The fund's allocations, newest first, with what was used of them."""
    return _with_remaining(
        Allocation.objects.filter(fund=fund).select_related("recipient", "currency").order_by("-starts_on", "-pk")
    )


def member_organizations(user):
    """The ids of the organizations the person belongs to, in any role, in order."""
    return sorted(Membership.objects.filter(user=user).values_list("organization_id", flat=True))


def organizations_key(organization_ids):
    """A short name for a set of organizations in a cache key."""
    return hashlib.sha256(repr(sorted(organization_ids)).encode()).hexdigest()[:32]


def received_allocations(organization_ids):
    """Allocations to these organizations (member_organizations), with what was used of them.

    The organizations' ids are given as constants: behind a subquery of memberships
    PostgreSQL expects the average twenty allocations where a large recipient has
    thousands, and joins and sorts every one of them for a page of 25 (42 → 11 ms for
    3,609 at movement scale) rather than walking the newest first.
    """
    return _with_remaining(
        Allocation.objects.filter(recipient__in=organization_ids)
        .select_related("recipient", "fund__funder", "currency")
        .order_by("-starts_on", "-pk")
    )


def _figures(totals, spent_usd, participants):
    allocated_usd = totals.get("allocated") or ZERO
    money_usd = totals.get("money") or ZERO
    spent_usd = spent_usd or ZERO
    # Spending is recorded against money only: its share is of the money allocated.
    share = (spent_usd / money_usd * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_EVEN) if money_usd else None
    per_participant = (
        (spent_usd / participants).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN) if participants else None
    )
    return {
        "allocated_usd": allocated_usd,
        "spent_usd": spent_usd,
        "spent_share": share,
        "participants": participants or 0,
        "cost_per_participant": per_participant,
    }


ALLOCATED_TOTALS = {
    "allocated": Sum("usd_amount"),
    "money": Sum("usd_amount", filter=Q(kind=Allocation.Kind.MONEY)),
}


# The comparison is the same for every member of the same organizations, the movement's figures
# for every reader: kept under the funding data version (a change shows on the next request),
# this long at most as a backstop.
MOVEMENT_SECONDS = 300


def movement_comparison(organization_ids, version):
    """The person's organizations' figures next to the whole movement's, aggregates only.

    Over committed allocations (approved, disbursed, closed): the value in US dollars, the
    share of the money spent, and the spending per participant of the activity reports of
    sessions the allocations reached (as the dashboard counts them: not cancelled, within an
    allocation's period, each once). Amounts in a currency without a rate yet are not counted.
    A fixed number of aggregate queries whatever the number of allocations; no other
    organization is named. The movement's figures are shown only when at least
    K_ANONYMITY_ACTIVITY other organizations are in them (else they would give away the few
    others' figures by subtraction), and its participants only when at least that many.
    "rates" says which exchange rates the USD figures shown used. `organization_ids` are the
    person's (member_organizations); `version` the funding data's (resources.freshness).
    """
    # The same for every member of the same organizations: kept like the movement's figures.
    organizations = organizations_key(organization_ids)
    key = f"funding:compared:{translation.get_language()}:{settings.K_ANONYMITY_ACTIVITY}:{organizations}:{version}"
    return cache.get_or_set(key, lambda: _comparison(organization_ids, version), MOVEMENT_SECONDS)


def _comparison(organization_ids, version):
    committed = Allocation.objects.filter(status__in=COMMITTED)
    mine = committed.filter(recipient_id__in=organization_ids)
    names = dict(Organization.objects.filter(pk__in=mine.values("recipient_id")).order_by().values_list("pk", "name"))

    allocated = {
        row["recipient_id"]: row for row in mine.order_by().values("recipient_id").annotate(**ALLOCATED_TOTALS)
    }
    spent = dict(
        Expenditure.objects.filter(allocation__in=mine)
        .order_by()
        .values("allocation__recipient_id")
        .annotate(total=Sum("usd_amount"))
        .values_list("allocation__recipient_id", "total")
    )
    participants = dict(
        reached_reports(mine)
        .values("session__program__provider_id")
        .annotate(total=Sum("participants"))
        .values_list("session__program__provider_id", "total")
    )
    rows = [
        {"name": names[pk], **_figures(allocated.get(pk, {}), spent.get(pk), participants.get(pk))}
        for pk in sorted(names, key=lambda pk: names[pk].casefold())
    ]
    minimum = settings.K_ANONYMITY_ACTIVITY
    whole = _movement_figures(version)
    # The recipients of committed allocations are the person's organizations among them (names) and the others.
    if whole["recipients"] - len(names) < minimum:
        return {"organizations": rows, "movement": None, "minimum": minimum, "rates": rates_in_view(mine)}
    shown, _other = suppress_small_cells([("movement", whole["reached"])], minimum=minimum)
    movement = _figures(whole["totals"], whole["spent"], whole["reached"])
    if not shown:
        # Too few people to show, and the spending per participant would give their number away.
        movement["participants"] = movement["cost_per_participant"] = None
    return {"organizations": rows, "movement": movement, "minimum": minimum, "rates": whole["rates"]}


def _movement_figures(version):
    """Every committed allocation's totals, spending, participants reached, recipients and rates used.

    The same for every reader, and a third of a second at movement scale (the participants
    reached by 20,000 allocations most of it): computed once per data version
    (resources.freshness, which sees every table they read) and kept in the cache.
    """
    committed = Allocation.objects.filter(status__in=COMMITTED)

    def figures():
        return {
            "recipients": committed.order_by().values("recipient_id").distinct().count(),
            "totals": committed.aggregate(**ALLOCATED_TOTALS),
            "spent": Expenditure.objects.filter(allocation__in=committed).aggregate(total=Sum("usd_amount"))["total"],
            "reached": reached_reports(committed).aggregate(total=Sum("participants"))["total"] or 0,
            "rates": rates_in_view(committed),
        }

    return cache.get_or_set(f"funding:movement:{version}", figures, MOVEMENT_SECONDS)


def funded_programs(allocation):
    """The allocation's programs with the totals of their activity reports in its period."""
    in_period = Q(sessions__is_cancelled=False) & within_site_days(
        "sessions__starts_at", allocation.starts_on, allocation.ends_on
    )
    return (
        Program.objects.filter(allocations=allocation)
        .annotate(
            participants=Coalesce(Sum("sessions__report__participants", filter=in_period), 0),
            learning_hours=Coalesce(
                Sum("sessions__report__hours_of_learning", filter=in_period),
                ZERO,
                output_field=DecimalField(max_digits=14, decimal_places=1),
            ),
            reports=Count("sessions__report", filter=in_period),
        )
        .order_by("slug")
    )


def counted_sessions(allocation):
    """The reported sessions behind funded_programs' totals, oldest first, with their reports, in one query."""
    return (
        Session.objects.filter(
            within_site_days("starts_at", allocation.starts_on, allocation.ends_on),
            program__allocations=allocation,
            is_cancelled=False,
            report__isnull=False,
        )
        .select_related("program__original_language", "report")
        .order_by("starts_at", "pk")
    )


def allocation_with_usage(allocation):
    """The same allocation, annotated with spent, spent_usd, time_used and overspent."""
    return with_usage(Allocation.objects.filter(pk=allocation.pk)).values(
        "spent", "spent_usd", "time_used", "overspent"
    )[0]


def allocation_expenditures(allocation):
    return (
        Expenditure.objects.filter(allocation=allocation)
        .select_related("recorded_by", "receipt")
        .defer("receipt__content")
        .order_by("-spent_on", "-pk")
    )


def status_timeline(allocation):
    """Each status the allocation reached, when and by whom, from its history rows (oldest first)."""
    rows = (
        Allocation.history.model.objects.filter(id=allocation.pk)
        .select_related("history_user")
        .only("status", "history_date", "history_user__username", "history_user__display_name")
        .order_by("history_date", "history_id")
    )
    timeline, previous = [], None
    for row in rows:
        if row.status != previous:
            timeline.append(
                {
                    "status": Allocation.Status(row.status).label,
                    "code": row.status,
                    "at": row.history_date,
                    "by": row.history_user.public_name if row.history_user else None,
                }
            )
            previous = row.status
    return timeline


def recipient_choices():
    """Organizations that can receive resources, for the recipient field's suggestions (slug and name only)."""
    return Organization.objects.exclude(kind=Organization.Kind.FUNDER).order_by("name").values_list("slug", "name")
