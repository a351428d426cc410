"""Every change to programs, sessions and enrollments: the one write path.

Views, the admin, tasks, imports and the demo all call these functions; models hold no
rules in save() and there are no signals.
"""

import logging
import secrets
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import OperationalError, connection, transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from capacity import fragments
from capacity.dates import zone_named
from stakeholders import erasure
from stakeholders.models import Membership

from .access import can_manage_program
from .models import (
    DASHBOARD_FIGURES,
    DEMOGRAPHIC_DIMENSIONS,
    ActivityReport,
    Certificate,
    Enrollment,
    ImportUpload,
    PersonDemographics,
    Program,
    Session,
    demographic_columns,
    new_badge_salt,
)

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
            fragments.content_changed()
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
    if session.is_cancelled or session.has_started(now):
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
        if state.is_not_yet:
            raise EnrollmentError(_("Enrollment for this session has not opened yet."))
        if state.is_closed:
            raise EnrollmentError(_("Enrollment for this session is closed."))
        existing = Enrollment.objects.filter(user=user, session=locked).first()
        if existing and existing.holds_seat:
            raise EnrollmentError(_("You are already enrolled in this session."))
        if existing and existing.is_waitlisted:
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
        if current.is_completed:
            raise EnrollmentError(_("A completed participation cannot be cancelled."))
        if current.is_cancelled:
            raise EnrollmentError(_("This enrollment is already cancelled."))
        if locked.has_started(now):
            raise EnrollmentError(_("This session has already started."))
        held_seat = current.is_enrolled
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


def _free_program_slug(program: Program) -> str:
    """A new, unused slug from the program's title, for a program saved without one.

    Slugs are ASCII: a title in Korean or Arabic gives nothing to slugify, so the
    English translation is tried first, and a random suffix makes any slug unique.
    """
    base = slugify(program.title_en or program.original_title or "")[:80].strip("-")
    taken = Program.objects.exclude(pk=program.pk)
    candidate = base or f"program-{secrets.token_hex(3)}"
    while taken.filter(slug=candidate).exists():
        candidate = f"{base or 'program'}-{secrets.token_hex(3)}"
    return candidate


def program_save(*, program: Program, categories=None, languages=None) -> Program:
    """Create or change a program, with its categories and languages when given.

    A program without a slug gets one from its title. Categories and languages are
    left as they are when None (the admin sets them itself after saving).
    """
    with transaction.atomic():
        if not program.slug:
            program.slug = _free_program_slug(program)
        program.full_clean()
        program.save()
        if categories is not None:
            program.categories.set(categories)
        if languages is not None:
            program.languages.set(languages)
        fragments.content_changed()
    return program


def program_publish(*, program: Program) -> Program:
    """Put a draft program in the catalog; an archived one must be restored first."""
    with transaction.atomic():
        locked = Program.objects.select_for_update().get(pk=program.pk)
        if locked.archived_at is not None:
            raise ValidationError(_("An archived program cannot be published; restore it first."))
        if locked.is_published:
            return locked  # a repeated submit: no empty change in the audit trail
        locked.is_published = True
        locked.save(update_fields=["is_published", "updated_at"])
        fragments.content_changed()
    return locked


def program_unpublish(*, program: Program) -> Program:
    """Take a program out of the catalog and back to draft; its sessions and enrollments stay."""
    with transaction.atomic():
        locked = Program.objects.select_for_update().get(pk=program.pk)
        if not locked.is_published:
            return locked  # a repeated submit: no empty change in the audit trail
        locked.is_published = False
        locked.save(update_fields=["is_published", "updated_at"])
        fragments.content_changed()
    return locked


