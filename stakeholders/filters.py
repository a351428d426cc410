"""The directories' filters: every option lives in the URL, so a filtered list can be shared."""

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from capacity.models import CapacityCategory, Language, Region

from .models import ExchangeCapacity, ExchangeLanguage, ExchangeProfile

# Capacity exchange ------------------------------------------------------------------

ROLES = {"has": _("has it"), "shares": _("can share it"), "wants": _("wants to learn it")}
KINDS = {"people": _("People"), "organizations": _("Organizations")}


class ExchangeProfileFilter(django_filters.FilterSet):
    capacity = django_filters.ModelChoiceFilter(
        label=_("Capacity"), to_field_name="slug", queryset=CapacityCategory.objects.all(), method="filter_nothing"
    )
    role = django_filters.MultipleChoiceFilter(label=_("Who"), choices=list(ROLES.items()), method="filter_nothing")
    language = django_filters.ModelChoiceFilter(
        label=_("Language"),
        to_field_name="code",
        queryset=Language.objects.all(),
        method="filter_language",
        empty_label=_("Any language"),
    )
    region = django_filters.ModelChoiceFilter(
        label=_("Region"),
        to_field_name="slug",
        queryset=Region.objects.all(),
        field_name="region",
        empty_label=_("Any region"),
    )
    kind = django_filters.ChoiceFilter(
        label=_("People or organizations"), choices=list(KINDS.items()), method="filter_kind", empty_label=_("Both")
    )

    class Meta:
        model = ExchangeProfile
        fields = []

    def filter_nothing(self, queryset, name, value):
        # Capacity and role are one condition on the same row, applied in filter_queryset.
        return queryset

    def filter_language(self, queryset, name, value):
        return queryset.filter(Exists(ExchangeLanguage.objects.filter(profile=OuterRef("pk"), language=value)))

    def filter_kind(self, queryset, name, value):
        return queryset.of_people() if value == "people" else queryset.of_organizations()

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        capacity = self.form.cleaned_data.get("capacity")
        roles = self.form.cleaned_data.get("role") or []
        if not capacity and not roles:
            return queryset
        # One row must carry both the capacity and a chosen role: "shares Fundraising"
        # is not "shares something and wants Fundraising". A parent includes its children.
        rows = ExchangeCapacity.objects.filter(profile=OuterRef("pk"))
        if capacity:
            rows = rows.filter(category__in=CapacityCategory.objects.with_descendants([capacity]))
        if roles:
            rows = rows.filter(Q.create([(role, True) for role in roles], connector=Q.OR))
        return queryset.filter(Exists(rows))
