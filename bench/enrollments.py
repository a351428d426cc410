"""Benchmark: many people enrolling at once in the last seats of one session, over HTTP.

Usage: .venv/bin/python bench/enrollments.py [--requests 200] [--seats-left 20] [--json PATH]

Recreates a scratch PostgreSQL database (capacity_bench_enrollments by default) with one
session of `--seats` seats, all but `--seats-left` of them taken, and `--requests`
people signed in. gunicorn serves the production settings; every person's POST to the
enroll button leaves at the same moment (one thread each, behind a barrier), then the
same number of GETs of the bare view do the same before and after, for comparison
(after one untimed round that warms the workers up). Afterwards the
database must hold exactly `--seats-left` new enrollments and the rest on the waiting
list, with no error answered: the run stops loudly otherwise. Prints requests/s and
latencies; asserts nothing about speed.
"""

import argparse
import http.client
import json
import os
import platform
import secrets
import statistics
import string
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import PROXY_HEADER, connection_reuse, gunicorn, scratch_site, signed_in_cookie  # noqa: E402

UNUSABLE_PASSWORD = "!"  # noqa: S105  (Django's mark for "no password")
CSRF_SECRET_CHARACTERS = string.ascii_letters + string.digits  # what Django makes its CSRF secrets of


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="people enrolling at once (default 200)")
    parser.add_argument("--seats-left", type=int, default=20, help="free seats when they start (default 20)")
    parser.add_argument("--seats", type=int, default=100, help="seats of the session (default 100)")
    parser.add_argument("--workers", type=int, default=8, help="gunicorn workers (default 8)")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/capacity_bench_enrollments")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    if not args.database_url.startswith("postgres://"):
        parser.error("--database-url must be a postgres:// URL: the bench measures PostgreSQL")
    if not 0 < args.seats_left <= args.seats:
        parser.error("--seats-left must be between 1 and --seats")
    if not 1 <= args.requests <= 1000:
        parser.error("--requests must be between 1 and 1000")
    return args


def fill(args):
    """One open session with all but the last seats taken, and the people who will want them."""
    from django.db import transaction
    from django.utils import timezone

    from programs.models import Enrollment, Session
    from stakeholders.models import User
    from tests.factories import OrganizationFactory, ProgramFactory, SessionFactory

    taken = args.seats - args.seats_left
    with transaction.atomic():
        program = ProgramFactory(provider=OrganizationFactory(slug="bench-enrollments"), slug="last-seats")
        session = SessionFactory(program=program, seats=args.seats, starts_at=timezone.now() + timedelta(days=14))
        people = User.objects.bulk_create(
            User(
                username=f"seat-{n}",
                email=f"seat-{n}@example.org",
                display_name=f"Seat {n}",
                password=UNUSABLE_PASSWORD,
            )
            for n in range(taken + args.requests)
        )
        Enrollment.objects.bulk_create(
            Enrollment(user=person, session=session, status=Enrollment.Status.ENROLLED) for person in people[:taken]
        )
        Session.objects.filter(pk=session.pk).update(seats_taken=taken)
    return program, session, [person.pk for person in people[taken:]]


def fire(port, requests):
    """Send every (method, path, headers) at once, one thread each; [(status, seconds)] and the wall time."""
    barrier = threading.Barrier(len(requests) + 1)
    results = [None] * len(requests)

    def send(index, method, path, headers):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        try:
            connection.connect()
            barrier.wait()
            started = time.perf_counter()
            connection.request(method, path, body=b"" if method == "POST" else None, headers=headers)
            response = connection.getresponse()
            response.read()
            results[index] = (response.status, time.perf_counter() - started, response.getheader("Location"))
        except OSError as error:
            results[index] = (f"{type(error).__name__}: {error}", time.perf_counter() - started, None)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(index, *request)) for index, request in enumerate(requests)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return results, time.perf_counter() - started


def summary(name, results, wall, expected_status):
    latencies = sorted(seconds * 1000 for _status, seconds, _location in results)
    errors = [status for status, _seconds, _location in results if status != expected_status]
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return {
        "scenario": name,
        "requests": len(results),
        "requests_per_second": round(len(results) / wall, 1),
        "p50_ms": round(statistics.median(latencies), 1),
        "p99_ms": round(p99, 1),
        "max_ms": round(latencies[-1], 1),
        "errors": len(errors),
        "error_examples": [str(status) for status in errors[:5]],
    }