def program_archive(*, program: Program, now=None) -> Program:
    """Retire a program: out of the catalog, kept with its sessions, reports and certificates.

    A program with a session still to come cannot be archived: its people would be left
    enrolled in something nobody can see. Cancel those sessions first.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = Program.objects.select_for_update().get(pk=program.pk)
        if locked.archived_at is not None:
            return locked
        if locked.sessions.filter(is_cancelled=False, ends_at__gt=now).exists():
            raise ValidationError(
                _("This program has sessions that have not ended yet; cancel them before archiving it.")
            )
        locked.is_published = False
        locked.archived_at = now
        locked.save(update_fields=["is_published", "archived_at", "updated_at"])
        fragments.content_changed()
    return locked


def program_restore(*, program: Program) -> Program:
    """Bring an archived program back as a draft."""
    with transaction.atomic():
        locked = Program.objects.select_for_update().get(pk=program.pk)
        if locked.archived_at is None:
            return locked  # a repeated submit: no empty change in the audit trail
        locked.archived_at = None
        locked.save(update_fields=["archived_at", "updated_at"])
        fragments.content_changed()
    return locked


def program_delete(*, program: Program) -> None:
    """Remove a program with its sessions; cached pages stop showing it at once."""
    with transaction.atomic():
        program.delete()
        fragments.content_changed()


def session_delete(*, session: Session) -> None:
    """Remove a session with its enrollments; cached pages stop showing it at once."""
    with transaction.atomic():
        session.delete()
        fragments.content_changed()


# Every session column an organizer edits; seats_taken belongs to the enrollment services.
SESSION_EDITABLE_FIELDS = (
    "program",
    "starts_at",
    "ends_at",
    "venue",
    "online_url",
    "seats",
    "enrollment_opens_at",
    "enrollment_closes_at",
    "is_cancelled",
    "time_zone",
    "dashboard_course",
)


def sessions_bulk_create(*, sessions: list[Session]) -> list[Session]:
    """Add many new sessions at once, as an import does: each validated, one INSERT.

    Nothing else has to be kept in step: "next session" and "upcoming" are computed
    when read, and the content version moves on so cached pages show the new sessions.
    """
    for session in sessions:
        session.seats_taken = 0
        session.full_clean()
    with transaction.atomic():
        # With their audit records, as every other session write has.
        created = bulk_create_with_history(sessions, Session)
        fragments.content_changed()
    return created


def _seats_problem(*, seats, taken):
    if seats >= taken:
        return None
    return ngettext(
        "%(taken)s person is already enrolled; seats cannot be fewer.",
        "%(taken)s people are already enrolled; seats cannot be fewer.",
        taken,
    ) % {"taken": taken}


def session_seats_problem(*, session_id: int, seats: int) -> str | None:
    """Why a session could not have this many seats now, for forms; session_save re-checks under the lock."""
    taken = Session.objects.filter(pk=session_id).values_list("seats_taken", flat=True).first() or 0
    return _seats_problem(seats=seats, taken=taken)


def session_save(*, session: Session, facilitators=None, now=None) -> Session:
    """Create or change a session; added seats go to the waiting list first.

    An existing session is locked while it changes, and its seat count is read afresh
    under the lock: people may have enrolled since the form was loaded, and the count a
    form carries must never be written back. Facilitators are replaced when given.
    """
    if session._state.adding:
        if session.program.archived_at is not None:
            # Archiving needs every session over; a new one would undo that unseen.
            raise ValidationError(_("This program is archived; restore it before adding sessions."))
        with transaction.atomic():
            session.seats_taken = 0
            session.full_clean()
            session.save()
            if facilitators is not None:
                session.facilitators.set(facilitators)
            fragments.content_changed()
        return session

    def work():
        locked = _lock_session(session.pk)
        session.seats_taken = locked.seats_taken
        # Said about the seats before full_clean reports it as the overbooking constraint.
        problem = _seats_problem(seats=session.seats, taken=locked.seats_taken)
        if problem:
            raise ValidationError({"seats": problem})
        session.full_clean()
        if (
            session.program.archived_at is not None
            and not session.is_cancelled
            and session.ends_at > (now or timezone.now())
        ):
            # Archiving needs every session over; moving one into the future would undo that unseen.
            raise ValidationError({"ends_at": _("This program is archived; its sessions stay in the past.")})
        session.save(update_fields=[*SESSION_EDITABLE_FIELDS, "updated_at"])
        if facilitators is not None:
            session.facilitators.set(facilitators)
        # Ticking "cancelled" in the admin tells people exactly as session_cancel does,
        # through the same once-only claim; un-ticking lets a later cancellation tell them again.
        if session.is_cancelled and not locked.is_cancelled:
            _queue_cancellation_notices(session)
        elif locked.is_cancelled and not session.is_cancelled:
            Enrollment.objects.filter(session=session).update(cancellation_notified_at=None)
        _promote_waiting(session, now=now or timezone.now())
        return session

    return _run_locked(work)


def _queue_cancellation_notices(session: Session) -> None:
    """Queue the cancellation email for everyone enrolled or waiting; call under the session lock."""
    from .tasks import notify_session_cancelled

    told = (
        Enrollment.objects.filter(session=session, cancellation_notified_at__isnull=True)
        .exclude(status=Enrollment.Status.CANCELLED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for enrollment_id in told:
        # robust: one email failing to queue must not undo the cancellation or skip the
        # others; send_pending_cancellation_emails picks up whatever was not sent.
        transaction.on_commit(lambda pk=enrollment_id: notify_session_cancelled.delay(pk), robust=True)


def session_cancel(*, session: Session, by, now=None) -> Session:
    """Call a session off and email everyone enrolled or waiting, once each.

    Nobody is moved up from the waiting list afterwards: _promote_waiting skips
    cancelled sessions. `by` is the organizer who cancelled, for the log.
    """
    now = now or timezone.now()

    def work():
        locked = _lock_session(session.pk)
        if locked.is_cancelled:
            raise EnrollmentError(_("This session is already cancelled."))
        if locked.ends_at <= now:
            raise EnrollmentError(_("This session has already ended, so it cannot be cancelled."))
        locked.is_cancelled = True
        locked.save(update_fields=["is_cancelled", "updated_at"])
        _queue_cancellation_notices(locked)
        logger.info("Session %s cancelled by user %s", locked.pk, getattr(by, "pk", None))
        return locked

    return _run_locked(work)


def _check_attendance_value(attendance):
    if attendance not in Enrollment.Attendance.values:
        raise EnrollmentError(_("Choose attended, did not come or not marked."))


def _attendance_problem(*, session: Session, now):
    if session.is_cancelled:
        return _("The session was cancelled, so there is no attendance to mark.")
    if not session.has_started(now):
        return _("Attendance can be marked once the session has started.")
    return None


def attendance_problems(
    *, session: Session, enrollment: Enrollment, attendance: str, complete: bool = False, now=None
) -> dict:
    """Why this attendance (and completion) cannot be recorded now: {"session"|"enrollment"|"attendance": reason}.

    The rules of enrollment_mark_attendance and enrollment_complete in one place, for an
    import's preview and for attendance_import_apply, which asks again under the locks.
    """
    now = now or timezone.now()
    problem = _attendance_problem(session=session, now=now)
    if problem:
        return {"session": problem}
    if not enrollment.holds_seat:
        return {"enrollment": _("Attendance is marked only for people who have a seat in the session.")}
    if attendance not in Enrollment.Attendance.values:
        return {"attendance": _("Choose attended, did not come or not marked.")}
    if (complete or enrollment.is_completed) and attendance != Enrollment.Attendance.ATTENDED:
        return {"attendance": _("A person who completed the session attended it.")}
    return {}


def enrollment_mark_attendance(*, enrollment: Enrollment, attendance: str, now=None) -> Enrollment:
    """Record whether a person with a seat came to the session."""
    now = now or timezone.now()
    _check_attendance_value(attendance)

    def work():
        locked = _lock_session(enrollment.session_id)
        current = Enrollment.objects.select_for_update(of=("self",)).get(pk=enrollment.pk)
        # The same rules as an import's (attendance_problems), which stops at the first problem.
        problems = attendance_problems(session=locked, enrollment=current, attendance=attendance, now=now)
        if problems:
            raise EnrollmentError(next(iter(problems.values())))
        current.attendance = attendance
        current.save(update_fields=["attendance", "updated_at"])
        return current

    return _run_locked(work)


def session_mark_attendance_all(*, session: Session, attendance: str, now=None) -> int:
    """Mark everyone holding a seat in one go, or nobody; returns how many were marked."""
    now = now or timezone.now()
    _check_attendance_value(attendance)

    def work():
        locked = _lock_session(session.pk)
        problem = _attendance_problem(session=locked, now=now)
        if problem:
            raise EnrollmentError(problem)
        # Deleted accounts' places stay as they were recorded: only people are marked.
        holders = Enrollment.objects.filter(session=locked).of_people().holding_seat()
        if attendance != Enrollment.Attendance.ATTENDED and holders.filter(status=Enrollment.Status.COMPLETED).exists():
            raise EnrollmentError(_("Some people completed the session, so they attended it."))
        return holders.update(attendance=attendance, updated_at=now)

    return _run_locked(work)


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
        if not current.holds_seat:
            raise EnrollmentError(_("Only people enrolled in the session can complete it."))
        if current.user_id is None:
            raise EnrollmentError(_("This person deleted their account, so no certificate can be issued."))
        if current.session.is_cancelled:
            raise EnrollmentError(_("The session was cancelled, so nobody can complete it."))
        if not current.session.has_started(now):
            raise EnrollmentError(_("A participation can be marked completed once the session has started."))
        if current.is_enrolled:
            current.status = Enrollment.Status.COMPLETED
            current.completed_at = now
            # Completing a session means having been there.
            current.attendance = Enrollment.Attendance.ATTENDED
            current.save(update_fields=["status", "completed_at", "attendance", "updated_at"])
        certificate = Certificate.objects.filter(enrollment=current).first()
        if certificate is None:
            certificate = _certificate_for(current, now=now)
            certificate.full_clean()
            certificate.save()
        return certificate


def _certificate_for(enrollment: Enrollment, *, now) -> Certificate:
    """A new certificate for a completed participation, with its snapshot of names (unsaved).

    Dated on the day of the completion where the session happens (its time zone), not in
    the zone of whoever marked it: the same certificate whether staff in Seoul or an import
    run in UTC completed it.
    """
    session = enrollment.session
    program = session.program
    zone = zone_named(session.time_zone) or timezone.get_default_timezone()  # one the validator would refuse: UTC
    return Certificate(
        enrollment=enrollment,
        holder_name=enrollment.user.public_name,
        program_title=program.shown("title").text,
        provider_name=program.provider.name,
        completed_on=timezone.localdate(enrollment.completed_at or now, zone),
    )


def certificate_revoke(*, certificate: Certificate, by, reason: str, now=None) -> Certificate:
    """Revoke a certificate and its Open Badge; only the provider's managers (or a steward) may.

    The reason is public: the badge's assertion answers 410 Gone with it.
    """
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise EnrollmentError(_("Give the reason for revoking the certificate."))
    with transaction.atomic():
        current = (
            Certificate.objects.select_for_update(of=("self",))
            .select_related("enrollment__session__program")
            .get(pk=certificate.pk)
        )
        if not can_manage_program(by, current.enrollment.session.program):
            raise PermissionDenied
        if current.is_revoked:
            raise EnrollmentError(_("This certificate is already revoked."))
        current.revoked_at = now
        current.revocation_reason = reason
        try:
            current.full_clean()
        except ValidationError as error:
            raise EnrollmentError(" ".join(error.messages)) from None
        current.save(update_fields=["revoked_at", "revocation_reason", "updated_at"])
    return current


@dataclass(frozen=True)
class AttendanceChange:
    """One person's attendance in one session, and whether they completed it, as an import gives it."""

    enrollment_id: int
    attendance: str
    complete: bool = False


