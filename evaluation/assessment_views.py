"""Self-assessment pages: a person rates their own capacities; an organization's admins rate the organization's."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language_bidi
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .assessment import get_organization_for_assessment, self_assessment_history, self_assessment_record_once
from .assessment_chart import rating_charts
from .assessment_forms import SelfAssessmentForm


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def mine(request):
    """The signed-in person rates their capacities and sees how their ratings moved."""
    return _assess(request, user=request.user, done_url=reverse("assessment:mine"))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def organization(request, slug):
    """An organization's admins rate its capacities; unknown is 404, anyone else 403."""
    organization = get_organization_for_assessment(request.user, slug)
    return _assess(
        request, organization=organization, done_url=reverse("assessment:organization", args=[organization.slug])
    )


def _assess(request, *, done_url, user=None, organization=None):
    history = self_assessment_history(user=user, organization=organization)
    form = SelfAssessmentForm(
        request.POST if request.method == "POST" else None,
        categories=history.categories,
        initial=SelfAssessmentForm.initial_from(categories=history.categories, latest=history.latest),
    )
    if request.method == "POST" and form.is_valid():
        try:
            self_assessment_record_once(by=request.user, ratings=form.ratings, user=user, organization=organization)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your ratings are saved. Thank you."))
            return redirect(done_url)
    context = {
        "form": form,
        "history": history,
        "charts": rating_charts(history=history, rtl=get_language_bidi()),
        "organization": organization,
    }
    template = "evaluation/assessment/organization.html" if organization else "evaluation/assessment/mine.html"
    return render(request, template, context, status=400 if request.method == "POST" else 200)
