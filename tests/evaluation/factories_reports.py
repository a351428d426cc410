"""Report rows and builds made by hand, as the Celery build would write them, for the report pages' tests."""

from decimal import Decimal

import factory
from django.utils import timezone

from evaluation.models import Indicator, ReportBuild, ReportRow


class ReportRowFactory(factory.django.DjangoModelFactory):
    """A published movement total of 2026 by default; pass shown=False for a hidden one."""

    class Meta:
        model = ReportRow

    scope = "movement"
    scope_key = ""
    period = "2026"
    indicator = None
    breakdown = ""
    breakdown_key = ""
    n = 20
    measurements = 4
    total = Decimal("0")
    shown = True
    value = None
    low = None
    high = None
    built_at = factory.LazyFunction(timezone.now)


class ReportBuildFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReportBuild

    status = ReportBuild.Status.DONE


def figure(code, value=None, *, low=None, high=None, shown=True, **fields):
    """A row of the indicator `code` (None for a coverage row); hidden rows keep their raw sums, never a value."""
    indicator = Indicator.objects.get(code=code) if code else None
    if not shown:
        value = low = high = None
    return ReportRowFactory(
        indicator=indicator,
        shown=shown,
        value=None if value is None else Decimal(str(value)),
        low=None if low is None else Decimal(str(low)),
        high=None if high is None else Decimal(str(high)),
        **fields,
    )


def hidden(code, *, n=3, total="777.77", **fields):
    """A suppressed row with a small n and distinctive sums: none of them may show anywhere."""
    return figure(
        code,
        shown=False,
        n=n,
        total=Decimal(total),
        total_squares=Decimal("4242.42"),
        numerator=Decimal("555.55"),
        denominator=Decimal("888.88"),
        **fields,
    )
