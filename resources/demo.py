"""Demo funding: exchange rates, the two demo funders' funds, their allocations and the spending.

Rates: two years of monthly rates for the currencies the demo's funders and affiliates
use, approximate 2025–2026 values moving a little each month, so dashboards built on
them look like real ones. Setting a rate that is already there changes nothing.

Funds and allocations go through the services, as the funders' staff would make them
(so every allocation has its US dollar value and its history): allocations in every
region, in every status, of every kind, with purposes and methods, for the recipients'
own programs; spending with receipts, one of them beyond its allocation with the
reason; and people's time for programs whose sessions have activity reports, so the
hours used show. A fund that already exists is left as it is: loading twice adds nothing.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from capacity.models import CapacityCategory
from programs.models import ActivityReport, Program
from stakeholders.access import MANAGING_ROLES
from stakeholders.models import Membership, Organization, User

from . import services
from .models import Allocation, ExchangeRate, Expenditure, Fund

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
    rates = _load_rates()
    funds, allocations = _load_funds()
    if not (funds or allocations):
        return rates
    return f"{rates}, {funds} new funds, {allocations} new allocations"


def _load_rates():
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


# Each fund: its funder, the staff member who manages it, its currency, and its period
# in days from today.
FUNDS = {
    "community": ("open-knowledge-movement-fund", "gabrielle_tremblay", "Community Capacity Fund", "USD", -540, 365),
    "partnerships": (
        "open-knowledge-movement-fund",
        "gabrielle_tremblay",
        "Learning Partnerships Fund",
        "EUR",
        -450,
        300,
    ),
    "skills": ("mashreq-maghreb-community-fund", "nourhan_elsayed", "Mashreq–Maghreb Skills Fund", "CHF", -480, 270),
}

S = Allocation.Status
K = Allocation.Kind
# How each status is reached from "proposed".
PATHS = {
    S.PROPOSED: [],
    S.APPROVED: [S.APPROVED],
    S.DISBURSED: [S.APPROVED, S.DISBURSED],
    S.CLOSED: [S.APPROVED, S.DISBURSED, S.CLOSED],
    S.DECLINED: [S.DECLINED],
}
R = Expenditure.Category

# (fund, recipient, kind, amount, status, start and end in days from today, categories,
#  methods, extra). Extra: "spending" [(days ago, category, amount, note, overspend reason)],
#  "description" (in-kind), "hours" and "value_per_hour" (time).
ALLOCATIONS = [
    (
        "community",
        "wikimedians-of-lagos",
        K.MONEY,
        "12000",
        S.DISBURSED,
        -200,
        160,
        ["event-organizing", "newcomer-onboarding"],
        ["workshop"],
        {
            "spending": [
                (150, R.VENUE, "3000", "Venue for the Yoruba edit-a-thon weekend", ""),
                (100, R.FOOD, "1200", "Lunch for 60 participants", ""),
            ]
        },
    ),
    (
        "partnerships",
        "wikimedia-francilienne",
        K.MONEY,
        "8000",
        S.CLOSED,
        -420,
        -60,
        ["public-speaking", "training-design"],
        ["workshop", "conference_session"],
        {
            "spending": [
                (300, R.TRAVEL, "5000", "Trainers' travel to five regional workshops", ""),
                (
                    150,
                    R.MATERIALS,
                    "3600",
                    "Printed handbooks",
                    "The handbook was reprinted after the Wikisource conference doubled attendance.",
                ),
            ]
        },
    ),
    (
        "skills",
        "cedar-olive-wikimedians",
        K.MONEY,
        "6000",
        S.APPROVED,
        -30,
        300,
        ["copyright-free-licensing", "glam-partnerships"],
        ["workshop", "technical_assistance"],
        {"spending": [(10, R.EQUIPMENT, "900", "Scanner for the museum partnership", "")]},
    ),
    (
        "skills",
        "yamuna-wikimedians",
        K.IN_KIND,
        "2500",
        S.DISBURSED,
        -120,
        200,
        ["online-learning", "board-practices"],
        ["online_course"],
        {"description": "Two laptops and a projector for the Hindi Wikipedia bootcamp."},
    ),
    (
        "community",
        "korean-wikidata-lab",
        K.TIME,
        None,
        S.APPROVED,
        -400,
        120,
        ["wikidata", "train-the-trainer"],
        ["online_course", "peer_consultation"],
        {"hours": "60", "value_per_hour": "45"},
    ),
    (
        "partnerships",
        "wikimedia-dnipro-valley",
        K.MONEY,
        "15000",
        S.CLOSED,
        -360,
        -30,
        ["conflict-resolution-safe-spaces", "team-leadership"],
        ["workshop", "conference_session"],
        {
            "spending": [
                (300, R.FEES, "6000", "Facilitators' fees", ""),
                (200, R.CONNECTIVITY, "2400", "Mobile internet for online sessions", ""),
            ]
        },
    ),
    (
        "community",
        "wikimedistas-paulistas",
        K.MONEY,
        "9000",
        S.PROPOSED,
        30,
        300,
        ["revenue-diversification", "donor-relations"],
        ["conference_session"],
        {},
    ),
    (
        "skills",
        "wikimedia-great-lakes",
        K.MONEY,
        "4000",
        S.CLOSED,
        -330,
        -90,
        ["translation-multilingual", "mediawiki"],
        ["infrastructure_support"],
        {"spending": [(250, R.SERVICES, "3900", "Hosting for the shared translation wiki", "")]},
    ),
    (
        "partnerships",
        "open-heritage-collective-berlin",
        K.IN_KIND,
        "1500",
        S.APPROVED,
        -60,
        120,
        ["glam-partnerships", "wikimedia-commons"],
        ["technical_assistance"],
        {"description": "A book scanner on loan for a museum digitization sprint."},
    ),
    (
        "community",
        "nile-valley-wikimedians",
        K.MONEY,
        "5000",
        S.DISBURSED,
        -90,
        270,
        ["wikipedia", "online-learning"],
        ["online_course", "mentoring"],
        {"spending": [(45, R.CONNECTIVITY, "700", "Data bundles for online learners", "")]},
    ),
    (
        "community",
        "archipelago-capacity-hub",
        K.MONEY,
        "20000",
        S.DISBURSED,
        -250,
        110,
        ["mentoring", "train-the-trainer"],
        ["mentoring"],
        {
            "spending": [
                (200, R.FEES, "4000", "Mentors' stipends, first half", ""),
                (60, R.TRAVEL, "2500", "Mentor visits to Sulawesi and Flores", ""),
            ]
        },
    ),
    (
        "skills",
        "swahili-open-knowledge",
        K.TIME,
        None,
        S.APPROVED,
        -20,
        150,
        ["volunteer-recruitment-retention"],
        ["peer_consultation"],
        {"hours": "30"},
    ),
    (
        "partnerships",
        "south-caucasus-wiki-collective",
        K.MONEY,
        "3000",
        S.DECLINED,
        15,
        200,
        ["mediawiki", "technical-support"],
        ["infrastructure_support"],
        {},
    ),
    (
        "community",
        "red-andina-conocimiento-libre",
        K.MONEY,
        "7000",
        S.APPROVED,
        -15,
        350,
        ["content-gaps", "translation-multilingual"],
        ["online_course", "self_paced"],
        {},
    ),
    (
        "skills",
        "padma-wiki-circle",
        K.MONEY,
        "5000",
        S.CLOSED,
        -300,
        -20,
        ["wikisource", "social-media-outreach"],
        ["technical_assistance", "self_paced"],
        {"spending": [(200, R.EQUIPMENT, "2200", "Laptops for proofreaders", "")]},
    ),
    ("skills", "busan-wikimedians", K.MONEY, "3500", S.PROPOSED, 20, 220, ["event-organizing"], ["workshop"], {}),
    (
        "partnerships",
        "wiki-learning-hub-africa",
        K.MONEY,
        "10000",
        S.APPROVED,
        -10,
        330,
        ["grant-writing", "grant-budgeting"],
        ["mentoring", "infrastructure_support"],
        {},
    ),
    (
        "partnerships",
        "wikimedistas-valle-de-mexico",
        K.MONEY,
        "4500",
        S.DECLINED,
        -40,
        200,
        ["writing-storytelling"],
        ["workshop"],
        {},
    ),
]


def demo_receipt(note):
    """A small, well-formed one-page PDF, as a scanned receipt would be."""
    text = note.encode("ascii", "replace")[:60].replace(b"(", b"[").replace(b")", b"]")
    stream = b"BT /F1 12 Tf 20 100 Td (Receipt: " + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 420 200] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    pdf = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(pdf)
    pdf += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    pdf += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    pdf += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return pdf


def _spender(recipient, steward):
    """Who records the recipient's spending: one of its staff or administrators, else the steward."""
    membership = (
        Membership.objects.filter(organization=recipient, role__in=MANAGING_ROLES)
        .select_related("user")
        .order_by("user__username")
        .first()
    )
    return membership.user if membership else steward


