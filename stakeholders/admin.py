from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin
from simple_history.admin import SimpleHistoryAdmin

from .models import Invitation, Membership, Organization, User


@admin.register(User)
class PersonAdmin(UserAdmin):
    fieldsets = UserAdmin.fieldsets + (
        (_("Profile"), {"fields": ("display_name", "home_region", "languages", "time_zone", "preferred_language")}),
    )
    list_display = ("username", "email", "display_name", "home_region", "is_staff")
    search_fields = ("username", "email", "display_name")
    list_select_related = ("home_region",)
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
