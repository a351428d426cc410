"""Permission-matrix rows for the self-assessment pages, and the round they start from.

Everyone signed in rates themselves at /assessment/ (a valid POST saves a round and
redirects back). An organization's capacities are rated by its admins alone: its staff,
members, other organizations and stewards get 403 (organizations are public, so the
answer reveals nothing), as the organization's workspace answers. What each person may
see of the history on profile and organization pages is tested in
tests/evaluation/test_assessment_pages.py.
"""

from capacity.models import CapacityCategory
from evaluation.assessment import self_assessment_record
from tests.permission_rows import Row, get, only, post, signed_in

# DESIGN: the roles table gives stewards the vocabulary and reports, not an organization's
# own view of itself: a steward's rating would not be a self-assessment.
RATERS = {"admin"}


def build(scenario):
    """Add this area's objects to the shared scenario (a SimpleNamespace): one earlier round of the organization."""
    communication = CapacityCategory.objects.get(slug="communication")
    scenario.organization_assessment = self_assessment_record(
        by=scenario.people["admin"], organization=scenario.organization, ratings={communication: 2}
    )


def rating(scenario):
    return {"capacity-communication": "3"}


def organization_kwargs(scenario):
    return {"slug": scenario.organization.slug}


ROWS = {
    "assessment:mine": Row(methods={**get(signed_in("ok")), **post(signed_in("ok"), data=rating)}),
    "assessment:organization": Row(
        kwargs=organization_kwargs,
        methods={
            **get(only(RATERS, others="forbidden")),
            **post(only(RATERS, others="forbidden"), data=rating),
        },
    ),
}
