"""Programs, their sessions, who enrolled, and the certificates they earned."""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.db.models import Exists, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from capacity.models import (
    CapacityCategory,
    Language,
    Region,
    TimeStampedModel,
    Translated,
    single_line,
    ui_language_codes,
    ui_language_field,
)
from stakeholders.models import Organization, validate_time_zone


def upcoming_sessions(*, now=None):
    """Sessions still to come of the program in the outer query; the partial index serves it."""
    return Session.objects.filter(program=OuterRef("pk"), is_cancelled=False, starts_at__gte=now or timezone.now())


class ProgramQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)

    def upcoming(self, *, now=None):
        """Programs with a session still to come."""
        return self.filter(Exists(upcoming_sessions(now=now)))

    def with_next_session(self, *, now=None):
        """Annotate next_session_at: when the next session starts, NULL when none is left.

        Computed at query time from an index, so it is right the moment a session is
        added, moved, cancelled or begins; nothing has to keep it current.
        """
        soonest = upcoming_sessions(now=now).order_by("starts_at").values("starts_at")[:1]
        return self.annotate(next_session_at=Subquery(soonest))

    def with_enrolled_count(self):
        totals = (
            Session.objects.filter(program=OuterRef("pk"))
            .order_by()
            .values("program")
            .annotate(total=Sum("seats_taken"))
            .values("total")
        )
        return self.annotate(enrolled_count=Coalesce(Subquery(totals, output_field=models.IntegerField()), 0))

    def with_sessions_between(self, start=None, end=None):
        sessions = Session.objects.filter(program=OuterRef("pk"), is_cancelled=False)
        if start is not None:
            sessions = sessions.filter(starts_at__gte=start)
        if end is not None:
            sessions = sessions.filter(starts_at__lt=end)
        return self.filter(Exists(sessions))

    def with_seats_available(self, *, after=None):
        after = after or timezone.now()
        open_sessions = Session.objects.filter(
            program=OuterRef("pk"), starts_at__gte=after, is_cancelled=False, seats_taken__lt=F("seats")
        )
        return self.filter(Exists(open_sessions))


class JoinedText(models.Func):
    """a || ' ' || b || …, a missing text counting as empty.

    Flat on purpose: Concat nests a COALESCE per pair, which SQLite's parser refuses
    past a dozen columns; and both operators are immutable, as a generated column needs.
    """

    arg_joiner = " || ' ' || "
    template = "(%(expressions)s)"
    output_field = models.TextField()

    def __init__(self, *fields):
        super().__init__(*[models.Func(F(name), template="COALESCE(%(expressions)s, '')") for name in fields])


def search_document_expression():
    """Every text a program is found by: the original and each UI translation."""
    fields = ["original_title", "original_summary"]
    for code in ui_language_codes():
        fields += [f"title_{ui_language_field(code)}", f"summary_{ui_language_field(code)}"]
    return JoinedText(*fields)


