"""What the movement measures: the indicators every later measurement, survey and report refers to."""

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from capacity.models import CapacityCategory, TimeStampedModel, Translated

# The same pattern twice: the validator gives the form its message, the constraint keeps
# any other writer honest. Python's $ also matches before a final newline, so the
# validator ends with \Z; PostgreSQL's $ is the end of the text.
CODE_PATTERN = r"^[a-z][a-z0-9_]*$"
indicator_code = RegexValidator(
    r"^[a-z][a-z0-9_]*\Z",
    _("Use lowercase letters, digits and underscores, starting with a letter, such as retention_3m."),
)


class Indicator(Translated, TimeStampedModel):
    """One thing the movement measures: a participant count, a retention rate, a cost.

    Stewards keep them in the admin. A rate's measurements will carry a numerator and a
    denominator, so rates can be added up across programs before they are divided.
    """

    class Kind(models.TextChoices):
        OUTPUT = "output", _("Output")
        OUTCOME = "outcome", _("Outcome")

    class Horizon(models.TextChoices):
        SHORT = "short", _("Short term")
        LONG = "long", _("Long term")

    class Unit(models.TextChoices):
        PEOPLE = "people", _("People")
        HOURS = "hours", _("Hours")
        PAGES = "pages", _("Pages")
        SHARE = "share", _("Share")
        RATING = "rating", _("Rating (1–5)")
        RATING_POINTS = "rating_points", _("Rating points")
        USD = "usd", _("US dollars")

    class Aggregation(models.TextChoices):
        SUM = "sum", _("Sum")
        MEAN = "mean", _("Mean")
        RATE = "rate", _("Rate (numerator ÷ denominator)")

    class Direction(models.TextChoices):
        HIGHER = "higher", _("Higher is better")
        LOWER = "lower", _("Lower is better")

    code = models.CharField(
        _("code"),
        max_length=60,
        unique=True,
        validators=[indicator_code],
        help_text=_("A short, stable identifier used in reports and exports, such as retention_3m."),
    )
    name = models.CharField(_("name"), max_length=120)
    definition = models.TextField(_("definition"), help_text=_("What is counted, and how."))
    kind = models.CharField(
        _("kind"),
        max_length=10,
        choices=Kind.choices,
        help_text=_("Outputs are what a program delivers; outcomes are what changes for people."),
    )
    horizon = models.CharField(_("horizon"), max_length=10, choices=Horizon.choices)
    unit = models.CharField(_("unit"), max_length=20, choices=Unit.choices)
    aggregation = models.CharField(
        _("aggregation"),
        max_length=10,
        choices=Aggregation.choices,
        help_text=_(
            "How measurements are combined. A rate's measurements carry a numerator and a denominator, "
            "which are added up separately and divided at the end."
        ),
    )
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices, default=Direction.HIGHER)
    categories = models.ManyToManyField(
        CapacityCategory, verbose_name=_("capacity categories"), blank=True, related_name="indicators"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Indicators are never deleted once created; untick this to stop using one."),
    )

    # History (who changed what, when) is registered in translation.py, after the
    # translated columns exist, so it keeps every language.

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=CODE_PATTERN),
                name="indicator_code_pattern",
                violation_error_message=_("Use lowercase letters, digits and underscores, starting with a letter."),
            ),
        ]

    def __str__(self):
        return self.name


# Where a measurement came from. Each source writes its own measurements, replacing the
# previous ones (evaluation.measurements), so an edited source never counts twice.
class Source(models.TextChoices):
    ACTIVITY_REPORT = "activity_report", _("Activity report")
    SURVEY_RESPONSE = "survey_response", _("Survey response")
    SELF_ASSESSMENT = "self_assessment", _("Self-assessment")
    ALLOCATION = "allocation", _("Allocation")


# The disaggregations a measurement may carry. "" is everyone; the answers of the
# demographic dimensions are those of programs.models.DEMOGRAPHIC_DIMENSIONS, which
# include "prefer_not" (prefer not to say) and "not_answered"; "not_asked" marks a
# report that did not ask.
DISAGGREGATIONS = ("", "gender", "age", "newcomer")
NOT_ASKED = "not_asked"


