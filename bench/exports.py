"""Benchmark: a 100,000-row CSV export streamed by gunicorn, with the worker's memory watched.

Usage: .venv/bin/python bench/exports.py [--rows 100000] [--json PATH]

Recreates a scratch PostgreSQL database (capacity_bench_exports by default) with one
organization that reported on `--rows` sessions (one report and session made with the
models, the rest copied from them by one INSERT … SELECT each), then, in one run:

1. the bare SQL: PostgreSQL's COPY of the same reports joined to their sessions,
   programs and organizations to CSV, read to the end and thrown away;
2. the organization's report export (/organizations/<slug>/reports.csv), downloaded
   from one gunicorn worker (gunicorn.conf.py: threaded, 30-second timeout) as its admin: time to the
   first byte, to the last, rows/s, and the worker's memory before and at its peak
   during the download (the kernel's high-water mark, reset just before).

A worker that loaded every row before sending would grow by hundreds of megabytes;
one that streams stays near where it began. Prints the figures and asserts nothing
about speed; a download that fails or is short stops the run loudly.
"""

import argparse
import http.client
import json
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import PROXY_HEADER, connection_reuse, get, gunicorn, scratch_site, signed_in_cookie  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="reports in the export (default 100000)")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/capacity_bench_exports")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    if not args.database_url.startswith("postgres://"):
        parser.error("--database-url must be a postgres:// URL: the bench measures PostgreSQL")
    if not 1 <= args.rows <= 10_000_000:
        parser.error("--rows must be between 1 and 10000000")
    return args


def _columns(model, *, leave_out):
    from django.db import connection

    return [
        connection.ops.quote_name(field.column)
        for field in model._meta.concrete_fields
        if not field.primary_key and field.column not in leave_out
    ]


def fill(rows):
    """One organization whose program ran `rows` past sessions, each with an activity report; its admin's id."""
    from django.db import connection, transaction
    from django.utils import timezone

    from programs.models import ActivityReport, Session
    from stakeholders.models import Membership
    from tests.factories import MembershipFactory, OrganizationFactory, ProgramFactory, SessionFactory

    with transaction.atomic():
        organization = OrganizationFactory(slug="bench-exports", name="Wikimedia 벤치 — ويكيميديا")
        admin = MembershipFactory(organization=organization, role=Membership.Role.ADMIN).user
        program = ProgramFactory(provider=organization, slug="bench-exports", original_title="편집 교실 — ورشة")
        first = timezone.now() - timedelta(days=400)
        session = SessionFactory(program=program, starts_at=first, ends_at=first + timedelta(hours=2), seats=40)
        ActivityReport.objects.create(
            session=session, participants=24, newcomers=9, facilitators=2, hours_of_learning=48, pages_created=5,
            pages_improved=31, files_uploaded=12, gender_asked=True, gender_woman=11, gender_man=10,
            gender_non_binary=1, gender_prefer_not=2, newcomer_asked=True, newcomer_new=9, newcomer_returning=15,
            notes="=SUM(A1) 워크숍 — ورشة عمل", submitted_by=admin,
        )  # fmt: skip
        session_columns = _columns(Session, leave_out={"starts_at", "ends_at"})
        report_columns = _columns(ActivityReport, leave_out={"session_id"})
        # Table and column names come from the models; the values are parameters.
        with connection.cursor() as cursor:
            # Copies of the session, one a minute earlier each; then a copy of the report for each.
            cursor.execute(
                f"INSERT INTO {Session._meta.db_table} ({', '.join(session_columns)}, starts_at, ends_at) "  # noqa: S608
                f"SELECT {', '.join(session_columns)}, starts_at - n * interval '1 minute', "
                f"ends_at - n * interval '1 minute' "
                f"FROM {Session._meta.db_table}, generate_series(1, %s) AS n WHERE id = %s",
                [rows - 1, session.pk],
            )
            cursor.execute(
                f"INSERT INTO {ActivityReport._meta.db_table} ({', '.join(report_columns)}, session_id) "  # noqa: S608
                f"SELECT {', '.join('r.' + column for column in report_columns)}, s.id "
                f"FROM {Session._meta.db_table} s, {ActivityReport._meta.db_table} r "
                f"WHERE s.program_id = %s AND s.id <> %s AND r.session_id = %s",
                [program.pk, session.pk, session.pk],
            )
        cursor = connection.cursor()
        cursor.execute("ANALYZE")
    return organization, admin.pk