class Program(Translated, TimeStampedModel):
    """A capacity-building offer by one organization: a course, workshop, mentoring…"""

    original_fields = ("title", "summary", "description")

    class Method(models.TextChoices):
        ONLINE_COURSE = "online_course", _("Online course")
        WORKSHOP = "workshop", _("Workshop")
        MENTORING = "mentoring", _("Mentoring")
        PEER_CONSULTATION = "peer_consultation", _("Peer-to-peer consultation")
        TECHNICAL_ASSISTANCE = "technical_assistance", _("On-site technical assistance")
        SELF_PACED = "self_paced", _("Self-paced module")
        CONFERENCE_SESSION = "conference_session", _("Conference session")
        INFRASTRUCTURE_SUPPORT = "infrastructure_support", _("Infrastructure support")

    class Format(models.TextChoices):
        ONLINE = "online", _("Online")
        ONSITE = "onsite", _("On-site")
        HYBRID = "hybrid", _("Hybrid")

    class Level(models.TextChoices):
        BEGINNER = "beginner", _("Beginner")
        INTERMEDIATE = "intermediate", _("Intermediate")
        ADVANCED = "advanced", _("Advanced")
        ALL = "all", _("All levels")

    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    # The program as its authors wrote it, in any language of the vocabulary; the
    # title, summary and description fields below hold translations into the UI
    # languages (django-modeltranslation adds a column per UI language).
    original_language = models.ForeignKey(
        Language,
        verbose_name=_("original language"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The language the program was written in."),
    )
    original_title = models.CharField(_("title in the original language"), max_length=200, validators=[single_line])
    original_summary = models.CharField(_("summary in the original language"), max_length=400, validators=[single_line])
    original_description = models.TextField(_("description in the original language"), blank=True)
    title = models.CharField(_("title"), max_length=200, blank=True, validators=[single_line])
    summary = models.CharField(_("summary"), max_length=400, blank=True, validators=[single_line])
    description = models.TextField(_("description"), blank=True)
    provider = models.ForeignKey(
        Organization, verbose_name=_("provider"), on_delete=models.PROTECT, related_name="programs"
    )
    method = models.CharField(_("method"), max_length=32, choices=Method.choices, db_index=True)
    format = models.CharField(_("format"), max_length=10, choices=Format.choices, db_index=True)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices, default=Level.ALL, db_index=True)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="programs")
    categories = models.ManyToManyField(CapacityCategory, verbose_name=_("capacities"), related_name="programs")
    languages = models.ManyToManyField(Language, verbose_name=_("languages of instruction"), related_name="programs")
    is_published = models.BooleanField(_("published"), default=False, db_index=True)
    # An archived program is no longer offered: out of the catalog, kept for its records.
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)
    # Kept by the database in the same write (a generated column); searched through
    # the full-text index of the program search migration.
    search_document = models.GeneratedField(
        expression=search_document_expression(), output_field=models.TextField(), db_persist=True
    )

    objects = ProgramQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("program")
        verbose_name_plural = _("programs")
        indexes = [
            models.Index(fields=["is_published", "-created_at"], name="program_published_newest"),
            # The staff workspace lists an organization's programs newest first, 25 a page:
            # read in index order instead of sorting a large affiliate's thousands; its
            # counts per publication state are read from the index alone.
            models.Index(
                fields=["provider", "-created_at", "-id"],
                include=["is_published", "archived_at"],
                name="program_provider_newest",
            ),
            # The funding figures' data version reads the latest change to any program (its
            # region changed): one index lookup, not a scan of 50,000 programs.
            models.Index(fields=["updated_at"], name="program_updated"),
        ]

    def __str__(self):
        return self.shown("title").text

    def get_absolute_url(self):
        return reverse("programs:detail", kwargs={"slug": self.slug})

    @property
    def is_archived(self):
        return self.archived_at is not None

    @property
    def publication_state(self):
        if self.archived_at is not None:
            return PublicationState.ARCHIVED
        return PublicationState.PUBLISHED if self.is_published else PublicationState.DRAFT


class PublicationState(models.TextChoices):
    """Where a program is in its life: being written, in the catalog, or retired."""

    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class ReportState(models.TextChoices):
    """Whether a session that has ended has its activity report yet."""

    MISSING = "missing", _("Report missing")
    REPORTED = "reported", _("Reported")


# A Programs & Events Dashboard course id: `Institution/Course_title_(term)`.
dashboard_course_id = RegexValidator(
    r"^[^/]+/[^/]+$", _("Give the course id as the Dashboard shows it, like Institution/Course_title_(term).")
)


class EnrollmentState(models.TextChoices):
    """Whether a session takes enrollments: not yet, now, or no longer."""

    NOT_YET = "not_yet", _("Enrollment has not opened yet")
    OPEN = "open", _("Enrollment is open")
    CLOSED = "closed", _("Enrollment is closed")

    @property
    def is_open(self):
        return self is EnrollmentState.OPEN

    @property
    def is_not_yet(self):
        return self is EnrollmentState.NOT_YET

    @property
    def is_closed(self):
        return self is EnrollmentState.CLOSED


