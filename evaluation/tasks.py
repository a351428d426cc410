"""Jobs that build the learning reports; each is idempotent (replace-style writes)."""

from celery import shared_task
from django.utils import timezone

from . import measurement_tasks, reports, survey_tasks  # noqa: F401  (the worker finds every job through this module)
from .models import ReportBuild


@shared_task(acks_late=True, time_limit=3600, soft_time_limit=3540)
def build_reports(build_id: int) -> int:
    """Run one queued build. A worker killed mid-way leaves the task unacknowledged; it
    runs again from the start and writes the same rows."""
    return reports.build_run(build_id=build_id)


@shared_task(acks_late=True, time_limit=3600, soft_time_limit=3540)
def rebuild_stale_reports() -> int:
    """Nightly: the years that have new or changed measurements since the last build."""
    build = ReportBuild.objects.create(incremental=True, requested_at=timezone.now())
    return reports.build_run(build_id=build.pk)
