"""Jobs that email people about their sessions; each is safe to run twice."""

import logging
from datetime import timedelta

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import timezone, translation

from . import services
from .models import Enrollment

REMINDER_LEAD_TIME = timedelta(hours=24)
logger = logging.getLogger(__name__)


def _send_to_person(enrollment, template, subject_template):
    user = enrollment.user
    with translation.override(user.preferred_language or settings.LANGUAGE_CODE), timezone.override(user.time_zone):
        program = enrollment.session.program
        context = {
            "enrollment": enrollment,
            "session": enrollment.session,
            "program": program,
            "title": program.shown("title").text,
            "user": user,
        }
        # Plain text, not HTML: the templates turn autoescaping off. A subject is one
        # line whatever a title holds, or the mail library refuses to send it.
        subject = " ".join(render_to_string(subject_template, context).split())
        body = render_to_string(template, context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email], fail_silently=False)


def _claim(enrollment_id, field, eligible, now):
    """Claim one enrollment's email by setting `field`; True if this caller got it.

    `field IS NULL` stays on the updated row itself and the conditions on other tables go
    in `eligible` (`id IN (SELECT …)`): PostgreSQL re-checks the row's own columns after a
    concurrent claim commits, but reads such a subquery from the old snapshot, so a claim
    made only inside it let two racing runs both send (22 emails for 20 people).
    """
    return bool(
        Enrollment.objects.filter(pk=enrollment_id, **{f"{field}__isnull": True}, pk__in=eligible).update(
            **{field: now}
        )
    )


def _send_once(enrollment_id, claim, field, template, subject_template):
    """Send one person one email at most once: claim it by setting `field`, release the claim if sending fails.

    `claim` selects the one enrollment still owed this email; a second run, or a second
    worker, finds nothing left to claim.
    """
    if not claim.update(**{field: timezone.now()}):
        return False
    enrollment = Enrollment.objects.select_related("user", "session__program").get(pk=enrollment_id)
    if not enrollment.user.email:
        return False
    try:
        _send_to_person(enrollment, template, subject_template)
    except Exception:
        Enrollment.objects.filter(pk=enrollment.pk).update(**{field: None})
        raise
    return True


@shared_task(acks_late=True, time_limit=60, soft_time_limit=50)
def notify_promoted(enrollment_id: int) -> bool:
    """Tell a person a seat opened up for them, once. Returns whether an email was sent."""
    claim = Enrollment.objects.filter(
        pk=enrollment_id,
        status=Enrollment.Status.ENROLLED,
        promoted_at__isnull=False,
        promotion_notified_at__isnull=True,
    )
    return _send_once(
        enrollment_id,
        claim,
        "promotion_notified_at",
        "programs/email/promoted.txt",
        "programs/email/promoted_subject.txt",
    )


@shared_task(acks_late=True, time_limit=300, soft_time_limit=280)
def send_session_reminders() -> int:
    """Email everyone enrolled in a session that starts within a day, once each."""
    now = timezone.now()
    due = (
        Enrollment.objects.filter(
            status=Enrollment.Status.ENROLLED,
            reminder_sent_at__isnull=True,
            session__is_cancelled=False,
            session__starts_at__gt=now,
            session__starts_at__lte=now + REMINDER_LEAD_TIME,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    sent = 0
    for enrollment_id in due.iterator():
        # Claim the reminder before sending: a second run, or a second worker, finds
        # it claimed and skips it, so nobody gets two.
        # The claim re-checks everything: people cancel while a batch is running.
        still_due = Enrollment.objects.filter(
            pk=enrollment_id,
            user__isnull=False,
            status=Enrollment.Status.ENROLLED,
            session__is_cancelled=False,
            session__starts_at__gt=now,
        ).values("pk")
        claimed = _claim(enrollment_id, "reminder_sent_at", still_due, now)
        if not claimed:
            continue
        enrollment = Enrollment.objects.select_related("user", "session__program").get(pk=enrollment_id)
        if not enrollment.user.email:
            continue
        try:
            _send_to_person(enrollment, "programs/email/reminder.txt", "programs/email/reminder_subject.txt")
        except SoftTimeLimitExceeded:
            # Out of time: release this claim and stop; the next run carries on.
            Enrollment.objects.filter(pk=enrollment_id).update(reminder_sent_at=None)
            raise
        except Exception:
            # Release the claim so the next run retries this person, and go on with
            # everyone else: one bad address must not hold back the others.
            logger.exception("Reminder for enrollment %s could not be sent", enrollment_id)
            Enrollment.objects.filter(pk=enrollment_id).update(reminder_sent_at=None)
            continue
        sent += 1
    return sent


@shared_task(acks_late=True, time_limit=600, soft_time_limit=540)
def check_seat_counts() -> int:
    """Nightly: compare every session's seat count with its enrollments; repair and log drift."""
    return len(services.session_seat_counts_repair())


@shared_task(acks_late=True, time_limit=300, soft_time_limit=280)
def send_pending_promotion_emails() -> int:
    """Send seat-opened emails that failed or were never queued; each still goes out once."""
    pending = Enrollment.objects.filter(
        status=Enrollment.Status.ENROLLED,
        promoted_at__isnull=False,
        promotion_notified_at__isnull=True,
        session__starts_at__gt=timezone.now(),
    ).order_by("pk")
    sent = 0
    for enrollment_id in pending.values_list("pk", flat=True).iterator():
        try:
            sent += notify_promoted(enrollment_id)
        except SoftTimeLimitExceeded:
            raise
        except Exception:
            logger.exception("Seat-opened email for enrollment %s could not be sent", enrollment_id)
    return sent


@shared_task(acks_late=True, time_limit=60, soft_time_limit=50)
def notify_session_cancelled(enrollment_id: int) -> bool:
    """Tell a person enrolled or waiting that their session is off, once. Returns whether an email was sent."""
    still_owed = (
        Enrollment.objects.filter(pk=enrollment_id, session__is_cancelled=True)
        .exclude(status=Enrollment.Status.CANCELLED)
        .values("pk")
    )
    claim = Enrollment.objects.filter(pk=enrollment_id, cancellation_notified_at__isnull=True, pk__in=still_owed)
    return _send_once(
        enrollment_id,
        claim,
        "cancellation_notified_at",
        "programs/email/cancelled.txt",
        "programs/email/cancelled_subject.txt",
    )


@shared_task(acks_late=True, time_limit=300, soft_time_limit=280)
def send_pending_cancellation_emails() -> int:
    """Send session-cancelled emails that failed or were never queued; each still goes out once."""
    pending = (
        Enrollment.objects.filter(
            cancellation_notified_at__isnull=True,
            session__is_cancelled=True,
            # Past the session's date the news is no longer worth an email.
            session__starts_at__gt=timezone.now(),
        )
        .exclude(status=Enrollment.Status.CANCELLED)
        .order_by("pk")
    )
    sent = 0
    for enrollment_id in pending.values_list("pk", flat=True).iterator():
        try:
            sent += notify_session_cancelled(enrollment_id)
        except SoftTimeLimitExceeded:
            raise
        except Exception:
            logger.exception("Session-cancelled email for enrollment %s could not be sent", enrollment_id)
    return sent
