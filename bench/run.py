"""Benchmark: the catalog, a program page and the staff's pages next to a bare Django view, under load.

Usage: .venv/bin/python bench/run.py [--programs 20000] [--duration 10s] [--json PATH]
       .venv/bin/python bench/run.py --scale {tiny,small,movement} [--duration 10s] [--json PATH]

Fills a PostgreSQL database with generated programs (bench/fill.py), a tenth of them
one large organization's, starts gunicorn with production settings plus a bare view
(bench/settings.py), runs wrk against each URL and prints requests/s, p50, p99 and the
ratio to the bare view. The staff pages (workspace, reports, audit, participants, received, and
the audit trail of a small organization) are requested as the organizations' admin,
with the cookie of a session made for the run; the funder dashboard (funding,
funding-filtered, funding-cold, funding-allocations) as the staff of the funder whose `--allocations`
allocations bench/funding.py made. The machine is shared and noisy, so the
bare view runs first and last in the same run and ratios are to the mean of the two;
the gap between them shows how much the machine drifted.
With --scale the site is instead the generated decade of `manage.py generate_dataset`
(bench/generated.py: made once into capacity_bench_<scale>, kept for the next run;
--fresh makes it again), and the pages are picked from it.
Prints figures and asserts nothing about speed; a page that does not answer 200 stops
the run.
"""

import argparse
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WRK_SCRIPT = ROOT / "bench" / "wrk.lua"
# wrk talks plain HTTP; production sits behind a TLS proxy that sets this header, so
# SECURE_SSL_REDIRECT stays on as in production and nothing is redirected.
PROXY_HEADER = ("X-Forwarded-Proto", "https")


@dataclass
class Scenario:
    name: str
    path: str  # "{n}" becomes a number unique to each request (bench/wrk.lua)
    about: str
    headers: tuple = ()  # (name, value) pairs sent with every request, e.g. a session cookie


def scenarios(program_slug, staff, cookie, community, mentee_cookie, funder_cookie, learner_cookie=None, period=""):
    """Every URL the bench can time; `staff` and `community` say where the generated pages are."""
    signed_in = (("Cookie", cookie),)
    as_learner = (("Cookie", learner_cookie or cookie),)
    as_mentee = (("Cookie", mentee_cookie),)
    as_funder = (("Cookie", funder_cookie),)
    organization = staff.organization_slug
    participants = f"/en/programs/{staff.full_session_program_slug}/sessions/{staff.full_session_id}/participants/"
    chosen = {
        "bare": Scenario("bare", "/bench/bare", "a bare Django view running SELECT 1"),
        "home": Scenario("home", "/en/", "the home page: the six programs starting soonest, regions, capacities"),
        "organizations": Scenario("organizations", "/en/organizations/", "every organization, 24 a page"),
        "catalog": Scenario("catalog", "/en/programs/", "the catalog, the same URL every time"),
        "filtered": Scenario(
            "filtered", "/en/programs/?category=technology&format=online", "the catalog with a category and a format"
        ),
        "program": Scenario("program", f"/en/programs/{program_slug}/", "a program page"),
        "my-learning": Scenario(
            "my-learning", "/en/me/", "my learning, as the person with the most enrollments", as_learner
        ),
        "organization": Scenario(
            "organization", f"/en/organizations/{staff.organization_slug}/", "the largest provider's public page"
        ),
        # A word with a counter appended: every request is a new URL, so nothing comes
        # from the cache, as when a client floods the catalog with distinct searches.
        "search": Scenario("search", "/en/programs/?q=wikidata{n}", "a distinct search per request"),
        # The staff's pages, signed in as the large organization's admin; none is cached.
        "workspace": Scenario(
            "workspace", f"/en/workspace/{organization}/", "the organization's programs, 25 a page", signed_in
        ),
        "reports": Scenario(
            "reports", f"/en/workspace/{organization}/reports/", "its ended sessions and their reports", signed_in
        ),
        "audit": Scenario("audit", f"/en/organizations/{organization}/audit/", "its audit trail, 50 a page", signed_in),
        "participants": Scenario("participants", participants, "a full session's participants", signed_in),
        "received": Scenario(
            "received", "/en/funding/received/", "what its organizations received, next to the movement", signed_in
        ),
        # The community pages; "find a mentor" as a person who wants three capacities.
        "directory": Scenario("directory", "/en/exchange/", "the capacity exchange directory, 25 a page"),
        "directory-filtered": Scenario(
            "directory-filtered",
            f"/en/exchange/?capacity={community.wanted_category}&language=ko&role=shares",
            "the directory filtered by a capacity, a language and 'shares'",
        ),
        "mentors": Scenario("mentors", "/en/exchange/mentors/", "find a mentor, ranked in SQL", as_mentee),
        "support": Scenario("support", "/en/support/", "the support requests, 25 a page"),
        # The funder dashboard, as the staff of the funder whose allocations bench/funding.py made.
        "funding": Scenario("funding", "/en/funding/", "the funder dashboard, every allocation", as_funder),
        "funding-filtered": Scenario(
            "funding-filtered",
            "/en/funding/?region=south-asia&status=disbursed",
            "the funder dashboard filtered by a region and a status",
            as_funder,
        ),
        # A query string of its own per request: the figures are computed every time, never cached.
        "funding-cold": Scenario(
            "funding-cold", "/en/funding/?run={n}", "the dashboard computed afresh for each request", as_funder
        ),
        "funding-allocations": Scenario(
            "funding-allocations", "/en/funding/allocations/", "the allocations behind it, 25 a page", as_funder
        ),
    }
    if staff.small_organization_slug:  # another organization the same admin runs
        chosen["audit-small"] = Scenario(
            "audit-small",
            f"/en/organizations/{staff.small_organization_slug}/audit/",
            "the audit trail of an organization with a short history",
            signed_in,
        )
    if period:  # a year whose learning reports were built (a report without rows is not found)
        chosen["report"] = Scenario(
            "report", f"/en/reports/movement/all/?period={period}", "the movement's learning report of the latest year"
        )
        chosen["report-index"] = Scenario("report-index", "/en/reports/", "the list of every learning report built")
    return chosen


