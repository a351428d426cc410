"""Permission-matrix rows for the survey pages, and the scenario objects they need.

A survey belongs to the one person invited: `volunteer`, who took part in the started
session. Everybody else, the organization's staff and stewards included, gets 404 for
its pages: the token in the link is not enough, and a survey's existence is not given
away. The list of one's own surveys is open to everyone signed in.
"""

from django.utils import timezone

from evaluation import surveys
from evaluation.models import SurveyInvitation, SurveyKind
from tests.permission_rows import Row, get, only, post, signed_in


def build(scenario):
    """Add this area's objects to the shared scenario (a SimpleNamespace)."""
    enrollment = scenario.started_enrollment
    scenario.survey_pending = SurveyInvitation.objects.create(
        enrollment=enrollment, kind=SurveyKind.POST, due_at=timezone.now()
    )
    scenario.survey_answered = SurveyInvitation.objects.create(
        enrollment=enrollment, kind=SurveyKind.FOLLOW_UP_3, due_at=timezone.now()
    )
    surveys.survey_respond(
        invitation=scenario.survey_answered,
        user=scenario.volunteer,
        data={"still_active": True, "using_learning": "often", "comments": ""},
    )


def pending(s):
    return {"token": s.survey_pending.token}


def answered(s):
    return {"token": s.survey_answered.token}


ROWS = {
    "surveys:mine": Row(methods=get(signed_in("ok"))),
    # An empty questionnaire comes back with its errors (200) and nothing is saved.
    "surveys:answer": Row(
        kwargs=pending,
        methods={
            **get(only({"volunteer"}, others="not_found")),
            **post(only({"volunteer"}, others="not_found"), data=lambda s: {}),
        },
    ),
    "surveys:thanks": Row(kwargs=answered, methods=get(only({"volunteer"}, others="not_found"))),
}
