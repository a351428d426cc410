"""Report rows and builds made by hand, as the Celery build would write them, for the report pages' tests."""

from decimal import Decimal

import factory
from django.utils import timezone

from evaluation.models import Indicator, ReportBuild, ReportBuilt, ReportRow


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

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        """The row, and its report on the list of those built (ReportBuilt), as the build keeps it."""
        row = super()._create(model_class, *args, **kwargs)
        entry, created = ReportBuilt.objects.get_or_create(
            year=int(row.period[:4]), scope=row.scope, scope_key=row.scope_key, defaults={"built_at": row.built_at}
        )
        if not created and entry.built_at < row.built_at:
            entry.built_at = row.built_at
            entry.save(update_fields=["built_at"])
        return row


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


def movement_report(*, built_at):
    """A movement report for 2025 and 2026 with every section, and hidden rows planted in each.

    The hidden rows carry n=3 and the sums 777.77, 4242.42, 555.55 and 888.88, which must
    never appear on a page or in a download.
    """
    from capacity.models import CapacityCategory, Region

    emerging = Region.objects.filter(is_emerging=True).order_by("position", "slug").first()
    established = Region.objects.filter(is_emerging=False).order_by("position", "slug").first()
    category = CapacityCategory.objects.order_by("position", "slug").first()
    at = {"built_at": built_at}
    figure("participants", 1234, n=1234, measurements=40, **at)
    figure("hours_of_learning", "5612.5", n=1234, measurements=40, **at)
    figure("capacity_gain", "0.85", low="0.6", high="1.1", n=40, measurements=40, **at)
    figure("satisfaction", "4.2", low="4.01", high="4.39", n=60, measurements=60, **at)
    figure("retention_12m", "0.42", low="0.30", high="0.55", n=50, measurements=50, **at)
    figure("cost_per_participant", "50", n=1234, measurements=6, **at)
    hidden("newcomers", **at)
    # Breakdowns: region, emerging vs established, gender.
    figure("participants", 800, n=800, breakdown="region", breakdown_key=established.slug, **at)
    hidden("participants", breakdown="region", breakdown_key=emerging.slug, **at)
    figure("participants", 400, n=400, breakdown="emerging", breakdown_key="emerging", **at)
    figure("participants", 834, n=834, breakdown="emerging", breakdown_key="established", **at)
    figure("participants", 600, n=600, breakdown="gender", breakdown_key="woman", **at)
    hidden("participants", breakdown="gender", breakdown_key="not_asked", **at)
    # Trends: the other year and the quarters.
    figure("participants", 900, n=900, period="2025", **at)
    figure("participants", 500, n=500, period="2026-Q1", **at)
    figure("participants", 734, n=734, period="2026-Q2", **at)
    hidden("participants", period="2026-Q3", **at)
    # Coverage.
    figure(None, "0.6", low="0.4", high="0.76", n=20, breakdown="coverage", breakdown_key="post", **at)
    figure(None, "0.3", n=20, breakdown="coverage", breakdown_key="follow_up_3", **at)
    hidden(None, breakdown="coverage", breakdown_key="follow_up_12", **at)
    # What works: by method (with cost) and by capacity.
    figure("capacity_gain", "0.9", low="0.5", high="1.3", n=30, breakdown="method", breakdown_key="workshop", **at)
    figure("cost_per_participant", "60", n=120, breakdown="method", breakdown_key="workshop", **at)
    figure("retention_3m", "0.5", low="0.4", high="0.6", n=90, breakdown="method", breakdown_key="workshop", **at)
    hidden("capacity_gain", breakdown="method", breakdown_key="mentoring", **at)
    figure("cost_per_participant", "200", n=12, breakdown="method", breakdown_key="mentoring", **at)
    figure("capacity_gain", "0.7", low="0.2", high="1.2", n=15, breakdown="category", breakdown_key=category.slug, **at)
    return {"emerging": emerging, "established": established, "category": category}
