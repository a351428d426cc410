"""{% assessment_history person=… %} / {% assessment_history organization=… %}: self-ratings over time on a profile or organization page.

Shown only to those allowed: a person's ratings to that person alone (they are
personal, even on a public profile); an organization's to its members and stewards,
with the link to rate for its admins.
"""

from django import template
from django.urls import reverse
from django.utils.translation import get_language_bidi
from django.utils.translation import gettext as _

from evaluation.assessment import (
    can_assess_organization,
    can_see_organization_history,
    can_see_person_history,
    self_assessment_history,
)
from evaluation.assessment_chart import rating_charts
from stakeholders.access import organization_role

register = template.Library()


@register.inclusion_tag("evaluation/assessment/_history.html", takes_context=True)
def assessment_history(context, person=None, organization=None):
    request = context.get("request")
    viewer = getattr(request, "user", None)
    hidden = {"shown": False}
    if viewer is None or (person is None) == (organization is None):
        return hidden
    if person is not None:
        if not can_see_person_history(viewer, person):
            return hidden
        rate_url = reverse("assessment:mine")
        caption = _("Your self-ratings by date")
    else:
        role = organization_role(viewer, organization)
        if not can_see_organization_history(viewer, organization, role=role):
            return hidden
        can_rate = can_assess_organization(viewer, organization, role=role)
        rate_url = reverse("assessment:organization", args=[organization.slug]) if can_rate else ""
        caption = _("Self-ratings of %(organization)s by date") % {"organization": organization.name}
    history = self_assessment_history(user=person, organization=organization)
    return {
        "shown": True,
        "history": history,
        "charts": rating_charts(history=history, rtl=get_language_bidi()),
        "organization": organization,
        "rate_url": rate_url,
        "caption": caption,
        "chart_id": "assessment-history",
    }