OPTIONAL = [
    *["home", "catalog", "filtered", "program", "search", "flood", "my-learning", "organizations", "organization"],
    *["report", "report-index"],
    *["workspace", "reports", "audit", "audit-small", "participants", "received"],
    *["directory", "directory-filtered", "mentors", "support"],
    *["funding", "funding-filtered", "funding-cold", "funding-allocations"],
]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--programs", type=int, default=20000, help="programs in the catalog (default 20000)")
    parser.add_argument("--duration", default="10s", help="wrk run per URL, e.g. 10s or 1m (default 10s)")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections (default 8)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--people", type=int, default=50000, help="people with an exchange profile (default 50000)")
    parser.add_argument("--requests", type=int, default=10000, help="support requests (default 10000)")
    parser.add_argument(
        "--allocations", type=int, help="allocations of the bench funder (default: five per program, 100000 at 20000)"
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument(
        "--only", action="append", choices=OPTIONAL, help="run only this scenario, and the bare view (repeatable)"
    )
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/capacity_bench")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14", help="flushed at the start of a run")
    parser.add_argument("--fresh", action="store_true", help="drop and recreate the database first")
    parser.add_argument(
        "--scale",
        choices=["tiny", "small", "movement"],
        help="time the pages on `manage.py generate_dataset --scale` data (database capacity_bench_<scale>) "
        "instead of the bench's own fill",
    )
    parser.add_argument(
        "--no-report-build",
        action="store_true",
        help="with --scale: do not build the latest year's learning reports first, and skip the report page",
    )
    args = parser.parse_args()
    if args.scale and args.database_url == parser.get_default("database_url"):
        args.database_url = f"{args.database_url}_{args.scale}"
    if not re.fullmatch(r"[1-9][0-9]*[smh]?", args.duration):
        parser.error(f"--duration must look like 10s or 2m, got {args.duration!r}")
    if args.connections < args.threads:
        parser.error("--connections must be at least --threads (each wrk thread needs a connection)")
    if not args.database_url.startswith("postgres://"):
        parser.error("--database-url must be a postgres:// URL: the bench measures PostgreSQL")
    if args.allocations is None:
        args.allocations = 5 * args.programs
    if args.allocations < 1:
        parser.error("--allocations must be at least 1")
    return args


def use_production_settings(args):
    production_environment(args.database_url, args.redis_url)


def production_environment(database_url, redis_url):
    """Environment for this process and gunicorn: the settings a deployment would use."""
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
        }
    )


def connection_reuse():
    """(recorded, words): how long gunicorn's processes keep a database connection, from the settings they read.

    Printed and recorded with every run (as db_conn_max_age: seconds, 0 for a connection
    per request, "unlimited" for CONN_MAX_AGE None): it moves every page's figures, and the
    bare view's most of all (README, Performance).
    """
    from django.conf import settings

    seconds = settings.DATABASES["default"].get("CONN_MAX_AGE", 0)
    if seconds is None:
        return "unlimited", "database connections kept for as long as the process lives"
    if not seconds:
        return 0, "a database connection opened per request"
    return seconds, f"database connections kept up to {seconds} s"


