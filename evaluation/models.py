"""What the movement measures: the indicators every later measurement, survey and report refers to."""

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
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
