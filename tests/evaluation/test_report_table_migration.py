"""Migration 0010 both ways: every report row kept, ids and their sequence too; 0011 lists the reports built."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from evaluation.models import Indicator, ReportRow

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="partitions are PostgreSQL's"),
]


def kind():
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = 'evaluation_reportrow'::regclass")
        return cursor.fetchone()[0]


def partitions():
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i
               JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'evaluation_reportrow'::regclass"""
        )
        return dict(cursor.fetchall())


def every_row():
    return sorted(ReportRow.objects.values_list("pk", "period", "scope_key", "breakdown_key", "total", "indicator_id"))


def test_the_rows_go_into_a_table_per_year_and_back():
    indicator = Indicator.objects.get(code="participants")
    now = timezone.now()
    try:
        call_command("migrate", "evaluation", "0009", verbosity=0)
        assert kind() == "r"
        for number, period in enumerate(["2024", "2024-Q3", "2025-Q1", "2025", "early", "2026-Q4"]):
            ReportRow.objects.create(
                scope="organization",
                scope_key=f"위키-{number}",
                period=period,
                indicator=indicator if number % 2 else None,
                breakdown="region" if number % 3 else "",
                breakdown_key="منطقة" if number % 3 else "",
                total=number * 1.5,
                built_at=now,
            )
        before = every_row()

        call_command("migrate", "evaluation", "0010", verbosity=0)
        assert kind() == "p"
        assert every_row() == before
        assert sorted(partitions().values()) == [
            "DEFAULT",
            "FOR VALUES IN ('2024', '2024-Q1', '2024-Q2', '2024-Q3', '2024-Q4')",
            "FOR VALUES IN ('2025', '2025-Q1', '2025-Q2', '2025-Q3', '2025-Q4')",
            "FOR VALUES IN ('2026', '2026-Q1', '2026-Q2', '2026-Q3', '2026-Q4')",
        ]
        later = ReportRow.objects.create(scope="movement", period="2027", built_at=now)
        assert later.pk > max(pk for pk, *_rest in before)
        before = every_row()

        call_command("migrate", "evaluation", "0009", verbosity=0)
        assert kind() == "r" and partitions() == {}
        assert every_row() == before
        latest = ReportRow.objects.create(scope="movement", period="2028", built_at=now)
        assert latest.pk > later.pk
    finally:
        call_command("migrate", "evaluation", verbosity=0)
    assert kind() == "p"


def test_the_list_of_reports_built_is_filled_from_the_rows_there():
    from datetime import timedelta

    from evaluation.models import ReportBuilt
    from evaluation.report_selectors import reports_built

    now = timezone.now()
    try:
        call_command("migrate", "evaluation", "0010", verbosity=0)
        for scope, key, period, days_ago in [
            ("movement", "", "2025", 3),
            ("movement", "", "2025-Q2", 3),
            ("movement", "", "2026-Q1", 1),
            ("organization", "위키-1", "2026", 1),
            ("region", "منطقة", "2024-Q4", 9),
            ("region", "منطقة", "early", 0),  # no year: in the default table, on no year's list
        ]:
            ReportRow.objects.create(scope=scope, scope_key=key, period=period, built_at=now - timedelta(days=days_ago))
    finally:
        call_command("migrate", "evaluation", verbosity=0)
    assert sorted(ReportBuilt.objects.values_list("year", "scope", "scope_key")) == [
        (2024, "region", "منطقة"),
        (2025, "movement", ""),
        (2026, "movement", ""),
        (2026, "organization", "위키-1"),
    ]
    assert [(entry["scope"], entry["scope_key"], (now - entry["built_at"]).days) for entry in reports_built()] == [
        ("movement", "", 1),
        ("organization", "위키-1", 1),
        ("region", "منطقة", 9),
    ]
