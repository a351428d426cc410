"""Benchmark: spreadsheet imports of attendance and activity reports on PostgreSQL.

Usage: .venv/bin/python bench/imports.py [--rows 10000] [--json PATH] [--database-url URL]

Recreates a scratch PostgreSQL database (capacity_bench_imports by default), fills it
with one organization, `--rows` people enrolled in sessions of 500 seats and `--rows`
sessions to report on, then times each step of an import in this process: reading the
file (CSV and XLSX), checking every row against the database (what the preview does),
and the import itself (which reads and checks the stored file again, then writes), and
a second import of the same file, which changes nothing. Prints figures and asserts
nothing about speed; a file that does not import cleanly stops the run.
"""

import argparse
import csv
import io
import json
import os
import secrets
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SEATS_PER_SESSION = 500
# Django's mark for "no password": nobody logs in as these generated people.
UNUSABLE_PASSWORD = "!"  # noqa: S105


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000, help="rows in each file (default 10000)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/capacity_bench_imports")
    args = parser.parse_args()
    if not args.database_url.startswith("postgres://"):
        parser.error("--database-url must be a postgres:// URL: the bench measures PostgreSQL")
    if not 1 <= args.rows <= 20_000:
        parser.error("--rows must be between 1 and 20000 (IMPORT_MAX_ROWS)")
    return args


def prepare(database_url):
    """A fresh, migrated scratch database, with the settings a deployment would use."""
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "capacity.settings",
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "DATABASE_URL": database_url,
            "REDIS_URL": "",
        }
    )
    from bench.run import prepare_database

    prepare_database(database_url, fresh=True)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)


