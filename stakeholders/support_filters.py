"""The support list's filters: every option lives in the URL; values not understood are ignored."""

import django_filters
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from capacity.models import CapacityCategory, Language, Region

from .models import SupportRequest


def capacity_choices():
    """The taxonomy as option groups: each top-level capacity (which includes its children), then its children."""
    roots = CapacityCategory.objects.roots().prefetch_related(
        Prefetch("children", queryset=CapacityCategory.objects.order_by("position", "slug"))
    )
    return [
        (
            root.name,
            [
                (root.slug, _("%(name)s, in general") % {"name": root.name}),
                *[(child.slug, child.name) for child in root.children.all()],
            ],
        )
        for root in roots
    ]


class SupportRequestFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=SupportRequest.Status.choices, empty_label=_("Any status")
    )
    urgency = django_filters.ChoiceFilter(
        label=_("Urgency"), choices=SupportRequest.Urgency.choices, empty_label=_("Any urgency")
    )
    category = django_filters.ModelChoiceFilter(
        label=_("Capacity"),
        to_field_name="slug",
        queryset=CapacityCategory.objects.all(),
        method="filter_category",
        empty_label=_("Any capacity"),
    )
    region = django_filters.ModelChoiceFilter(
        label=_("Region"),
        field_name="region",
        to_field_name="slug",
        queryset=Region.objects.all(),
        empty_label=_("Any region"),
    )
    language = django_filters.ModelChoiceFilter(
        label=_("Written in"),
        field_name="language",
        to_field_name="code",
        queryset=Language.objects.all(),
        empty_label=_("Any language"),
    )

    class Meta:
        model = SupportRequest
        fields = ["status", "urgency", "category", "region", "language"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Grouped like the request form; validation still goes through the queryset.
        self.form.fields["category"].widget.choices = [("", _("Any capacity")), *capacity_choices()]

    def filter_category(self, queryset, name, value):
        # A top-level capacity includes its children: "Fundraising" finds "Grant writing".
        if not value:
            return queryset
        wanted = CapacityCategory.objects.with_descendants([value])
        return queryset.filter(categories__in=wanted).distinct()