def main():
    args = parse_args()
    scratch_site(args.database_url, args.redis_url)
    program, session, user_ids = fill(args)
    cookies = [signed_in_cookie(user_id) for user_id in user_ids]
    from django.db import connections

    connections.close_all()
    enroll_path = f"/en/programs/{program.slug}/sessions/{session.pk}/enroll/"
    print(
        f"One session of {args.seats} seats, {args.seats_left} free; {args.requests} people press enroll at once; "
        f"gunicorn with {args.workers} workers, {connection_reuse()[1]}."
    )
    with (
        tempfile.TemporaryDirectory() as scratch,
        gunicorn(workers=args.workers, log=f"{scratch}/gunicorn.log") as port,
    ):
        origin = f"https://127.0.0.1:{port}"
        fire(port, [("GET", "/bench/bare", dict([PROXY_HEADER]))] * args.requests)  # warms every worker up
        bare, bare_wall = fire(port, [("GET", "/bench/bare", dict([PROXY_HEADER]))] * args.requests)
        posts = []
        for cookie in cookies:
            token = "".join(secrets.choice(CSRF_SECRET_CHARACTERS) for _ in range(32))
            headers = {
                PROXY_HEADER[0]: PROXY_HEADER[1],
                "Cookie": f"{cookie}; csrftoken={token}",
                "X-CSRFToken": token,
                "Origin": origin,
                "Content-Type": "application/x-www-form-urlencoded",
            }
            posts.append(("POST", enroll_path, headers))
        enrolled, enroll_wall = fire(port, posts)
        bare_again, bare_again_wall = fire(port, [("GET", "/bench/bare", dict([PROXY_HEADER]))] * args.requests)

    from programs.models import Enrollment, Session

    statuses = {
        status: Enrollment.objects.filter(session=session, user_id__in=user_ids, status=status).count()
        for status in (Enrollment.Status.ENROLLED, Enrollment.Status.WAITLISTED)
    }
    seats_taken = Session.objects.get(pk=session.pk).seats_taken
    rows = [
        summary("bare", bare, bare_wall, 200),
        summary("enroll (POST)", enrolled, enroll_wall, 302),
        summary("bare, again", bare_again, bare_again_wall, 200),
    ]
    bare_rate = (rows[0]["requests_per_second"] + rows[2]["requests_per_second"]) / 2
    print(
        f"\n{'scenario':16} {'requests':>8} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'× bare':>7}  errors"
    )
    for row in rows:
        row["ratio_to_bare"] = round(row["requests_per_second"] / bare_rate, 3)
        print(
            f"{row['scenario']:16} {row['requests']:8} {row['requests_per_second']:8.1f} {row['p50_ms']:8.1f} "
            f"{row['p99_ms']:8.1f} {row['max_ms']:8.1f} {row['ratio_to_bare']:7.2f}  {row['errors'] or ''}"
        )
    print(
        f"\nAfterwards: {statuses['enrolled']} of the {args.requests} enrolled, {statuses['waitlisted']} waitlisted; "
        f"the session holds {seats_taken} of {args.seats} seats."
    )
    wrong = []
    if statuses["enrolled"] != args.seats_left or statuses["waitlisted"] != args.requests - args.seats_left:
        wrong.append(f"expected {args.seats_left} enrolled and {args.requests - args.seats_left} waitlisted")
    if seats_taken != args.seats:
        wrong.append(f"the seats counter says {seats_taken}, not {args.seats}")
    if any(row["errors"] for row in rows):
        wrong.append("some requests did not get the expected answer: " + "; ".join(
            f"{row['scenario']}: {row['error_examples']}" for row in rows if row["errors"]
        ))  # fmt: skip
    unexpected = {location for status, _s, location in enrolled if status == 302 and "/programs/" not in location}
    if unexpected:
        wrong.append(f"redirected elsewhere than the program page: {sorted(unexpected)[:3]}")
    if args.json:
        report = {
            "command": " ".join(["bench/enrollments.py", *sys.argv[1:]]),
            "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "seats": args.seats,
            "seats_left": args.seats_left,
            "gunicorn_workers": args.workers,
            "db_conn_max_age": connection_reuse()[0],
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
            "results": rows,
            "afterwards": {**statuses, "seats_taken": seats_taken},
            "correct": not wrong,
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
        print(f"Figures written to {args.json}")
    if wrong:
        sys.exit("WRONG: " + "; ".join(wrong))


if __name__ == "__main__":
    main()
