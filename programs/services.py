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
    promoted: tuple[Enrollment, ...] = ()


def _lock_session(session_id):
    """Lock the session row, waiting a bounded time; raise SessionBusy after that."""
    try:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = %s", [f"{settings.ENROLLMENT_LOCK_TIMEOUT_MS}ms"])
        # Lock only the session row: its program stays free for other sessions and jobs.
        return Session.objects.select_for_update(of=("self",)).select_related("program").get(pk=session_id)
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


def _promote_waiting(session: Session, *, now) -> tuple[Enrollment, ...]:
    """Give free seats to the people waiting longest; call with the session row locked.

    Seats free up when someone cancels and when organizers add seats; either way the
    waiting list is served before any newcomer.
    """
    if session.is_cancelled or session.starts_at <= now:
        return ()  # nobody is moved into a session that is off or already under way
    free = session.seats - session.seats_taken
    if free <= 0:
        return ()
    promoted = list(
        Enrollment.objects.select_for_update()
        .filter(session=session, status=Enrollment.Status.WAITLISTED)
        .order_by("waitlisted_at", "pk")[:free]
    )
    if not promoted:
        return ()
    from .tasks import notify_promoted

    for enrollment in promoted:
        enrollment.status = Enrollment.Status.ENROLLED
        enrollment.waitlisted_at = None
        enrollment.promoted_at = now
        enrollment.promotion_notified_at = None
        enrollment.save(update_fields=["status", "waitlisted_at", "promoted_at", "promotion_notified_at", "updated_at"])
        # robust: a failure to queue one email must not undo the request or skip the
        # others; send_pending_promotion_emails picks up whatever was not sent.
        transaction.on_commit(lambda enrollment_id=enrollment.pk: notify_promoted.delay(enrollment_id), robust=True)
    Session.objects.filter(pk=session.pk).update(seats_taken=F("seats_taken") + len(promoted))
    session.seats_taken += len(promoted)
    return tuple(promoted)


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

        promoted = _promote_waiting(locked, now=moment)
        enrollment = existing or Enrollment(user=user, session=locked)
        if locked.seats_taken < locked.seats:
            Session.objects.filter(pk=locked.pk).update(seats_taken=F("seats_taken") + 1)
            enrollment.status = Enrollment.Status.ENROLLED
            enrollment.waitlisted_at = None
        else:
            enrollment.status = Enrollment.Status.WAITLISTED
            enrollment.waitlisted_at = moment
        enrollment.reminder_sent_at = None
        enrollment.promoted_at = None
        enrollment.full_clean(validate_unique=False, validate_constraints=False)
        enrollment.save()
        return EnrollmentResult(enrollment=enrollment, promoted=promoted)

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
        promoted = ()
        if held_seat:
            Session.objects.filter(pk=locked.pk).update(seats_taken=F("seats_taken") - 1)
            locked.seats_taken -= 1
            promoted = _promote_waiting(locked, now=now)
        return EnrollmentResult(enrollment=current, promoted=promoted)

    return _run_locked(work)


def session_fill_from_waitlist(*, session_id: int, now=None) -> tuple[Enrollment, ...]:
    """After organizers add seats, move people up from the waiting list (idempotent)."""
    return _run_locked(lambda: _promote_waiting(_lock_session(session_id), now=now or timezone.now()))


def person_withdraw_from_upcoming(*, user, now=None) -> int:
    """Cancel a person's places in sessions still to come, e.g. before their account goes.

    Their seats pass to the waiting lists as with any cancellation; past participations
    stay counted, since those sessions did happen.
    """
    now = now or timezone.now()
    upcoming = Enrollment.objects.filter(
        user=user, session__starts_at__gt=now, status__in=[Enrollment.Status.ENROLLED, Enrollment.Status.WAITLISTED]
    )
    withdrawn = 0
    for enrollment in upcoming.order_by("pk"):
        enrollment_cancel(enrollment=enrollment, now=now)
        withdrawn += 1
    return withdrawn


def enrollment_complete(*, enrollment: Enrollment, now=None) -> Certificate:
    """Mark a participation completed and issue its certificate (idempotent)."""
    now = now or timezone.now()
    with transaction.atomic():
        current = (
            Enrollment.objects.select_for_update(of=("self",))
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