class Measurement(models.Model):
    """One value of one indicator, from one source, for one slice of people.

    Sum indicators carry `value`; mean indicators carry `value` and are averaged over
    `people`; rates carry `numerator` and `denominator`, added up separately. `people` is
    how many people stand behind the value: the privacy gate's n.
    `category` is set only when the value is about one capacity (a self-rating); a
    program's outputs leave it empty and reach category reports through the program's
    capacities. `dimension`/`answer` are "" for everyone.
    """

    indicator = models.ForeignKey(Indicator, verbose_name=_("indicator"), on_delete=models.PROTECT, related_name="+")
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=4, default=0)
    numerator = models.DecimalField(_("numerator"), max_digits=18, decimal_places=4, null=True, blank=True)
    denominator = models.DecimalField(_("denominator"), max_digits=18, decimal_places=4, null=True, blank=True)
    people = models.PositiveIntegerField(_("people"), default=0)
    date = models.DateField(_("date"))
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    source_id = models.PositiveBigIntegerField(_("source id"))
    organization = models.ForeignKey(
        "stakeholders.Organization", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    session = models.ForeignKey("programs.Session", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    allocation = models.ForeignKey(
        "resources.Allocation", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    region = models.ForeignKey("capacity.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    is_emerging = models.BooleanField(_("emerging community"), default=False)
    category = models.ForeignKey(CapacityCategory, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    method = models.CharField(_("method"), max_length=32, blank=True)
    dimension = models.CharField(_("disaggregation"), max_length=12, blank=True, default="")
    answer = models.CharField(_("answer"), max_length=16, blank=True, default="")
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("measurement")
        verbose_name_plural = _("measurements")
        constraints = [
            # One value per source, indicator, program, capacity and slice (an allocation
            # reaches several programs): replacing a source's measurements can never leave
            # two. Coalesce makes "none" one value on PostgreSQL and SQLite alike (NULLs
            # are otherwise distinct).
            models.UniqueConstraint(
                "source",
                "source_id",
                "indicator",
                Coalesce("program", Value(0)),
                Coalesce("category", Value(0)),
                "dimension",
                "answer",
                name="measurement_once_per_source",
            ),
            models.CheckConstraint(
                condition=Q(dimension__in=DISAGGREGATIONS) & (Q(dimension="") | ~Q(answer="")),
                name="measurement_disaggregation_known",
            ),
            models.CheckConstraint(
                condition=Q(numerator__isnull=True, denominator__isnull=True)
                | Q(numerator__isnull=False, denominator__gt=0),
                name="measurement_rate_has_denominator",
            ),
        ]
        indexes = [
            # The report jobs group by period within an indicator and slice.
            models.Index(fields=["indicator", "dimension", "date"], name="measurement_indicator_date"),
            models.Index(fields=["source", "source_id"], name="measurement_source"),
            models.Index(fields=["organization", "date"], name="measurement_org_date"),
            models.Index(fields=["region", "date"], name="measurement_region_date"),
            models.Index(fields=["recorded_at"], name="measurement_recorded"),
        ]

    def __str__(self):
        return f"{self.indicator_id} {self.value} ({self.source} {self.source_id})"


class SyncMark(models.Model):
    """How far the measurement sync has read one kind of source (its updated_at watermark)."""

    source = models.CharField(_("source"), max_length=20, choices=Source.choices, primary_key=True)
    synced_until = models.DateTimeField(_("read up to"))

    class Meta:
        verbose_name = _("measurement sync mark")
        verbose_name_plural = _("measurement sync marks")


class ProgramCapacitiesSeen(models.Model):
    """A program's capacities as the measurement sync last saw them (slugs, sorted, comma-separated).

    A report reads a program's capacities when it is built, not from its measurements: a
    program whose capacities changed since makes the years it was measured in stale
    (measurements_sync compares, marks and records them).
    """

    program = models.OneToOneField(
        "programs.Program", on_delete=models.CASCADE, primary_key=True, related_name="+", verbose_name=_("program")
    )
    capacities = models.TextField(_("capacities"), blank=True)

    class Meta:
        verbose_name = _("program's capacities as last read")
        verbose_name_plural = _("programs' capacities as last read")


class StalePeriod(models.Model):
    """A year whose reports no longer match its measurements: the nightly job's watermark.

    The measurement services mark every year they add to or remove from; the job rebuilds
    the marked years and clears the marks it saw, so a mark made while it ran survives.
    """

    year = models.PositiveSmallIntegerField(_("year"), primary_key=True)
    marked_at = models.DateTimeField(_("marked"), default=timezone.now)
    # Raised by every mark: a build clears a year only if nobody marked it again while
    # it ran (a time cannot say that: a mark may commit after the build read the year).
    version = models.PositiveBigIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("year to rebuild")
        verbose_name_plural = _("years to rebuild")


# The indicator of a StaleIndicator that stands for all of them: a change whose indicators
# are not known (a session deleted with its measurements) makes the whole year stale.
EVERY_INDICATOR = ""


class StaleIndicator(models.Model):
    """What changed in a stale year: an indicator whose measurements changed, so an incremental
    build rebuilds only the figures that can differ (reports.year_replace).

    Marked with the year (StalePeriod), in the same transaction, with a version of its
    own: a build clears the marks it read before it began, unless marked again meanwhile.
    An indicator is a code rather than a key: EVERY_INDICATOR stands for all of them, and
    a mark outlives an indicator deleted since (whose report rows went with it).
    """

    year = models.PositiveSmallIntegerField(_("year"))
    indicator = models.CharField(_("indicator"), max_length=60, blank=True)
    marked_at = models.DateTimeField(_("marked"), default=timezone.now)
    version = models.PositiveBigIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("indicator to rebuild")
        verbose_name_plural = _("indicators to rebuild")
        constraints = [
            models.UniqueConstraint(fields=["year", "indicator"], name="one_stale_mark_per_year_and_indicator"),
        ]


# ---------------------------------------------------------------------------
# Surveys: a standard questionnaire per program and moment, generated from the
# program's capacities; one invitation per enrollment and moment, sent once.


class SurveyKind(models.TextChoices):
    PRE = "pre", _("Before the session")
    POST = "post", _("After the session")
    FOLLOW_UP_3 = "follow_up_3", _("Three months later")
    FOLLOW_UP_6 = "follow_up_6", _("Six months later")
    FOLLOW_UP_12 = "follow_up_12", _("Twelve months later")


FOLLOW_UP_MONTHS = {SurveyKind.FOLLOW_UP_3: 3, SurveyKind.FOLLOW_UP_6: 6, SurveyKind.FOLLOW_UP_12: 12}


def new_survey_token():
    return secrets.token_urlsafe(24)


class SurveyInvitation(TimeStampedModel):
    """An invitation to answer one survey about one session: created once, emailed once."""

    enrollment = models.ForeignKey(
        "programs.Enrollment", verbose_name=_("enrollment"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("survey"), max_length=14, choices=SurveyKind.choices)
    token = models.CharField(_("token"), max_length=64, unique=True, default=new_survey_token, editable=False)
    due_at = models.DateTimeField(_("due"), db_index=True)
    # Claimed by the email that carries the invitation, so it goes out once however many
    # times the job runs.
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    responded_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "kind"], name="survey_invitation_once"),
        ]
        indexes = [models.Index(fields=["sent_at", "due_at"], name="survey_invitation_to_send")]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.enrollment_id})"


class SurveyResponse(TimeStampedModel):
    """One person's answers to one survey: one per invitation, so one per person and survey."""

    class Using(models.TextChoices):
        OFTEN = "often", _("Often")
        SOMETIMES = "sometimes", _("Sometimes")
        NOT_YET = "not_yet", _("Not yet")
        NO = "no", _("No")

    invitation = models.OneToOneField(
        SurveyInvitation, verbose_name=_("invitation"), on_delete=models.CASCADE, related_name="response"
    )
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    still_active = models.BooleanField(_("still active on Wikimedia projects"), null=True, blank=True)
    using_learning = models.CharField(_("using what was learned"), max_length=10, choices=Using.choices, blank=True)
    comments = models.TextField(_("comments"), blank=True, max_length=3000)
    language = models.CharField(_("language"), max_length=10, blank=True)

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        constraints = [
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True) | Q(satisfaction__gte=1, satisfaction__lte=5),
                name="survey_satisfaction_1_5",
            ),
        ]

    def __str__(self):
        return str(self.invitation)


