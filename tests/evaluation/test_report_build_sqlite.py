"""The embedded default (SQLite) builds the same learning report rows as PostgreSQL.

SQLite has no GROUPING SETS: a year is a second GROUP BY there (reports._cells_of_step),
and its sums come back as floats that Django keeps 15 digits of. A generated year (the
same seed on both databases) is built on each and compared figure by figure: who is
counted, what is shown, and the sums to their last stored digit.
"""

import json
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from bench.dataset import generate
from evaluation import reports
from evaluation.models import ReportRow

YEAR = 2021
TODAY = date(2026, 11, 28)
COLUMNS = ("scope", "scope_key", "period", "indicator__code", "breakdown", "breakdown_key")
COUNTS = ("n", "measurements", "shown")
SUMS = ("total", "total_squares", "numerator", "denominator", "value", "low", "high")

# Run in a process of its own on a new SQLite database: prints the year's rows as JSON.
SQLITE_BUILD = f"""
import json, django
django.setup()
from datetime import date
from django.core.management import call_command
call_command("migrate", verbosity=0)
from bench.dataset import generate
from evaluation import reports
from evaluation.models import ReportRow
generate(scale="tiny", seed=1, out=lambda line: None, today=date({TODAY.year}, {TODAY.month}, {TODAY.day}))
reports.year_replace({YEAR})
rows = ReportRow.objects.filter(period__startswith="{YEAR}").values_list(*{COLUMNS + COUNTS + SUMS!r})
print(json.dumps([[None if v is None else str(v) for v in row] for row in rows]))
"""


def _on_sqlite(script, tmp_path):
    """Run a script in a process of its own on a new SQLite database; the JSON of its last line."""
    environment = {
        "PATH": "/usr/bin:/bin",
        "DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'reports.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "capacity.settings",
    }
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=root, env=environment, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def _figures(rows):
    """{key: (counts, sums as Decimals)} of rows given as strings or values."""
    width = len(COLUMNS)
    return {
        tuple(row[:width]): (
            tuple(str(value) for value in row[width : width + len(COUNTS)]),
            tuple(None if value is None else Decimal(str(value)) for value in row[width + len(COUNTS) :]),
        )
        for row in rows
    }


@pytest.mark.django_db
def test_sqlite_builds_the_rows_postgresql_builds(tmp_path):
    generate(scale="tiny", seed=1, out=lambda line: None, today=TODAY)
    reports.year_replace(YEAR)
    postgresql = _figures(ReportRow.objects.filter(period__startswith=str(YEAR)).values_list(*COLUMNS, *COUNTS, *SUMS))
    assert len(postgresql) > 5000

    sqlite = _figures(_on_sqlite(SQLITE_BUILD, tmp_path))

    assert sqlite.keys() == postgresql.keys()
    differing = [
        key
        for key, (counts, sums) in postgresql.items()
        if sqlite[key][0] != counts
        or any(
            (a is None) != (b is None) or (a is not None and abs(a - b) > Decimal("0.0001"))
            for a, b in zip(sqlite[key][1], sums, strict=True)
        )
    ]
    assert differing == []


# On a new SQLite database: a year built, new hours of learning marked as the services mark
# them, an incremental build, then the whole year built again from the same data.
SQLITE_INCREMENTAL = f"""
import json, django
django.setup()
from datetime import date
from django.core.management import call_command
call_command("migrate", verbosity=0)
from bench.dataset import generate
from evaluation import reports
from evaluation.measurements import stale_years_mark
from evaluation.models import Measurement, ReportBuild, ReportRow
generate(scale="tiny", seed=1, out=lambda line: None, today=date({TODAY.year}, {TODAY.month}, {TODAY.day}))
reports.year_replace({YEAR})
year_rows = ReportRow.objects.filter(period__startswith="{YEAR}")
def figures():
    return sorted(json.dumps([None if v is None else str(v) for v in row]) for row in year_rows.values_list(*{COLUMNS + COUNTS + SUMS!r}))
def built(code):
    return sorted(str(at) for at in set(year_rows.filter(indicator__code=code).values_list("built_at", flat=True)))
participants_built = built("participants")
added = list(Measurement.objects.filter(indicator__code="hours_of_learning", date__year={YEAR}, dimension="")[:40])
for measurement in added:
    measurement.pk, measurement.source, measurement.value = None, "sqlite_test", measurement.value + 7
Measurement.objects.bulk_create(added)
stale_years_mark(changes=[({YEAR}, "hours_of_learning")])
build = ReportBuild.objects.create(incremental=True)
reports.build_run(build_id=build.pk)
build.refresh_from_db()
incremental = figures()
kept = built("participants") == participants_built
reports.year_replace({YEAR})
print(json.dumps({{"status": build.status, "added": len(added), "kept": kept, "rows": len(incremental), "same": incremental == figures()}}))
"""


def test_sqlite_builds_an_incremental_year_as_it_builds_a_whole_one(tmp_path):
    outcome = _on_sqlite(SQLITE_INCREMENTAL, tmp_path)
    assert outcome["status"] == "done"
    assert outcome["added"] == 40
    assert outcome["kept"], "the participants' rows were kept as built, not built again"
    assert outcome["rows"] > 5000
    assert outcome["same"]
