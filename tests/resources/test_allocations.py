"""Funds allocate money, in-kind help and people's time; each status move is checked, audited and exact."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404

from resources import services
from resources.access import can_manage_fund, get_allocation_for_funder, get_allocation_for_recipient
from resources.models import Allocation, Fund
from stakeholders.models import Membership, Organization
from tests.factories import (
    AllocationFactory,
    FundFactory,
    MembershipFactory,
    OrganizationFactory,
    ProgramFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

S = Allocation.Status
ALLOWED = {
    (S.PROPOSED, S.APPROVED),
    (S.PROPOSED, S.DECLINED),
    (S.APPROVED, S.DISBURSED),
    (S.APPROVED, S.DECLINED),
    (S.DISBURSED, S.CLOSED),
}
NOT_ALLOWED = [(current, target) for current in S for target in S if (current, target) not in ALLOWED]


@pytest.fixture
def fund(funding_organization):
    return FundFactory(funder=funding_organization, starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31))


@pytest.fixture
def personas(volunteer, staff, funding_organization, funder, steward):
    """Everyone who might try to move an allocation from `fund` to `organization`."""
    other_funder = OrganizationFactory(kind=Organization.Kind.FUNDER)
    return {
        "volunteer": volunteer,
        "recipient staff": staff,
        "other funder's staff": MembershipFactory(organization=other_funder).user,
        "funder's member": MembershipFactory(organization=funding_organization, role=Membership.Role.MEMBER).user,
        "funder staff": funder,
        "funder admin": MembershipFactory(organization=funding_organization, role=Membership.Role.ADMIN).user,
        "steward": steward,
    }


MAY_MOVE = {"funder staff", "funder admin", "steward"}


def snapshot(allocation):
    allocation.refresh_from_db()
    return (allocation.status, allocation.status_changed_at, allocation.updated_at, allocation.history.count())


def test_the_funder_s_staff_propose_an_allocation_of_money_and_the_history_says_who(fund, organization, funder):
    allocation = Allocation(
        fund=fund,
        recipient=organization,
        amount=Decimal("2500.50"),
        currency_id="EUR",
        starts_on=date(2026, 3, 1),
        ends_on=date(2026, 9, 30),
    )
    program = ProgramFactory(provider=organization)
    services.allocation_save(allocation=allocation, programs=[program], by=funder)
    allocation.refresh_from_db()
    assert (allocation.status, allocation.amount) == (S.PROPOSED, Decimal("2500.50"))
    assert list(allocation.programs.all()) == [program]
    assert allocation.history.earliest("history_id").history_type == "+"
    assert {record.history_user for record in allocation.history.all()} == {funder}


def test_the_recipient_s_staff_cannot_allocate_from_someone_else_s_fund(fund, organization, staff):
    allocation = Allocation(fund=fund, recipient=organization, amount=Decimal("10"), currency_id="EUR")
    allocation.starts_on = allocation.ends_on = date(2026, 3, 1)
    with pytest.raises(ValidationError, match="funder's staff"):
        services.allocation_save(allocation=allocation, by=staff)
    assert not Allocation.objects.exists()


def test_only_a_funder_organization_has_funds(organization, staff, steward):
    fund = Fund(funder=organization, name="Not ours", currency_id="EUR", starts_on=date(2026, 1, 1))
    fund.ends_on = date(2026, 12, 31)
    with pytest.raises(ValidationError, match="Only a funder organization has funds"):
        services.fund_save(fund=fund, by=steward)
    assert not Fund.objects.exists()


def test_a_fund_cannot_end_before_it_starts_and_its_staff_save_it_with_history(funding_organization, funder):
    fund = Fund(funder=funding_organization, name="2026", currency_id="USD", starts_on=date(2026, 1, 1))
    fund.ends_on = date(2025, 12, 31)
    with pytest.raises(ValidationError, match="cannot end before it starts"):
        services.fund_save(fund=fund, by=funder)
    fund.ends_on = date(2026, 12, 31)
    services.fund_save(fund=fund, by=funder)
    assert fund.history.get().history_user == funder


def test_a_volunteer_cannot_create_a_fund(funding_organization, volunteer):
    fund = Fund(funder=funding_organization, name="2026", currency_id="USD", starts_on=date(2026, 1, 1))
    fund.ends_on = date(2026, 12, 31)
    with pytest.raises(ValidationError):
        services.fund_save(fund=fund, by=volunteer)
    assert not Fund.objects.exists()


@pytest.mark.parametrize(("current", "target"), NOT_ALLOWED)
def test_a_move_not_allowed_from_the_current_status_is_refused_and_changes_nothing(
    fund, organization, steward, current, target
):
    allocation = AllocationFactory(fund=fund, recipient=organization, status=current)
    before = snapshot(allocation)
    with pytest.raises(ValidationError, match=f"This allocation is {current.label}"):
        services.allocation_move(allocation=allocation, to_status=target, by=steward)
    assert snapshot(allocation) == before


def test_an_unknown_status_is_refused(fund, organization, steward):
    allocation = AllocationFactory(fund=fund, recipient=organization)
    before = snapshot(allocation)
    with pytest.raises(ValidationError, match="This allocation is Proposed"):
        services.allocation_move(allocation=allocation, to_status="spent\r\n<b>", by=steward)
    assert snapshot(allocation) == before


@pytest.mark.parametrize(("current", "target"), sorted(ALLOWED))
def test_only_the_funder_s_staff_and_admins_and_stewards_make_an_allowed_move(
    fund, organization, personas, current, target
):
    for name, person in personas.items():
        allocation = AllocationFactory(fund=fund, recipient=organization, status=current)
        before = snapshot(allocation)
        if name in MAY_MOVE:
            services.allocation_move(allocation=allocation, to_status=target, by=person)
            allocation.refresh_from_db()
            assert allocation.status == target, name
            assert allocation.history.latest().history_user == person
        else:
            with pytest.raises(ValidationError, match=f"This allocation is {current.label}"):
                services.allocation_move(allocation=allocation, to_status=target, by=person)
            assert snapshot(allocation) == before, name


@pytest.mark.parametrize(("current", "target"), NOT_ALLOWED)
def test_nobody_makes_a_move_that_is_not_allowed(fund, organization, personas, current, target):
    allocation = AllocationFactory(fund=fund, recipient=organization, status=current)
    before = snapshot(allocation)
    for name, person in personas.items():
        with pytest.raises(ValidationError):
            services.allocation_move(allocation=allocation, to_status=target, by=person)
        assert snapshot(allocation) == before, name


def test_the_history_records_who_moved_it_and_when_at_each_step(fund, organization, funder, steward):
    allocation = AllocationFactory(fund=fund, recipient=organization)
    services.allocation_move(allocation=allocation, to_status=S.APPROVED, by=funder)
    services.allocation_move(allocation=allocation, to_status=S.DISBURSED, by=steward)
    services.allocation_move(allocation=allocation, to_status=S.CLOSED, by=funder)
    moves = allocation.history.order_by("history_date")[1:]  # the first row is the proposal
    assert [(row.status, row.history_user) for row in moves] == [
        (S.APPROVED, funder),
        (S.DISBURSED, steward),
        (S.CLOSED, funder),
    ]
    approved, disbursed = moves[0], moves[1]
    change = {c.field: (c.old, c.new) for c in disbursed.diff_against(approved).changes}
    assert change["status"] == (S.APPROVED, S.DISBURSED)  # the audit keeps before and after
    allocation.refresh_from_db()
    assert allocation.status_changed_at == moves[2].status_changed_at is not None


def test_an_allocation_that_is_no_longer_proposed_cannot_be_changed(fund, organization, funder):
    allocation = AllocationFactory(fund=fund, recipient=organization, status=S.APPROVED)
    allocation.amount = Decimal("999999")
    with pytest.raises(ValidationError, match="only a proposed allocation can be changed"):
        services.allocation_save(allocation=allocation, by=funder)
    allocation.refresh_from_db()
    assert allocation.amount == Decimal("1500.00")


def test_saving_cannot_move_the_status(fund, organization, funder):
    allocation = AllocationFactory(fund=fund, recipient=organization)
    allocation.status = S.DISBURSED
    services.allocation_save(allocation=allocation, by=funder)
    allocation.refresh_from_db()
    assert allocation.status == S.PROPOSED


@pytest.mark.parametrize(
    ("currency", "amount", "message"),
    [
        ("EUR", Decimal("-1"), "cannot be negative"),
        ("EUR", Decimal("1e12"), "check the decimal point"),
        ("EUR", Decimal("10000000000"), "check the decimal point"),
        ("EUR", "twelve", "Enter a number"),
        ("EUR", Decimal("NaN"), "Enter a number"),
        ("EUR", Decimal("Infinity"), "Enter a number"),
        ("EUR", Decimal("1.234"), "EUR amounts have at most 2 decimal places"),
        ("JPY", Decimal("1.5"), "JPY amounts have at most 0 decimal places"),
        ("KWD", Decimal("1.2345"), "KWD amounts have at most 3 decimal places"),
    ],
)
def test_a_bad_amount_is_refused_with_a_clear_message_and_nothing_is_saved(
    fund, organization, funder, currency, amount, message
):
    allocation = Allocation(fund=fund, recipient=organization, amount=amount, currency_id=currency)
    allocation.starts_on = allocation.ends_on = date(2026, 3, 1)
    with pytest.raises(ValidationError, match=message):
        services.allocation_save(allocation=allocation, by=funder)
    assert not Allocation.objects.exists()


def test_amounts_within_the_currency_s_decimal_places_are_kept_exactly(fund, organization, funder):
    for currency, amount in [("JPY", Decimal("150000")), ("KWD", Decimal("1.234")), ("EUR", Decimal("0.10"))]:
        allocation = Allocation(fund=fund, recipient=organization, amount=amount, currency_id=currency)
        allocation.starts_on = allocation.ends_on = date(2026, 3, 1)
        services.allocation_save(allocation=allocation, by=funder)
        allocation.refresh_from_db()
        assert allocation.amount == amount


def test_a_float_is_never_money(fund, organization, funder):
    allocation = Allocation(fund=fund, recipient=organization, amount=0.1, currency_id="EUR")
    allocation.starts_on = allocation.ends_on = date(2026, 3, 1)
    with pytest.raises(TypeError):
        services.allocation_save(allocation=allocation, by=funder)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "money", "amount": None, "currency_id": "EUR"}, "Give the amount of money"),
        ({"kind": "money", "amount": Decimal("5"), "currency_id": None}, "Give the currency"),
        ({"kind": "in_kind", "amount": Decimal("5"), "currency_id": "EUR", "description": " "}, "Describe"),
        ({"kind": "in_kind", "amount": None, "currency_id": "EUR", "description": "Laptops"}, "estimated value"),
        ({"kind": "time", "amount": None, "currency_id": None, "hours": None}, "number of hours"),
        ({"kind": "time", "amount": None, "currency_id": None, "hours": Decimal("0")}, "above zero"),
        ({"kind": "time", "amount": None, "currency_id": None, "hours": Decimal("-3")}, "above zero"),
        ({"kind": "time", "amount": None, "currency_id": None, "hours": Decimal("2000000")}, "decimal point"),
        ({"kind": "time", "amount": Decimal("5"), "currency_id": "EUR", "hours": Decimal("3")}, "value per hour"),
        ({"kind": "time", "currency_id": None, "hours": Decimal("3"), "value_per_hour": Decimal("20")}, "currency"),
        ({"kind": "time", "currency_id": "EUR", "hours": Decimal("3"), "value_per_hour": Decimal("-2")}, "negative"),
    ],
)
def test_each_kind_asks_for_its_own_fields(fund, organization, funder, fields, message):
    allocation = Allocation(fund=fund, recipient=organization, starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 1))
    for name, value in fields.items():
        setattr(allocation, name, value)
    with pytest.raises(ValidationError, match=message):
        services.allocation_save(allocation=allocation, by=funder)
    assert not Allocation.objects.exists()


def test_an_allocation_cannot_end_before_it_starts(fund, organization, funder):
    allocation = Allocation(fund=fund, recipient=organization, amount=Decimal("5"), currency_id="EUR")
    allocation.starts_on, allocation.ends_on = date(2026, 3, 2), date(2026, 3, 1)
    with pytest.raises(ValidationError, match="cannot end before it starts"):
        services.allocation_save(allocation=allocation, by=funder)
    assert not Allocation.objects.exists()


def test_only_the_recipient_s_own_programs_can_be_named(fund, organization, other_organization, funder):
    allocation = Allocation(fund=fund, recipient=organization, amount=Decimal("5"), currency_id="EUR")
    allocation.starts_on = allocation.ends_on = date(2026, 3, 1)
    with pytest.raises(ValidationError, match="recipient's own programs"):
        services.allocation_save(
            allocation=allocation, programs=[ProgramFactory(provider=other_organization)], by=funder
        )
    assert not Allocation.objects.exists()


def test_the_database_refuses_what_the_services_refuse(fund, organization):
    allocation = AllocationFactory(fund=fund, recipient=organization)
    for change in [
        {"amount": Decimal("-1")},
        {"amount": None},
        {"ends_on": date(2025, 1, 1)},
        {"kind": "time"},
        {"kind": "in_kind"},
        {"hours": Decimal("0")},
    ]:
        with pytest.raises(IntegrityError), transaction.atomic():
            Allocation.objects.filter(pk=allocation.pk).update(**change)


def test_usd_uses_the_rate_in_force_when_the_allocation_starts(fund, organization):
    services.exchange_rate_set(currency_code="EUR", month=date(2026, 1, 1), usd_per_unit="1.05")
    services.exchange_rate_set(currency_code="EUR", month=date(2026, 4, 1), usd_per_unit="1.10")
    march = AllocationFactory(fund=fund, recipient=organization, amount=Decimal("1000"), starts_on=date(2026, 3, 31))
    may = AllocationFactory(fund=fund, recipient=organization, amount=Decimal("1000"), starts_on=date(2026, 5, 1))
    assert services.allocation_usd(allocation=march).amount == Decimal("1050.00")
    assert services.allocation_usd(allocation=march).rate.month == date(2026, 1, 1)
    assert services.allocation_usd(allocation=may).amount == Decimal("1100.00")


def test_time_counts_in_usd_only_when_it_has_a_value_per_hour(fund, organization):
    services.exchange_rate_set(currency_code="EUR", month=date(2026, 1, 1), usd_per_unit="1.0842")
    valued = AllocationFactory(
        fund=fund,
        recipient=organization,
        kind="time",
        amount=None,
        hours=Decimal("37.5"),
        value_per_hour=Decimal("21.30"),
    )
    unvalued = AllocationFactory(fund=fund, recipient=organization, kind="time", amount=None, currency=None, hours=10)
    assert services.allocation_usd(allocation=valued).amount == Decimal("866.00")  # 798.75 × 1.0842 = 865.9947
    assert services.allocation_usd(allocation=unvalued) is None


def test_allocations_in_several_currencies_add_up_to_the_decimal_sum_to_the_cent(fund, organization):
    rates = {"EUR": "1.0842", "JPY": "0.006712", "KWD": "3.2571", "INR": "0.01198", "GBP": "1.25"}
    for code, rate in rates.items():
        services.exchange_rate_set(currency_code=code, month=date(2026, 1, 1), usd_per_unit=rate)
    amounts = [
        ("EUR", Decimal("1234.57")),
        ("EUR", Decimal("0.05")),
        ("JPY", Decimal("1500000")),
        ("JPY", Decimal("333")),
        ("KWD", Decimal("12.345")),
        ("INR", Decimal("250000.25")),
        ("USD", Decimal("99.99")),
        ("GBP", Decimal("0.02")),  # 0.025 → 0.02, half to even
        ("GBP", Decimal("0.06")),  # 0.075 → 0.08
    ]
    allocations = [
        AllocationFactory(fund=fund, recipient=organization, amount=amount, currency_id=code)
        for code, amount in amounts
    ]
    total = sum((services.allocation_usd(allocation=allocation).amount for allocation in allocations), Decimal("0"))
    expected = sum(
        (
            (amount * Decimal(rates.get(code, "1"))).quantize(Decimal("0.01"), rounding="ROUND_HALF_EVEN")
            for code, amount in amounts
        ),
        Decimal("0"),
    )
    # 1338.52 + 0.05 + 10068.00 + 2.24 + 40.21 + 2995.00 + 99.99 + 0.02 + 0.08
    assert total == expected == Decimal("14544.11")


def test_only_the_funder_s_staff_and_stewards_manage_a_fund(fund, personas):
    assert {name for name, person in personas.items() if can_manage_fund(person, fund)} == MAY_MOVE


def test_a_funder_finds_only_its_own_allocations_and_a_recipient_only_its_own(fund, organization, personas, staff):
    allocation = AllocationFactory(fund=fund, recipient=organization)
    for name, person in personas.items():
        if name in MAY_MOVE:
            assert get_allocation_for_funder(person, allocation.pk) == allocation
        else:
            with pytest.raises(Http404):
                get_allocation_for_funder(person, allocation.pk)
    assert get_allocation_for_recipient(staff, allocation.pk) == allocation
    assert get_allocation_for_recipient(personas["steward"], allocation.pk) == allocation
    for name in ["volunteer", "other funder's staff", "funder staff"]:
        with pytest.raises(Http404):
            get_allocation_for_recipient(personas[name], allocation.pk)
    for bad in ["x", None, 10**12]:
        with pytest.raises(Http404):
            get_allocation_for_funder(personas["steward"], bad)
    with pytest.raises(Http404):
        get_allocation_for_recipient(UserFactory(), allocation.pk)
