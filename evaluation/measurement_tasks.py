"""The job that keeps measurements in step with activity reports and allocations; safe to run twice."""

from celery import shared_task
from django.utils import timezone

from .measurements import measurements_sync


@shared_task(acks_late=True, time_limit=600, soft_time_limit=540)
def sync_measurements() -> dict:
    """Re-measure what changed since the last run (beat, every ten minutes); returns the sources changed per kind.

    Replace-style and watermarked: a run killed half-way leaves its watermark where it
    was, so the next run measures the same sources again, and nothing counts twice.
    """
    return measurements_sync(now=timezone.now())