def _programs_for(recipient, kind):
    """The recipient's programs; for time, those whose sessions have activity reports first."""
    programs = Program.objects.filter(provider=recipient).order_by("slug")
    if kind == K.TIME:
        reported = programs.filter(
            pk__in=ActivityReport.objects.filter(session__program__provider=recipient).values("session__program")
        )
        if reported.exists():
            return list(reported[:3])
    return list(programs[:2])


def _load_funds():
    today = timezone.localdate()
    steward = User.objects.filter(username="steward").first()
    organizations = {
        org.slug: org
        for org in Organization.objects.filter(
            slug__in={spec[0] for spec in FUNDS.values()} | {spec[1] for spec in ALLOCATIONS}
        )
    }
    categories = {category.slug: category for category in CapacityCategory.objects.all()}
    new_funds, new_allocations = {}, 0
    for key, (funder_slug, manager_name, name, currency, start, end) in FUNDS.items():
        funder = organizations.get(funder_slug)
        if funder is None or Fund.objects.filter(funder=funder, name=name).exists():
            continue
        manager = User.objects.filter(username=manager_name).first() or steward
        new_funds[key] = (
            services.fund_save(
                fund=Fund(
                    funder=funder,
                    name=name,
                    currency_id=currency,
                    starts_on=today + timedelta(days=start),
                    ends_on=today + timedelta(days=end),
                ),
                by=manager,
            ),
            manager,
        )
    for fund_key, recipient_slug, kind, amount, status, start, end, category_slugs, methods, extra in ALLOCATIONS:
        if fund_key not in new_funds or recipient_slug not in organizations:
            continue
        fund, manager = new_funds[fund_key]
        recipient = organizations[recipient_slug]
        allocation = services.allocation_save(
            allocation=Allocation(
                fund=fund,
                recipient=recipient,
                kind=kind,
                amount=Decimal(amount) if amount else None,
                currency_id=fund.currency_id if (amount or extra.get("value_per_hour")) else None,
                hours=Decimal(extra["hours"]) if "hours" in extra else None,
                value_per_hour=Decimal(extra["value_per_hour"]) if "value_per_hour" in extra else None,
                description=extra.get("description", ""),
                starts_on=today + timedelta(days=start),
                ends_on=today + timedelta(days=end),
            ),
            categories=[categories[slug] for slug in category_slugs if slug in categories],
            programs=_programs_for(recipient, kind),
            methods=methods,
            by=manager,
        )
        new_allocations += 1
        steps = PATHS[status]
        # Spending is recorded while the allocation is approved or disbursed, before it closes.
        for step in steps:
            if step == S.CLOSED:
                break
            services.allocation_move(allocation=allocation, to_status=step, by=manager)
        spender = _spender(recipient, steward)
        for days_ago, category, spent, note, reason in extra.get("spending", []):
            services.expenditure_save(
                expenditure=Expenditure(
                    allocation=allocation,
                    spent_on=today - timedelta(days=days_ago),
                    amount=Decimal(spent),
                    category=category,
                    note=note,
                    overspend_reason=reason,
                ),
                receipt=services.receipt_check(filename=f"receipt-{category}.pdf", content=demo_receipt(note)),
                by=spender,
            )
        if S.CLOSED in steps:
            services.allocation_move(allocation=allocation, to_status=S.CLOSED, by=manager)
    return len(new_funds), new_allocations
