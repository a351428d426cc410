"""Report rows in a table per year (PostgreSQL, migration 0010): a build writes a new table and swaps it in."""

from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from evaluation import report_table, reports
from evaluation.models import Indicator, ReportRow
from tests.evaluation.report_data import measure
from tests.evaluation.test_report_build import movement, snapshot  # noqa: F401  (the fixture)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="partitions are PostgreSQL's"),
]


def tables():
    """Every table of report rows: the partitions with their bounds."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i
               JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'evaluation_reportrow'::regclass
               ORDER BY c.relname"""
        )
        return dict(cursor.fetchall())


def rows_in(table):
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 - a name from the catalog
        return cursor.fetchone()[0]


def leftovers():
    """Tables of report rows that are not partitions (a build's new table never swapped in)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT relname FROM pg_class WHERE relname LIKE 'evaluation\\_reportrow\\_%%' AND relkind = 'r'
               AND NOT relispartition"""
        )
        return [name for (name,) in cursor.fetchall()]


def figure(period, breakdown=""):
    return {
        "scope": "movement",
        "scope_key": "",
        "period": period,
        "indicator": Indicator.objects.get(code="participants"),
        "breakdown": breakdown,
        "built_at": timezone.now(),
    }


def test_the_report_row_table_is_partitioned_with_a_default_table():
    assert report_table.is_partitioned()
    assert "DEFAULT" in tables().values()


def test_a_year_is_written_into_a_table_of_its_own_and_swapped_in(movement):  # noqa: F811
    reports.year_replace(2024)
    reports.year_replace(2025)
    [table_2025] = report_table.year_tables(reports.periods_of(2025))
    [table_2024] = report_table.year_tables(reports.periods_of(2024))
    assert tables()[table_2025] == "FOR VALUES IN ('2025', '2025-Q1', '2025-Q2', '2025-Q3', '2025-Q4')"
    assert rows_in(table_2025) == ReportRow.objects.filter(period__startswith="2025").count() > 0
    ids_2024 = sorted(ReportRow.objects.filter(period__startswith="2024").values_list("pk", flat=True))
    first = snapshot()

    reports.year_replace(2025)
    # A new table replaced the old one, with the same figures; 2024's table was not touched.
    [again] = report_table.year_tables(reports.periods_of(2025))
    assert again != table_2025 and table_2025 not in tables()
    assert report_table.year_tables(reports.periods_of(2024)) == [table_2024]
    assert sorted(ReportRow.objects.filter(period__startswith="2024").values_list("pk", flat=True)) == ids_2024
    assert snapshot() == first
    assert leftovers() == []


def test_new_rows_of_a_year_show_after_its_rebuild(movement):  # noqa: F811
    reports.year_replace(2025)
    measure("participants", value=50, program=movement["workshop"], on=date(2025, 11, 1))
    reports.year_replace(2025)
    assert ReportRow.objects.get(
        scope="movement", scope_key="", period="2025", indicator__code="participants", breakdown=""
    ).total == (40 + 25 + 30 + 22 + 3 + 50)


def test_rows_of_the_year_in_the_default_table_are_replaced(movement):  # noqa: F811
    # Written before the year had a table of its own (by hand, or before the migration made it).
    stray = ReportRow.objects.create(**figure("2025", breakdown="region"), breakdown_key="nowhere")
    other = ReportRow.objects.create(**figure("2031"))
    default = report_table.default_table()
    assert rows_in(default) == 2
    reports.year_replace(2025)
    assert not ReportRow.objects.filter(pk=stray.pk).exists()
    assert ReportRow.objects.filter(pk=other.pk).exists()  # another year's row stays where it was
    assert rows_in(default) == 1
    assert ReportRow.objects.filter(period="2025").exists()


def test_ids_keep_coming_from_one_sequence(movement):  # noqa: F811
    reports.year_replace(2025)
    largest = max(ReportRow.objects.values_list("pk", flat=True))
    later = ReportRow.objects.create(**figure("2031"))
    assert later.pk > largest
    assert ReportRow.objects.filter(pk=later.pk).get().period == "2031"


def test_the_new_table_keeps_the_unique_figure_and_the_indicator_key(movement):  # noqa: F811
    reports.year_replace(2025)
    existing = ReportRow.objects.filter(period="2025", breakdown="").select_related("indicator").first()
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportRow.objects.create(
            scope=existing.scope,
            scope_key=existing.scope_key,
            period="2025",
            indicator=existing.indicator,
            breakdown="",
            built_at=timezone.now(),
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        ReportRow.objects.filter(pk=existing.pk).update(indicator_id=10**9)
    # Deleting an indicator still takes its figures with it, from the year's table.
    retired = Indicator.objects.get(code="participants")
    retired.pk, retired.code = None, "retired"
    retired.save()
    ReportRow.objects.create(**{**figure("2025"), "indicator": retired})
    retired.delete()
    assert not ReportRow.objects.filter(period="2025", indicator__code="retired").exists()
    assert (
        rows_in(report_table.year_tables(reports.periods_of(2025))[0])
        == ReportRow.objects.filter(period__startswith="2025").count()
    )


def test_a_build_that_fails_part_way_leaves_the_old_rows_and_no_table(movement, monkeypatch):  # noqa: F811
    reports.year_replace(2025)
    before = snapshot()
    [table] = report_table.year_tables(reports.periods_of(2025))
    original = reports.year_rows

    def fails_after_writing(year, *, write, **options):
        original(year, write=write, **options)
        raise RuntimeError("the worker was stopped")

    monkeypatch.setattr(reports, "year_rows", fails_after_writing)
    with pytest.raises(RuntimeError):
        reports.year_replace(2025)
    assert snapshot() == before
    assert report_table.year_tables(reports.periods_of(2025)) == [table]
    assert leftovers() == []
