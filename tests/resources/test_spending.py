"""Recipients record spending against money allocations; time is counted from activity reports;
stored USD values follow the rates."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from programs.models import ActivityReport
from resources import selectors, services
from resources.models import Allocation, AllocationMethod, Expenditure, Receipt
from tests.factories import FundFactory, OrganizationFactory, ProgramFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def spend(allocation, amount, by, **fields):
    fields.setdefault("spent_on", date(2026, 3, 15))
    fields.setdefault("category", Expenditure.Category.VENUE)
    return services.expenditure_save(
        expenditure=Expenditure(allocation=allocation, amount=Decimal(amount), **fields), by=by
    )


def test_allocations_keep_their_value_in_usd_with_the_rate_of_their_first_month(allocation):
    allocation.refresh_from_db()
    assert allocation.usd_amount == Decimal("1100.00")
    assert (allocation.usd_rate.currency_id, allocation.usd_rate.month) == ("EUR", date(2026, 1, 1))


def test_a_new_rate_recomputes_what_depends_on_it_and_nothing_else(allocation, staff, steward):
    march = spend(allocation, "100.00", staff, spent_on=date(2026, 3, 10))
    april = spend(allocation, "200.00", staff, spent_on=date(2026, 4, 10))
    assert (march.usd_amount, april.usd_amount) == (Decimal("105.00"), Decimal("210.00"))
    services.exchange_rate_set(currency_code="EUR", month=date(2026, 4, 1), usd_per_unit="1.2345", by=steward)
    march.refresh_from_db()
    april.refresh_from_db()
    allocation.refresh_from_db()
    assert (march.usd_amount, april.usd_amount) == (Decimal("105.00"), Decimal("246.90"))
    assert april.usd_rate.month == date(2026, 4, 1)
    assert allocation.usd_amount == Decimal("1100.00")  # starts in February: the January rate stays in force
    services.exchange_rate_set(currency_code="EUR", month=date(2026, 2, 1), usd_per_unit="1.0", by=steward)
    allocation.refresh_from_db()
    assert (allocation.usd_amount, allocation.usd_rate.month) == (Decimal("1000.00"), date(2026, 2, 1))


def test_an_allocation_in_a_currency_without_a_rate_waits_for_one(allocation_waiting_for_a_rate, steward):
    allocation = allocation_waiting_for_a_rate
    assert allocation.usd_amount is None and allocation.usd_rate is None
    services.exchange_rate_set(currency_code="XOF", month=date(2026, 1, 1), usd_per_unit="0.0016", by=steward)
    allocation.refresh_from_db()
    assert allocation.usd_amount == Decimal("800.00")


def test_spending_beyond_the_allocation_needs_a_reason_and_is_flagged(allocation, staff):
    spend(allocation, "900.00", staff)
    with pytest.raises(ValidationError) as refused:
        spend(allocation, "100.01", staff)
    assert "overspend_reason" in refused.value.message_dict
    assert Expenditure.objects.count() == 1
    spend(allocation, "100.01", staff, overspend_reason="The venue raised its price.")
    row = selectors.with_usage(Allocation.objects.filter(pk=allocation.pk)).get()
    assert (row.spent, row.overspent) == (Decimal("1000.01"), True)


def test_spending_up_to_the_allocation_needs_no_reason_and_keeps_none(allocation, staff):
    expenditure = spend(allocation, "1000.00", staff, overspend_reason="not needed")
    assert expenditure.overspend_reason == ""
    row = selectors.with_usage(Allocation.objects.filter(pk=allocation.pk)).get()
    assert (row.spent, row.spent_usd, row.overspent) == (Decimal("1000.00"), Decimal("1050.00"), False)


@pytest.mark.parametrize(
    ("amount", "field"),
    [("-5", "amount"), ("0", "amount"), ("12.345", "amount"), ("99999999999", "amount"), ("NaN", "amount")],
)
def test_bad_amounts_are_refused_and_nothing_is_saved(allocation, staff, amount, field):
    with pytest.raises(ValidationError) as refused:
        spend(allocation, amount, staff)
    assert field in refused.value.message_dict
    assert not Expenditure.objects.exists()


def test_spending_is_recorded_in_the_allocation_s_currency(allocation, staff):
    expenditure = spend(allocation, "10.00", staff, currency_id="USD")
    assert expenditure.currency_id == "EUR"


def test_only_the_recipient_s_staff_or_a_steward_record_spending(allocation, funder, volunteer, steward):
    outsider = UserFactory()
    for person in (funder, volunteer, outsider):
        with pytest.raises(ValidationError):
            spend(allocation, "10.00", person)
    assert not Expenditure.objects.exists()
    spend(allocation, "10.00", steward)


@pytest.mark.parametrize("status", ["proposed", "declined"])
def test_no_spending_before_approval_or_after_a_decline(allocation, staff, funder, status):
    Allocation.objects.filter(pk=allocation.pk).update(status=status)
    with pytest.raises(ValidationError):
        spend(allocation, "10.00", staff)
    assert not Expenditure.objects.exists()


def test_no_spending_in_the_future(allocation, staff):
    with pytest.raises(ValidationError) as refused:
        spend(allocation, "10.00", staff, spent_on=date.today() + timedelta(days=2))
    assert "spent_on" in refused.value.message_dict


@pytest.mark.parametrize(
    ("name", "content", "accepted"),
    [
        ("receipt.pdf", PDF, True),
        ("scan.PNG", b"\x89PNG\r\n\x1a\n" + b"\0" * 20, True),
        ("photo.jpeg", b"\xff\xd8\xff\xe0" + b"\0" * 20, True),
        ("receipt.pdf", b"<html><script>alert(1)</script>", False),
        ("receipt.exe", PDF, False),
        ("receipt.svg", b"<svg/>", False),
        ("receipt.pdf", b"", False),
    ],
)
def test_receipts_are_checked_for_type(name, content, accepted):
    if accepted:
        assert services.receipt_check(filename=name, content=content).content == content
    else:
        with pytest.raises(ValidationError):
            services.receipt_check(filename=name, content=content)


def test_a_receipt_too_large_is_refused(settings):
    settings.RECEIPT_MAX_BYTES = 1024
    with pytest.raises(ValidationError) as refused:
        services.receipt_check(filename="big.pdf", content=PDF + b"\0" * 2000)
    assert "MB" in refused.value.messages[0]


def test_a_receipt_is_kept_with_a_clean_name(allocation, staff):
    receipt = services.receipt_check(filename="C:\\Users\\x\\re\r\nceipt.pdf", content=PDF)
    expenditure = services.expenditure_save(
        expenditure=Expenditure(
            allocation=allocation, amount=Decimal("5"), spent_on=date(2026, 3, 1), category="other"
        ),
        receipt=receipt,
        by=staff,
    )
    stored = Receipt.objects.get(expenditure=expenditure)
    assert (stored.original_filename, stored.content_type, bytes(stored.content)) == (
        "receipt.pdf",
        "application/pdf",
        PDF,
    )


def test_time_allocations_count_facilitator_hours_from_activity_reports(
    funding_organization, organization, funder, rates
):
    program = ProgramFactory(provider=organization)
    fund = FundFactory(funder=funding_organization)
    allocation = services.allocation_save(
        allocation=Allocation(
            fund=fund,
            recipient=organization,
            kind="time",
            hours=Decimal("40"),
            starts_on=date(2026, 2, 1),
            ends_on=date(2026, 6, 30),
        ),
        programs=[program],
        by=funder,
    )
    inside = SessionFactory(
        program=program,
        starts_at=datetime(2026, 3, 1, 9, tzinfo=UTC),
        ends_at=datetime(2026, 3, 1, 12, 30, tzinfo=UTC),
    )
    outside = SessionFactory(
        program=program,
        starts_at=datetime(2026, 8, 1, 9, tzinfo=UTC),
        ends_at=datetime(2026, 8, 1, 12, tzinfo=UTC),
    )
    ActivityReport.objects.create(session=inside, participants=10, facilitators=2)
    ActivityReport.objects.create(session=outside, participants=10, facilitators=3)
    row = selectors.with_usage(Allocation.objects.filter(pk=allocation.pk)).get()
    assert selectors.hours(row.time_used) == Decimal("7.00")
    with pytest.raises(ValidationError):
        spend(allocation, "10.00", UserFactory(is_superuser=True))


def test_an_expenditure_can_be_deleted_while_the_allocation_is_open_only(allocation, staff, funder):
    expenditure = spend(allocation, "10.00", staff)
    other = OrganizationFactory()
    assert other.pk
    services.allocation_move(allocation=allocation, to_status="disbursed", by=funder)
    services.allocation_move(allocation=allocation, to_status="closed", by=funder)
    with pytest.raises(ValidationError):
        services.expenditure_delete(expenditure=expenditure, by=staff)
    assert Expenditure.objects.filter(pk=expenditure.pk).exists()


def test_changes_to_an_allocation_s_purpose_and_programs_are_audited(funding_organization, organization, funder):
    from capacity.models import CapacityCategory

    first, second = CapacityCategory.objects.all()[:2]
    program = ProgramFactory(provider=organization)
    fund = FundFactory(funder=funding_organization)
    allocation = services.allocation_save(
        allocation=Allocation(
            fund=fund,
            recipient=organization,
            amount=Decimal("10"),
            currency_id="EUR",
            starts_on=date(2026, 2, 1),
            ends_on=date(2026, 3, 1),
        ),
        categories=[first],
        methods=["workshop"],
        by=funder,
    )
    services.allocation_save(
        allocation=allocation, categories=[second], programs=[program], methods=["mentoring"], by=funder
    )
    records = list(allocation.history.order_by("history_id"))
    snapshots = [list(record.categories.values_list("capacitycategory", flat=True)) for record in records]
    assert snapshots[0] == [] and [first.pk] in snapshots and snapshots[-1] == [second.pk]
    before_edit = records[snapshots.index([first.pk])]
    changes = {change.field: (change.old, change.new) for change in records[-1].diff_against(before_edit).changes}
    assert [row["capacitycategory"] for row in changes["categories"][0]] == [first.pk]
    assert [row["capacitycategory"] for row in changes["categories"][1]] == [second.pk]
    assert [row["program"] for row in changes["programs"][1]] == [program.pk]
    assert {row.history_user for row in allocation.history.all()} == {funder}
    methods = AllocationMethod.history.filter(allocation_id=allocation.pk).order_by("history_date")
    assert [(row.method, row.history_type, row.history_user) for row in methods] == [
        ("workshop", "+", funder),
        ("workshop", "-", funder),
        ("mentoring", "+", funder),
    ]


def test_values_recomputed_after_a_rate_change_are_audited_with_who_set_the_rate(allocation, staff, steward):
    expenditure = spend(allocation, "100.00", staff, spent_on=date(2026, 4, 10))
    services.exchange_rate_set(currency_code="EUR", month=date(2026, 4, 1), usd_per_unit="1.50", by=steward)
    newest = expenditure.history.latest("history_id")
    before = newest.prev_record
    assert (before.usd_amount, newest.usd_amount, newest.history_user) == (
        Decimal("105.00"),
        Decimal("150.00"),
        steward,
    )
    services.exchange_rate_set(currency_code="EUR", month=date(2026, 1, 1), usd_per_unit="1.20", by=steward)
    record = allocation.history.latest("history_id")
    assert (record.prev_record.usd_amount, record.usd_amount, record.history_user) == (
        Decimal("1100.00"),
        Decimal("1200.00"),
        steward,
    )


def test_a_rate_change_touching_many_rows_takes_a_fixed_number_of_queries(
    allocation, staff, steward, django_assert_max_num_queries
):
    for day in range(1, 21):
        spend(allocation, "1.00", staff, spent_on=date(2026, 4, day))
    with django_assert_max_num_queries(20):
        services.exchange_rate_set(currency_code="EUR", month=date(2026, 4, 1), usd_per_unit="1.50", by=steward)


def test_a_funder_s_staff_who_deletes_their_account_leaves_the_allocations_and_their_audit_without_a_name(
    funding_organization, organization, funder
):
    from capacity.models import CapacityCategory
    from programs.services import person_delete

    allocation = services.allocation_save(
        allocation=Allocation(
            fund=FundFactory(funder=funding_organization),
            recipient=organization,
            amount=Decimal("10"),
            currency_id="EUR",
            starts_on=date(2026, 2, 1),
            ends_on=date(2026, 3, 1),
        ),
        categories=CapacityCategory.objects.all()[:1],
        methods=["workshop"],
        by=funder,
    )
    person_delete(user=funder)
    assert Allocation.objects.filter(pk=allocation.pk).exists()
    assert not allocation.history.filter(history_user__isnull=False).exists()
    assert not AllocationMethod.history.filter(history_user__isnull=False).exists()
