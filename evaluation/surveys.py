"""Surveys: who is invited when, the emails that carry the invitations, and the answers.

Every program has the same questionnaires, generated from what it teaches: before a
session (a 1–5 self-rating per capacity), after it (the same ratings and satisfaction)
and 3, 6 and 12 months after it ends (still active? using what was learned?).

Each invitation is created only once it is due, so a person's list never shows a survey
they cannot answer yet, and the job that schedules them is a set of idempotent inserts:
the unique (enrollment, kind) constraint makes a second run, or a second worker, a no-op.
"""

import calendar
import logging
import re
from datetime import timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from programs.models import Enrollment

from .models import FOLLOW_UP_MONTHS, SurveyInvitation, SurveyKind, SurveyRating, SurveyResponse

logger = logging.getLogger(__name__)

# The pre-session survey goes out this long before a session starts.
PRE_LEAD_TIME = timedelta(days=14)
# A survey that falls due while nobody was attending (the job was down, attendance was
# marked late) is still created this long after its due date; older ones are left alone,
# so a first run on years of history does not email everyone about sessions long past.
LATE_WINDOW = timedelta(days=60)
# Invitations inserted per INSERT statement.
BATCH_SIZE = 1000

TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")

RATED_KINDS = (SurveyKind.PRE, SurveyKind.POST)
FOLLOW_UP_KINDS = tuple(FOLLOW_UP_MONTHS)


def _took_part(prefix=""):
    """Enrollments of people who came: marked attended, or completed; never no-shows or cancellations."""
    status, attendance = f"{prefix}status", f"{prefix}attendance"
    return (
        Q(**{status: Enrollment.Status.COMPLETED})
        | Q(**{status: Enrollment.Status.ENROLLED, attendance: Enrollment.Attendance.ATTENDED})
    ) & ~Q(**{attendance: Enrollment.Attendance.NO_SHOW})


def _people():
    """Enrollments of people who still have an account, in sessions that took or take place."""
    return Enrollment.objects.of_people().filter(session__is_cancelled=False)


