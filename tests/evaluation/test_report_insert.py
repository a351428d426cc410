"""How a build writes report rows: PostgreSQL's COPY from a CSV the csv module writes.

Empty keys must stay empty strings, missing numbers must be NULL, and any text (quotes,
commas, line breaks) must come back as it went in.
"""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection, models

from evaluation import reports
from evaluation.models import Indicator, ReportRow

pytestmark = pytest.mark.django_db

BUILT_AT = datetime(2026, 11, 30, 2, 30, 15, 123456, tzinfo=UTC)


def _row(indicator, *, scope_key, breakdown="", breakdown_key="", shown, value=None, numerator=None):
    return (
        "organization" if scope_key else "movement",
        scope_key,
        "2026-Q3",
        indicator.pk if indicator else None,
        breakdown,
        breakdown_key,
        12,
        14,
        Decimal("37.5000"),
        Decimal("151.2500"),
        numerator,
        Decimal("12.0000") if numerator is not None else None,
        shown,
        value,
        Decimal("2.1000") if value is not None else None,
        Decimal("4.0000") if value is not None else None,
        BUILT_AT,
    )


def test_the_nullable_columns_are_the_models_and_hold_no_text():
    fields = {name: ReportRow._meta.get_field(name) for name in reports.ROW_FIELDS}
    assert set(reports.NULLABLE_FIELDS) == {name for name, field in fields.items() if field.null}
    assert not [
        name for name in reports.NULLABLE_FIELDS if isinstance(fields[name], models.CharField | models.TextField)
    ]


def test_rows_come_back_as_written_empty_keys_nulls_and_hostile_text():
    participants = Indicator.objects.get(code="participants")
    rows = [
        _row(participants, scope_key="", shown=True, value=Decimal("3.1250")),
        _row(None, scope_key="", breakdown="coverage", breakdown_key="reports", shown=False, numerator=Decimal("5")),
        _row(
            participants,
            scope_key='org "quoted", with\ncomma and\r\nbreaks',
            breakdown="region",
            breakdown_key='=HYPERLINK("x")',
            shown=False,
        ),
        _row(
            participants, scope_key="한국어-العربية", breakdown="gender", breakdown_key="", shown=True, value=Decimal(0)
        ),
    ]
    reports._insert(rows)

    # Read back with plain SQL in the order written: what the table holds, not what the ORM makes of it.
    columns = ", ".join(
        connection.ops.quote_name(ReportRow._meta.get_field(name).column) for name in reports.ROW_FIELDS
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {ReportRow._meta.db_table} ORDER BY id")  # noqa: S608 - our own names
        stored = cursor.fetchall()
    assert stored == rows
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {ReportRow._meta.db_table} WHERE scope_key = '' AND value IS NULL")  # noqa: S608
        assert cursor.fetchone() == (1,)


def test_many_rows_are_written_in_several_copies(monkeypatch):
    monkeypatch.setattr(reports, "COPY_BATCH", 3)
    participants = Indicator.objects.get(code="participants")
    rows = [_row(participants, scope_key=f"org-{i}", shown=bool(i % 2), value=Decimal(i)) for i in range(8)]
    reports._insert(rows)
    assert list(ReportRow.objects.order_by("id").values_list("scope_key", "shown", "value")) == [
        (f"org-{i}", bool(i % 2), Decimal(i)) for i in range(8)
    ]
