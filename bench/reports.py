"""Benchmark: a full rebuild of the learning reports next to the bare SQL that computes the same figures.

Usage: .venv/bin/python bench/reports.py [--measurements 1000000] [--programs 2000] [--json PATH]
       .venv/bin/python bench/reports.py --generated --database-url URL   (data of generate_dataset)

Fills a PostgreSQL database with generated programs (bench/fill.py) and `--measurements`
measurements spread over ten years (one INSERT … SELECT over generate_series, from a
fixed seed: the same rows every run) — or, with `--generated`, takes the database as it
is (one made by `manage.py generate_dataset`) — then times, in one run:

1. a full rebuild in this process (evaluation.reports.build_run, its years in turn):
   every GROUP BY query, the privacy gate, the intervals and the replace-style writes of
   every report row; and the peak memory of the process that ran it;
2. the bare SQL: every GROUP BY query that build ran (captured while it ran), executed
   again as plain SQL with the rows fetched and nothing else (`--bare-runs` times);
3. an incremental rebuild after 1% new measurements, all in the latest year;
4. with `--workers N`, a full rebuild by a real Celery worker of N processes (one task
   per year, side by side), and the peak memory of its largest process.

Prints the figures and their ratios; asserts nothing about speed. The 1% it adds are
marked as its own (source "bench_added") and taken out again at the start of each run.
"""

import argparse
import json
import os
import platform
import re
import resource
import shutil
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

YEARS = 10
ADDED = "bench_added"  # the source of the measurements the incremental step adds


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--measurements", type=int, default=1_000_000, help="measurements (default 1,000,000)")
    parser.add_argument("--programs", type=int, default=2000, help="programs they come from (default 2000)")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/capacity_bench_reports")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--generated", action="store_true", help="use the database's data as it is; fill nothing")
    parser.add_argument("--bare-runs", type=int, default=2, help="runs of the bare SQL after the build (default 2)")
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="also time a full rebuild by a Celery worker with this many processes (a year per task; needs Redis)",
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15", help="the broker for --workers")
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


# A statement the build ran through a server-side cursor (Django's chunked_cursor) is
# captured as the DECLARE that opened it: the bare run executes its query and fetches the rows.
DECLARED = re.compile(r"^DECLARE\s+\S+\s+(?:NO\s+SCROLL\s+)?CURSOR\s+(?:WITH(?:OUT)?\s+HOLD\s+)?FOR\s+", re.I)


def bare_sql(statements):
    from django.db import connection, transaction

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(DECLARED.sub("", sql, count=1))
            if cursor.description:
                cursor.fetchall()
    return time.perf_counter() - started


