"""Reads of allocations with what was used of them, computed by the database."""

from decimal import Decimal

from django.db.models import (
    Case,
    DecimalField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from capacity.dates import site_date
from programs.models import ActivityReport, Session

from .models import Allocation

MONEY = DecimalField(max_digits=20, decimal_places=4)
USD = DecimalField(max_digits=20, decimal_places=2)


def _kept_spending(column, output):
    """A sum the database keeps for each allocation (resources.models.AllocationSpending), 0 with no spending."""
    return Coalesce(F(f"spending__{column}"), Value(Decimal(0)), output_field=output)


class SecondsAfter(Func):
    """Seconds from the second timestamp to the first, on PostgreSQL and on SQLite (the embedded default)."""

    arity = 2
    output_field = FloatField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="EXTRACT(EPOCH FROM (%(expressions)s))", arg_joiner=" - ")

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler, connection, template="ROUND((JULIANDAY(%(expressions)s)) * 86400)", arg_joiner=") - JULIANDAY("
        )


def facilitator_seconds():
    """Per activity report: facilitators × the session's length, in seconds."""
    return ExpressionWrapper(
        SecondsAfter(F("session__ends_at"), F("session__starts_at")) * F("facilitators"), output_field=FloatField()
    )


def funded_sessions(allocations):
    """Ids of the sessions, not cancelled, of programs the allocations fund, held within an allocation's period.

    The one rule behind "participants reached", "completed participations" and "hours used"
    on the dashboard and the recipients' pages: a session counts when an allocation funding
    its program runs on the session's day, and once however many allocations fund it.
    Uncorrelated, so PostgreSQL reads it once (a semi-join), not once per row.
    """
    return funded_session_rows(allocations).values("pk")


def funded_session_rows(allocations):
    """The sessions of funded_sessions, joined once to the allocation that funds each (a row per pair).

    A values() over "program__allocations__…" reads the very allocation the rule matched.
    """
    day = site_date("starts_at")
    # One filter() call: the three conditions hold for the same allocation.
    return Session.objects.filter(
        program__allocations__in=allocations.order_by().values("pk"),
        program__allocations__starts_on__lte=day,
        program__allocations__ends_on__gte=day,
        is_cancelled=False,
    ).order_by()


def reached_reports(allocations):
    """The activity reports of the sessions the allocations fund, each session once."""
    return ActivityReport.objects.filter(session__in=funded_sessions(allocations)).order_by()


def seconds_used(allocations):
    """People's time used at the sessions the allocations fund: facilitators × session length, each session once."""
    return reached_reports(allocations).aggregate(seconds=Sum(facilitator_seconds()))["seconds"]


def _time_used():
    """People's time given in the allocation's programs: facilitators × session length of the
    reported sessions that started within the allocation's period."""
    reports = (
        ActivityReport.objects.annotate(day=site_date("session__starts_at"))
        .filter(
            session__program__allocations=OuterRef("pk"),
            day__gte=OuterRef("starts_on"),
            day__lte=OuterRef("ends_on"),
            session__is_cancelled=False,
        )
        .order_by()
        .annotate(group=Value(1))
        .values("group")
        .annotate(total=Sum(facilitator_seconds()))
        .values("total")
    )
    return Subquery(reports, output_field=FloatField())


def with_usage(allocations):
    """Annotate spent (in the allocation's currency), spent_usd, time_used (seconds, or None) and overspent."""
    return allocations.annotate(
        spent=_kept_spending("spent", MONEY),
        spent_usd=_kept_spending("spent_usd", USD),
        time_used=_time_used(),
    ).annotate(
        overspent=Case(
            When(Q(kind=Allocation.Kind.MONEY) & Q(spent__gt=F("amount")), then=Value(True)),
            default=Value(False),
        )
    )


def hours(seconds) -> Decimal | None:
    """Seconds (as the database adds them up) as hours, to two decimals."""
    if seconds is None:
        return None
    return (Decimal(round(seconds)) / Decimal(3600)).quantize(Decimal("0.01"))
