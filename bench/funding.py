"""Generated data for the funder dashboard: one funder's allocations over a thousand recipients.

fill_funding gives the `bench-funder` organization twenty funds and `allocations`
allocations to the catalog's thousand organizations (bench/fill.py), over three years,
in fifteen currencies with monthly rates (and one currency without rates, so some
allocations wait for one), in every status and kind, each with one to three capacities
and one or two methods. Two in five money allocations that took spending have one to
three expenditures, one in twenty beyond its amount. One in five allocations funds
programs of its recipient, whose started sessions get an activity report and completed
enrollments. Rows are written in batches with bulk_create and their USD values computed
here with the rates in force, as resources.services would store them (no audit rows:
the dashboard does not read them). Done once per database, from a fixed random seed.
"""

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

from django.db import connection, transaction
from django.utils import timezone

FUNDER_SLUG = "bench-funder"
FUNDER_USERNAME = "bench-funder-staff"
CURRENCIES = {
    "EUR": "1.08",
    "GBP": "1.27",
    "CHF": "1.12",
    "CAD": "0.74",
    "KRW": "0.00075",
    "INR": "0.012",
    "BRL": "0.20",
    "NGN": "0.00066",
    "KES": "0.0077",
    "EGP": "0.021",
    "JOD": "1.41",
    "UAH": "0.025",
    "PEN": "0.27",
    "MAD": "0.10",
    "USD": None,
}
WITHOUT_RATES = "XOF"
CENT = Decimal("0.01")
BATCH = 5000


@dataclass
class FundingSite:
    funder_user_id: int
    sizes: dict

    def describe(self):
        sizes = self.sizes
        return (
            f"{sizes['allocations']:,} allocations of one funder to {sizes['recipients']:,} recipients, "
            f"{sizes['expenditures']:,} expenditures, {sizes['rates']:,} rates, {sizes['reports']:,} reports reached"
        )


def fill_funding(*, allocations):
    from stakeholders.models import Organization

    if not Organization.objects.filter(slug=FUNDER_SLUG).exists():
        with transaction.atomic():
            _fill(allocations)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    return funding_site()


def funding_site():
    from stakeholders.models import Organization, User

    funder = User.objects.get(username=FUNDER_USERNAME)
    return FundingSite(funder.pk, sizes(Organization.objects.get(slug=FUNDER_SLUG)))


def sizes(funder):
    """How many rows the funder's dashboard reads from, for the report."""
    from programs.models import ActivityReport
    from resources.models import Allocation, ExchangeRate, Expenditure

    mine = Allocation.objects.filter(fund__funder=funder)
    return {
        "allocations": mine.count(),
        "recipients": mine.values("recipient").distinct().count(),
        "expenditures": Expenditure.objects.filter(allocation__fund__funder=funder).count(),
        "rates": ExchangeRate.objects.count(),
        "reports": ActivityReport.objects.filter(session__program__allocations__fund__funder=funder).distinct().count(),
    }


