from django.contrib import admin
from modeltranslation.admin import TranslationAdmin
from simple_history.admin import SimpleHistoryAdmin

from .models import Indicator, Practice


@admin.register(Indicator)
class IndicatorAdmin(SimpleHistoryAdmin, TranslationAdmin):
    """Stewards keep the indicators. They are vocabulary: deactivated, never deleted."""

    list_display = ("code", "name", "kind", "horizon", "unit", "aggregation", "direction", "is_active")
    list_filter = ("kind", "horizon", "aggregation", "is_active")
    search_fields = ("code", "name", "definition")
    filter_horizontal = ("categories",)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Practice)
class PracticeAdmin(TranslationAdmin):
    """Stewards correct a practice's text, links or status; the review itself happens on the site."""

    list_display = ("original_title", "organization", "status", "original_language", "published_at")
    list_filter = ("status", "method", "region")
    search_fields = ("slug", "original_title", "organization__name")
    list_select_related = ("organization", "original_language")
    autocomplete_fields = ("programs",)
    filter_horizontal = ("categories",)
    raw_id_fields = ("organization", "author", "reviewed_by")
    readonly_fields = ("created_at", "updated_at")