class CapacityRating(models.Model):
    """A 1–5 rating of one capacity: in a survey answer, or in a self-assessment round."""

    category = models.ForeignKey(
        CapacityCategory, verbose_name=_("capacity"), on_delete=models.PROTECT, related_name="+"
    )
    rating = models.PositiveSmallIntegerField(_("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)])

    class Meta:
        abstract = True
        verbose_name = _("capacity rating")
        verbose_name_plural = _("capacity ratings")


class SurveyRating(CapacityRating):
    """A self-rating of one capacity the program teaches, inside a response."""

    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="ratings")

    class Meta(CapacityRating.Meta):
        constraints = [
            models.UniqueConstraint(fields=["response", "category"], name="survey_rating_once"),
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="survey_rating_1_5"),
        ]


# ---------------------------------------------------------------------------
# Self-assessment: a person, or an organization's admins for it, rate capacities at any
# time; each round is kept, so the history can be drawn.


class SelfAssessment(models.Model):
    """One round of ratings. A person's rounds outlive their account, anonymous (user and
    organization both empty), so the aggregates they are part of do not change."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    organization = models.ForeignKey(
        "stakeholders.Organization", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    assessed_at = models.DateTimeField(_("assessed"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("self-assessment")
        verbose_name_plural = _("self-assessments")
        ordering = ["assessed_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(user__isnull=False, organization__isnull=False),
                name="self_assessment_one_subject",
            ),
        ]

    def __str__(self):
        return f"{self.user_id or self.organization_id} {self.assessed_at:%Y-%m-%d}"


class SelfAssessmentRating(CapacityRating):
    assessment = models.ForeignKey(SelfAssessment, on_delete=models.CASCADE, related_name="ratings")

    class Meta(CapacityRating.Meta):
        constraints = [
            models.UniqueConstraint(fields=["assessment", "category"], name="self_assessment_rating_once"),
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="self_assessment_rating_1_5"),
        ]


# ---------------------------------------------------------------------------
# Learning reports: rows the Celery jobs write (replace-style) and the pages read.


class Scope(models.TextChoices):
    MOVEMENT = "movement", _("Movement")
    REGION = "region", _("Region")
    CATEGORY = "category", _("Capacity")
    METHOD = "method", _("Method")
    ORGANIZATION = "organization", _("Organization")


class ReportBuild(models.Model):
    """One run of the report job, for one scope or for all: its progress and outcome."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    scope = models.CharField(_("scope"), max_length=12, choices=Scope.choices, blank=True)
    scope_key = models.CharField(_("scope key"), max_length=80, blank=True)
    incremental = models.BooleanField(_("only years with new data"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    steps_done = models.PositiveIntegerField(_("steps done"), default=0)
    steps_total = models.PositiveIntegerField(_("steps"), default=0)
    measurements = models.PositiveBigIntegerField(_("measurements read"), default=0)
    rows = models.PositiveIntegerField(_("report rows written"), default=0)
    years_total = models.PositiveIntegerField(_("years to build"), default=0)
    # Each start of the build (a takeover of one left running too) is a new attempt: the
    # year tasks of an earlier attempt count for nothing (reports.build_year).
    attempt = models.PositiveIntegerField(_("attempt"), default=0)
    years_planned = models.JSONField(_("years planned"), default=list, blank=True)
    # The years written so far: a year's task run again (its worker died after writing)
    # counts once.
    years_built = models.JSONField(_("years built"), default=list, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("report build")
        verbose_name_plural = _("report builds")
        ordering = ["-requested_at", "-pk"]

    def __str__(self):
        return f"{self.scope or 'all'} {self.scope_key} {self.status}"


class ReportAtom(models.Model):
    """A year's measurements summed per slice, quarter and program: what one build's GROUP BYs read.

    No table of its own: `reports.year_rows` fills a temporary table of this name from
    one GROUP BY over the year's measurements, reads every report figure from it (a
    third of the rows, no joins but a program's capacities) and drops it.
    """

    organization_slug = models.CharField(max_length=80, null=True)
    region_slug = models.CharField(max_length=80, null=True)
    method = models.CharField(max_length=32)
    is_emerging = models.BooleanField()
    quarter = models.IntegerField()
    indicator = models.ForeignKey(Indicator, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    dimension = models.CharField(max_length=12)
    answer = models.CharField(max_length=16)
    category_slug = models.CharField(max_length=80, null=True)
    program = models.ForeignKey(
        "programs.Program", on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="+"
    )
    sum_people = models.BigIntegerField()
    sum_rows = models.BigIntegerField()
    sum_value = models.DecimalField(max_digits=30, decimal_places=4)
    sum_squares = models.DecimalField(max_digits=40, decimal_places=8)
    sum_numerator = models.DecimalField(max_digits=30, decimal_places=4, null=True)
    sum_denominator = models.DecimalField(max_digits=30, decimal_places=4, null=True)

    class Meta:
        managed = False


class ReportRow(models.Model):
    """One figure of one learning report: scope × period × indicator × breakdown cell.

    The raw aggregates (n, sums) are kept for rebuilding and for stewards; `shown` and
    the published_* columns are what the privacy gate lets out, and all that public pages
    and downloads read.
    """

    scope = models.CharField(_("scope"), max_length=12, choices=Scope.choices)
    scope_key = models.CharField(_("scope key"), max_length=80, blank=True)
    period = models.CharField(_("period"), max_length=7)  # "2026" or "2026-Q3"
    # Empty for evaluation coverage rows (breakdown "coverage", key = the survey kind).
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    breakdown = models.CharField(_("breakdown"), max_length=12, blank=True)
    breakdown_key = models.CharField(_("breakdown key"), max_length=80, blank=True)
    n = models.PositiveBigIntegerField(_("people"), default=0)
    measurements = models.PositiveBigIntegerField(_("measurements"), default=0)
    total = models.DecimalField(_("sum"), max_digits=24, decimal_places=4, default=0)
    total_squares = models.DecimalField(_("sum of squares"), max_digits=30, decimal_places=4, default=0)
    numerator = models.DecimalField(_("numerator"), max_digits=24, decimal_places=4, null=True, blank=True)
    denominator = models.DecimalField(_("denominator"), max_digits=24, decimal_places=4, null=True, blank=True)
    shown = models.BooleanField(_("published"), default=False)
    value = models.DecimalField(_("value"), max_digits=24, decimal_places=4, null=True, blank=True)
    # xgettext:no-python-format
    low = models.DecimalField(_("95% interval, low"), max_digits=24, decimal_places=4, null=True, blank=True)
    # xgettext:no-python-format
    high = models.DecimalField(_("95% interval, high"), max_digits=24, decimal_places=4, null=True, blank=True)
    built_at = models.DateTimeField(_("built"))

    class Meta:
        verbose_name = _("report figure")
        verbose_name_plural = _("report figures")
        constraints = [
            models.UniqueConstraint(
                "scope",
                "scope_key",
                "period",
                Coalesce("indicator", Value(0)),
                "breakdown",
                "breakdown_key",
                name="report_row_once",
            ),
        ]
        # No index of its own for a report's rows: report_row_once starts with (scope, scope_key,
        # period), so every read of a report uses it, and a second index on those columns cost
        # a large year's build about 2 s of its 84 to keep up (migration 0009).


class ReportBuilt(models.Model):
    """A report a year's build wrote rows for, and when: what the reports' index lists.

    Written by the build in the transaction that writes the year's rows (reports.year_replace),
    so it always says what the rows say; the index reads these few thousand rows instead of
    grouping every report row (4.4 million at movement scale: about two seconds).
    """

    year = models.PositiveSmallIntegerField(_("year"))
    scope = models.CharField(_("scope"), max_length=12, choices=Scope.choices)
    scope_key = models.CharField(_("scope key"), max_length=80, blank=True)
    built_at = models.DateTimeField(_("built"))

    class Meta:
        verbose_name = _("report built")
        verbose_name_plural = _("reports built")
        constraints = [models.UniqueConstraint("year", "scope", "scope_key", name="report_built_once")]


# ---------------------------------------------------------------------------
# Promising practices: what worked, written by staff in any language, reviewed by
# stewards before anyone else sees it.


class Practice(Translated, TimeStampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Waiting for review")
        PUBLISHED = "published", _("Published")
        RETURNED = "returned", _("Returned for changes")

    original_fields = ("title", "context", "what_was_done", "evidence", "would_change")

    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    original_language = models.ForeignKey(
        "capacity.Language", verbose_name=_("written in"), on_delete=models.PROTECT, related_name="+"
    )
    original_title = models.CharField(_("title in the original language"), max_length=200)
    original_context = models.TextField(_("context in the original language"), max_length=5000)
    original_what_was_done = models.TextField(_("what was done, in the original language"), max_length=5000)
    original_evidence = models.TextField(_("evidence in the original language"), max_length=5000)
    original_would_change = models.TextField(
        _("what they would change, in the original language"), max_length=5000, blank=True
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    context = models.TextField(_("context"), blank=True, max_length=5000)
    what_was_done = models.TextField(_("what was done"), blank=True, max_length=5000)
    evidence = models.TextField(_("evidence"), blank=True, max_length=5000)
    would_change = models.TextField(_("what we would change"), blank=True, max_length=5000)
    organization = models.ForeignKey(
        "stakeholders.Organization", verbose_name=_("organization"), on_delete=models.CASCADE, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    programs = models.ManyToManyField("programs.Program", verbose_name=_("programs"), blank=True, related_name="+")
    categories = models.ManyToManyField(CapacityCategory, verbose_name=_("capacities"), related_name="+")
    method = models.CharField(_("method"), max_length=32, blank=True)
    region = models.ForeignKey(
        "capacity.Region", verbose_name=_("region"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Reports a practice stands beside: "scope:key", e.g. "method:mentoring" or "movement:".
    report_scopes = models.JSONField(_("learning reports"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    review_note = models.CharField(_("note from the reviewer"), max_length=1000, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    class Meta:
        verbose_name = _("promising practice")
        verbose_name_plural = _("promising practices")
        ordering = ["-published_at", "-pk"]

    def __str__(self):
        return self.original_title