def _lock_sessions(session_ids) -> dict[int, Session]:
    """Lock several session rows in id order, so two imports cannot deadlock; bounded wait."""
    try:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = %s", [f"{settings.ENROLLMENT_LOCK_TIMEOUT_MS}ms"])
        sessions = (
            Session.objects.select_for_update(of=("self",))
            .select_related("program__provider", "program__original_language")
            .filter(pk__in=session_ids)
            .order_by("pk")
        )
        return {session.pk: session for session in sessions}
    except OperationalError as error:
        raise SessionBusy(_("Many people are enrolling right now. Please try again in a moment.")) from error


def attendance_import_apply(*, changes: list[AttendanceChange], by=None, now=None) -> int:
    """Record many people's attendance and completions at once, all or nothing; returns how many changed.

    The rules are enrollment_mark_attendance's and enrollment_complete's
    (attendance_problems), checked for every person with the affected sessions and
    enrollments locked; one refusal raises EnrollmentError naming the person, and nothing
    is written. The writes are a few UPDATEs and one INSERT of certificates, not a
    statement per person, so a 10,000-row file commits in seconds. A person whose row
    would change nothing is left alone, so the same file imported twice writes once.
    """
    now = now or timezone.now()
    wanted = {change.enrollment_id: change for change in changes}
    if len(wanted) != len(changes):
        raise ValueError("Each enrollment may appear only once in an attendance import.")

    def work():
        session_ids = set(Enrollment.objects.filter(pk__in=wanted).values_list("session_id", flat=True))
        sessions = _lock_sessions(session_ids)
        # Only what the rules and the certificates read: 10,000 full rows cost more to build than to fetch.
        enrollments = list(
            Enrollment.objects.select_for_update(of=("self",))
            .select_related("user")
            .only("session_id", "status", "attendance", "completed_at", "user__username", "user__display_name")
            .filter(pk__in=wanted)
        )
        if len(enrollments) != len(wanted):
            raise EnrollmentError(_("Some of these enrollments no longer exist; check the file again."))
        marks = defaultdict(list)
        completing = []
        for enrollment in enrollments:
            enrollment.session = sessions[enrollment.session_id]
            change = wanted[enrollment.pk]
            problems = attendance_problems(
                session=enrollment.session,
                enrollment=enrollment,
                attendance=change.attendance,
                complete=change.complete,
                now=now,
            )
            if problems:
                raise EnrollmentError(
                    _("%(person)s: %(problem)s")
                    % {"person": enrollment.user.public_name, "problem": " ".join(map(str, problems.values()))}
                )
            if change.complete and enrollment.is_enrolled:
                completing.append(enrollment)
            elif enrollment.attendance != change.attendance:
                marks[change.attendance].append(enrollment.pk)
        for attendance, ids in marks.items():
            Enrollment.objects.filter(pk__in=ids).update(attendance=attendance, updated_at=now)
        if completing:
            Enrollment.objects.filter(pk__in=[enrollment.pk for enrollment in completing]).update(
                status=Enrollment.Status.COMPLETED,
                completed_at=now,
                attendance=Enrollment.Attendance.ATTENDED,
                updated_at=now,
            )
            for enrollment in completing:
                enrollment.completed_at = now
        # As enrollment_complete: anyone completed gets the certificate they lack.
        completed = [enrollment for enrollment in enrollments if wanted[enrollment.pk].complete]
        certified = set(Certificate.objects.filter(enrollment__in=completed).values_list("enrollment_id", flat=True))
        certificates = [
            _certificate_for(enrollment, now=now) for enrollment in completed if enrollment.pk not in certified
        ]
        for certificate in certificates:
            # Uniqueness is the database's to enforce: a query per certificate would undo the bulk.
            certificate.full_clean(validate_unique=False, validate_constraints=False)
        Certificate.objects.bulk_create(certificates)
        changed = sum(len(ids) for ids in marks.values()) + len(completing)
        logger.info("Attendance import by user %s changed %s enrollments", getattr(by, "pk", None), changed)
        return changed

    return _run_locked(work)