def _months(first, count):
    year, month = first.year, first.month
    for _ in range(count):
        yield date(year, month, 1)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _fill(count):
    from django.contrib.auth.hashers import make_password

    from capacity.models import CapacityCategory
    from programs.models import ActivityReport, Enrollment, Program, Session
    from resources.models import Allocation, AllocationMethod, ExchangeRate, Expenditure, Fund
    from stakeholders.models import Membership, Organization, User

    rng = random.Random(9)  # noqa: S311 - generated test data
    today = timezone.localdate()
    first_month = date(today.year - 3, today.month, 1)
    months = list(_months(first_month, 37))

    # Monthly rates drifting a little around each currency's level.
    rates = {}
    new_rates = []
    for code, level in CURRENCIES.items():
        if level is None:
            continue
        value = Decimal(level)
        for month in months:
            value = (value * Decimal(str(rng.uniform(0.98, 1.02)))).quantize(Decimal("0.0000000001"))
            new_rates.append(ExchangeRate(currency_id=code, month=month, usd_per_unit=value))
    ExchangeRate.objects.bulk_create(new_rates, ignore_conflicts=True)
    for rate in ExchangeRate.objects.filter(currency_id__in=list(CURRENCIES)):
        rates[(rate.currency_id, rate.month)] = rate

    def in_usd(value, code, day):
        if value is None or code is None:
            return None, None
        if code == "USD":
            return value.quantize(CENT, rounding=ROUND_HALF_EVEN), None
        rate = rates.get((code, day.replace(day=1)))
        if rate is None:
            return None, None
        return (value * rate.usd_per_unit).quantize(CENT, rounding=ROUND_HALF_EVEN), rate

    funder = Organization.objects.create(
        slug=FUNDER_SLUG, name="Bench funder", name_en="Bench funder", kind="funder", region_id=_any_region()
    )
    person = User.objects.create(
        username=FUNDER_USERNAME, email=f"{FUNDER_USERNAME}@example.org", password=make_password(None)
    )
    Membership.objects.create(user=person, organization=funder, role=Membership.Role.STAFF)
    funds = Fund.objects.bulk_create(
        [
            Fund(
                funder=funder,
                name=f"Bench fund {n}",
                starts_on=months[0],
                ends_on=months[-1] + timedelta(days=400),
                currency_id="USD",
            )
            for n in range(20)
        ]
    )
    recipients = list(Organization.objects.filter(slug__startswith="bench-org-").values_list("pk", flat=True))
    programs_of = {}
    for program_id, provider_id in Program.objects.filter(provider_id__in=recipients).values_list("pk", "provider_id"):
        programs_of.setdefault(provider_id, []).append(program_id)
    categories = list(CapacityCategory.objects.values_list("pk", flat=True))
    methods = Program.Method.values
    codes = [*CURRENCIES, WITHOUT_RATES]
    weights = [10, 5, 2, 2, 3, 4, 3, 3, 3, 2, 1, 2, 2, 2, 20, 1]
    statuses = ["proposed", "approved", "disbursed", "closed", "declined"]
    status_weights = [15, 25, 30, 20, 10]

    for start in range(0, count, BATCH):
        rows, links = [], []
        for _n in range(start, min(start + BATCH, count)):
            recipient = rng.choice(recipients)
            kind = rng.choices(["money", "in_kind", "time"], weights=[70, 15, 15])[0]
            code = rng.choices(codes, weights=weights)[0]
            funded = programs_of.get(recipient) if rng.random() < 0.2 else None
            if funded:
                starts_on = today - timedelta(days=rng.randint(60, 120))
                ends_on = today + timedelta(days=200)
            else:
                starts_on = rng.choice(months) + timedelta(days=rng.randint(0, 27))
                ends_on = starts_on + timedelta(days=rng.randint(30, 365))
            allocation = Allocation(
                fund=rng.choice(funds),
                recipient_id=recipient,
                kind=kind,
                starts_on=starts_on,
                ends_on=ends_on,
                status=rng.choices(statuses, weights=status_weights)[0],
            )
            places = 0 if code in ("KRW", "XOF") else 2
            if kind == "time":
                allocation.hours = Decimal(rng.randint(4, 400))
                if rng.random() < 0.5:
                    allocation.currency_id = code
                    allocation.value_per_hour = Decimal(rng.randint(10, 80)) * (1 if places == 2 else 1000)
                value = allocation.hours * allocation.value_per_hour if allocation.value_per_hour else None
            else:
                allocation.currency_id = code
                allocation.amount = Decimal(rng.randint(500, 80000)) * (1 if places == 2 else 1000)
                if kind == "in_kind":
                    allocation.description = "Laptops and a projector"
                value = allocation.amount
            allocation.usd_amount, allocation.usd_rate = in_usd(value, allocation.currency_id, starts_on)
            rows.append(allocation)
            links.append(funded)
        Allocation.objects.bulk_create(rows, batch_size=BATCH)
        Allocation.categories.through.objects.bulk_create(
            [
                Allocation.categories.through(allocation_id=allocation.pk, capacitycategory_id=category)
                for allocation in rows
                for category in rng.sample(categories, rng.randint(1, 3))
            ],
            batch_size=BATCH,
        )
        AllocationMethod.objects.bulk_create(
            [
                AllocationMethod(allocation=allocation, method=method)
                for allocation in rows
                for method in rng.sample(methods, rng.randint(1, 2))
            ],
            batch_size=BATCH,
        )
        Allocation.programs.through.objects.bulk_create(
            [
                Allocation.programs.through(allocation_id=allocation.pk, program_id=program_id)
                for allocation, funded in zip(rows, links, strict=True)
                if funded
                for program_id in funded[:2]
            ],
            batch_size=BATCH,
            ignore_conflicts=True,
        )
        spending = []
        for allocation in rows:
            if allocation.kind != "money" or allocation.status not in ("approved", "disbursed", "closed"):
                continue
            if rng.random() >= 0.4:
                continue
            places = 0 if allocation.currency_id in ("KRW", "XOF") else 2
            parts = rng.randint(1, 3)
            share = Decimal(str(rng.uniform(1.05, 1.4) if rng.random() < 0.05 else rng.uniform(0.1, 0.9)))
            for _part in range(parts):
                amount = (allocation.amount * share / parts).quantize(Decimal(1) if places == 0 else CENT)
                if amount <= 0:
                    continue
                spent_on = min(allocation.starts_on + timedelta(days=rng.randint(0, 200)), today)
                usd, rate = in_usd(amount, allocation.currency_id, spent_on)
                spending.append(
                    Expenditure(
                        allocation=allocation,
                        spent_on=spent_on,
                        amount=amount,
                        currency_id=allocation.currency_id,
                        category="venue",
                        usd_amount=usd,
                        usd_rate=rate,
                    )
                )
        Expenditure.objects.bulk_create(spending, batch_size=BATCH)

    # Reports and completions at the started sessions of the funded programs.
    now = timezone.now()
    sessions = list(
        Session.objects.filter(
            program__allocations__fund__funder=funder, starts_at__lt=now, is_cancelled=False, report__isnull=True
        )
        .distinct()
        .values_list("pk", flat=True)
    )
    ActivityReport.objects.bulk_create(
        [
            ActivityReport(session_id=session, participants=rng.randint(5, 40), facilitators=rng.randint(1, 3))
            for session in sessions
        ],
        batch_size=BATCH,
    )
    Enrollment.objects.bulk_create(
        [
            Enrollment(session_id=session, user=None, status=Enrollment.Status.COMPLETED, completed_at=now)
            for session in sessions
            for _ in range(rng.randint(0, 6))
        ],
        batch_size=BATCH,
    )


def _any_region():
    from capacity.models import Region

    return Region.objects.order_by("pk").values_list("pk", flat=True).first()
