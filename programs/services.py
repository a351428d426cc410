"""Everything that changes several rows at once: enrolling, cancelling, completing."""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Certificate, Enrollment, Session

logger = logging.getLogger(__name__)


class EnrollmentError(Exception):
    """A reason, fit to show the person, why an enrollment change did not happen."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class SessionBusy(EnrollmentError):
    """Too many people are enrolling at once; the person should simply try again."""


@dataclass(frozen=True)
class EnrollmentResult:
    enrollment: Enrollment
    promoted: Enrollment | None = None


def _lock_session(session_id):
    """Lock the session row, waiting a bounded time; raise SessionBusy after that."""
    try:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = %s", [f"{settings.ENROLLMENT_LOCK_TIMEOUT_MS}ms"])
        return Session.objects.select_for_update().select_related("program").get(pk=session_id)
    except OperationalError as error:
        raise SessionBusy(_("Many people are enrolling right now. Please try again in a moment.")) from error


def _run_locked(work):
    """Run work() in a transaction, turning lock timeouts into a friendly SessionBusy."""
    try:
        with transaction.atomic():
            return work()
    except SessionBusy:
        raise
    except OperationalError as error:
        # SQLite reports a busy database the same way PostgreSQL reports a lock timeout.
        raise SessionBusy(_("Many people are enrolling right now. Please try again in a moment.")) from error


def enrollment_create(*, user, session: Session, now=None) -> EnrollmentResult:
    """Enroll a person in a session, or put them on its waiting list when it is full.

    The session row is locked for the decision so concurrent requests are served one at
    a time in arrival order; the seats counter's check constraint backs this up.
    """

    def work():
        locked = _lock_session(session.pk)
        # Read the clock only once the lock is granted, so the waiting list's times
        # follow the order in which requests were served.
        moment = now or timezone.now()
        state = locked.enrollment_state(moment)
        if state == "not_yet":
            raise EnrollmentError(_("Enrollment for this session has not opened yet."))
        if state == "closed":
            raise EnrollmentError(_("Enrollment for this session is closed."))
        existing = Enrollment.objects.filter(user=user, session=locked).first()
        if existing and existing.status in (Enrollment.Status.ENROLLED, Enrollment.Status.COMPLETED):
            raise EnrollmentError(_("You are already enrolled in this session."))
        if existing and existing.status == Enrollment.Status.WAITLISTED:
            raise EnrollmentError(_("You are already on the waiting list for this session."))

        enrollment = existing or Enrollment(user=user, session=locked)
        if locked.seats_taken < locked.seats:
            Session.objects.filter(pk=locked.pk).update(seats_taken=F("seats_taken") + 1)
            enrollment.status = Enrollment.Status.ENROLLED
            enrollment.waitlisted_at = None
        else:
            enrollment.status = Enrollment.Status.WAITLISTED
            enrollment.waitlisted_at = moment
        enrollment.reminder_sent_at = None
        enrollment.full_clean(validate_unique=False, validate_constraints=False)
        enrollment.save()
        return EnrollmentResult(enrollment=enrollment)

    return _run_locked(work)


def enrollment_cancel(*, enrollment: Enrollment, now=None) -> EnrollmentResult:
    """Cancel an enrollment or leave a waiting list; a freed seat goes to the first in line."""
    now = now or timezone.now()

    def work():
        locked = _lock_session(enrollment.session_id)
        current = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
        if current.status == Enrollment.Status.COMPLETED:
            raise EnrollmentError(_("A completed participation cannot be cancelled."))
        if current.status == Enrollment.Status.CANCELLED:
            raise EnrollmentError(_("This enrollment is already cancelled."))
        if locked.starts_at <= now:
            raise EnrollmentError(_("This session has already started."))
        held_seat = current.status == Enrollment.Status.ENROLLED
        current.status = Enrollment.Status.CANCELLED
        current.waitlisted_at = None
        current.save(update_fields=["status", "waitlisted_at", "updated_at"])

        promoted = None
        if held_seat:
            promoted = (
                Enrollment.objects.select_for_update()
                .filter(session=locked, status=Enrollment.Status.WAITLISTED)
                .order_by("waitlisted_at", "pk")
                .first()
            )
            if promoted is None:
                Session.objects.filter(pk=locked.pk).update(seats_taken=F("seats_taken") - 1)
            else:
                # The seat passes straight to the next person: seats_taken is unchanged.
                promoted.status = Enrollment.Status.ENROLLED
                promoted.waitlisted_at = None
                promoted.save(update_fields=["status", "waitlisted_at", "updated_at"])
                from .tasks import notify_promoted

                promoted_id = promoted.pk
                transaction.on_commit(lambda: notify_promoted.delay(promoted_id))
        return EnrollmentResult(enrollment=current, promoted=promoted)

    return _run_locked(work)


def enrollment_complete(*, enrollment: Enrollment, now=None) -> Certificate:
    """Mark a participation completed and issue its certificate (idempotent)."""
    now = now or timezone.now()
    with transaction.atomic():
        current = (
            Enrollment.objects.select_for_update()
            .select_related("user", "session__program__provider")
            .get(pk=enrollment.pk)
        )
        if current.status not in (Enrollment.Status.ENROLLED, Enrollment.Status.COMPLETED):
            raise EnrollmentError(_("Only people enrolled in the session can complete it."))
        if current.session.starts_at > now:
            raise EnrollmentError(_("A participation can be marked completed once the session has started."))
        if current.status == Enrollment.Status.ENROLLED:
            current.status = Enrollment.Status.COMPLETED
            current.completed_at = now
            current.save(update_fields=["status", "completed_at", "updated_at"])
        certificate = Certificate.objects.filter(enrollment=current).first()
        if certificate is None:
            program = current.session.program
            certificate = Certificate(
                enrollment=current,
                holder_name=current.user.public_name,
                program_title=program.display_title,
                provider_name=program.provider.name,
                completed_on=timezone.localdate(current.completed_at or now),
            )
            certificate.full_clean()
            certificate.save()
        return certificate