# Public in the revoked Open Badge, whose documents are in English; stored as given, not translated.
HOLDER_DELETED_REASON = "The holder deleted their account."


def person_deletion_problems(*, user) -> list[str]:
    """Why this account cannot be deleted now (the organizations it is the last administrator of)."""
    return erasure.person_deletion_problems(user=user)


def person_delete(*, user, now=None) -> None:
    """Delete an account and everything personal about it; what others count on stays, anonymous.

    In one transaction: places in sessions to come pass to the waiting lists; every
    participation stays as a row without its person (status, attendance and completion
    kept, so session, report and dashboard counts do not move); its certificates are
    revoked and lose the holder's name, so their Open Badges answer 410 Gone and the new
    salt links the old recipient hash to nothing; attendance files that name the person
    go; stakeholders.erasure removes memberships, invitations, the exchange profile and
    contact requests and anonymizes support requests and offers; demographics go; the
    audit history and the admin log forget the person. Refused with ValidationError
    while the person is an organization's last administrator.
    """
    now = now or timezone.now()
    problems = erasure.person_deletion_problems(user=user)
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        person_withdraw_from_upcoming(user=user, now=now)
        enrollment_ids = list(Enrollment.objects.filter(user=user).values_list("pk", flat=True))
        certificate_ids = []
        for certificate in Certificate.objects.select_for_update().filter(enrollment_id__in=enrollment_ids):
            if not certificate.is_revoked:
                certificate.revoked_at = now
                certificate.revocation_reason = HOLDER_DELETED_REASON
            certificate.holder_name = ""
            certificate.badge_salt = new_badge_salt()
            certificate.full_clean(validate_unique=False, validate_constraints=False)
            certificate.save(
                update_fields=["revoked_at", "revocation_reason", "holder_name", "badge_salt", "updated_at"]
            )
            certificate_ids.append(certificate.pk)
        Enrollment.objects.filter(pk__in=enrollment_ids).update(user=None, updated_at=now)
        PersonDemographics.objects.filter(user=user).delete()
        _attendance_uploads_naming(user, enrollment_ids).delete()
        membership_ids = list(user.memberships.values_list("pk", flat=True))
        erasure.person_records_erase(user=user, now=now)
        user_id = user.pk
        user.delete()
        erasure.history_scrub(user_id=user_id)
        erasure.admin_log_scrub(
            user_id=user_id,
            related={Membership: membership_ids, Enrollment: enrollment_ids, Certificate: certificate_ids},
        )
        fragments.content_changed()
    logger.info("Account %s deleted; %s participations kept anonymous", user_id, len(enrollment_ids))


