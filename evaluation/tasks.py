"""Jobs that build the learning reports; each is idempotent (replace-style writes)."""

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from . import measurement_tasks, reports, survey_tasks  # noqa: F401  (the worker finds every job through this module)
from .measurements import measurements_sync
from .models import ReportBuild

LIMITS = {
    "acks_late": True,
    "time_limit": settings.REPORT_BUILD_TIME_LIMIT,
    # The soft limit lets a build record its failure before the hard one ends it.
    "soft_time_limit": settings.REPORT_BUILD_TIME_LIMIT - min(60, max(1, settings.REPORT_BUILD_TIME_LIMIT // 10)),
}


def _measured_then_built(build_id):
    # Measurements follow their sources every ten minutes on their own; a build brings
    # them up to date first, so it reports what was recorded when it was asked for.
    measurements_sync(now=timezone.now())
    return reports.build_run(build_id=build_id)


@shared_task(**LIMITS)
def build_reports(build_id: int) -> int:
    """Start one queued build: measurements brought up to date, then a task per year. A
    worker killed mid-way leaves the task unacknowledged; it runs again from the start."""
    return _measured_then_built(build_id)


@shared_task(**LIMITS)
def build_report_year(build_id: int, year: int, version: int | None = None, attempt: int | None = None) -> int:
    """One year of a build's attempt (build_run queues one per year). A worker killed mid-year
    leaves the task unacknowledged; it runs again from the start, writes the same rows and counts once.

    `version` is not read any more (a year's marks are read with its snapshot: year_replace);
    it stays so that tasks queued before still run."""
    del version
    return reports.build_year(build_id=build_id, year=year, attempt=attempt)


def _open_build(incremental):
    """The build of this kind still queued or running (a task redelivered after its worker
    died), or a new one."""
    build = (
        ReportBuild.objects.filter(
            incremental=incremental,
            scope="",
            requested_by__isnull=True,
            status__in=[ReportBuild.Status.QUEUED, ReportBuild.Status.RUNNING],
        )
        .order_by("-pk")
        .first()
    )
    return build or ReportBuild.objects.create(incremental=incremental)


@shared_task(**LIMITS)
def rebuild_stale_reports() -> int:
    """Nightly: the years that have new or changed measurements since the last build."""
    return _measured_then_built(_open_build(incremental=True).pk)


@shared_task(**LIMITS)
def rebuild_all_reports() -> int:
    """Weekly: every measurement re-derived from its source and every year rebuilt, which
    catches what no mark records (a capacity or a region renamed, a capacity deleted)."""
    measurements_sync(now=timezone.now(), full=True)
    return reports.build_run(build_id=_open_build(incremental=False).pk)
