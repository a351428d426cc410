from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.forms import BaseInlineFormSet, ModelForm
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin
from simple_history.admin import SimpleHistoryAdmin

from capacity.admin import BoundedDateChangeList, EstimatedCountPaginator
from stakeholders.admin import PersonAdmin
from stakeholders.models import User

from . import services
from .models import Certificate, Enrollment, Program, Session


class SessionForm(ModelForm):
    """Says before saving what session_save would refuse: fewer seats than people enrolled."""

    def clean(self):
        cleaned = super().clean()
        program = cleaned.get("program") or (self.instance.program if self.instance.program_id else None)
        if not self.instance.pk and program is not None and program.is_archived:
            self.add_error(None, _("This program is archived; restore it before adding sessions."))
        if self.instance.pk and cleaned.get("seats") is not None:
            problem = services.session_seats_problem(session_id=self.instance.pk, seats=cleaned["seats"])
            if problem:
                self.add_error("seats", problem)
        return cleaned


class SessionFormSet(BaseInlineFormSet):
    def save_new(self, form, commit=True):
        return services.session_save(session=form.save(commit=False))

    def save_existing(self, form, obj, commit=True):
        return services.session_save(session=form.save(commit=False))

    def delete_existing(self, obj, commit=True):
        if commit:
            services.session_delete(session=obj)


class SessionInline(admin.StackedInline):
    model = Session
    form = SessionForm
    formset = SessionFormSet
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
class ProgramAdmin(SimpleHistoryAdmin, TranslationAdmin):
    list_display = ("title_shown", "provider", "original_language", "method", "format", "region", "is_published")
    list_filter = ("is_published", "method", "format", "level", "region")
    search_fields = ("slug", "search_document")
    list_select_related = ("provider", "region", "original_language")
    filter_horizontal = ("categories", "languages")
    autocomplete_fields = ("provider", "original_language")
    inlines = [SessionInline]

    @admin.display(description=_("title"))
    def title_shown(self, program):
        return program.shown("title").text

    def save_model(self, request, obj, form, change):
        services.program_save(program=obj)

    def delete_model(self, request, obj):
        services.program_delete(program=obj)

    def delete_queryset(self, request, queryset):
        for program in queryset:
            services.program_delete(program=program)


@admin.register(Session)
class SessionAdmin(SimpleHistoryAdmin, admin.ModelAdmin):
    form = SessionForm
    list_display = ("program", "starts_at", "seats", "seats_taken", "is_cancelled")
    list_filter = ("is_cancelled",)
    list_select_related = ("program__original_language",)
    readonly_fields = ("seats_taken",)
    autocomplete_fields = ("program", "facilitators")
    date_hierarchy = "starts_at"
    paginator = EstimatedCountPaginator
    show_full_result_count = False

    def get_changelist(self, request, **kwargs):
        return BoundedDateChangeList

    def save_model(self, request, obj, form, change):
        services.session_save(session=obj)

    def delete_model(self, request, obj):
        services.session_delete(session=obj)

    def delete_queryset(self, request, queryset):
        for session in queryset:
            services.session_delete(session=session)


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    # Read-only here: enrollment changes go through programs.services to keep seats right.
    list_display = ("user", "session", "status", "waitlisted_at", "created_at")
    list_filter = ("status",)
    list_select_related = ("user", "session__program__original_language")
    # One person's enrollments (get_search_results): a part of a name or address would join
    # most of the movement's 2.5 million enrollments (17 s for "example.org"); the person
    # list searches by parts.
    search_fields = ("user__username", "user__email")
    search_help_text = _("The exact username or email address of one person.")
    paginator = EstimatedCountPaginator
    show_full_result_count = False
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

    def get_search_results(self, request, queryset, search_term):
        """The enrollments of the person with this username or address, found by index."""
        typed = search_term.strip()
        if not typed:
            return queryset, False
        # As typed and lowercased: sign-up by address keeps both lowercase, a MediaWiki
        # username keeps its capital, an address typed in the admin keeps its own.
        terms = {typed, typed.lower()}
        people = User.objects.filter(Q(username__in=terms) | Q(email__in=terms)).values("pk")
        return queryset.filter(user__in=people), False

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


# People are registered by stakeholders; deleting one here goes through person_delete,
# which hands their seats in sessions to come to the waiting lists, keeps their
# participations as anonymous counts and erases the rest (only programs knows how).
admin.site.unregister(User)


@admin.register(User)
class PersonWithEnrollmentsAdmin(PersonAdmin):
    def delete_model(self, request, obj):
        self._delete(request, [obj])

    def delete_queryset(self, request, queryset):
        self._delete(request, list(queryset))

    def _delete(self, request, people):
        for person in people:
            try:
                services.person_delete(user=person)
            except (services.EnrollmentError, ValidationError) as error:
                messages.error(request, str(error))