class Session(TimeStampedModel):
    """One run of a program, with dates, a place and a fixed number of seats."""

    program = models.ForeignKey(Program, verbose_name=_("program"), on_delete=models.CASCADE, related_name="sessions")
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    venue = models.CharField(_("venue"), max_length=300, blank=True)
    online_url = models.URLField(
        _("online link"), blank=True, help_text=_("Shown only to people enrolled in the session.")
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default="UTC",
        validators=[validate_time_zone],
        help_text=_("Where the session happens; its times are entered and shown in this zone."),
    )
    seats = models.PositiveIntegerField(_("seats"))
    # Maintained only by programs.services under a row lock; the check constraint
    # below is the last line of defence against overbooking, and a nightly job
    # (programs.tasks.check_seat_counts) compares it with the enrollments.
    seats_taken = models.PositiveIntegerField(_("seats taken"), default=0, editable=False)
    enrollment_opens_at = models.DateTimeField(
        _("enrollment opens"), null=True, blank=True, help_text=_("Leave empty to open enrollment right away.")
    )
    enrollment_closes_at = models.DateTimeField(
        _("enrollment closes"), null=True, blank=True, help_text=_("Leave empty to close when the session starts.")
    )
    facilitators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("facilitators"), blank=True, related_name="facilitated_sessions"
    )
    is_cancelled = models.BooleanField(_("cancelled"), default=False)
    dashboard_course = models.CharField(
        _("Programs & Events Dashboard course"),
        max_length=300,
        blank=True,
        validators=[single_line, dashboard_course_id],
        help_text=_("The course id on the Dashboard, like Institution/Course_title_(term)."),
    )

    # Audit: who changed what, before and after (seat counts belong to the enrollments).
    history = HistoricalRecords(excluded_fields=["seats_taken", "created_at", "updated_at"], related_name="+")

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        indexes = [
            # "Next session" and "upcoming" are computed from this partial index.
            models.Index(fields=["program", "starts_at"], condition=Q(is_cancelled=False), name="session_program_next"),
            models.Index(fields=["starts_at"], name="session_start"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(seats_taken__lte=F("seats")), name="session_not_overbooked"),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="session_ends_after_start"),
            models.CheckConstraint(
                condition=Q(enrollment_closes_at__isnull=True)
                | Q(enrollment_opens_at__isnull=True)
                | Q(enrollment_closes_at__gt=F("enrollment_opens_at")),
                name="session_enrollment_window_ordered",
            ),
        ]

    def __str__(self):
        return f"{self.program} — {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"

    def clean(self):
        # The same rules as the check constraints, said per field for forms.
        errors = {}
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = _("A session must end after it starts.")
        if (
            self.enrollment_opens_at
            and self.enrollment_closes_at
            and self.enrollment_closes_at <= self.enrollment_opens_at
        ):
            errors["enrollment_closes_at"] = _("Enrollment must close after it opens.")
        if errors:
            raise ValidationError(errors)

    def seats_left(self):
        return max(self.seats - self.seats_taken, 0)

    @property
    def is_full(self):
        return self.seats_taken >= self.seats

    @property
    def enrollment_closes(self):
        return self.enrollment_closes_at or self.starts_at

    def has_started(self, now=None):
        return self.starts_at <= (now or timezone.now())

    def enrollment_state(self, now=None):
        """Whether people may enroll at this moment."""
        now = now or timezone.now()
        if self.is_cancelled:
            return EnrollmentState.CLOSED
        if self.enrollment_opens_at and now < self.enrollment_opens_at:
            return EnrollmentState.NOT_YET
        if now >= self.enrollment_closes:
            return EnrollmentState.CLOSED
        return EnrollmentState.OPEN


class EnrollmentQuerySet(models.QuerySet):
    def of_people(self):
        """Enrollments whose person still has an account; the others stay only as anonymous counts."""
        return self.filter(user__isnull=False)

    def holding_seat(self):
        return self.filter(status__in=Enrollment.SEAT_HOLDING)

    def waitlisted(self):
        return self.filter(status=Enrollment.Status.WAITLISTED)

    def with_waitlist_position(self):
        ahead = (
            Enrollment.objects.filter(session=OuterRef("session"), status=Enrollment.Status.WAITLISTED)
            .filter(
                Q(waitlisted_at__lt=OuterRef("waitlisted_at"))
                | Q(waitlisted_at=OuterRef("waitlisted_at"), pk__lte=OuterRef("pk"))
            )
            .order_by()
            .values("session")
            .annotate(position=models.Count("pk"))
            .values("position")
        )
        return self.annotate(waitlist_position=Subquery(ahead, output_field=models.IntegerField()))


