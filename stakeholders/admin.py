from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin
from simple_history.admin import SimpleHistoryAdmin

from capacity.admin import EstimatedCountPaginator

from .models import (
    ContactRequest,
    ExchangeProfile,
    Invitation,
    Membership,
    Organization,
    SupportEvent,
    SupportOffer,
    SupportRequest,
    User,
)


@admin.register(User)
class PersonAdmin(UserAdmin):
    fieldsets = UserAdmin.fieldsets + (
        (_("Profile"), {"fields": ("display_name", "home_region", "languages", "time_zone", "preferred_language")}),
    )
    list_display = ("username", "email", "display_name", "home_region", "is_staff")
    search_fields = ("username", "email", "display_name")
    list_select_related = ("home_region",)
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    filter_horizontal = ("languages", "groups", "user_permissions")


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Organization)
class OrganizationAdmin(SimpleHistoryAdmin, TranslationAdmin):
    list_display = ("name", "kind", "region", "slug")
    list_filter = ("kind", "region")
    search_fields = ("slug", "name")
    list_select_related = ("region",)
    filter_horizontal = ("languages",)
    inlines = [MembershipInline]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("user", "organization", "role", "status", "created_at")
    list_filter = ("status", "role")
    search_fields = ("user__username", "user__email", "organization__slug")
    list_select_related = ("user", "organization")
    autocomplete_fields = ("user", "organization", "invited_by")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Stewards read these here and may delete spam; every change goes through the portal's services."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class SupportEventInline(ReadOnlyInline):
    model = SupportEvent
    fields = ("created_at", "actor", "from_status", "to_status", "note")
    readonly_fields = fields


class SupportOfferInline(ReadOnlyInline):
    model = SupportOffer
    fields = ("created_at", "author", "kind", "language", "accepted_at", "message")
    readonly_fields = fields


@admin.register(SupportRequest)
class SupportRequestAdmin(ReadOnlyAdmin):
    list_display = ("title", "status", "urgency", "is_sensitive", "organization", "created_at")
    list_filter = ("status", "urgency", "is_sensitive", "region")
    search_fields = ("title",)
    list_select_related = ("organization",)
    inlines = [SupportEventInline, SupportOfferInline]

    def get_queryset(self, request):
        # A view permission given to someone who is not a steward does not open sensitive requests.
        return super().get_queryset(request).visible_to(request.user)


@admin.register(ExchangeProfile)
class ExchangeProfileAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "is_listed", "region", "updated_at")
    list_filter = ("is_listed", "region")
    search_fields = ("user__username", "user__display_name", "organization__slug")
    list_select_related = ("user", "organization", "region")


@admin.register(ContactRequest)
class ContactRequestAdmin(ReadOnlyAdmin):
    # The messages are private between two people: stewards see who and when, not what.
    list_display = ("sender", "recipient", "status", "created_at", "answered_at")
    list_filter = ("status",)
    list_select_related = ("sender", "recipient")
    fields = ("sender", "recipient", "status", "created_at", "answered_at")
    readonly_fields = fields