def add_months(moment, months):
    """The same day and time `months` calendar months later (or earlier); the 31st becomes the month's last day."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def _due_enrollments(kind, now):
    """(enrollment id, due) for everyone owed `kind` at `now`, as a lazy queryset of pairs."""
    if kind == SurveyKind.PRE:
        return (
            _people()
            .filter(
                status__in=Enrollment.SEAT_HOLDING,
                session__starts_at__gt=now,
                session__starts_at__lte=now + PRE_LEAD_TIME,
            )
            .values_list("pk", "session__starts_at")
        )
    # Due = ends_at + N calendar months; the window is turned around onto the session's end
    # so the filter stays on an indexed column (a month-end may make it a few days late).
    months = FOLLOW_UP_MONTHS.get(kind, 0)
    latest_end = add_months(now, -months)
    earliest_end = add_months(now - LATE_WINDOW, -months)
    return (
        _people()
        .filter(_took_part(), session__ends_at__lte=latest_end, session__ends_at__gt=earliest_end)
        .values_list("pk", "session__ends_at")
    )


def _due_at(kind, now, session_time):
    if kind == SurveyKind.PRE:
        return now
    return add_months(session_time, FOLLOW_UP_MONTHS.get(kind, 0))


def invitations_schedule(*, now) -> int:
    """Create the survey invitations that are due at `now`, each once however often this runs. Returns how many it offered to insert.

    PRE: people with a seat in a session that starts within PRE_LEAD_TIME, due now.
    POST: people who attended or completed a session that ended, due when it ended.
    FOLLOW_UP_N: the same people, due N months after the session ended, created when due.
    Inserted in batches with ON CONFLICT DO NOTHING on (enrollment, kind).
    """
    created = 0
    for kind in SurveyKind:
        existing = SurveyInvitation.objects.filter(kind=kind).values("enrollment_id")
        pairs = _due_enrollments(kind, now).exclude(pk__in=existing).order_by("pk")
        batch = []
        for enrollment_id, session_time in pairs.iterator(chunk_size=BATCH_SIZE):
            batch.append(
                SurveyInvitation(enrollment_id=enrollment_id, kind=kind, due_at=_due_at(kind, now, session_time))
            )
            if len(batch) >= BATCH_SIZE:
                created += _insert(batch)
                batch = []
        if batch:
            created += _insert(batch)
    return created


def _insert(batch):
    # ON CONFLICT DO NOTHING: a second worker scheduling at the same moment inserts nothing
    # twice. The count is of rows offered, which a race may overstate; the table is the truth.
    SurveyInvitation.objects.bulk_create(batch, ignore_conflicts=True)
    return len(batch)


def _sendable(now):
    """Due, unsent invitations whose person can still answer: the claim re-checks all of it."""
    return (
        SurveyInvitation.objects.filter(
            sent_at__isnull=True,
            responded_at__isnull=True,
            due_at__lte=now,
            enrollment__user__isnull=False,
            enrollment__user__is_active=True,
            enrollment__session__is_cancelled=False,
        )
        .exclude(enrollment__status__in=[Enrollment.Status.CANCELLED, Enrollment.Status.WAITLISTED])
        # A survey about the time before a session is no use once it has started.
        .exclude(kind=SurveyKind.PRE, enrollment__session__starts_at__lte=now)
        # Attendance corrected to "did not come" after the invitation was made: no survey about it.
        .filter(Q(kind=SurveyKind.PRE) | _took_part("enrollment__"))
    )


def invitations_send(*, now, limit=500) -> int:
    """Email up to `limit` due invitations, each exactly once, in each person's language. Returns how many were sent.

    Each invitation is claimed (UPDATE … SET sent_at WHERE sent_at IS NULL) before its
    email goes: a second run, or a second worker, finds it claimed and skips it. A failed
    send releases the claim so the next run tries again.
    """
    ids = list(_sendable(now).order_by("due_at", "pk").values_list("pk", flat=True)[:limit])
    sent = 0
    for invitation_id in ids:
        # `sent_at IS NULL` stays on the updated table itself, outside the eligibility
        # subquery: PostgreSQL re-checks it on the row a concurrent claim just changed,
        # whereas a condition only inside `id IN (SELECT …)` is read from the old snapshot
        # and lets both workers claim the same row.
        eligible = _sendable(now).filter(pk=invitation_id).values("pk")
        if not SurveyInvitation.objects.filter(pk=invitation_id, sent_at__isnull=True, pk__in=eligible).update(
            sent_at=now
        ):
            continue
        try:
            sent += _email_invitation(invitation_id)
        except SoftTimeLimitExceeded:
            SurveyInvitation.objects.filter(pk=invitation_id).update(sent_at=None)
            raise
        except Exception:
            logger.exception("Survey invitation %s could not be sent", invitation_id)
            SurveyInvitation.objects.filter(pk=invitation_id).update(sent_at=None)
    return sent


def _email_invitation(invitation_id) -> bool:
    invitation = SurveyInvitation.objects.select_related(
        "enrollment__user", "enrollment__session__program__original_language"
    ).get(pk=invitation_id)
    user = invitation.enrollment.user
    if not user.email:
        return False
    with translation.override(user.preferred_language or settings.LANGUAGE_CODE), timezone.override(user.time_zone):
        session = invitation.enrollment.session
        context = {
            "invitation": invitation,
            "kind": invitation.get_kind_display(),
            "session": session,
            "title": session.program.shown("title").text,
            "user": user,
            # Built inside their language, so the link opens the survey in it (/ko/…).
            "url": f"{settings.PORTAL_URL}{reverse('surveys:answer', kwargs={'token': invitation.token})}",
            "list_url": f"{settings.PORTAL_URL}{reverse('surveys:mine')}",
        }
        # Plain text: the templates turn autoescaping off; a subject is one line whatever a title holds.
        subject = " ".join(render_to_string("evaluation/email/survey_subject.txt", context).split())
        body = render_to_string("evaluation/email/survey_invitation.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email], fail_silently=False)
    return True


# Answers --------------------------------------------------------------------------------


def invitation_is_open(invitation, *, now) -> bool:
    """Whether the invitation still takes an answer: not answered yet, and a pre-session survey only before the session."""
    if invitation.responded_at is not None or not still_owed(invitation):
        return False
    if invitation.kind == SurveyKind.PRE:
        return invitation.enrollment.session.starts_at > now
    return True


def still_owed(invitation) -> bool:
    """Whether the person still has a say on the session: nothing since the invitation was made says otherwise.

    An invitation made while someone held a seat or had come stays in the table when the
    session is cancelled, their enrollment cancelled or their attendance corrected to a
    no-show; without this, they could still answer from "My surveys" (or an old link) and
    rate, as a participant, a session they never attended. (_sendable asks the same of an email.)
    """
    enrollment = invitation.enrollment
    if enrollment.session.is_cancelled or enrollment.status in (
        Enrollment.Status.CANCELLED,
        Enrollment.Status.WAITLISTED,
    ):
        return False
    return invitation.kind == SurveyKind.PRE or enrollment.attendance != Enrollment.Attendance.NO_SHOW


def survey_respond(*, invitation, user, data, now=None, measure=True) -> SurveyResponse:
    """Save a person's one answer to one survey, then measure it.

    `data`: ratings ({category id: 1–5}, pre and post only, only capacities the program
    teaches), satisfaction (post), still_active and using_learning (follow-ups),
    comments. A second answer is refused; the invitation row lock and the one-to-one
    constraint make sure of it even when two submissions race. `measure=False` is for a
    caller that measures every response itself right after (the demo answers thousands,
    then runs a full measurements_sync once).
    """
    with transaction.atomic():
        locked = (
            SurveyInvitation.objects.select_for_update(of=("self",))
            .select_related("enrollment__session__program")
            .get(pk=invitation.pk)
        )
        if locked.enrollment.user_id is None or locked.enrollment.user_id != user.pk:
            raise ValidationError(_("This survey is not yours to answer."))
        now = now or timezone.now()
        if locked.responded_at is not None or SurveyResponse.objects.filter(invitation=locked).exists():
            raise ValidationError(_("You have already answered this survey; each survey takes one answer."))
        if not still_owed(locked):
            raise ValidationError(_("This survey is only for people who took part in the session."))
        if not invitation_is_open(locked, now=now):
            raise ValidationError(_("This survey closed when the session started."))

        response = SurveyResponse(
            invitation=locked,
            comments=data.get("comments") or "",
            language=(translation.get_language() or settings.LANGUAGE_CODE)[:10],
        )
        if locked.kind == SurveyKind.POST:
            response.satisfaction = data.get("satisfaction")
        if locked.kind in FOLLOW_UP_KINDS:
            response.still_active = data.get("still_active")
            response.using_learning = data.get("using_learning") or ""
        # The fields' own checks (satisfaction 1–5, the lengths, the choices); not what is
        # settled already, each of which Django would ask the database again: the
        # invitation is the row locked above, its one answer is checked above (and by
        # the unique index, below), and the 1–5 constraint is the field's validators'.
        response.full_clean(exclude=["invitation"], validate_unique=False, validate_constraints=False)
        ratings = []
        if locked.kind in RATED_KINDS:
            taught = set(locked.enrollment.session.program.categories.values_list("pk", flat=True))
            for category_id, rating in (data.get("ratings") or {}).items():
                if category_id not in taught:
                    raise ValidationError(_("Rate only the capacities this program teaches."))
                rating = SurveyRating(category_id=category_id, rating=rating)
                # The rating's 1–5; its capacity is one the program teaches (just read), and
                # once per answer (the keys of a dict).
                rating.full_clean(exclude=["response", "category"], validate_unique=False, validate_constraints=False)
                ratings.append(rating)
        try:
            with transaction.atomic():
                response.save()
        except IntegrityError:
            raise ValidationError(_("You have already answered this survey; each survey takes one answer.")) from None
        for rating in ratings:
            rating.response = response
        SurveyRating.objects.bulk_create(ratings)
        SurveyInvitation.objects.filter(pk=locked.pk).update(responded_at=now)
        locked.responded_at = now

        # Evaluation's own sources are measured inside the service that saves them.
        if measure:
            from evaluation.measurements import survey_response_measure

            survey_response_measure(response_ids=[response.pk])
    invitation.responded_at = now
    return response


# Selectors -------------------------------------------------------------------------------


def survey_invitations_of(*, user, now):
    """The person's due invitations with what the list shows, newest first: one query however many."""
    return (
        SurveyInvitation.objects.filter(enrollment__user=user, due_at__lte=now)
        .select_related("enrollment__session__program__original_language")
        .order_by("-due_at", "-pk")
    )


def survey_invitation_for_answering(*, user, token):
    """The invitation behind `token` if it is the person's own, else None: the token alone is not enough."""
    # Tokens are URL-safe base64; anything else (a NUL byte, which PostgreSQL refuses) finds nothing.
    if not user.is_authenticated or not isinstance(token, str) or not TOKEN_PATTERN.fullmatch(token):
        return None
    return (
        SurveyInvitation.objects.filter(token=token, enrollment__user=user)
        .select_related("enrollment__session__program__original_language", "enrollment__session__program__provider")
        .first()
    )


def survey_categories(invitation):
    """The capacities the program teaches, rated in pre and post surveys; none for follow-ups."""
    if invitation.kind not in RATED_KINDS:
        return []
    return list(invitation.enrollment.session.program.categories.order_by("pk"))
