"""The support list's filters: every option lives in the URL; values not understood are ignored."""

import django_filters
from django.utils.translation import gettext_lazy as _

from capacity.models import CapacityCategory, Language, Region

from .models import SupportRequest


class SupportRequestFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=SupportRequest.Status.choices)
    urgency = django_filters.ChoiceFilter(label=_("Urgency"), choices=SupportRequest.Urgency.choices)
    category = django_filters.ModelChoiceFilter(
        label=_("Capacity"),
        to_field_name="slug",
        queryset=CapacityCategory.objects.all(),
        method="filter_category",
    )
    region = django_filters.ModelChoiceFilter(
        label=_("Region"), field_name="region", to_field_name="slug", queryset=Region.objects.all()
    )
    language = django_filters.ModelChoiceFilter(
        label=_("Written in"), field_name="language", to_field_name="code", queryset=Language.objects.all()
    )

    class Meta:
        model = SupportRequest
        fields = ["status", "urgency", "category", "region", "language"]

    def filter_category(self, queryset, name, value):
        # A top-level capacity includes its children: "Fundraising" finds "Grant writing".
        if not value:
            return queryset
        wanted = CapacityCategory.objects.with_descendants([value])
        return queryset.filter(categories__in=wanted).distinct()