def _attendance_uploads_naming(user, enrollment_ids):
    """Attendance files of the person's sessions' organizations that name them by username or email.

    Such a file is a list of people; once imported its effect lives in the enrollments,
    so it goes rather than keep the person's name. Files of activity reports hold counts
    only and stay; a file someone uploaded stays with its uploader left empty.
    """
    from .imports import ImportFileError, read_table  # imports builds on these services

    names = {user.username.casefold(), (user.email or "").casefold()} - {""}
    organizations = Session.objects.filter(enrollments__pk__in=enrollment_ids).values("program__provider_id")
    naming = []
    for upload in ImportUpload.objects.filter(kind=ImportUpload.Kind.ATTENDANCE, organization_id__in=organizations):
        content = bytes(upload.content)
        try:
            cells = [str(value) for _number, row in read_table(content).rows for value in row.values()]
        except ImportFileError:
            # Never importable, so never imported: judged by its bytes.
            cells = [content.decode("utf-8", "replace")]
        if any(name in cell.casefold() for cell in cells for name in names):
            naming.append(upload.pk)
    return ImportUpload.objects.filter(pk__in=naming)


def session_seat_counts_repair() -> list[int]:
    """Compare each session's seats_taken with its enrollments; fix and return the drifted ids.

    seats_taken is only changed under the session's lock, so drift means a write went
    around the services (a raw SQL fix, a deleted account outside person_delete): it
    is logged as an error so someone looks for the cause.
    """
    holding = Count("enrollments", filter=Q(enrollments__status__in=Enrollment.SEAT_HOLDING))
    drifted = list(
        Session.objects.annotate(holding=holding).exclude(seats_taken=F("holding")).values_list("pk", flat=True)
    )
    for session_id in drifted:
        with transaction.atomic():
            locked = _lock_session(session_id)
            actual = Enrollment.objects.filter(session=locked).holding_seat().count()
            if actual != locked.seats_taken:
                logger.error(
                    "Session %s counted %s seats taken, but %s are held", session_id, locked.seats_taken, actual
                )
                # The constraint caps seats_taken at seats; a session overfilled by a
                # bypassing write grows to hold everyone rather than lose a count.
                Session.objects.filter(pk=session_id).update(seats_taken=actual, seats=max(locked.seats, actual))
    return drifted