def scratch_site(database_url, redis_url):
    """A fresh, migrated database under the production settings, its Redis database emptied."""
    production_environment(database_url, redis_url)
    prepare_database(database_url, fresh=True)
    import django
    import redis
    from django.core.management import call_command

    django.setup()
    redis.Redis.from_url(redis_url).flushdb()
    call_command("migrate", interactive=False, verbosity=0)


def prepare_database(database_url, *, fresh):
    import psycopg2
    from psycopg2 import sql

    server_url, name = database_url.rsplit("/", 1)
    server = psycopg2.connect(f"{server_url}/postgres")
    server.autocommit = True
    with server.cursor() as cursor:
        if fresh:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    server.close()


def prepare_site(programs, people, requests, allocations):
    """Migrate, collect static files and fill the database; return what the scenarios need.

    That is how many programs the catalog holds, where the staff pages are (a StaffSite
    from bench/fill.py) and the Cookie header of a new session of their admin.
    """
    import django
    from django.core.management import call_command
    from django.db import connections

    django.setup()
    from bench.fill import fill_catalog, fill_staff_organization, staff_share

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    fill_catalog(programs - staff_share(programs))
    staff = fill_staff_organization(staff_share(programs))
    cookie = signed_in_cookie(staff.admin_id)
    from bench.community import fill_community

    community = fill_community(people=people, requests=requests)
    mentee_cookie = signed_in_cookie(community.mentee_id)
    from bench.funding import fill_funding

    funding = fill_funding(allocations=allocations)
    funder_cookie = signed_in_cookie(funding.funder_user_id)
    from programs.models import Program

    total = Program.objects.count()
    connections.close_all()
    return total, staff, cookie, community, mentee_cookie, funding, funder_cookie


def prepare_generated_site(scale, *, build_report=True):
    """Migrate, collect static files, generate the scale (once) and pick its pages; with the cookies to use."""
    import django
    from django.core.management import call_command
    from django.db import connections

    django.setup()
    from bench.generated import prepare

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    site = prepare(scale, build_report=build_report)
    cookies = tuple(
        signed_in_cookie(user_id)
        for user_id in (site.staff.admin_id, site.community.mentee_id, site.funding.funder_user_id, site.learner_id)
    )
    connections.close_all()
    return site, cookies


