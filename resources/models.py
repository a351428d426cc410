"""Money for capacity building: currencies and the exchange rates that turn amounts into USD."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from capacity.models import TimeStampedModel
from programs.models import Program


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


class Fund(TimeStampedModel):
    """A funder organization's pot of resources for a period, kept in one currency."""

    funder = models.ForeignKey(
        "stakeholders.Organization", verbose_name=_("funder"), on_delete=models.PROTECT, related_name="funds"
    )
    name = models.CharField(_("name"), max_length=200)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    currency = models.ForeignKey(Currency, verbose_name=_("currency"), on_delete=models.PROTECT, related_name="+")

    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"], related_name="+")

    class Meta:
        ordering = ["-starts_on", "name"]
        verbose_name = _("fund")
        verbose_name_plural = _("funds")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="fund_ends_after_it_starts",
                violation_error_message=_("A fund cannot end before it starts."),
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        from stakeholders.models import Organization

        if self.funder_id and self.funder.kind != Organization.Kind.FUNDER:
            raise ValidationError({"funder": _("Only a funder organization has funds.")})


class Allocation(TimeStampedModel):
    """Resources a fund gives a recipient organization: money, in-kind help or people's time."""

    class Kind(models.TextChoices):
        MONEY = "money", _("Money")
        IN_KIND = "in_kind", _("In-kind support")
        TIME = "time", _("People's time")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        APPROVED = "approved", _("Approved")
        DISBURSED = "disbursed", _("Disbursed")
        CLOSED = "closed", _("Closed")
        DECLINED = "declined", _("Declined")

    fund = models.ForeignKey(Fund, verbose_name=_("fund"), on_delete=models.PROTECT, related_name="allocations")
    recipient = models.ForeignKey(
        "stakeholders.Organization",
        verbose_name=_("recipient"),
        on_delete=models.PROTECT,
        related_name="allocations_received",
    )
    programs = models.ManyToManyField(
        "programs.Program", verbose_name=_("programs"), blank=True, related_name="allocations"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.MONEY)
    # Money: the amount; in-kind: its estimated value; time: none (hours × value per hour).
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=4, null=True, blank=True)
    currency = models.ForeignKey(
        Currency, verbose_name=_("currency"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    description = models.TextField(_("description"), blank=True)
    hours = models.DecimalField(_("hours"), max_digits=10, decimal_places=2, null=True, blank=True)
    value_per_hour = models.DecimalField(_("value per hour"), max_digits=14, decimal_places=4, null=True, blank=True)
    categories = models.ManyToManyField(
        "capacity.CapacityCategory", verbose_name=_("purpose"), blank=True, related_name="allocations"
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED, db_index=True
    )
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    # Kept by resources.services (allocation_save, exchange_rate_set): the value in US dollars
    # with the rate in force in the month the allocation starts, and that rate. Empty while
    # the currency has no rate yet, and for time without a value per hour.
    usd_amount = models.DecimalField(_("value in US dollars"), max_digits=16, decimal_places=2, null=True, blank=True)
    usd_rate = models.ForeignKey(
        ExchangeRate,
        verbose_name=_("exchange rate used"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    # The purpose and the programs are part of what an allocation is: their changes are audited too.
    history = HistoricalRecords(
        excluded_fields=["created_at", "updated_at"], related_name="+", m2m_fields=[categories, programs]
    )

    class Meta:
        ordering = ["-starts_on", "pk"]
        indexes = [
            models.Index(fields=["fund", "status"], name="allocation_fund_status"),
            models.Index(fields=["recipient", "status"], name="allocation_recipient_status"),
            models.Index(fields=["currency", "starts_on"], name="allocation_currency_start"),
        ]
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0), name="allocation_amount_not_negative"
            ),
            models.CheckConstraint(condition=Q(hours__isnull=True) | Q(hours__gt=0), name="allocation_hours_positive"),
            models.CheckConstraint(
                condition=Q(value_per_hour__isnull=True) | Q(value_per_hour__gte=0),
                name="allocation_value_per_hour_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="allocation_ends_after_it_starts",
                violation_error_message=_("An allocation cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=~Q(kind="money") | Q(amount__isnull=False, currency__isnull=False),
                name="allocation_money_has_amount_and_currency",
            ),
            models.CheckConstraint(
                condition=~Q(kind="in_kind") | (Q(amount__isnull=False, currency__isnull=False) & ~Q(description="")),
                name="allocation_in_kind_has_value_and_description",
            ),
            models.CheckConstraint(
                condition=~Q(kind="time") | Q(hours__isnull=False, amount__isnull=True),
                name="allocation_time_has_hours",
            ),
            models.CheckConstraint(
                condition=Q(value_per_hour__isnull=True) | Q(currency__isnull=False),
                name="allocation_value_per_hour_has_currency",
            ),
        ]

    def __str__(self):
        return f"{self.fund} → {self.recipient} ({self.get_kind_display()})"

    def clean(self):
        errors = {}
        if self.kind == self.Kind.MONEY:
            if self.amount is None:
                errors["amount"] = _("Give the amount of money.")
            if self.currency_id is None:
                errors["currency"] = _("Give the currency of the amount.")
        elif self.kind == self.Kind.IN_KIND:
            if not self.description.strip():
                errors["description"] = _("Describe the in-kind support.")
            if self.amount is None:
                errors["amount"] = _("Give the estimated value of the in-kind support.")
            if self.currency_id is None:
                errors["currency"] = _("Give the currency of the estimated value.")
        elif self.kind == self.Kind.TIME:
            if self.hours is None:
                errors["hours"] = _("Give the number of hours.")
            if self.amount is not None:
                errors["amount"] = _("Time is counted in hours; give a value per hour instead of an amount.")
            if self.value_per_hour is not None and self.currency_id is None:
                errors["currency"] = _("Give the currency of the value per hour.")
        if errors:
            raise ValidationError(errors)


class AllocationMethod(models.Model):
    """A method of capacity building an allocation pays for (part of its purpose, with its categories)."""

    allocation = models.ForeignKey(
        Allocation, verbose_name=_("allocation"), on_delete=models.CASCADE, related_name="methods"
    )
    method = models.CharField(_("method"), max_length=32, choices=Program.Method.choices)

    history = HistoricalRecords(related_name="+")

    class Meta:
        verbose_name = _("allocation method")
        verbose_name_plural = _("allocation methods")
        constraints = [models.UniqueConstraint(fields=["allocation", "method"], name="one_row_per_allocation_method")]
        indexes = [models.Index(fields=["method", "allocation"], name="allocation_method_lookup")]

    def __str__(self):
        return self.get_method_display()


class Expenditure(TimeStampedModel):
    """Money a recipient spent against a money allocation, in the currency it was spent in."""

    class Category(models.TextChoices):
        VENUE = "venue", _("Venue")
        TRAVEL = "travel", _("Travel and accommodation")
        FOOD = "food", _("Food and refreshments")
        MATERIALS = "materials", _("Materials and printing")
        EQUIPMENT = "equipment", _("Equipment")
        CONNECTIVITY = "connectivity", _("Internet and connectivity")
        FEES = "fees", _("Fees and stipends")
        SERVICES = "services", _("Services")
        OTHER = "other", _("Other")

    allocation = models.ForeignKey(
        Allocation, verbose_name=_("allocation"), on_delete=models.PROTECT, related_name="expenditures"
    )
    spent_on = models.DateField(_("date"))
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=4)
    currency = models.ForeignKey(Currency, verbose_name=_("currency"), on_delete=models.PROTECT, related_name="+")
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    note = models.TextField(_("note"), blank=True, max_length=2000)
    # Given when this expenditure takes the spending beyond the allocation's value.
    overspend_reason = models.TextField(_("reason for spending beyond the allocation"), blank=True, max_length=2000)
    usd_amount = models.DecimalField(_("value in US dollars"), max_digits=16, decimal_places=2, null=True, blank=True)
    usd_rate = models.ForeignKey(
        ExchangeRate,
        verbose_name=_("exchange rate used"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"], related_name="+")

    class Meta:
        ordering = ["-spent_on", "-pk"]
        verbose_name = _("expenditure")
        verbose_name_plural = _("expenditures")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="expenditure_amount_positive"),
        ]
        indexes = [
            models.Index(fields=["allocation", "spent_on"], name="expenditure_allocation_date"),
            models.Index(fields=["currency", "spent_on"], name="expenditure_currency_date"),
        ]

    def __str__(self):
        return f"{self.spent_on:%Y-%m-%d} {self.amount} {self.currency_id}"


class AllocationSpending(models.Model):
    """What has been spent of an allocation: its expenditures added up, kept by the database.

    Triggers on the expenditures table (migration 0007, PostgreSQL and SQLite) add and take
    away each expenditure as it is inserted, changed (re-rated, corrected) or deleted,
    whoever writes it: the services, a bulk load, a test's fixture. Nothing in Python
    writes these rows, so they cannot fall behind the expenditures or be overwritten by
    a stale copy; an allocation without expenditures has no row. The funder dashboard
    adds these up with the allocations instead of joining every expenditure again.
    """

    allocation = models.OneToOneField(
        Allocation,
        verbose_name=_("allocation"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="spending",
    )
    spent = models.DecimalField(_("spent, in the allocation's currency"), max_digits=20, decimal_places=4)
    spent_usd = models.DecimalField(_("spent, in US dollars"), max_digits=20, decimal_places=2)
    expenditures = models.PositiveIntegerField(_("expenditures"))
    without_usd = models.PositiveIntegerField(_("expenditures without a value in US dollars"))

    class Meta:
        verbose_name = _("spending of an allocation")
        verbose_name_plural = _("spending of allocations")

    def __str__(self):
        return f"{self.allocation_id}: {self.spent}"


class Receipt(TimeStampedModel):
    """The scan or PDF behind an expenditure, checked for type and size, kept in the database."""

    expenditure = models.OneToOneField(
        Expenditure, verbose_name=_("expenditure"), on_delete=models.CASCADE, related_name="receipt"
    )
    original_filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=40)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    content = models.BinaryField(_("content"))

    class Meta:
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")

    def __str__(self):
        return self.original_filename
