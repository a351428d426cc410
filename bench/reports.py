"""Benchmark: a full rebuild of the learning reports next to the bare SQL that computes the same figures.

Usage: .venv/bin/python bench/reports.py [--measurements 1000000] [--programs 2000] [--json PATH]

Fills a PostgreSQL database with generated programs (bench/fill.py) and `--measurements`
measurements spread over ten years (one INSERT … SELECT over generate_series, from a
fixed seed: the same rows every run), then times, in one run:

1. the bare SQL: every GROUP BY query a build runs (captured from one build), executed
   as plain SQL with the rows fetched and nothing else;
2. a full rebuild (evaluation.reports.build_run): the same queries, plus the privacy
   gate, the intervals and the replace-style writes of every report row;
3. an incremental rebuild after 1% new measurements, all in the latest year.

Prints the figures and their ratios; asserts nothing about speed.
"""

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

YEARS = 10


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--measurements", type=int, default=1_000_000, help="measurements (default 1,000,000)")
    parser.add_argument("--programs", type=int, default=2000, help="programs they come from (default 2000)")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/capacity_bench_reports")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    return parser.parse_args()


def setup(database_url):
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DEBUG", "true")
    os.environ.pop("REDIS_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "capacity.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    name = connection.settings_dict["NAME"]
    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not cursor.fetchone():
            cursor.execute(f'CREATE DATABASE "{name}"')
    call_command("migrate", verbosity=0)


def fill(measurements, programs):
    """Programs from bench/fill.py, then measurements with one INSERT … SELECT (deterministic)."""
    from django.db import connection

    from bench.fill import fill_catalog
    from evaluation.models import Indicator, Measurement

    fill_catalog(programs)
    have = Measurement.objects.count()
    if have >= measurements:
        return have
    codes = {indicator.code: indicator.pk for indicator in Indicator.objects.all()}
    started = time.perf_counter()
    with connection.cursor() as cursor:
        # Participant rows carry a demographic split; means one person each; rates 0/1.
        cursor.execute(
            """
            WITH p AS (
                SELECT p.id, p.provider_id, p.region_id, r.is_emerging, p.method,
                       row_number() OVER (ORDER BY p.id) AS number
                FROM programs_program p JOIN capacity_region r ON r.id = p.region_id
            ), n AS (SELECT count(*) AS programs FROM p)
            INSERT INTO evaluation_measurement
                (indicator_id, value, numerator, denominator, people, date, source, source_id,
                 organization_id, program_id, region_id, is_emerging, category_id, method,
                 dimension, answer, recorded_at)
            SELECT
                CASE g %% 4 WHEN 0 THEN %(participants)s WHEN 1 THEN %(hours)s
                            WHEN 2 THEN %(satisfaction)s ELSE %(retention)s END,
                CASE g %% 4 WHEN 0 THEN 5 + g %% 40 WHEN 1 THEN 10 + g %% 90
                            WHEN 2 THEN 1 + g %% 5 ELSE 0 END,
                CASE WHEN g %% 4 = 3 THEN (g / 4) %% 2 END,
                CASE WHEN g %% 4 = 3 THEN 1 END,
                CASE g %% 4 WHEN 0 THEN 5 + g %% 40 WHEN 1 THEN 5 + g %% 40 ELSE 1 END,
                DATE '2016-01-01' + ((g * 7919) %% (%(years)s * 365))::int,
                'activity_report', g,
                p.provider_id, p.id, p.region_id, p.is_emerging, NULL, p.method,
                '', '', now()
            FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS g
            CROSS JOIN n
            JOIN p ON p.number = 1 + (g * 2654435761) %% n.programs
            """,
            {
                "participants": codes["participants"],
                "hours": codes["hours_of_learning"],
                "satisfaction": codes["satisfaction"],
                "retention": codes["retention_3m"],
                "years": YEARS,
                "first": have + 1,
                "last": measurements,
            },
        )
        cursor.execute("ANALYZE evaluation_measurement")
    print(f"filled {measurements - have:,} measurements in {time.perf_counter() - started:.1f} s", flush=True)
    return Measurement.objects.count()


def captured_group_bys(year):
    """The SELECT … GROUP BY statements one year's build runs, as plain SQL."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from evaluation import reports

    with CaptureQueriesContext(connection) as captured:
        reports.year_rows(year)
    return [query["sql"] for query in captured.captured_queries if "GROUP BY" in query["sql"]]


def bare_sql(statements):
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
            cursor.fetchall()
    return time.perf_counter() - started


def timed_build(**fields):
    from evaluation import reports
    from evaluation.models import ReportBuild

    build = ReportBuild.objects.create(**fields)
    started = time.perf_counter()
    reports.build_run(build_id=build.pk)
    elapsed = time.perf_counter() - started
    build.refresh_from_db()
    return elapsed, build


def add_one_percent(count):
    """1% new measurements, all in the latest year, as a night of reports would bring."""
    from django.db import connection

    from evaluation.models import Measurement, StalePeriod

    # A previous run's 1% goes first, so every run measures the same rows.
    Measurement.objects.filter(source="allocation").delete()
    latest = Measurement.objects.order_by("-date").values_list("date", flat=True).first()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO evaluation_measurement
                (indicator_id, value, numerator, denominator, people, date, source, source_id,
                 organization_id, program_id, region_id, is_emerging, category_id, method, dimension, answer, recorded_at)
            SELECT indicator_id, value, numerator, denominator, people, date, 'allocation',
                   source_id + (SELECT max(source_id) FROM evaluation_measurement),
                   organization_id, program_id, region_id, is_emerging, category_id, method, dimension, answer, now()
            FROM evaluation_measurement
            WHERE EXTRACT(YEAR FROM date) = %s AND source = 'activity_report'
            ORDER BY id LIMIT %s
            """,
            [latest.year, max(count // 100, 1)],
        )
    StalePeriod.objects.update_or_create(year=latest.year)
    return latest.year


def main():
    args = parse_args()
    setup(args.database_url)
    from evaluation.reports import measured_years

    total = fill(args.measurements, args.programs)
    from evaluation.models import Measurement

    Measurement.objects.filter(source="allocation").delete()
    total = Measurement.objects.count()
    years = measured_years()
    statements = [sql for year in years for sql in captured_group_bys(year)]
    bare_first = bare_sql(statements)
    full_seconds, full = timed_build()
    bare_last = bare_sql(statements)
    bare = (bare_first + bare_last) / 2
    year = add_one_percent(total)
    incremental_seconds, incremental = timed_build(incremental=True)
    results = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "measurements": total,
        "years": len(years),
        "group_by_queries": len(statements),
        "bare_sql_seconds": round(bare, 2),
        "bare_sql_first_last": [round(bare_first, 2), round(bare_last, 2)],
        "full_rebuild_seconds": round(full_seconds, 2),
        "full_rebuild_ratio": round(full_seconds / bare, 2),
        "report_rows": full.rows,
        "incremental_year": year,
        "incremental_seconds": round(incremental_seconds, 2),
        "incremental_share_of_full": round(incremental_seconds / full_seconds, 3),
    }
    print(
        f"\n{total:,} measurements over {len(years)} years, {len(statements)} GROUP BY queries\n"
        f"  bare SQL GROUP BY   {bare:8.2f} s  (first {bare_first:.2f} s, last {bare_last:.2f} s)\n"
        f"  full rebuild        {full_seconds:8.2f} s  ratio {full_seconds / bare:.2f}× bare, {full.rows:,} rows\n"
        f"  incremental (+1%)   {incremental_seconds:8.2f} s  {incremental_seconds / full_seconds:.1%} of the full "
        f"rebuild (year {year})"
    )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
