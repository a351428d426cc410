"""One door per kind of object in this app: return it if the person may act on it, else 404."""

from django.http import Http404

from stakeholders.access import MANAGING_ROLES, organization_role

from .models import Allocation, Fund


def can_manage_fund(user, fund):
    """Stewards, and the staff and admins of the fund's funder, create and move its allocations."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or organization_role(user, fund.funder) in MANAGING_ROLES


def can_report_spending(user, allocation) -> bool:
    """The recipient's staff and admins, and stewards, record what was spent."""
    if not user or not user.is_authenticated:
        return False
    return user.is_superuser or organization_role(user, allocation.recipient) in MANAGING_ROLES


def _allocation(allocation_id):
    allocation = (
        Allocation.objects.select_related("fund__funder", "fund__currency", "recipient", "currency")
        .filter(pk=allocation_id)
        .first()
    )
    if allocation is None:
        raise Http404
    return allocation


def get_allocation_for_funder(user, allocation_id):
    """An allocation of a fund the person manages (or any, for stewards); anyone else finds nothing."""
    try:
        allocation_id = int(allocation_id)
    except (TypeError, ValueError):
        raise Http404 from None
    allocation = _allocation(allocation_id)
    if not can_manage_fund(user, allocation.fund):
        raise Http404
    return allocation


def get_allocation_for_recipient(user, allocation_id):
    """An allocation to an organization the person belongs to (or any, for stewards); others find nothing."""
    try:
        allocation_id = int(allocation_id)
    except (TypeError, ValueError):
        raise Http404 from None
    allocation = _allocation(allocation_id)
    if not user.is_authenticated:
        raise Http404
    if not (user.is_superuser or organization_role(user, allocation.recipient) is not None):
        raise Http404
    return allocation


def get_fund_for_manager(user, fund_id):
    """A fund of a funder the person manages (any, for stewards); anyone else finds nothing."""
    try:
        fund_id = int(fund_id)
    except (TypeError, ValueError):
        raise Http404 from None
    fund = Fund.objects.select_related("funder", "currency").filter(pk=fund_id).first()
    if fund is None or not can_manage_fund(user, fund):
        raise Http404
    return fund


def get_allocation_for_reader(user, allocation_id):
    """An allocation for its recipient's members, its funder's staff and stewards; others find nothing."""
    try:
        return get_allocation_for_recipient(user, allocation_id)
    except Http404:
        return get_allocation_for_funder(user, allocation_id)
