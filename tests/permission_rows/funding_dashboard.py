"""Permission-matrix rows for the funder dashboard, and the fund and allocation they read.

The scenario's `funder` is staff of a funder organization with one fund and one
approved allocation; the funder's staff and admins, and stewards, read its figures.
Everyone else, signed in or not, is sent to the open figures (a redirect, not the login
page). Another funder's staff seeing none of these figures is tested in
tests/resources/test_dashboard.py.
"""

from datetime import date
from decimal import Decimal

from resources.models import Allocation
from stakeholders.models import Membership
from tests.factories import AllocationFactory, FundFactory
from tests.permission_rows import Row, get, only

READERS = {"funder", "steward"}


def build(scenario):
    """Add this area's objects to the shared scenario (a SimpleNamespace)."""
    funder_organization = Membership.objects.get(user=scenario.people["funder"]).organization
    fund = FundFactory(funder=funder_organization, starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31))
    scenario.dashboard_allocation = AllocationFactory(
        fund=fund,
        recipient=scenario.organization,
        status=Allocation.Status.APPROVED,
        amount=Decimal("1000.00"),
        currency_id="USD",
        usd_amount=Decimal("1000.00"),
    )


ROWS = {
    "funding:dashboard": Row(methods=get(only(READERS, others="redirect", anonymous="redirect"))),
    "funding:allocations": Row(methods=get(only(READERS, others="redirect", anonymous="redirect"))),
    "funding:dashboard_csv": Row(
        kwargs=lambda s: {"name": "regions"}, methods=get(only(READERS, others="redirect", anonymous="redirect"))
    ),
}
