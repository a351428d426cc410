"""The stewards' rebuild button (which report to rebuild, checked against what exists) and the index's search."""

from django import forms
from django.utils.translation import gettext_lazy as _

from capacity.models import CapacityCategory, Region
from programs.models import Program
from stakeholders.models import Organization

from .models import Scope

EVERY_REPORT = "all"


class RebuildForm(forms.Form):
    """A scope and key of a report, or "all" (and no key) for every report."""

    scope = forms.ChoiceField(label=_("Report"), choices=[(EVERY_REPORT, _("Every report")), *Scope.choices])
    scope_key = forms.CharField(label=_("Which one"), max_length=80, required=False)

    def clean(self):
        data = super().clean()
        scope, key = data.get("scope", ""), (data.get("scope_key") or "").strip()
        if self.errors:
            return data
        if scope in (EVERY_REPORT, Scope.MOVEMENT):
            if key:
                raise forms.ValidationError(_("This report has no key: leave it empty."), code="key")
        elif not key or not _exists(scope, key):
            raise forms.ValidationError(_("There is no such region, capacity, method or organization."), code="key")
        data["scope_key"] = key
        # The builder's word for every report is an empty scope.
        data["scope"] = "" if scope == EVERY_REPORT else scope
        return data


def _exists(scope, key):
    if scope == Scope.REGION:
        return Region.objects.filter(slug=key).exists()
    if scope == Scope.CATEGORY:
        return CapacityCategory.objects.filter(slug=key).exists()
    if scope == Scope.METHOD:
        return key in Program.Method.values
    if scope == Scope.ORGANIZATION:
        return Organization.objects.filter(slug=key).exists()
    return False


class ReportSearchForm(forms.Form):
    """The index's search: part of the name of a region, capacity, method or organization."""

    q = forms.CharField(
        label=_("Find a report"),
        max_length=100,
        required=False,
        help_text=_("Part of the name of a region, capacity, method or organization."),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