def bare_copy(organization):
    """Seconds for PostgreSQL to COPY the same reports, joined as the export joins them, to CSV."""
    from django.db import connection

    class Sink:
        size = 0

        def write(self, data):
            self.size += len(data)

    sink = Sink()
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.copy_expert(
            "COPY (SELECT o.name, r.*, s.starts_at, s.ends_at, s.time_zone, s.is_cancelled "  # noqa: S608
            "FROM programs_activityreport r JOIN programs_session s ON s.id = r.session_id "
            "JOIN programs_program p ON p.id = s.program_id JOIN stakeholders_organization o ON o.id = p.provider_id "
            f"WHERE o.id = {int(organization.pk)} ORDER BY s.starts_at, r.id) TO STDOUT WITH (FORMAT csv)",
            sink,
        )
    return time.perf_counter() - started, sink.size


def memory_of(pid):
    """(VmRSS, VmHWM) of a process in MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) / 1024
    return fields["VmRSS"], fields["VmHWM"]


def download(port, path, cookie):
    """(status, seconds to the first byte, seconds to the last, bytes, lines) of one streamed download."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    started = time.perf_counter()
    connection.request("GET", path, headers={PROXY_HEADER[0]: PROXY_HEADER[1], "Cookie": cookie})
    response = connection.getresponse()
    first = None
    size = lines = 0
    while chunk := response.read(65536):
        if first is None:
            first = time.perf_counter() - started
        size += len(chunk)
        lines += chunk.count(b"\n")
    connection.close()
    return response.status, first or 0.0, time.perf_counter() - started, size, lines


def main():
    args = parse_args()
    scratch_site(args.database_url, args.redis_url)
    started = time.perf_counter()
    organization, admin_id = fill(args.rows)
    filled = time.perf_counter() - started
    cookie = signed_in_cookie(admin_id)
    bare_seconds, bare_bytes = bare_copy(organization)
    from django.db import connections

    connections.close_all()
    path = f"/en/organizations/{organization.slug}/reports.csv"
    print(
        f"{args.rows:,} activity reports of one organization (made in {filled:.1f} s); "
        f"one gunicorn worker, {connection_reuse()[1]}."
    )
    with tempfile.TemporaryDirectory() as scratch, gunicorn(workers=1, log=f"{scratch}/gunicorn.log") as port:
        status, body = get(port, "/bench/pid")
        pid = int(body)
        get(port, f"/en/organizations/{organization.slug}/", [("Cookie", cookie)])  # warms templates up
        Path(f"/proc/{pid}/clear_refs").write_text("5")  # resets the high-water mark
        before, _ = memory_of(pid)
        status, first, seconds, size, lines = download(port, path, cookie)
        after, peak = memory_of(pid)
        log = Path(f"{scratch}/gunicorn.log").read_text()
    rows = lines - 1  # the header
    result = {
        "rows": rows,
        "megabytes": round(size / 1e6, 1),
        "first_byte_seconds": round(first, 3),
        "seconds": round(seconds, 2),
        "rows_per_second": round(rows / seconds),
        "worker_rss_before_mb": round(before, 1),
        "worker_rss_peak_mb": round(peak, 1),
        "worker_rss_after_mb": round(after, 1),
        "worker_growth_mb": round(peak - before, 1),
        "bare_copy_seconds": round(bare_seconds, 2),
        "bare_copy_megabytes": round(bare_bytes / 1e6, 1),
        "ratio_to_bare_copy": round(bare_seconds / seconds, 3),
    }
    print(
        f"\nexport: {rows:,} rows, {result['megabytes']} MB in {seconds:.2f} s ({result['rows_per_second']:,} rows/s; "
        f"first byte after {first * 1000:.0f} ms)\n"
        f"worker memory: {before:.1f} MB before, {peak:.1f} MB at its peak, {after:.1f} MB after "
        f"(+{peak - before:.1f} MB)\n"
        f"bare COPY of the same rows: {bare_seconds:.2f} s ({result['bare_copy_megabytes']} MB); "
        f"the export runs at {result['ratio_to_bare_copy']:.2f}× its speed"
    )
    if args.json:
        report = {
            "command": " ".join(["bench/exports.py", *sys.argv[1:]]),
            "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "db_conn_max_age": connection_reuse()[0],
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load": os.getloadavg()[0]},
            **result,
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
        print(f"Figures written to {args.json}")
    if status != 200 or rows != args.rows:
        sys.exit(f"WRONG: the export answered {status} with {rows} rows, not {args.rows}.\n{log[-3000:]}")


if __name__ == "__main__":
    main()
