from django.contrib import admin
from modeltranslation.admin import TranslationAdmin
from simple_history.admin import SimpleHistoryAdmin

from .models import Indicator


@admin.register(Indicator)
class IndicatorAdmin(SimpleHistoryAdmin, TranslationAdmin):
    """Stewards keep the indicators. They are vocabulary: deactivated, never deleted."""

    list_display = ("code", "name", "kind", "horizon", "unit", "aggregation", "direction", "is_active")
    list_filter = ("kind", "horizon", "aggregation", "is_active")
    search_fields = ("code", "name", "definition")
    filter_horizontal = ("categories",)

    def has_delete_permission(self, request, obj=None):
        return False
