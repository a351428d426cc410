"""Each allocation's spending is kept added up by the database (migration 0007's triggers).

Whatever writes the expenditures (the services, a re-rating, a plain ORM call, a bulk
insert), the kept sums equal the expenditures added up afresh, and an allocation without
expenditures has no row. The SQLite dialect of the triggers (the embedded default) is run
on a minimal copy of the two tables.
"""

import importlib
import sqlite3
from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Count, Q, Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from resources import services
from resources.dashboard import overspent_ids
from resources.models import Allocation, AllocationSpending, Expenditure
from tests.factories import FundFactory

from .test_spending import spend

pytestmark = pytest.mark.django_db

migration = importlib.import_module("resources.migrations.0007_allocation_spending")


def kept():
    return {
        row.allocation_id: (row.spent, row.spent_usd, row.expenditures, row.without_usd)
        for row in AllocationSpending.objects.all()
    }


def added_up_afresh():
    return {
        row["allocation"]: (
            row["spent"],
            row["spent_usd"] or Decimal("0.00"),
            row["n"],
            row["without_usd"],
        )
        for row in Expenditure.objects.order_by()
        .values("allocation")
        .annotate(
            spent=Sum("amount"),
            spent_usd=Sum("usd_amount"),
            n=Count("pk"),
            without_usd=Count("pk", filter=Q(usd_amount__isnull=True)),
        )
    }


def test_the_services_keep_the_sums_as_spending_is_recorded_corrected_re_rated_and_deleted(allocation, staff, steward):
    assert kept() == {}
    first = spend(allocation, "100.00", staff, spent_on=date(2026, 3, 10))
    second = spend(allocation, "200.00", staff, spent_on=date(2026, 4, 10))
    assert kept() == {allocation.pk: (Decimal("300.0000"), Decimal("315.00"), 2, 0)}

    second.amount = Decimal("250.00")
    services.expenditure_save(expenditure=second, by=staff)
    assert kept() == {allocation.pk: (Decimal("350.0000"), Decimal("367.50"), 2, 0)} == added_up_afresh()

    services.exchange_rate_set(currency_code="EUR", month=date(2026, 4, 1), usd_per_unit="1.20", by=steward)
    assert kept() == {allocation.pk: (Decimal("350.0000"), Decimal("405.00"), 2, 0)} == added_up_afresh()

    services.expenditure_delete(expenditure=first, by=staff)
    assert kept() == {allocation.pk: (Decimal("250.0000"), Decimal("300.00"), 1, 0)} == added_up_afresh()
    services.expenditure_delete(expenditure=second, by=staff)
    assert kept() == {} == added_up_afresh()


def test_an_expenditure_waiting_for_a_rate_is_counted_without_usd(allocation_waiting_for_a_rate, funder, staff):
    waiting = allocation_waiting_for_a_rate
    services.allocation_move(allocation=waiting, to_status="approved", by=funder)
    spend(waiting, "1000", staff)
    assert kept() == {waiting.pk: (Decimal("1000.0000"), Decimal("0.00"), 1, 1)} == added_up_afresh()


OPERATIONS = st.lists(
    st.one_of(
        st.tuples(
            st.just("add"),
            st.integers(0, 2),
            st.decimals("0.0001", "99999999.9999", places=4),
            st.none() | st.decimals("0.01", "9999999999.99", places=2),
        ),
        st.tuples(st.just("rerate"), st.integers(0, 20), st.none() | st.decimals("0.01", "99999.99", places=2)),
        st.tuples(st.just("amount"), st.integers(0, 20), st.decimals("0.0001", "99999.9999", places=4)),
        st.tuples(st.just("move"), st.integers(0, 20), st.integers(0, 2)),
        st.tuples(st.just("delete"), st.integers(0, 20)),
        st.tuples(st.just("bulk"), st.integers(0, 2), st.integers(1, 5)),
    ),
    max_size=25,
)


@pytest.fixture
def three_allocations(funding_organization, organization):
    fund = FundFactory(funder=funding_organization)
    return [
        Allocation.objects.create(
            fund=fund,
            recipient=organization,
            amount=Decimal("1000"),
            currency_id="EUR",
            starts_on=date(2026, 1, 1),
            ends_on=date(2026, 12, 31),
            status=Allocation.Status.APPROVED,
        )
        for _ in range(3)
    ]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS)
