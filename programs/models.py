"""Programs, their sessions, who enrolled, and the certificates they earned."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Exists, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext_lazy as _

from capacity.models import CapacityCategory, Language, Region, TimeStampedModel, ui_language_field
from stakeholders.models import Organization


def fields_except(instance, *excluded):
    """Every column a save() may write, less those another process keeps current."""
    return [
        field.name for field in instance._meta.concrete_fields if not field.primary_key and field.name not in excluded
    ]


class ProgramQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)

    def upcoming(self, *, now=None):
        """Programs with a session still to come, read from the indexed next_session_at."""
        return self.filter(next_session_at__gte=now or timezone.now())

    def refresh_next_session(self, *, now=None):
        """Store each program's next session start, or NULL when none is left; one UPDATE."""
        upcoming = Session.objects.filter(
            program=OuterRef("pk"), starts_at__gte=now or timezone.now(), is_cancelled=False
        ).order_by("starts_at")
        return self.update(next_session_at=Subquery(upcoming.values("starts_at")[:1]))

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


class Program(TimeStampedModel):
    """A capacity-building offer by one organization: a course, workshop, mentoring…"""

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
    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(_("summary"), max_length=400)
    description = models.TextField(_("description"), blank=True)
    original_language = models.CharField(
        _("original language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default="en",
        help_text=_("The language the program was written in; shown when no translation exists."),
    )
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
    # When the next session starts: the catalog filters and sorts on this indexed
    # column instead of scanning sessions. Sessions refresh it when they change, and
    # a beat job moves it on when a session begins.
    next_session_at = models.DateTimeField(_("next session"), null=True, blank=True, editable=False, db_index=True)
    # Translated titles and summaries joined in one column for full-text search,
    # rebuilt on every save.
    search_document = models.TextField(editable=False, blank=True, default="")

    objects = ProgramQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("program")
        verbose_name_plural = _("programs")
        indexes = [
            models.Index(fields=["is_published", "-created_at"], name="program_published_newest"),
            models.Index(fields=["is_published", "next_session_at"], name="program_published_soonest"),
        ]

    def __str__(self):
        return self.display_title

    def get_absolute_url(self):
        return reverse("programs:detail", kwargs={"slug": self.slug})

    def save(self, *args, **kwargs):
        self.search_document = self.build_search_document()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_document"}
        elif not self._state.adding:
            # next_session_at follows the sessions (see signals); a program loaded
            # before a session changed must not write back the old value.
            kwargs["update_fields"] = fields_except(self, "next_session_at")
        super().save(*args, **kwargs)

    def build_search_document(self):
        parts = []
        for code, _name in settings.LANGUAGES:
            suffix = ui_language_field(code)
            parts += [getattr(self, f"title_{suffix}", "") or "", getattr(self, f"summary_{suffix}", "") or ""]
        return "\n".join(part for part in parts if part)

    def _language_for(self, field):
        """Which language to show a field in: the reader's, else the original, else any."""
        active = get_language() or settings.LANGUAGE_CODE
        candidates = [active, self.original_language] + [code for code, _name in settings.LANGUAGES]
        for code in candidates:
            if getattr(self, f"{field}_{ui_language_field(code)}", ""):
                return code
        return self.original_language

    def _shown(self, field):
        return getattr(self, f"{field}_{ui_language_field(self._language_for(field))}", "") or ""

    @property
    def display_title(self):
        return self._shown("title")

    @property
    def display_summary(self):
        return self._shown("summary")

    @property
    def display_description(self):
        return self._shown("description")

    @property
    def content_language(self):
        """The language the title is shown in, for the lang attribute and the fallback notice."""
        return self._language_for("title")

    @property
    def summary_language(self):
        return self._language_for("summary")

    @property
    def description_language(self):
        return self._language_for("description")

    def clean(self):
        from django.core.exceptions import ValidationError

        # A program is always readable in the language it was written in.
        suffix = ui_language_field(self.original_language)
        errors = {
            f"{field}_{suffix}": _("Write the %(field)s in the program's original language.") % {"field": label}
            for field, label in (("title", _("title")), ("summary", _("summary")))
            if not getattr(self, f"{field}_{suffix}", "")
        }
        if errors:
            raise ValidationError(errors)

    @staticmethod
    def direction_of(language_code):
        return "rtl" if translation.get_language_info(language_code)["bidi"] else "ltr"

    @property
    def content_direction(self):
        """'rtl' or 'ltr' for the language the title is shown in, for the dir attribute."""
        return self.direction_of(self.content_language)

    @property
    def summary_direction(self):
        return self.direction_of(self.summary_language)

    @property
    def description_direction(self):
        return self.direction_of(self.description_language)

    @property
    def is_shown_in_original_language(self):
        return self.content_language != (get_language() or settings.LANGUAGE_CODE)


class Session(TimeStampedModel):
    """One run of a program, with dates, a place and a fixed number of seats."""

    program = models.ForeignKey(Program, verbose_name=_("program"), on_delete=models.CASCADE, related_name="sessions")
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    venue = models.CharField(_("venue"), max_length=300, blank=True)
    online_url = models.URLField(
        _("online link"), blank=True, help_text=_("Shown only to people enrolled in the session.")
    )
    seats = models.PositiveIntegerField(_("seats"))
    # Maintained only by programs.services under a row lock; the check constraint
    # below is the last line of defence against overbooking.
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

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        indexes = [
            models.Index(fields=["program", "starts_at"], name="session_program_start"),
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
        from django.core.exceptions import ValidationError

        errors = {}
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = _("A session must end after it starts.")
        if (
            self.enrollment_opens_at
            and self.enrollment_closes_at
            and self.enrollment_closes_at <= self.enrollment_opens_at
        ):
            errors["enrollment_closes_at"] = _("Enrollment must close after it opens.")
        if self.pk and self.seats is not None:
            # Read the counter afresh: people may have enrolled since this form was loaded.
            self.seats_taken = Session.objects.filter(pk=self.pk).values_list("seats_taken", flat=True).first() or 0
        if self.pk and self.seats is not None and self.seats < self.seats_taken:
            errors["seats"] = ngettext(
                "%(taken)s person is already enrolled; seats cannot be fewer.",
                "%(taken)s people are already enrolled; seats cannot be fewer.",
                self.seats_taken,
            ) % {"taken": self.seats_taken}
        if errors:
            raise ValidationError(errors)

    @classmethod
    def from_db(cls, db, field_names, values):
        session = super().from_db(db, field_names, values)
        # Remembered so a move to another program refreshes the old one too (signals).
        session.loaded_program_id = session.program_id
        return session

    def save(self, *args, **kwargs):
        # seats_taken belongs to programs.services, which change it under a row lock;
        # saving a session loaded earlier (the admin, a script) must not write back a
        # stale count.
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = fields_except(self, "seats_taken")
        super().save(*args, **kwargs)

    def seats_left(self):
        return max(self.seats - self.seats_taken, 0)

    @property
    def is_full(self):
        return self.seats_taken >= self.seats

    @property
    def enrollment_closes(self):
        return self.enrollment_closes_at or self.starts_at

    def enrollment_state(self, now=None):
        """'not_yet', 'open' or 'closed' for enrollment at this moment."""
        now = now or timezone.now()
        if self.is_cancelled:
            return "closed"
        if self.enrollment_opens_at and now < self.enrollment_opens_at:
            return "not_yet"
        if now >= self.enrollment_closes:
            return "closed"
        return "open"


class EnrollmentQuerySet(models.QuerySet):
    def holding_seat(self):
        return self.filter(status__in=[Enrollment.Status.ENROLLED, Enrollment.Status.COMPLETED])

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

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE, related_name="enrollments"
    )
    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="enrollments"
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

    objects = EnrollmentQuerySet.as_manager()

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


def new_certificate_code():
    return secrets.token_urlsafe(12)


class Certificate(TimeStampedModel):
    """Proof of a completed participation, verifiable by anyone who has its code."""

    enrollment = models.OneToOneField(
        Enrollment, verbose_name=_("enrollment"), on_delete=models.CASCADE, related_name="certificate"
    )
    code = models.CharField(_("verification code"), max_length=32, unique=True, default=new_certificate_code)
    # A snapshot at issue time: later edits to the program do not change a certificate.
    holder_name = models.CharField(_("holder"), max_length=150)
    program_title = models.CharField(_("program"), max_length=200)
    provider_name = models.CharField(_("provider"), max_length=200)
    completed_on = models.DateField(_("completed on"))

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")

    def __str__(self):
        return f"{self.holder_name} — {self.program_title}"

    def get_absolute_url(self):
        return reverse("certificates:verify", kwargs={"code": self.code})
