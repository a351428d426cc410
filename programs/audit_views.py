"""The audit trail page of an organization, for its admins and stewards."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from stakeholders.access import get_organization_for_admin

from . import audit


class AuditFilterForm(forms.Form):
    """Narrow the trail to one kind of object or one person; both optional."""

    kind = forms.ChoiceField(label=_("Kind of record"), required=False)
    person = forms.ModelChoiceField(label=_("Changed by"), queryset=None, required=False, empty_label=_("Anyone"))

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("All kinds")), *audit.kind_choices()]
        self.fields["person"].queryset = audit.audit_people(organization=organization)
        self.fields["person"].label_from_instance = lambda person: person.public_name


@login_required
@require_GET
def organization_audit(request, slug):
    # Who changed what may name any of the organization's people: its admins and stewards only.
    organization = get_organization_for_admin(request.user, slug)
    form = AuditFilterForm(request.GET, organization=organization)
    # An invalid filter is said next to its field and left out; the valid ones still apply.
    form.is_valid()
    chosen = form.cleaned_data
    page = audit.audit_page(
        organization=organization,
        kind=chosen.get("kind") or "",
        person=chosen.get("person"),
        page_number=request.GET.get("page"),
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "organization": organization,
        "form": form,
        "page": page,
        "query_without_page": query.urlencode(),
        "is_filtered": bool(chosen.get("kind") or chosen.get("person")),
    }
    return render(request, "programs/audit.html", context)