# Activity reports ---------------------------------------------------------------

REPORT_FIGURES = (
    "participants",
    "newcomers",
    "facilitators",
    "hours_of_learning",
    "pages_created",
    "pages_improved",
    "files_uploaded",
    "evidence_url",
    "notes",
)
REPORT_FIELDS = (
    *REPORT_FIGURES,
    *(f"{dimension}_asked" for dimension in DEMOGRAPHIC_DIMENSIONS),
    *(column for dimension in DEMOGRAPHIC_DIMENSIONS for column in demographic_columns(dimension)),
)


def report_problems(*, session: Session, values: dict, now=None) -> dict:
    """What is inconsistent in a report's figures, per field, before anything is written.

    `values` holds REPORT_FIELDS already converted to Python values (a form's cleaned_data
    or an import row). Demographic counts that fall short of the participants are not a
    problem: the rest are "not answered", which report_save fills in.
    """
    now = now or timezone.now()
    problems = {}
    participants = values.get("participants") or 0
    if session.is_cancelled:
        problems["__all__"] = _("The session was cancelled, so there is nothing to report.")
    elif session.starts_at > now:
        problems["__all__"] = _("A report can be written once the session has started.")
    if (values.get("newcomers") or 0) > participants:
        problems["newcomers"] = _("Newcomers cannot be more than the participants.")
    hours = values.get("hours_of_learning") or 0
    session_hours = (session.ends_at - session.starts_at).total_seconds() / 3600
    if participants and hours > participants * session_hours + 0.05:
        problems["hours_of_learning"] = _(
            "%(hours)s hours of learning is more than %(participants)s participants could spend in a "
            "session of %(length)s hours."
        ) % {"hours": hours, "participants": participants, "length": round(session_hours, 1)}
    elif not participants and hours:
        problems["hours_of_learning"] = _("There are hours of learning but no participants.")
    for dimension in DEMOGRAPHIC_DIMENSIONS:
        columns = demographic_columns(dimension)
        counted = sum(values.get(column) or 0 for column in columns)
        if not values.get(f"{dimension}_asked"):
            if counted:
                problems[f"{dimension}_asked"] = _(
                    "There are counts for a question that was not asked; tick it as asked or clear the counts."
                )
        elif counted > participants:
            problems[f"{dimension}_asked"] = _(
                "The answers add up to %(counted)s, more than the %(participants)s participants."
            ) % {"counted": counted, "participants": participants}
    return problems


