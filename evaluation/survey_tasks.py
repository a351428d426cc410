"""Beat jobs for surveys: create the invitations that fell due, and email them, each once."""

from celery import shared_task
from django.utils import timezone

from . import surveys


@shared_task(acks_late=True, time_limit=600, soft_time_limit=540)
def schedule_survey_invitations() -> int:
    """Create the survey invitations due now; running it again, or twice at once, creates none twice."""
    return surveys.invitations_schedule(now=timezone.now())


@shared_task(acks_late=True, time_limit=600, soft_time_limit=540)
def send_survey_invitations(limit: int = 500) -> int:
    """Email up to `limit` due survey invitations, each exactly once; the next run carries on with the rest."""
    return surveys.invitations_send(now=timezone.now(), limit=limit)
