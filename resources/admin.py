from django.contrib import admin
from django.core.exceptions import ValidationError
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .models import Currency, ExchangeRate


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