class Enrollment(TimeStampedModel):
    """A person's place in a session: enrolled, on the waiting list, cancelled or completed."""

    class Status(models.TextChoices):
        ENROLLED = "enrolled", _("Enrolled")
        WAITLISTED = "waitlisted", _("On the waiting list")
        CANCELLED = "cancelled", _("Cancelled")
        COMPLETED = "completed", _("Completed")

    class Attendance(models.TextChoices):
        # Completion is the COMPLETED status with its certificate, not an attendance value.
        UNKNOWN = "unknown", _("Not marked")
        ATTENDED = "attended", _("Attended")
        NO_SHOW = "no_show", _("Did not come")

    # Empty once the person deleted their account: the participation stays counted, anonymous.
    # Neither key has an index of its own: the indexes below begin with each (one person's
    # enrollments: one_enrollment_per_person_and_session, enrollment_user_status; one
    # session's: enrollment_session_queue), and at 2.5 million rows the two alone were 43 MB
    # that every enrollment written had to keep up.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="enrollments",
        db_index=False,
    )
    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="enrollments", db_index=False
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    # When the person joined the waiting list; the list is served in this order.
    waitlisted_at = models.DateTimeField(_("joined the waiting list"), null=True, blank=True)
    reminder_sent_at = models.DateTimeField(_("reminder sent"), null=True, blank=True)
    # Set when a seat passed to this person from the waiting list; the email telling
    # them is claimed through promotion_notified_at so it goes out once.
    promoted_at = models.DateTimeField(_("moved up from the waiting list"), null=True, blank=True)
    promotion_notified_at = models.DateTimeField(_("told about the seat"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    attendance = models.CharField(
        _("attendance"), max_length=10, choices=Attendance.choices, default=Attendance.UNKNOWN
    )
    # Claimed by the email telling the person their session was cancelled, so it goes
    # out once however many times the job runs.
    cancellation_notified_at = models.DateTimeField(_("told about the cancellation"), null=True, blank=True)

    objects = EnrollmentQuerySet.as_manager()

    # The statuses that occupy one of the session's seats.
    SEAT_HOLDING = (Status.ENROLLED, Status.COMPLETED)

    class Meta:
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
        constraints = [
            models.UniqueConstraint(fields=["user", "session"], name="one_enrollment_per_person_and_session"),
            models.CheckConstraint(
                condition=~Q(status="waitlisted") | Q(waitlisted_at__isnull=False),
                name="waitlisted_enrollment_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["session", "status", "waitlisted_at"], name="enrollment_session_queue"),
            models.Index(fields=["user", "status"], name="enrollment_user_status"),
        ]

    def __str__(self):
        return f"{self.user} — {self.session} ({self.get_status_display()})"

    @property
    def holds_seat(self):
        return self.status in self.SEAT_HOLDING

    @property
    def is_enrolled(self):
        return self.status == self.Status.ENROLLED

    @property
    def is_waitlisted(self):
        return self.status == self.Status.WAITLISTED

    @property
    def is_completed(self):
        return self.status == self.Status.COMPLETED

    @property
    def is_cancelled(self):
        return self.status == self.Status.CANCELLED

    @property
    def may_see_online_link(self):
        """The online link is for people with a seat in a session that is still on."""
        return self.holds_seat and not self.session.is_cancelled


def new_certificate_code():
    return secrets.token_urlsafe(12)


def new_badge_salt():
    return secrets.token_hex(16)


class Certificate(TimeStampedModel):
    """Proof of a completed participation, verifiable by anyone who has its code."""

    enrollment = models.OneToOneField(
        Enrollment, verbose_name=_("enrollment"), on_delete=models.CASCADE, related_name="certificate"
    )
    code = models.CharField(_("verification code"), max_length=32, unique=True, default=new_certificate_code)
    # A snapshot at issue time: later edits to the program do not change a certificate.
    # Emptied when the holder deletes their account (the certificate is revoked then too).
    holder_name = models.CharField(_("holder"), max_length=150, blank=True)
    program_title = models.CharField(_("program"), max_length=200)
    provider_name = models.CharField(_("provider"), max_length=200)
    completed_on = models.DateField(_("completed on"))
    # The Open Badges assertion is public: its recipient is the holder's email hashed
    # with this salt, never the email itself.
    badge_salt = models.CharField(_("badge salt"), max_length=32, default=new_badge_salt, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revocation_reason = models.CharField(_("reason for revoking"), max_length=200, blank=True, validators=[single_line])

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")

    def __str__(self):
        return f"{self.holder_name} — {self.program_title}"

    def get_absolute_url(self):
        return reverse("certificates:verify", kwargs={"code": self.code})

    @property
    def is_revoked(self):
        return self.revoked_at is not None


# The demographic breakdown of an activity report: for each dimension, the answers a
# participant could give, always including "prefer not to say" and "not answered"
# (after the 360Giving DEI extension's asked / reply statuses). Each answer is one
# count column on the report, named <dimension>_<answer>.
DEMOGRAPHIC_DIMENSIONS = {
    "gender": (
        ("woman", _("Woman")),
        ("man", _("Man")),
        ("non_binary", _("Non-binary")),
        ("another", _("Another gender")),
        ("prefer_not", _("Prefer not to say")),
        ("not_answered", _("Not answered")),
    ),
    "age": (
        ("under_18", _("Under 18")),
        ("18_24", _("18–24")),
        ("25_34", _("25–34")),
        ("35_49", _("35–49")),
        ("50_64", _("50–64")),
        ("65_over", _("65 and over")),
        ("prefer_not", _("Prefer not to say")),
        ("not_answered", _("Not answered")),
    ),
    "newcomer": (
        ("new", _("New to Wikimedia")),
        ("returning", _("Already contributing")),
        ("prefer_not", _("Prefer not to say")),
        ("not_answered", _("Not answered")),
    ),
}
DEMOGRAPHIC_LABELS = {
    "gender": _("Gender"),
    "age": _("Age band"),
    "newcomer": _("Newcomer status"),
}


class PersonDemographics(models.Model):
    """What a person chose to tell about themselves, kept only with their consent.

    Withdrawing consent deletes the row; nothing else keeps a copy (no history table).
    Organizers see only counts of the consenting participants of their sessions.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE, related_name="demographics"
    )
    consented_at = models.DateTimeField(_("consent given"))
    gender = models.CharField(_("gender"), max_length=16, choices=DEMOGRAPHIC_DIMENSIONS["gender"][:-1], blank=True)
    age = models.CharField(_("age band"), max_length=16, choices=DEMOGRAPHIC_DIMENSIONS["age"][:-1], blank=True)

    class Meta:
        verbose_name = _("demographics of a person")
        verbose_name_plural = _("demographics of people")

    def __str__(self):
        return str(self.user)


def demographic_columns(dimension: str) -> list[str]:
    return [f"{dimension}_{answer}" for answer, _label in DEMOGRAPHIC_DIMENSIONS[dimension]]


def _sum_of(columns):
    total = F(columns[0])
    for column in columns[1:]:
        total = total + F(column)
    return total


# Dashboard figures a course CSV fills: report column → CSV column.
DASHBOARD_FIGURES = {
    "dashboard_editors": "editors",
    "dashboard_new_editors": "new_editors",
    "dashboard_articles_created": "articles_created",
    "dashboard_articles_edited": "articles_edited",
    "dashboard_edits": "total_edits",
    "dashboard_bytes_added": "bytes_added",
    "dashboard_references_added": "references_added",
    "dashboard_uploads": "upload_count",
}

# Large enough for any real event, small enough that sums over a decade of reports fit.
MAX_COUNT = 1_000_000
count_limit = MaxValueValidator(MAX_COUNT)


def _demographic_count_fields():
    return {
        f"{dimension}_{answer}": models.PositiveIntegerField(
            format_lazy("{dimension}: {answer}", dimension=DEMOGRAPHIC_LABELS[dimension], answer=label),
            default=0,
            validators=[count_limit],
        )
        for dimension, answers in DEMOGRAPHIC_DIMENSIONS.items()
        for answer, label in answers
    }


# One count column per answer, made from DEMOGRAPHIC_DIMENSIONS; an abstract base so the
# columns exist when the class is built and the audit history copies them too.
DemographicCounts = type(
    "DemographicCounts",
    (models.Model,),
    {"__module__": __name__, "Meta": type("Meta", (), {"abstract": True}), **_demographic_count_fields()},
)


class ActivityReport(DemographicCounts, TimeStampedModel):
    """What happened at one session, as structured figures that evaluation and funders read.

    Demographics are aggregated counts only, never per person. For each dimension the
    report says whether it was asked; when it was, its counts add up to the participants
    (people who did not answer are counted as "not answered"), and when it was not, they
    are all zero. The database enforces both, and that no figure exceeds its whole.
    """

    session = models.OneToOneField(Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="report")
    participants = models.PositiveIntegerField(_("participants"), validators=[count_limit])
    newcomers = models.PositiveIntegerField(
        _("newcomers"), default=0, validators=[count_limit], help_text=_("Participants new to Wikimedia projects.")
    )
    facilitators = models.PositiveIntegerField(_("facilitators"), default=0, validators=[count_limit])
    hours_of_learning = models.DecimalField(
        _("hours of learning"),
        max_digits=10,
        decimal_places=1,
        default=0,
        validators=[MaxValueValidator(10_000_000)],
        help_text=_("Participant-hours: each participant's hours at the session, added up."),
    )
    pages_created = models.PositiveIntegerField(_("content pages created"), default=0, validators=[count_limit])
    pages_improved = models.PositiveIntegerField(_("content pages improved"), default=0, validators=[count_limit])
    files_uploaded = models.PositiveIntegerField(_("files uploaded"), default=0, validators=[count_limit])
    evidence_url = models.URLField(
        _("on-wiki evidence"), blank=True, help_text=_("A link to the event page, dashboard or other on-wiki record.")
    )
    notes = models.TextField(_("notes"), blank=True, max_length=5000)
    gender_asked = models.BooleanField(_("gender was asked"), default=False)
    age_asked = models.BooleanField(_("age was asked"), default=False)
    newcomer_asked = models.BooleanField(_("newcomer status was asked"), default=False)
    # Filled from a Programs & Events Dashboard course CSV; empty until one is imported.
    dashboard_course = models.CharField(_("Dashboard course"), max_length=300, blank=True)
    dashboard_imported_at = models.DateTimeField(_("Dashboard figures imported"), null=True, blank=True)
    dashboard_editors = models.PositiveIntegerField(_("editors"), null=True, blank=True)
    dashboard_new_editors = models.PositiveIntegerField(_("new editors"), null=True, blank=True)
    dashboard_articles_created = models.PositiveIntegerField(_("articles created"), null=True, blank=True)
    dashboard_articles_edited = models.PositiveIntegerField(_("articles edited"), null=True, blank=True)
    dashboard_edits = models.PositiveIntegerField(_("edits"), null=True, blank=True)
    dashboard_bytes_added = models.BigIntegerField(_("bytes added"), null=True, blank=True)
    dashboard_references_added = models.PositiveIntegerField(_("references added"), null=True, blank=True)
    dashboard_uploads = models.PositiveIntegerField(_("files uploaded (Dashboard)"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"], related_name="+")

    class Meta:
        verbose_name = _("activity report")
        verbose_name_plural = _("activity reports")
        constraints = [
            models.CheckConstraint(condition=Q(newcomers__lte=F("participants")), name="report_newcomers_within"),
            models.CheckConstraint(
                condition=Q(dashboard_new_editors__isnull=True)
                | Q(dashboard_editors__isnull=True)
                | Q(dashboard_new_editors__lte=F("dashboard_editors")),
                name="report_dashboard_new_editors_within",
            ),
            models.CheckConstraint(condition=Q(hours_of_learning__gte=0), name="report_hours_not_negative"),
        ] + [
            models.CheckConstraint(
                condition=(Q(**{f"{dimension}_asked": True}) & Q(participants=_sum_of(demographic_columns(dimension))))
                | (Q(**{f"{dimension}_asked": False}) & Q(**dict.fromkeys(demographic_columns(dimension), 0))),
                name=f"report_{dimension}_adds_up",
            )
            for dimension in DEMOGRAPHIC_DIMENSIONS
        ]

    def __str__(self):
        return str(self.session)

    def breakdown(self):
        """[(dimension label, asked, [(answer label, count), …]), …] for pages and exports."""
        return [
            (
                DEMOGRAPHIC_LABELS[dimension],
                getattr(self, f"{dimension}_asked"),
                [(label, getattr(self, f"{dimension}_{answer}")) for answer, label in answers],
            )
            for dimension, answers in DEMOGRAPHIC_DIMENSIONS.items()
        ]

    @property
    def has_dashboard_figures(self):
        return self.dashboard_imported_at is not None


class ImportUpload(TimeStampedModel):
    """A spreadsheet of attendance or activity reports, kept as uploaded until it is imported.

    The preview and the import both read these bytes, so what is written is exactly what
    was previewed; after the import the file stays as the record of what was imported.
    """

    class Kind(models.TextChoices):
        ATTENDANCE = "attendance", _("Attendance")
        REPORTS = "reports", _("Activity reports")

    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.CASCADE, related_name="+"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    original_filename = models.CharField(_("file name"), max_length=255)
    content = models.BinaryField(_("content"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    committed_at = models.DateTimeField(_("imported"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("import upload")
        verbose_name_plural = _("import uploads")
        indexes = [
            models.Index(fields=["organization", "-created_at"], name="import_upload_newest"),
            models.Index(fields=["organization", "sha256"], name="import_upload_same_file"),
        ]

    def __str__(self):
        return self.original_filename
