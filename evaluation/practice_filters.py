"""The practice library's filters: every option lives in the URL; values not understood are ignored."""

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from capacity.models import CapacityCategory, Language, Region, ui_language_codes, ui_language_field
from programs.models import Program
from stakeholders.models import Organization
from stakeholders.support_filters import capacity_choices

from .models import Practice
from .practices import search_practices


class PracticeFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_text", max_length=200)
    category = django_filters.ModelChoiceFilter(
        label=_("Capacity"),
        to_field_name="slug",
        queryset=CapacityCategory.objects.all(),
        method="filter_category",
        empty_label=_("Any capacity"),
    )
    method = django_filters.ChoiceFilter(label=_("Method"), choices=Program.Method.choices, empty_label=_("Any method"))
    region = django_filters.ModelChoiceFilter(
        label=_("Region"),
        field_name="region",
        to_field_name="slug",
        queryset=Region.objects.all(),
        empty_label=_("Any region"),
    )
    organization = django_filters.ModelChoiceFilter(
        label=_("Organization"),
        field_name="organization",
        to_field_name="slug",
        queryset=Organization.objects.all(),
        empty_label=_("Any organization"),
    )
    language = django_filters.ModelChoiceFilter(
        label=_("Language"),
        to_field_name="code",
        queryset=Language.objects.all(),
        method="filter_language",
        empty_label=_("Any language"),
    )

    class Meta:
        model = Practice
        fields = ["q", "category", "method", "region", "organization", "language"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Grouped like the other capacity filters; validation still goes through the queryset.
        self.form.fields["category"].widget.choices = [("", _("Any capacity")), *capacity_choices()]
        # Only organizations that have published a practice: a list of every affiliate says nothing here.
        published = Practice.objects.filter(organization=OuterRef("pk"), status=Practice.Status.PUBLISHED)
        self.form.fields["organization"].queryset = Organization.objects.filter(Exists(published))
        # The site's languages and those practices are written in, not the whole vocabulary.
        written = Practice.objects.filter(original_language=OuterRef("pk"), status=Practice.Status.PUBLISHED)
        self.form.fields["language"].queryset = Language.objects.filter(
            Q(code__in=ui_language_codes()) | Exists(written)
        ).order_by("english_name")

    def filter_text(self, queryset, name, value):
        return search_practices(queryset, value)

    def filter_category(self, queryset, name, value):
        # A top-level capacity includes its children. Exists, not a join: no duplicate rows.
        if not value:
            return queryset
        wanted = CapacityCategory.objects.with_descendants([value])
        tagged = Practice.categories.through.objects.filter(practice=OuterRef("pk"), capacitycategory__in=wanted)
        return queryset.filter(Exists(tagged))

    def filter_language(self, queryset, name, value):
        """Written in the language, or translated into it (a title is the least a translation has)."""
        if not value:
            return queryset
        readable = Q(original_language=value)
        if value.code in ui_language_codes():
            readable |= ~Q(**{f"title_{ui_language_field(value.code)}": ""}) & Q(
                **{f"title_{ui_language_field(value.code)}__isnull": False}
            )
        return queryset.filter(readable)
