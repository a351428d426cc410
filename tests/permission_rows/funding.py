"""Permission-matrix rows for the funding workflow pages (funds, allocations, spending, receipts).

The scenario's `funder` is staff of the funder whose fund gives the scenario's
organization two allocations: one approved (with an expenditure and its receipt) and
one still proposed. An allocation is read by its recipient's people (any role), its
funder's staff and stewards; whoever else asks finds nothing (404). Those who read it
but may not act on it are refused (403). Empty forms come back with their errors (200).
"""

from decimal import Decimal

from django.utils import timezone

from resources import services
from resources.models import Allocation, Expenditure, Fund
from tests.permission_rows import Row, get, only, post, signed_in

FUNDERS = {"funder", "steward"}
READERS = {"member", "staff", "admin", "funder", "steward"}
RECORDERS = {"staff", "admin", "steward"}  # the recipient's staff and admins record its spending
PDF = b"%PDF-1.4\n%%EOF\n"


def build(scenario):
    """Add this area's objects to the shared scenario (a SimpleNamespace)."""
    funder = scenario.people["funder"]
    today = timezone.localdate()
    fund = Fund(
        funder=funder.memberships.get().organization,
        name="Skills fund",
        currency_id="EUR",
        starts_on=today.replace(month=1, day=1),
        ends_on=today.replace(month=12, day=31),
    )
    services.fund_save(fund=fund, by=funder)

    def allocation():
        return services.allocation_save(
            allocation=Allocation(
                fund=fund,
                recipient=scenario.organization,
                amount=Decimal("1000.00"),
                currency_id="EUR",
                starts_on=fund.starts_on,
                ends_on=fund.ends_on,
            ),
            by=funder,
        )

    scenario.fund = fund
    scenario.proposed_allocation = allocation()
    scenario.approved_allocation = services.allocation_move(allocation=allocation(), to_status="approved", by=funder)
    scenario.expenditure = services.expenditure_save(
        expenditure=Expenditure(
            allocation=scenario.approved_allocation, spent_on=today, amount=Decimal("10.00"), category="venue"
        ),
        receipt=services.receipt_check(filename="receipt.pdf", content=PDF),
        by=scenario.people["staff"],
    )


def fund(s):
    return {"fund_id": s.fund.pk}


def approved(s):
    return {"allocation_id": s.approved_allocation.pk}


def proposed(s):
    return {"allocation_id": s.proposed_allocation.pk}


def expenditure(s):
    return {"expenditure_id": s.expenditure.pk}


def empty(s):
    return {}


def page_and_form(outcomes):
    return {**get(outcomes), **post(outcomes, data=empty)}


ROWS = {
    # Who manages no funder is told so (403); a funder's staff see their own funds.
    "funding:funds": Row(methods=get(only(FUNDERS, others="forbidden"))),
    "funding:fund_new": Row(methods=page_and_form(only(FUNDERS, others="forbidden"))),
    # Another organization's fund is not found, whoever asks.
    "funding:fund": Row(kwargs=fund, methods=get(only(FUNDERS, others="not_found"))),
    "funding:fund_edit": Row(kwargs=fund, methods=page_and_form(only(FUNDERS, others="not_found"))),
    "funding:allocate": Row(kwargs=fund, methods=page_and_form(only(FUNDERS, others="not_found"))),
    "funding:allocation": Row(kwargs=approved, methods=get(only(READERS, others="not_found"))),
    # The recipient reads the allocation but changes nothing of it: refused, not hidden.
    "funding:allocation_edit": Row(
        kwargs=proposed,
        methods=page_and_form(
            only(FUNDERS, others="not_found", member="forbidden", staff="forbidden", admin="forbidden")
        ),
    ),
    "funding:allocation_move": Row(
        kwargs=approved,
        methods=post(
            only(FUNDERS, others="not_found", member="forbidden", staff="forbidden", admin="forbidden"),
            data=lambda s: {"to_status": "disbursed"},
        ),
    ),
    # Everyone signed in has a list, empty for who belongs to no recipient.
    "funding:received": Row(methods=get(signed_in("ok"))),
    # The funder's staff and plain members read the spending but do not record it.
    "funding:expenditure_new": Row(
        kwargs=approved,
        methods=page_and_form(only(RECORDERS, others="not_found", member="forbidden", funder="forbidden")),
    ),
    "funding:expenditure_edit": Row(
        kwargs=expenditure,
        methods=page_and_form(only(RECORDERS, others="not_found", member="forbidden", funder="forbidden")),
    ),
    # GET asks for confirmation; POST removes it (rolled back after each persona).
    "funding:expenditure_delete": Row(
        kwargs=expenditure,
        methods={
            **get(only(RECORDERS, others="not_found", member="forbidden", funder="forbidden")),
            **post(only(RECORDERS, others="not_found", member="forbidden", funder="forbidden")),
        },
    ),
    "funding:receipt": Row(kwargs=expenditure, methods=get(only(READERS, others="not_found"))),
}