def signed_in_cookie(user_id):
    """A Cookie header value for a new session of this person, as logging in would store it.

    Made in this process with the SECRET_KEY gunicorn is given, in whatever session
    engine and cookie name the settings use.
    """
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model

    user = get_user_model().objects.get(pk=user_id)
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def flush_cache(redis_url):
    import redis

    redis.Redis.from_url(redis_url).flushdb()


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(port, path, headers=()):
    """Status and body of one request, without following redirects."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    try:
        connection.request("GET", path, headers=dict([PROXY_HEADER, *headers]))
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@contextmanager
def gunicorn(*, workers, log):
    port = free_port()
    # Production's settings file (a threaded worker, gunicorn.conf.py), wherever the bench is started from.
    command = [sys.executable, "-m", "gunicorn", "capacity.wsgi", "--chdir", str(ROOT)]
    command += ["--config", str(ROOT / "gunicorn.conf.py")]
    command += ["--workers", str(workers), "--bind", f"127.0.0.1:{port}"]
    with open(log, "w") as output:
        server = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)  # noqa: S603
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                sys.exit(f"gunicorn exited with {server.returncode}:\n{Path(log).read_text()}")
            try:
                get(port, "/bench/bare")
                break
            except OSError:
                if time.monotonic() > deadline:
                    sys.exit(f"gunicorn did not answer within 60 s:\n{Path(log).read_text()}")
                time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def wait_until_idle(port, workers):
    """Return once gunicorn has served every request the last wrk run left queued.

    wrk stops with a request in flight on each connection, and the workers still serve
    them; under a flood that is seconds of work, which would be charged to the next
    scenario. One request per worker, sent together, queues behind all of them.
    """
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(lambda _: get(port, "/bench/bare"), range(workers)))


def check_answers_200(port, scenario, log):
    """Stop the run loudly unless the page answers 200; also warms caches and templates."""
    path = scenario.path.replace("{n}", "check")
    status, body = get(port, path, scenario.headers)
    if status != 200:
        sys.exit(
            f"{scenario.name}: GET {path} answered {status}, not 200; nothing was timed.\n"
            f"{body[:2000].decode(errors='replace')}\n--- gunicorn log ---\n{Path(log).read_text()[-4000:]}"
        )


def wrk_command(port, scenario, args, run_id):
    command = [shutil.which("wrk"), "--timeout", "30s"]
    command += ["-t", str(args.threads), "-c", str(args.connections), "-d", args.duration]
    for name, value in [PROXY_HEADER, *scenario.headers]:
        command += ["-H", f"{name}: {value}"]
    command += ["-s", str(WRK_SCRIPT)]
    return [*command, f"http://127.0.0.1:{port}/", "--", scenario.path, run_id]


def figures(scenario, wrk_output, row_name=None):
    """The numbers of one wrk run, read from the JSON line bench/wrk.lua prints."""
    line = next((line for line in wrk_output.splitlines() if line.startswith("BENCH-JSON ")), None)
    if line is None:
        sys.exit(f"{scenario.name}: wrk printed no figures:\n{wrk_output}")
    raw = json.loads(line.removeprefix("BENCH-JSON "))
    if raw["errors"]["status"]:
        sys.exit(f"{scenario.name}: {raw['errors']['status']} responses were 4xx or 5xx:\n{wrk_output}")
    return {
        "scenario": row_name or scenario.name,
        "url": scenario.path,
        "about": scenario.about,
        "requests_per_second": round(raw["requests"] / (raw["duration_us"] / 1e6), 1),
        # No request finished in a short run against a slow page: no latency to show.
        "p50_ms": round(raw["p50_us"] / 1000, 1) if raw["requests"] else None,
        "p99_ms": round(raw["p99_us"] / 1000, 1) if raw["requests"] else None,
        "mean_ms": round(raw["mean_us"] / 1000, 1) if raw["requests"] else None,
        "requests": raw["requests"],
        # Timeouts and broken connections are counted, not fatal: under a flood they
        # are part of the result.
        "socket_errors": sum(count for kind, count in raw["errors"].items() if kind != "status"),
    }


def run_wrk(port, scenario, args, row_name=None):
    run_id = secrets.token_hex(3)
    command = wrk_command(port, scenario, args, run_id)
    result = subprocess.run(command, capture_output=True, text=True, check=True)  # noqa: S603
    return figures(scenario, result.stdout, row_name)


def run_flood(port, program, search, args):
    """The program page timed while a distinct-search flood runs against the same server."""
    run_id = secrets.token_hex(3)
    command = wrk_command(port, search, args, run_id)
    flood = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)  # noqa: S603
    page = run_wrk(port, program, args, row_name="program, flooded")
    flood_output, _ = flood.communicate()
    if flood.returncode:
        sys.exit(f"the search flood's wrk failed with {flood.returncode}:\n{flood_output}")
    return page, figures(search, flood_output, row_name="search flood")


def print_table(rows, bare):
    print()
    print(f"{'scenario':18} {'URL':58} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'× bare':>7}  errors")
    for row in rows:
        p50, p99 = (f"{row[key]:8.1f}" if row[key] is not None else f"{'–':>8}" for key in ("p50_ms", "p99_ms"))
        print(
            f"{row['scenario']:18} {row['url']:58} {row['requests_per_second']:8.1f} {p50} {p99} "
            f"{row['ratio_to_bare']:7.2f}  {row['socket_errors'] or ''}"
        )
    print(f"\nRatios are to the bare view's mean of {bare:.1f} req/s over its runs.")


def git_state():
    """Which code was measured: the commit, and whether tracked files differed from it."""

    def git(*arguments):
        command = ["git", *arguments]
        return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()  # noqa: S603

    try:
        return {"commit": git("rev-parse", "HEAD"), "uncommitted_changes": bool(git("status", "--porcelain", "-uno"))}
    except (OSError, subprocess.CalledProcessError):
        return {"commit": None, "uncommitted_changes": None}


def run_scenarios(chosen, wanted, args):
    """Every wanted scenario against one gunicorn, between two runs of the bare view."""
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        log = f"{scratch}/gunicorn.log"
        with gunicorn(workers=args.workers, log=log) as port:
            for scenario in chosen.values():
                check_answers_200(port, scenario, log)
            for name in ["bare", *[name for name in OPTIONAL if name in wanted]]:
                print(f"  {name} …", flush=True)
                wait_until_idle(port, args.workers)
                if name == "flood":
                    rows += run_flood(port, chosen["program"], chosen["search"], args)
                else:
                    rows.append(run_wrk(port, chosen[name], args))
            print("  bare, again …", flush=True)
            wait_until_idle(port, args.workers)
            rows.append(run_wrk(port, chosen["bare"], args, row_name="bare, again"))
    return rows


def flood_summary(rows):
    """The program page alone and during the flood, side by side; None if the flood did not run."""
    by_name = {row["scenario"]: row for row in rows}
    if "program, flooded" not in by_name:
        return None
    alone, flooded, searches = by_name["program"], by_name["program, flooded"], by_name["search flood"]
    print(
        f"Flood: the program page's p50 is {alone['p50_ms']} ms alone and {flooded['p50_ms']} ms while "
        f"a distinct-search flood runs ({searches['requests_per_second']} searches/s served); "
        f"p99 {alone['p99_ms']} → {flooded['p99_ms']} ms."
    )
    keys = ("requests_per_second", "p50_ms", "p99_ms")
    return {
        "program_alone": {key: alone[key] for key in keys},
        "program_during_flood": {key: flooded[key] for key in keys},
        "flood_requests_per_second": searches["requests_per_second"],
    }


def main():
    args = parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: run scripts/install-system-packages (Debian package wrk).")
    use_production_settings(args)
    prepare_database(args.database_url, fresh=args.fresh)
    generated = None
    if args.scale:
        generated, cookies = prepare_generated_site(args.scale, build_report=not args.no_report_build)
        total, staff, community, funding = generated.programs, generated.staff, generated.community, generated.funding
        cookie, mentee_cookie, funder_cookie, learner_cookie = cookies
        built = (
            "learning reports not built (--no-report-build)"
            if args.no_report_build
            else f"the {generated.report_year} learning reports built in {generated.report_seconds:.0f} s"
        )
        print(
            f"Generated data ({args.scale}): made in {generated.generate_seconds:.0f} s this run "
            f"(0 = already there); {built}."
        )
        chosen = scenarios(
            generated.program_slug, staff, cookie, community, mentee_cookie, funder_cookie, learner_cookie,
            "" if args.no_report_build else str(generated.report_year),
        )  # fmt: skip
    else:
        total, staff, cookie, community, mentee_cookie, funding, funder_cookie = prepare_site(
            args.programs, args.people, args.requests, args.allocations
        )
        from bench.fill import program_slug

        chosen = scenarios(program_slug(args.programs // 2), staff, cookie, community, mentee_cookie, funder_cookie)
    flush_cache(args.redis_url)
    wanted = {name for name in args.only or OPTIONAL if name in chosen or name == "flood"}
    if "flood" in wanted:
        wanted |= {"program"}  # the flood figures sit next to the program page alone
    print(f"{total} programs; gunicorn with {args.workers} workers, {connection_reuse()[1]}; ", end="")
    print(f"wrk -t{args.threads} -c{args.connections} -d{args.duration}")
    print(f"Staff pages: {staff.describe()}; signed in as its admin.")
    print(f"Community: {community.describe()}.")
    print(f"Funding: {funding.describe()}.")

    # Other work on the machine slows every scenario; the load shows how much there was.
    load = {"start": round(os.getloadavg()[0], 2)}
    rows = run_scenarios(chosen, wanted, args)
    load["end"] = round(os.getloadavg()[0], 2)

    bare_runs = [row["requests_per_second"] for row in rows if row["url"] == chosen["bare"].path]
    bare = sum(bare_runs) / len(bare_runs)
    for row in rows:
        row["ratio_to_bare"] = round(row["requests_per_second"] / bare, 3)
    print_table(rows, bare)
    print(f"Load average {load['start']} at the start, {load['end']} at the end, on {os.cpu_count()} CPUs.")
    flood = flood_summary(rows)

    if args.json:
        report = {
            "command": " ".join(["bench/run.py", *sys.argv[1:]]),
            "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
            **git_state(),
            "programs": total,
            "scale": args.scale,
            "generated": None
            if generated is None
            else {
                "generate_seconds": round(generated.generate_seconds, 1),
                "report_year": generated.report_year,
                "report_seconds": round(generated.report_seconds, 1),
                "learner_enrollments": generated.learner_enrollments,
            },
            "staff_organization": {"slug": staff.organization_slug, **staff.sizes},
            "community": community.sizes,
            "funding": funding.sizes,
            "gunicorn_workers": args.workers,
            "db_conn_max_age": connection_reuse()[0],
            "wrk": {"threads": args.threads, "connections": args.connections, "duration": args.duration},
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_average": load},
            "bare_requests_per_second": round(bare, 1),
            "results": rows,
            "flood": flood,
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
        print(f"Figures written to {args.json}")


if __name__ == "__main__":
    main()
