from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from .models import Certificate, Enrollment, Program, Session


class SessionInline(admin.StackedInline):
    model = Session
    extra = 0
    fields = (
        "starts_at",
        "ends_at",
        "venue",
        "online_url",
        "seats",
        "enrollment_opens_at",
        "enrollment_closes_at",
        "is_cancelled",
    )
    show_change_link = True


@admin.register(Program)
class ProgramAdmin(TranslationAdmin):
    list_display = ("title_shown", "provider", "method", "format", "region", "is_published")
    list_filter = ("is_published", "method", "format", "level", "region")
    search_fields = ("slug", "search_document")
    list_select_related = ("provider", "region")
    filter_horizontal = ("categories", "languages")
    autocomplete_fields = ("provider",)
    inlines = [SessionInline]

    @admin.display(description=_("title"))
    def title_shown(self, program):
        return program.display_title


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ("program", "starts_at", "seats", "seats_taken", "is_cancelled")
    list_filter = ("is_cancelled",)
    list_select_related = ("program",)
    readonly_fields = ("seats_taken",)
    autocomplete_fields = ("program", "facilitators")
    date_hierarchy = "starts_at"


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    # Read-only here: enrollment changes go through programs.services to keep seats right.
    list_display = ("user", "session", "status", "waitlisted_at", "created_at")
    list_filter = ("status",)
    list_select_related = ("user", "session__program")
    search_fields = ("user__username", "user__email")
    readonly_fields = (
        "user",
        "session",
        "status",
        "waitlisted_at",
        "reminder_sent_at",
        "completed_at",
        "promoted_at",
        "promotion_notified_at",
    )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # Deleting would leave the seat counted; people cancel through the portal.
        return False


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = ("holder_name", "program_title", "provider_name", "completed_on", "code")
    search_fields = ("holder_name", "program_title", "code")
    readonly_fields = ("enrollment", "code", "holder_name", "program_title", "provider_name", "completed_on")
