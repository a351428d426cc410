"""The funder dashboard's filters: every option lives in the URL, so a filtered view can be shared.

The same FilterSet narrows every figure of the dashboard, its CSV downloads and the
drill-down list, so a figure and the allocations behind it always agree.
"""

import django_filters
from django import forms
from django.db.models import Exists, OuterRef
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from capacity.models import CapacityCategory, Region
from programs.models import Program
from stakeholders.models import Organization

from .dashboard import IS_UNCONVERTED, STATUS_GROUPS, funds_for, overspent_ids, top_recipients
from .models import Allocation, AllocationMethod

QUARTERS = [("1", _("January–March")), ("2", _("April–June")), ("3", _("July–September")), ("4", _("October–December"))]
COMMUNITIES = [("emerging", _("Emerging communities")), ("established", _("Established communities"))]
YES = [("1", _("Only overspent allocations"))]
UNCONVERTED = [("1", _("Only allocations without a USD value"))]
# A single status, or the group a headline figure adds up (resources.dashboard.STATUS_GROUPS).
STATUSES = [
    *Allocation.Status.choices,
    ("committed", _("Approved, disbursed or closed")),
    ("paid", _("Disbursed or closed")),
]
NONE = "none"  # category=none, method=none: the allocations without any


def _viewer_funds(request):
    """The fund choices: only the funds the person may see (resources.dashboard.funds_for)."""
    if request is None:
        return Allocation.objects.none()
    return funds_for(request.user)


class AllocationFilter(django_filters.FilterSet):
    fund = django_filters.ModelChoiceFilter(
        label=_("Fund"), queryset=_viewer_funds, field_name="fund", empty_label=_("All your funds")
    )
    starts_from = django_filters.DateFilter(
        label=_("Starting on or after"),
        field_name="starts_on",
        lookup_expr="gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    starts_to = django_filters.DateFilter(
        label=_("Starting on or before"),
        field_name="starts_on",
        lookup_expr="lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    year = django_filters.NumberFilter(
        label=_("Year"),
        field_name="starts_on",
        lookup_expr="year",
        min_value=1,
        max_value=9999,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    quarter = django_filters.ChoiceFilter(
        label=_("Quarter"), choices=QUARTERS, method="filter_quarter", empty_label=_("Any quarter")
    )
    region = django_filters.ModelChoiceFilter(
        label=_("Region"),
        to_field_name="slug",
        queryset=Region.objects.all(),
        field_name="recipient__region",
        empty_label=_("Any region"),
    )
    community = django_filters.ChoiceFilter(
        label=_("Communities"),
        choices=COMMUNITIES,
        method="filter_community",
        empty_label=_("Emerging and established"),
    )
    category = django_filters.ModelChoiceFilter(
        label=_("Capacity"),
        to_field_name="slug",
        queryset=CapacityCategory.objects.all(),
        method="filter_category",
        empty_label=_("Any capacity"),
        null_label=_("No purpose given"),
        null_value=NONE,
    )
    method = django_filters.ChoiceFilter(
        label=_("Method"),
        choices=Program.Method.choices,
        method="filter_method",
        empty_label=_("Any method"),
        null_label=_("No method given"),
        null_value=NONE,
    )
    # A line's link when a capacity or method is already chosen: both must hold (hidden, said in words).
    also_category = django_filters.ModelChoiceFilter(
        label=_("And capacity"),
        to_field_name="slug",
        queryset=CapacityCategory.objects.all(),
        method="filter_category",
        null_label=_("No purpose given"),
        null_value=NONE,
        widget=forms.HiddenInput,
    )
    also_method = django_filters.ChoiceFilter(
        label=_("And method"),
        choices=Program.Method.choices,
        method="filter_method",
        null_label=_("No method given"),
        null_value=NONE,
        widget=forms.HiddenInput,
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=STATUSES, method="filter_status", empty_label=_("Any status")
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind of resource"), choices=Allocation.Kind.choices, empty_label=_("Money, in-kind and time")
    )
    recipient = django_filters.ModelChoiceFilter(
        label=_("Recipient"),
        to_field_name="slug",
        queryset=Organization.objects.all(),
        field_name="recipient",
        widget=forms.HiddenInput,
    )
    overspent = django_filters.ChoiceFilter(
        label=_("Overspent"), choices=YES, method="filter_overspent", widget=forms.HiddenInput
    )
    unconverted = django_filters.ChoiceFilter(
        label=_("Without a USD value"), choices=UNCONVERTED, method="filter_unconverted", widget=forms.HiddenInput
    )
    # Last, so it reads the allocations every other filter left, as the recipients table does.
    others = django_filters.NumberFilter(
        label=_("Recipients past the largest"),
        method="filter_others",
        min_value=1,
        max_value=1000,
        widget=forms.HiddenInput,
    )

    class Meta:
        model = Allocation
        fields = []

    def filter_quarter(self, queryset, name, value):
        return queryset.filter(starts_on__quarter=int(value))

    def filter_community(self, queryset, name, value):
        return queryset.filter(recipient__region__is_emerging=(value == "emerging"))

    def filter_status(self, queryset, name, value):
        return queryset.filter(status__in=STATUS_GROUPS.get(value, (value,)))

    def filter_category(self, queryset, name, value):
        if value == NONE:
            return queryset.filter(categories__isnull=True)
        # A parent capacity includes its children, as in the catalog.
        wanted = CapacityCategory.objects.with_descendants([value])
        through = Allocation.categories.through
        return queryset.filter(
            Exists(through.objects.filter(allocation_id=OuterRef("pk"), capacitycategory__in=wanted))
        )

    def filter_method(self, queryset, name, value):
        if value == NONE:
            return queryset.exclude(Exists(AllocationMethod.objects.filter(allocation=OuterRef("pk"))))
        return queryset.filter(Exists(AllocationMethod.objects.filter(allocation=OuterRef("pk"), method=value)))

    def filter_overspent(self, queryset, name, value):
        return queryset.filter(pk__in=overspent_ids(queryset))

    def filter_unconverted(self, queryset, name, value):
        return queryset.filter(IS_UNCONVERTED)

    def filter_others(self, queryset, name, value):
        """The recipients past the `value` largest of the allocations in view (the "All other recipients" line)."""
        largest = [row["recipient"] for row in top_recipients(queryset, int(value))]
        return queryset.exclude(recipient__in=largest)


ALSO = {"category": "also_category", "method": "also_method"}


def drill_query(base: str, **extra) -> str:
    """`base` (a query string of filters) with `extra` set, for the link behind a figure.

    A line's capacity or method meets one already chosen rather than replacing it (the
    line adds up the allocations that have both), through the hidden also_… filters.
    """
    query = QueryDict(base, mutable=True)
    query.pop("page", None)
    for key, value in extra.items():
        chosen = query.get(key)
        if key in ALSO and chosen and chosen != str(value):
            query[ALSO[key]] = value
        else:
            query[key] = value
    return query.urlencode()