def report_values(values: dict) -> dict:
    """Every REPORT_FIELDS value as report_save stores it: defaults filled in, "not answered" completed.

    An import's preview compares these with the stored report to say what would change.
    """
    clean = {field: values.get(field) for field in REPORT_FIELDS}
    for field in REPORT_FIELDS:
        if clean[field] is None:
            clean[field] = ActivityReport._meta.get_field(field).get_default()
    for dimension in DEMOGRAPHIC_DIMENSIONS:
        if clean[f"{dimension}_asked"]:
            counted = sum(
                clean[column] for column in demographic_columns(dimension) if not column.endswith("_not_answered")
            )
            clean[f"{dimension}_not_answered"] = clean["participants"] - counted
    return clean


def report_differs(report: ActivityReport, clean: dict) -> bool:
    """Whether a stored report differs from report_values' figures: saving the same figures writes nothing."""
    return any(getattr(report, field) != clean[field] for field in REPORT_FIELDS)


def report_save(*, session: Session, values: dict, by=None, now=None) -> ActivityReport:
    """Create or replace the activity report of a session, all figures at once.

    Saving the same figures again changes nothing, so an import can run twice.
    """
    problems = report_problems(session=session, values=values, now=now)
    if problems:
        raise ValidationError(problems)
    clean = report_values(values)
    with transaction.atomic():
        report = ActivityReport.objects.select_for_update().filter(session=session).first()
        if report is None:
            report = ActivityReport(session=session)
        elif not report_differs(report, clean):
            return report
        # A session moves from "missing" to "reported", or its kept row shows other figures.
        fragments.content_changed()
        for field, value in clean.items():
            setattr(report, field, value)
        report.submitted_by = by if by is not None and by.is_authenticated else report.submitted_by
        report.full_clean()
        report.save()
    return report


# Rows per INSERT or UPDATE statement: a report has some fifty columns.
REPORT_BATCH_SIZE = 500


