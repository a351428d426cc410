from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .models import Allocation, Currency, ExchangeRate, Expenditure, Fund


@admin.register(Currency)
class CurrencyAdmin(admin.ModelAdmin):
    """ISO 4217 comes from the standard's list; stewards read it here."""

    list_display = ("code", "name", "minor_units")
    search_fields = ("code", "name")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ExchangeRate)
class ExchangeRateAdmin(SimpleHistoryAdmin):
    """Stewards keep a rate per currency and month; saving goes through the service."""

    list_display = ("currency", "month", "usd_per_unit", "set_by", "updated_at")
    list_filter = ("currency",)
    search_fields = ("currency__code",)
    date_hierarchy = "month"
    fields = ("currency", "month", "usd_per_unit")
    autocomplete_fields = ("currency",)

    def save_model(self, request, obj, form, change):
        try:
            saved = services.exchange_rate_set(
                currency_code=obj.currency_id, month=obj.month, usd_per_unit=obj.usd_per_unit, by=request.user
            )
        except ValidationError as error:  # the form validated the same rules; a race may still lose
            raise ValidationError(error.messages) from error
        obj.pk = saved.pk


@admin.register(Fund)
class FundAdmin(SimpleHistoryAdmin):
    """Stewards read funds and their history; saving goes through the service."""

    list_display = ("name", "funder", "currency", "starts_on", "ends_on")
    list_filter = ("currency",)
    search_fields = ("name", "funder__name")
    fields = ("funder", "name", "currency", "starts_on", "ends_on")
    autocomplete_fields = ("currency",)
    raw_id_fields = ("funder",)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        try:
            services.fund_save(fund=obj, by=request.user)
        except ValidationError as error:  # the form validated the same rules; a race may still lose
            raise ValidationError(error.messages) from error


@admin.register(Allocation)
class AllocationAdmin(SimpleHistoryAdmin):
    """Allocations change only through the services (status moves by the funder's staff); here they are read."""

    list_display = ("fund", "recipient", "kind", "amount", "currency", "hours", "status", "status_changed_at")
    list_filter = ("status", "kind", "currency")
    search_fields = ("fund__name", "recipient__name")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Expenditure)
class ExpenditureAdmin(SimpleHistoryAdmin):
    """Spending is recorded by the recipient on its pages; here stewards read it and its history.

    The receipt is named, never served: its bytes are not even read for the list, and
    downloading goes through the funding pages' access rules.
    """

    list_display = (
        "spent_on",
        "allocation",
        "amount",
        "currency",
        "category",
        "usd_amount",
        "recorded_by",
        "receipt_name",
    )
    list_filter = ("category", "currency")
    search_fields = ("allocation__fund__name", "allocation__recipient__name", "note")
    date_hierarchy = "spent_on"
    list_select_related = ("allocation__fund", "allocation__recipient", "recorded_by")
    exclude = ("usd_rate",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(receipt_filename=F("receipt__original_filename"))

    @admin.display(description=_("receipt"), ordering="receipt_filename")
    def receipt_name(self, obj):
        return obj.receipt_filename or "—"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
