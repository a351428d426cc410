"""The catalog's filters: every option lives in the URL, so lists are shareable."""

from datetime import date, datetime, time, timedelta

import django_filters
from django import forms
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from capacity.models import CapacityCategory, Language, Region
from stakeholders.models import Organization

from .models import Program

SORTS = {
    "soonest": _("Soonest"),
    "newest": _("Newest"),
    "popular": _("Most enrolled"),
}


# Dates outside these bounds are typing mistakes, and near year 1 or 9999 the time
# zone arithmetic overflows.
DATE_LIMITS = [
    MinValueValidator(date(1900, 1, 1), message=_("Choose a date after 1900.")),
    MaxValueValidator(date(2200, 12, 31), message=_("Choose a date before 2200.")),
]


def search_programs(queryset, text):
    """Full-text search over every translation of title and summary."""
    text = text.strip()
    if not text:
        return queryset
    if connection.vendor == "postgresql":
        # The same expression is indexed (see the program search migration).
        vector = SearchVector("search_document", config="simple")
        return queryset.annotate(search=vector).filter(
            search=SearchQuery(text, config="simple", search_type="websearch")
        )
    condition = Q()
    for word in text.split():
        condition &= Q(search_document__icontains=word)
    return queryset.filter(condition)


class ProgramFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_text", max_length=200)
    category = django_filters.ModelMultipleChoiceFilter(
        label=_("Capacity"),
        field_name="categories",
        to_field_name="slug",
        queryset=CapacityCategory.objects.all(),
        method="filter_category",
    )
    method = django_filters.MultipleChoiceFilter(label=_("Method"), choices=Program.Method.choices)
    language = django_filters.ModelMultipleChoiceFilter(
        label=_("Language"),
        field_name="languages__code",
        to_field_name="code",
        queryset=Language.objects.all(),
        method="filter_language",
    )
    region = django_filters.ModelMultipleChoiceFilter(
        label=_("Region"), field_name="region__slug", to_field_name="slug", queryset=Region.objects.all()
    )
    format = django_filters.MultipleChoiceFilter(label=_("Format"), choices=Program.Format.choices)
    level = django_filters.MultipleChoiceFilter(label=_("Level"), choices=Program.Level.choices)
    provider = django_filters.ModelMultipleChoiceFilter(
        label=_("Provider"), field_name="provider__slug", to_field_name="slug", queryset=Organization.objects.all()
    )
    date_from = django_filters.DateFilter(
        label=_("From"), method="filter_nothing", widget=forms.DateInput(attrs={"type": "date"}), validators=DATE_LIMITS
    )
    date_to = django_filters.DateFilter(
        label=_("Until"),
        method="filter_nothing",
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=DATE_LIMITS,
    )
    seats = django_filters.BooleanFilter(
        label=_("Only sessions with seats left"), method="filter_seats", widget=forms.CheckboxInput
    )

    class Meta:
        model = Program
        fields = []

    # Facets whose option counts the catalog shows, in display order.
    FACETS = ("category", "method", "language", "region", "format", "level", "provider")

    def filter_text(self, queryset, name, value):
        return search_programs(queryset, value)

    def filter_category(self, queryset, name, value):
        if not value:
            return queryset
        # A parent includes its children. Exists, not a join: a join needs DISTINCT over
        # every selected column, which PostgreSQL sorts on disk at catalog scale.
        categories = CapacityCategory.objects.with_descendants(value)
        tagged = Program.categories.through.objects.filter(program=OuterRef("pk"), capacitycategory__in=categories)
        return queryset.filter(Exists(tagged))

    def filter_language(self, queryset, name, value):
        if not value:
            return queryset
        taught = Program.languages.through.objects.filter(program=OuterRef("pk"), language__in=value)
        return queryset.filter(Exists(taught))

    def filter_seats(self, queryset, name, value):
        return queryset.with_seats_available() if value else queryset

    def filter_nothing(self, queryset, name, value):
        # Dates are applied together in filter_queryset, as one session window.
        return queryset

    def filter_queryset(self, queryset, *, leave_out=None):
        """Apply every valid filter, less `leave_out`: a facet counts its options over the others."""
        data = getattr(self.form, "cleaned_data", {}) or {}
        for name, value in data.items():
            if name != leave_out:
                queryset = self.filters[name].filter(queryset, value)
        start, end = data.get("date_from"), data.get("date_to")
        if start or end:
            # Whole days in the viewer's time zone; the end day is included.
            tz = timezone.get_current_timezone()
            start_at = datetime.combine(start, time.min, tzinfo=tz) if start else None
            end_at = datetime.combine(end, time.min, tzinfo=tz) + timedelta(days=1) if end else None
            return queryset.with_sessions_between(start_at, end_at)
        # Upcoming by default: programs with a session still to come.
        return queryset.upcoming()

    def qs_without(self, facet):
        """The programs every filter but one facet's selects (call after is_valid())."""
        return self.filter_queryset(self.queryset.all(), leave_out=facet)