def reports_import_apply(*, reports: list[tuple[Session, dict]], by=None, now=None) -> int:
    """Create or replace many sessions' activity reports at once, all or nothing; returns how many changed.

    report_save's rules for every report (report_problems, then report_values), checked
    with the sessions and their reports locked; one refusal raises ValidationError naming
    the session, and nothing is written. The writes are batched INSERTs and UPDATEs with
    their audit records (simple-history's bulk helpers), not a dozen statements per
    report, so 10,000 reports import in seconds. A report already as given is left
    alone, so the same file imported twice writes once.
    """
    now = now or timezone.now()
    by = by if by is not None and by.is_authenticated else None
    wanted = {session.pk: values for session, values in reports}
    if len(wanted) != len(reports):
        raise ValueError("Each session may appear only once in a reports import.")
    with transaction.atomic():
        sessions = _lock_sessions(wanted)
        existing = {
            report.session_id: report
            for report in ActivityReport.objects.select_for_update().filter(session_id__in=wanted)
        }
        created, changed = [], []
        for session_id, values in wanted.items():
            session = sessions.get(session_id)
            problems = (
                report_problems(session=session, values=values, now=now)
                if session is not None
                else {"__all__": _("This session no longer exists.")}
            )
            if problems:
                raise ValidationError(
                    _("Session %(id)s: %(problems)s")
                    % {"id": session_id, "problems": " ".join(str(problem) for problem in problems.values())}
                )
            clean = report_values(values)
            report = existing.get(session_id)
            if report is None:
                report = ActivityReport(session=session, submitted_by=by, **clean)
                created.append(report)
            elif report_differs(report, clean):
                for field, value in clean.items():
                    setattr(report, field, value)
                report.submitted_by = by or report.submitted_by
                report.updated_at = now  # bulk_update does not touch auto_now fields
                changed.append(report)
            else:
                continue
            # Field by field only: report_problems said what the check constraints would,
            # the database enforces them, and a query per report would undo the bulk.
            report.full_clean(exclude=["session", "submitted_by"], validate_unique=False, validate_constraints=False)
        bulk_create_with_history(created, ActivityReport, batch_size=REPORT_BATCH_SIZE, default_user=by)
        if created or changed:
            fragments.content_changed()  # sessions move from "missing" to "reported", kept rows show new figures
        bulk_update_with_history(
            changed,
            ActivityReport,
            fields=[*REPORT_FIELDS, "submitted_by", "updated_at"],
            batch_size=REPORT_BATCH_SIZE,
            default_user=by,
        )
    logger.info("Reports import by user %s wrote %s reports", getattr(by, "pk", None), len(created) + len(changed))
    return len(created) + len(changed)


def dashboard_figures_apply(*, session: Session, course: dict, by=None, now=None) -> ActivityReport:
    """Fill a session's report with a Programs & Events Dashboard course's on-wiki figures.

    `course` is one row of the course CSV, already checked (dashboard.parse_course_csv).
    The session must be linked to that course. A session without a report gets one, with
    the Dashboard's editors as participants until staff say otherwise.
    """
    now = now or timezone.now()
    if not session.dashboard_course:
        raise ValidationError(_("Link the session to its Dashboard course before importing the course's figures."))
    if course["course_slug"] != session.dashboard_course:
        raise ValidationError(
            _("This file is for the course %(file)s, but the session is linked to %(linked)s.")
            % {"file": course["course_slug"], "linked": session.dashboard_course}
        )
    with transaction.atomic():
        report = ActivityReport.objects.select_for_update().filter(session=session).first()
        # A session cancelled or moved to the future since its report takes no figures either.
        values = {"participants": course["editors"]} if report is None else {}
        problems = report_problems(session=session, values=values, now=now)
        if problems:
            raise ValidationError(problems)
        if report is None:
            report = ActivityReport(session=session, participants=course["editors"], submitted_by=by)
        # A session moves from "missing" to "reported", or its kept row shows the Dashboard's figures.
        fragments.content_changed()
        for field, column in DASHBOARD_FIGURES.items():
            setattr(report, field, course[column])
        report.dashboard_course = course["course_slug"]
        report.dashboard_imported_at = now
        report.full_clean()
        report.save()
    return report


# Demographics a person chooses to share ------------------------------------------


def person_demographics_save(*, user, data: dict, now=None) -> PersonDemographics:
    """Keep the gender and age band a person gives, only with their explicit consent (given again on each save).

    A blank answer is "not answered". Organizers see these only as counts over the
    consenting participants of their sessions, never person by person.
    """
    if data.get("consent") is not True:
        raise ValidationError(
            {"consent": _("Nothing was saved: tick the box to agree to how your answers are used, or leave the page.")}
        )
    if not (data.get("gender") or data.get("age")):
        raise ValidationError(_("Give at least one answer (“Prefer not to say” is one), or withdraw your consent."))
    with transaction.atomic():
        demographics = PersonDemographics.objects.select_for_update().filter(user=user).first()
        demographics = demographics or PersonDemographics(user=user)
        demographics.gender = data.get("gender") or ""
        demographics.age = data.get("age") or ""
        demographics.consented_at = now or timezone.now()
        demographics.full_clean()
        demographics.save()
    return demographics


def person_demographics_withdraw(*, user) -> bool:
    """Withdraw consent: the answers are erased at once (there is no history of them). Returns whether any existed."""
    with transaction.atomic():
        deleted, _by_model = PersonDemographics.objects.filter(user=user).delete()
    return bool(deleted)
