"""Reports built by a real Celery worker on Redis: equal to SQL, idempotent, and whole after a SIGKILL.

The worker takes the build, then one task per year (reports.build_run queues them).
"""

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from evaluation import reports
from evaluation.models import ReportBuild, ReportRow, Scope
from tests.broker import use_broker
from tests.evaluation.report_data import program_in, regions
from tests.evaluation.test_report_build import snapshot

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
YEARS = range(2020, 2026)  # six: a build is about a second a year here, whatever the data
TIME_LIMIT = 5  # seconds; the visibility timeout is twice this


@pytest.fixture
def six_years(seeded_transactional_db):
    """Six years of activity reports in two regions and two methods, measured as the sync would."""
    from evaluation.measurements import measurements_sync
    from programs import services
    from tests.factories import SessionFactory

    (emerging, *_), (established, *_) = regions()
    programs = [
        program_in(emerging, method="mentoring"),
        program_in(established, method="workshop"),
        program_in(established, method="mentoring"),
    ]
    for year in YEARS:
        for month in (1, 4, 7, 10):
            for index, program in enumerate(programs):
                starts = datetime(year, month, 9, 10, tzinfo=UTC)
                session = SessionFactory(program=program, starts_at=starts, ends_at=starts + timedelta(hours=2))
                participants = 6 + (year + month + index) % 30
                services.report_save(
                    session=session,
                    values={"participants": participants, "hours_of_learning": participants * 2},
                    now=starts + timedelta(days=1),
                )
    measurements_sync(now=timezone.now())


def wait_for(predicate, *, timeout, step=0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return None


def start_worker(time_limit=TIME_LIMIT):
    """A worker process of its own, on the test database and the test Redis database.

    `time_limit` is each task's (a year's build); the visibility timeout is twice it.
    """
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "capacity.settings",
        "DEBUG": "true",
        "DATABASE_URL": f"postgres://{connection.settings_dict['USER'] or 'postgres'}@"
        f"{connection.settings_dict['HOST'] or '127.0.0.1'}:{connection.settings_dict['PORT'] or 5432}/"
        f"{connection.settings_dict['NAME']}",
        "REDIS_URL": settings.CELERY_BROKER_URL,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        # Redis hands an unacknowledged task to a worker again once it is older than the
        # visibility timeout (twice the time limit), which a worker checks as it starts:
        # short here, so the restarted worker takes it up at once.
        "CELERY_TASK_TIME_LIMIT": str(time_limit),
        "CELERY_TASK_SOFT_TIME_LIMIT": str(time_limit - 1),
        "REPORT_BUILD_TIME_LIMIT": str(time_limit),
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "capacity",
            "worker",
            "--pool=solo",
            "-Q",
            "capacity",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=warning",
        ],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


@pytest.fixture
def broker(settings):
    """The test process queues on Redis instead of running tasks in place."""
    from capacity.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False
    use_broker(app, settings.CELERY_BROKER_URL)
    app.control.purge()
    yield app
    app.control.purge()
    app.conf.task_always_eager = True


def stop(worker):
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def status(build):
    build.refresh_from_db()
    return build.status


def test_a_report_built_by_the_worker_equals_the_sql_group_by_and_a_second_build_changes_nothing(six_years, broker):
    # A minute a year: this test waits for no redelivery. With five seconds, a year's build
    # (about one here) can be cut off and redone on a machine loaded by other work: CI saw
    # this build not finish in two minutes once while other tests ran beside it.
    worker = start_worker(time_limit=60)
    try:
        build = reports.build_request(by=None)
        assert wait_for(lambda: status(build) == ReportBuild.Status.DONE, timeout=120), build.error
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT r.slug, EXTRACT(YEAR FROM m.date)::int, EXTRACT(QUARTER FROM m.date)::int,
                       SUM(m.value), SUM(m.people), COUNT(*)
                FROM evaluation_measurement m
                JOIN evaluation_indicator i ON i.id = m.indicator_id
                JOIN capacity_region r ON r.id = m.region_id
                WHERE i.code = 'participants' AND m.dimension = ''
                GROUP BY 1, 2, 3
                """
            )
            expected = {
                (f"{year}-Q{quarter}", slug): (total, n, count) for slug, year, quarter, total, n, count in cursor
            }
        built = {
            (row.period, row.scope_key): (row.total, row.n, row.measurements)
            for row in ReportRow.objects.filter(
                scope=Scope.REGION, indicator__code="participants", breakdown="", period__contains="-Q"
            )
        }
        assert built == expected
        first = snapshot()
        again = reports.build_request(by=None)
        assert wait_for(lambda: status(again) == ReportBuild.Status.DONE, timeout=120), again.error
        assert snapshot() == first
    finally:
        stop(worker)


def test_a_worker_killed_mid_build_and_restarted_writes_exactly_the_same_report(six_years, broker):
    reference_build = ReportBuild.objects.create()
    reports.build_run(build_id=reference_build.pk, fan_out=False)  # here, every year in turn
    reference = snapshot()
    ReportRow.objects.all().delete()

    worker = start_worker()
    try:
        build = reports.build_request(by=None)

        def part_way():
            build.refresh_from_db()
            assert build.status != ReportBuild.Status.DONE, "the build finished before it could be killed"
            return (
                build.status == ReportBuild.Status.RUNNING
                and build.steps_total
                and (build.steps_done > build.steps_total / len(YEARS))
            )

        assert wait_for(part_way, timeout=120, step=0.005)
        worker.send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
        worker.wait(timeout=10)
        build.refresh_from_db()
        assert build.status == ReportBuild.Status.RUNNING
        assert 0 < build.steps_done < build.steps_total
        assert snapshot() != reference  # killed half-way: some years written, not all
    finally:
        stop(worker)

    # The task is unacknowledged in Redis; once past the visibility timeout, a worker
    # starting up takes it back (a sleep, not a poll: there is nothing to watch).
    time.sleep(max(0, 2 * TIME_LIMIT + 1 - (time.monotonic() - killed_at)))
    worker = start_worker()
    try:
        assert wait_for(lambda: status(build) == ReportBuild.Status.DONE, timeout=120), build.error
    finally:
        stop(worker)
    assert snapshot() == reference