def fill(rows):
    """One organization, `rows` people with seats in started sessions, and `rows` sessions to report on."""
    from django.utils import timezone

    from programs.models import Enrollment, Session
    from stakeholders.models import Membership, Organization, User
    from tests.factories import MembershipFactory, OrganizationFactory, ProgramFactory

    organization = OrganizationFactory(slug="bench-imports", name="Bench imports")
    staff = MembershipFactory(organization=organization, role=Membership.Role.STAFF).user
    program = ProgramFactory(provider=organization, slug="bench-imports-program")
    now = timezone.now()

    def sessions(count):
        return Session.objects.bulk_create(
            Session(program=program, starts_at=now - timedelta(hours=2), ends_at=now, seats=SEATS_PER_SESSION)
            for _ in range(count)
        )

    attendance_sessions = sessions(-(-rows // SEATS_PER_SESSION))
    people = User.objects.bulk_create(
        User(
            username=f"bench{n}", email=f"bench{n}@example.org", password=UNUSABLE_PASSWORD, display_name=f"참가자 {n}"
        )
        for n in range(rows)
    )
    Enrollment.objects.bulk_create(
        Enrollment(user=person, session=attendance_sessions[n // SEATS_PER_SESSION], status="enrolled")
        for n, person in enumerate(people)
    )
    Session.objects.filter(pk__in=[s.pk for s in attendance_sessions]).update(seats_taken=SEATS_PER_SESSION)
    report_sessions = sessions(rows)
    assert Organization.objects.filter(pk=organization.pk).exists()
    return organization, staff, attendance_sessions, people, report_sessions


def csv_file(rows):
    stream = io.StringIO(newline="")
    csv.writer(stream, delimiter=";").writerows(rows)
    return ("\ufeff" + stream.getvalue()).encode()


def xlsx_file(rows):
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for row in rows:
        sheet.append(row)
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def attendance_rows(attendance_sessions, people):
    header = ["session_id", "person", "attendance", "completed"]
    body = [
        [
            attendance_sessions[n // SEATS_PER_SESSION].pk,
            person.email.upper() if n % 2 else person.username,
            "no_show" if n % 10 == 0 else "attended",
            "yes" if n % 20 == 1 else "",
        ]
        for n, person in enumerate(people)
    ]
    return [header, *body]


def report_rows(report_sessions):
    from programs import imports

    rows = [list(imports.REPORT_COLUMNS)]
    for n, session in enumerate(report_sessions):
        values = {
            "session_id": session.pk,
            "participants": 20,
            "newcomers": n % 10,
            "facilitators": 2,
            "hours_of_learning": "35,5",
            "pages_created": n % 7,
            "gender_asked": "yes",
            "gender_woman": 9,
            "gender_man": 8,
            "age_asked": "no",
            "newcomer_asked": "yes",
            "newcomer_new": n % 10,
            "newcomer_returning": 20 - n % 10,
            "notes": "워크숍 — ورشة عمل",
        }
        rows.append([values.get(column, "") for column in imports.REPORT_COLUMNS])
    return rows


def timed(work):
    started = time.perf_counter()
    result = work()
    return result, time.perf_counter() - started


def measure(kind, rows, organization, staff):
    """Seconds for each step of importing these rows as CSV, and reading them as XLSX."""
    from programs import imports

    content = csv_file(rows)
    workbook = xlsx_file(rows)
    table, read_csv = timed(lambda: imports.read_table(content))
    _table, read_xlsx = timed(lambda: imports.read_table(workbook))
    check, checked = timed(lambda: imports.check_table(table, kind=kind, organization=organization))
    if check.errors:
        sys.exit(f"{kind}: the generated file has errors, first: {check.errors[0]}")
    upload = imports.import_upload_create(
        organization=organization, by=staff, kind=kind, filename=f"{kind}.csv", content=content
    )
    result, committed = timed(lambda: imports.import_upload_commit(upload=upload, by=staff))
    again = imports.import_upload_create(
        organization=organization, by=staff, kind=kind, filename=f"{kind}.csv", content=content
    )
    repeat, repeated = timed(lambda: imports.import_upload_commit(upload=again, by=staff))
    if result.errors or repeat.errors or repeat.changes:
        sys.exit(f"{kind}: the import did not go through cleanly")
    return {
        "rows": len(rows) - 1,
        "csv_bytes": len(content),
        "xlsx_bytes": len(workbook),
        "read_csv_s": round(read_csv, 2),
        "read_xlsx_s": round(read_xlsx, 2),
        "check_s": round(checked, 2),
        "preview_s": round(read_csv + checked, 2),
        "import_s": round(committed, 2),
        "reimport_unchanged_s": round(repeated, 2),
        "changed": len(result.changes),
    }


def main():
    args = parse_args()
    prepare(args.database_url)
    organization, staff, attendance_sessions, people, report_sessions = fill(args.rows)
    figures = {
        "attendance": measure("attendance", attendance_rows(attendance_sessions, people), organization, staff),
        "reports": measure("reports", report_rows(report_sessions), organization, staff),
        "cpus": os.cpu_count(),
        "load_average": [round(value, 2) for value in os.getloadavg()],
    }
    print(
        f"\n{'file':12} {'rows':>6} {'CSV KB':>7} {'read CSV':>9} {'read XLSX':>10} {'check':>7} "
        f"{'preview':>8} {'import':>7} {'again':>7}"
    )
    for kind in ("attendance", "reports"):
        f = figures[kind]
        print(
            f"{kind:12} {f['rows']:>6} {f['csv_bytes'] // 1024:>7} {f['read_csv_s']:>8.2f}s {f['read_xlsx_s']:>9.2f}s "
            f"{f['check_s']:>6.2f}s {f['preview_s']:>7.2f}s {f['import_s']:>6.2f}s {f['reimport_unchanged_s']:>6.2f}s"
        )
    print(
        "\npreview = read CSV + check; import = read, check again and write, in one transaction; "
        "again = the same file imported a second time (nothing changes)."
    )
    print(f"Load average {figures['load_average']} on {figures['cpus']} CPUs.")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
        print(f"Figures written to {args.json}")


if __name__ == "__main__":
    main()
