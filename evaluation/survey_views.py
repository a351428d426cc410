"""Survey pages: the person's own surveys and the questionnaire behind each invitation."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from . import surveys
from .survey_forms import SurveyForm

ANSWERED_PER_PAGE = 20


def _own_invitation(request, token):
    """The signed-in person's own invitation; anyone else's, staff's and stewards' included, is 404."""
    invitation = surveys.survey_invitation_for_answering(user=request.user, token=token)
    if invitation is None:
        raise Http404
    return invitation


@login_required
@require_safe
def my_surveys(request):
    now = timezone.now()
    invitations = list(surveys.survey_invitations_of(user=request.user, now=now))
    pending = [invitation for invitation in invitations if surveys.invitation_is_open(invitation, now=now)]
    answered = [invitation for invitation in invitations if invitation.responded_at is not None]
    # Years of sessions add up: the answered ones come a page at a time (get_page turns
    # any ?page= into a page that exists).
    page = Paginator(answered, ANSWERED_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "evaluation/surveys/mine.html", {"pending": pending, "answered": page, "page": page})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def answer(request, token):
    invitation = _own_invitation(request, token)
    if invitation.responded_at is None and not surveys.still_owed(invitation):
        # Cancelled, a no-show, or the session was cancelled: the survey is no longer theirs to answer.
        raise Http404
    now = timezone.now()
    context = {"invitation": invitation, "session": invitation.enrollment.session}
    if not surveys.invitation_is_open(invitation, now=now):
        # Answered already (or a pre-session survey after the session started): nothing to submit.
        return render(request, "evaluation/surveys/closed.html", context)
    form = SurveyForm(
        request.POST if request.method == "POST" else None,
        kind=invitation.kind,
        categories=surveys.survey_categories(invitation),
    )
    if request.method == "POST" and form.is_valid():
        try:
            surveys.survey_respond(invitation=invitation, user=request.user, data=form.answers())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("surveys:thanks", token=invitation.token)
    return render(request, "evaluation/surveys/answer.html", {**context, "form": form})


@login_required
@require_safe
def thanks(request, token):
    invitation = _own_invitation(request, token)
    if invitation.responded_at is None:
        return redirect("surveys:answer", token=invitation.token)
    return render(request, "evaluation/surveys/thanks.html", {"invitation": invitation})