def timed_build(**fields):
    """(seconds, the build, the GROUP BY statements it ran as plain SQL)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from evaluation import reports
    from evaluation.models import ReportBuild

    build = ReportBuild.objects.create(**fields)
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        reports.build_run(build_id=build.pk, fan_out=False)
        elapsed = time.perf_counter() - started
    build.refresh_from_db()
    # The GROUP BYs, and the statements that make and drop the temporary table of atoms they read.
    statements = [
        query["sql"]
        for query in captured.captured_queries
        if "GROUP BY" in query["sql"] or "evaluation_reportatom" in query["sql"]
    ]
    return elapsed, build, statements


def worker_build(processes, redis_url):
    """(seconds, the build, peak RSS in MB of the largest worker process): a full rebuild by a real Celery worker.

    The worker (prefork, `processes` processes) takes one task per year; the build is
    timed from queueing to done, and the worker's processes' peak memory is read from the
    kernel once it has stopped (the largest of them), by bench/peak.py: read here, it
    would be this process's own peak (the one-process rebuild before it), not the worker's.
    """
    import signal
    import subprocess

    from django.db import connection

    from evaluation import reports
    from evaluation.models import ReportBuild

    settings_dict = connection.settings_dict
    environment = {
        **os.environ,
        "DATABASE_URL": f"postgres://{settings_dict['USER']}@{settings_dict['HOST']}:{settings_dict['PORT']}/"
        f"{settings_dict['NAME']}",
        "REDIS_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
    }
    peak_file = Path(tempfile.mkdtemp()) / "peak"
    command = [sys.executable, str(ROOT / "bench" / "peak.py"), str(peak_file), "--"]
    command += [sys.executable, "-m", "celery", "-A", "capacity", "worker", "-Q", "capacity", "--pool=prefork"]
    command += [f"--concurrency={processes}", "--prefetch-multiplier=1", "--without-gossip", "--without-mingle"]
    command += ["--loglevel=warning"]
    worker = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=subprocess.DEVNULL)  # noqa: S603 — our own command
    try:
        from capacity.celery import app

        app.conf.broker_url = redis_url
        app.conf.task_always_eager = False
        app.control.purge()
        time.sleep(5)  # the worker's processes start
        build = ReportBuild.objects.create()
        started = time.perf_counter()
        reports.build_run(build_id=build.pk, fan_out=True)
        while True:
            build.refresh_from_db()
            if build.status in (ReportBuild.Status.DONE, ReportBuild.Status.FAILED):
                break
            time.sleep(0.5)
        elapsed = time.perf_counter() - started
        if build.status != ReportBuild.Status.DONE:
            sys.exit(f"the worker's build failed: {build.error}")
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=120)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
    peak = int(peak_file.read_text()) / 1024
    shutil.rmtree(peak_file.parent)
    return elapsed, build, peak


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def add_one_percent(count):
    """1% new measurements, all in the latest year, as a night of reports would bring."""
    from django.db import connection

    from evaluation.measurements import stale_years_mark
    from evaluation.models import Measurement

    remove_added()
    latest = Measurement.objects.order_by("-date").values_list("date", flat=True).first()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO evaluation_measurement
                (indicator_id, value, numerator, denominator, people, date, source, source_id,
                 organization_id, program_id, region_id, is_emerging, category_id, method, dimension, answer, recorded_at)
            SELECT indicator_id, value, numerator, denominator, people, date, %s,
                   source_id + (SELECT max(source_id) FROM evaluation_measurement),
                   organization_id, program_id, region_id, is_emerging, category_id, method, dimension, answer, now()
            FROM evaluation_measurement
            WHERE date >= %s AND date < %s AND source <> %s
            ORDER BY id LIMIT %s
            """,
            [ADDED, date(latest.year, 1, 1), date(latest.year + 1, 1, 1), ADDED, max(count // 100, 1)],
        )
    # Marked as the measurement services mark what they write: the year and each indicator added to.
    added = Measurement.objects.filter(source=ADDED).values_list("indicator__code", flat=True).distinct().order_by()
    stale_years_mark(changes=[(latest.year, code) for code in added])
    return latest.year


def remove_added():
    """Take out the 1% a previous run added, so every run measures the same rows."""
    from evaluation.models import Measurement

    Measurement.objects.filter(source=ADDED).delete()


def main():
    args = parse_args()
    setup(args.database_url)
    from evaluation.reports import measured_years

    if not args.generated:
        fill(args.measurements, args.programs)
    from evaluation.models import Measurement

    remove_added()
    total = Measurement.objects.count()
    years = measured_years()
    print(f"{total:,} measurements over {len(years)} years; full rebuild …", flush=True)
    full_seconds, full, statements = timed_build()
    peak = peak_rss_mb()
    print(f"  {full_seconds:.1f} s; the bare GROUP BYs it ran, {args.bare_runs} times …", flush=True)
    bare_runs = [bare_sql(statements) for _ in range(max(args.bare_runs, 1))]
    bare = sum(bare_runs) / len(bare_runs)
    pool = None
    if args.workers:
        print(f"  a full rebuild by a Celery worker of {args.workers} processes …", flush=True)
        pool = worker_build(args.workers, args.redis_url)
    year = add_one_percent(total)
    print(f"  incremental rebuild of {year} after 1% more …", flush=True)
    incremental_seconds, incremental, _ = timed_build(incremental=True)
    remove_added()
    results = {
        "command": " ".join(["bench/reports.py", *sys.argv[1:]]),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "measurements": total,
        "years": len(years),
        "group_by_queries": len(statements),
        "bare_sql_seconds": round(bare, 2),
        "bare_sql_runs": [round(seconds, 2) for seconds in bare_runs],
        "full_rebuild_seconds": round(full_seconds, 2),
        "full_rebuild_ratio": round(full_seconds / bare, 2),
        "full_rebuild_peak_rss_mb": round(peak),
        "report_rows": full.rows,
        "incremental_year": year,
        "incremental_seconds": round(incremental_seconds, 2),
        "incremental_share_of_full": round(incremental_seconds / full_seconds, 3),
    }
    if pool:
        pool_seconds, pool_build, pool_rss = pool
        results.update(
            {
                "worker_processes": args.workers,
                "worker_full_rebuild_seconds": round(pool_seconds, 2),
                "worker_full_rebuild_ratio": round(pool_seconds / bare, 2),
                "worker_peak_rss_mb": round(pool_rss),
                "worker_report_rows": pool_build.rows,
            }
        )
    print(
        f"\n{total:,} measurements over {len(years)} years, {len(statements)} statements (GROUP BYs, atoms table)\n"
        f"  bare SQL GROUP BY   {bare:8.2f} s  (runs: {', '.join(f'{seconds:.2f} s' for seconds in bare_runs)})\n"
        f"  full rebuild        {full_seconds:8.2f} s  ratio {full_seconds / bare:.2f}× bare, {full.rows:,} rows, "
        f"peak RSS {peak:.0f} MB\n"
        f"  incremental (+1%)   {incremental_seconds:8.2f} s  {incremental_seconds / full_seconds:.1%} of the full "
        f"rebuild (year {year})"
    )
    if pool:
        print(
            f"  by a worker of {args.workers} processes {pool_seconds:8.2f} s  ratio {pool_seconds / bare:.2f}× bare, "
            f"{pool_build.rows:,} rows, peak RSS {pool_rss:.0f} MB (its largest process)"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
