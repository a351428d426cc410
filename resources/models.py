"""Money for capacity building: currencies and the exchange rates that turn amounts into USD."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from capacity.models import TimeStampedModel


class Currency(models.Model):
    """An ISO 4217 currency (resources/data/iso4217.json, loaded by a data migration)."""

    code = models.CharField(
        _("code"),
        max_length=3,
        primary_key=True,
        validators=[RegexValidator(r"^[A-Z]{3}$", _("Use a three-letter ISO 4217 code such as EUR."))],
    )
    name = models.CharField(_("name"), max_length=80)
    # Digits after the decimal point (JPY 0, EUR 2, KWD 3): amounts are rounded to them.
    minor_units = models.PositiveSmallIntegerField(_("decimal places"), default=2)

    class Meta:
        ordering = ["code"]
        verbose_name = _("currency")
        verbose_name_plural = _("currencies")

    def __str__(self):
        return f"{self.code} — {self.name}"


class ExchangeRate(TimeStampedModel):
    """How many US dollars one unit of a currency was worth in a month, as stewards keep it."""

    currency = models.ForeignKey(Currency, verbose_name=_("currency"), on_delete=models.PROTECT, related_name="rates")
    month = models.DateField(_("month"), help_text=_("The first day of the month the rate is for."))
    usd_per_unit = models.DecimalField(
        _("US dollars per unit"), max_digits=20, decimal_places=10, help_text=_("For example 1.08 for EUR.")
    )
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("set by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"], related_name="+")

    class Meta:
        ordering = ["currency", "-month"]
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        constraints = [
            models.UniqueConstraint(
                fields=["currency", "month"],
                name="one_rate_per_currency_and_month",
                violation_error_message=_("This currency already has a rate for this month."),
            ),
            models.CheckConstraint(condition=Q(usd_per_unit__gt=0), name="exchange_rate_positive"),
            models.CheckConstraint(condition=Q(month__day=1), name="exchange_rate_month_starts_on_day_one"),
        ]

    def __str__(self):
        return f"{self.currency_id} {self.month:%Y-%m}: {self.usd_per_unit} USD"