def test_any_writes_through_the_orm_leave_the_sums_equal_to_the_expenditures_added_up(three_allocations, operations):
    """Writes that skip the services (a fixture, a bulk load, a correction by hand) keep the sums too."""
    Expenditure.objects.all().delete()
    assert kept() == {}
    for operation in operations:
        rows = list(Expenditure.objects.order_by("pk"))
        kind = operation[0]
        if kind == "add":
            _kind, which, amount, usd = operation
            Expenditure.objects.create(
                allocation=three_allocations[which],
                spent_on=date(2026, 3, 1),
                amount=amount,
                currency_id="EUR",
                category=Expenditure.Category.OTHER,
                usd_amount=usd,
            )
        elif kind == "bulk":
            _kind, which, how_many = operation
            Expenditure.objects.bulk_create(
                Expenditure(
                    allocation=three_allocations[which],
                    spent_on=date(2026, 3, 1),
                    amount=Decimal(n + 1),
                    currency_id="EUR",
                    category=Expenditure.Category.OTHER,
                    usd_amount=None if n % 2 else Decimal(n + 1),
                )
                for n in range(how_many)
            )
        elif rows:
            row = rows[operation[1] % len(rows)]
            if kind == "rerate":
                Expenditure.objects.filter(pk=row.pk).update(usd_amount=operation[2])
            elif kind == "amount":
                row.amount = operation[2]
                row.save()
            elif kind == "move":
                Expenditure.objects.filter(pk=row.pk).update(allocation=three_allocations[operation[2]])
            else:
                row.delete()
        assert kept() == added_up_afresh()


def test_the_dashboard_reads_overspending_from_the_kept_sums(allocation, staff):
    spend(allocation, "900.00", staff)
    assert not overspent_ids(Allocation.objects.all()).exists()
    spend(allocation, "200.00", staff, overspend_reason="The venue cost more.")
    assert list(overspent_ids(Allocation.objects.all()).values_list("pk", flat=True)) == [allocation.pk]


# --- the SQLite dialect ---------------------------------------------------------------------------------------


def _sqlite_with_the_triggers():
    database = sqlite3.connect(":memory:")
    database.executescript(
        """
        CREATE TABLE resources_expenditure (
            id INTEGER PRIMARY KEY, allocation_id INTEGER NOT NULL, amount decimal NOT NULL, usd_amount decimal NULL
        );
        CREATE TABLE resources_allocationspending (
            allocation_id INTEGER PRIMARY KEY, spent decimal NOT NULL, spent_usd decimal NOT NULL,
            expenditures INTEGER NOT NULL, without_usd INTEGER NOT NULL
        );
        """
    )
    for statement in migration._statements("sqlite", forward=True):
        database.execute(statement)
    return database


def _sqlite_kept(database):
    return {
        row[0]: (round(row[1], 4), round(row[2], 2), row[3], row[4])
        for row in database.execute("SELECT * FROM resources_allocationspending ORDER BY 1")
    }


def _sqlite_afresh(database):
    return {
        row[0]: (round(row[1], 4), round(row[2], 2), row[3], row[4])
        for row in database.execute(
            "SELECT allocation_id, SUM(amount), COALESCE(SUM(usd_amount), 0), COUNT(*),"
            " SUM(usd_amount IS NULL) FROM resources_expenditure GROUP BY allocation_id ORDER BY 1"
        )
    }


def test_the_sqlite_triggers_add_change_and_take_away():
    database = _sqlite_with_the_triggers()
    database.execute("INSERT INTO resources_expenditure VALUES (1, 7, 100, 110), (2, 7, 50, NULL), (3, 8, 5, 5)")
    assert _sqlite_kept(database) == {7: (150, 110, 2, 1), 8: (5, 5, 1, 0)} == _sqlite_afresh(database)
    database.execute("UPDATE resources_expenditure SET usd_amount = 60 WHERE id = 2")
    database.execute("UPDATE resources_expenditure SET allocation_id = 8 WHERE id = 1")
    assert _sqlite_kept(database) == {7: (50, 60, 1, 0), 8: (105, 115, 2, 0)} == _sqlite_afresh(database)
    database.execute("DELETE FROM resources_expenditure WHERE id = 2")
    assert _sqlite_kept(database) == {8: (105, 115, 2, 0)} == _sqlite_afresh(database)
    database.execute("DELETE FROM resources_expenditure")
    assert _sqlite_kept(database) == {}


def test_the_migration_adds_up_what_was_spent_before_it():
    database = _sqlite_with_the_triggers()
    for statement in migration._statements("sqlite", forward=False):
        database.execute(statement)
    database.execute("INSERT INTO resources_expenditure VALUES (1, 7, 100, 110), (2, 7, 50, NULL), (3, 8, 5, 5)")
    assert _sqlite_kept(database) == {}
    database.execute(migration.BACKFILL)
    assert _sqlite_kept(database) == {7: (150, 110, 2, 1), 8: (5, 5, 1, 0)} == _sqlite_afresh(database)


def test_the_migration_refuses_a_database_it_has_no_triggers_for():
    with pytest.raises(NotImplementedError, match="mysql"):
        migration._statements("mysql", forward=True)
