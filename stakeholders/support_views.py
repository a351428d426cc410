"""Support requests (topic 6): post a challenge, answer with offers, move it through a visible process."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from capacity import fragments
from capacity.views import error_text

from . import access, services, support_selectors
from .models import SupportRequest
from .support_forms import SupportMoveForm, SupportOfferForm, SupportRequestForm, SupportResponderForm
from .support_selectors import SUPPORT_VERSION_KEY

REQUESTS_PER_PAGE = 25


@require_GET
def request_list(request):
    filterset = support_selectors.support_request_list(user=request.user, data=request.GET)
    page = Paginator(filterset.qs.values_list("pk", flat=True), REQUESTS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filterset": filterset,
        "page": page,
        "cards": _cards(request, list(page.object_list)),
        "query_without_page": query.urlencode(),
    }
    return render(request, "stakeholders/support/list.html", context)


def _cards(request, request_ids):
    """The list's cards of these requests, in order, each rendered once a minute at most.

    A card shows nothing that differs between the people allowed to see it (the list
    decides who sees which); the support version moves on with every change it shows.
    """

    def render(missing):
        return {
            pk: render_to_string("stakeholders/support/_card.html", {"item": item}, request=request)
            for pk, item in support_selectors.support_request_cards(request_ids=missing).items()
        }

    cards = fragments.cards("support-card", request_ids, version_key=SUPPORT_VERSION_KEY, render=render)
    return [mark_safe(card) for card in cards]  # noqa: S308 — our own rendering


@login_required
@require_http_methods(["GET", "POST"])
def request_new(request):
    form = SupportRequestForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.support_request_create(
                author=request.user, data=data, categories=data["categories"], organization=data.get("organization")
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error)
        else:
            messages.success(request, _("Your request is posted. A steward will triage it soon."))
            return redirect(created)
    return render(request, "stakeholders/support/new.html", {"form": form})


def _detail_page(request, support_request, *, status=200, error=None, **forms):
    """The request with its process, offers and the forms this person may use; the services decide again on POST."""
    user = request.user
    page = support_selectors.support_request_page(request=support_request)
    open_for_help = user.is_authenticated and not support_request.is_finished
    is_responder = any(row.user_id == user.pk for row in page["responders"])
    moves = services.support_allowed_moves(request=support_request, by=user) if user.is_authenticated else []
    has_help = page["responders"] or any(offer.accepted_at for offer in page["offers"])
    side = access.speaks_for_request(user, support_request)
    context = {
        "support_request": support_request,
        **page,
        # Responders were named by someone else, not by themselves: only the request's side
        # and the responders see who they are (offers are signed by their authors' choice).
        "responders": page["responders"] if side or is_responder else [],
        "error": error,
        # Matched needs help in hand: without it the page says what is missing instead of a button.
        "moves": [move for move in moves if move != SupportRequest.Status.MATCHED or has_help],
        "matched_needs_help": SupportRequest.Status.MATCHED in moves and not has_help,
        "may_accept": open_for_help and side,
        "may_choose": open_for_help and access.can_choose_responders(user, support_request),
        "may_offer": open_for_help and access.may_offer_help(user, support_request, is_responder=is_responder),
        "move_form": forms.get("move_form") or SupportMoveForm(),
        "offer_form": forms.get("offer_form") or SupportOfferForm(),
        "responder_form": forms.get("responder_form") or SupportResponderForm(),
    }
    return render(request, "stakeholders/support/detail.html", context, status=status)


@require_GET
def request_detail(request, request_id):
    support_request = access.get_support_request_for(request.user, request_id)
    return _detail_page(request, support_request)


def _refused(request, support_request, error, **forms):
    """A refused action: the page again, with why, and nothing changed."""
    return _detail_page(request, support_request, status=400, error=error, **forms)


@login_required
@require_POST
def request_move(request, request_id):
    support_request = access.get_support_request_for(request.user, request_id)
    form = SupportMoveForm(request.POST)
    if not form.is_valid():
        return _refused(request, support_request, _("The move was not understood."), move_form=form)
    try:
        services.support_request_move(
            request=support_request,
            to_status=form.cleaned_data["to_status"],
            by=request.user,
            note=form.cleaned_data["note"],
        )
    except ValidationError as error:
        return _refused(request, support_request, error_text(error))
    messages.success(
        request,
        _("The request is now %(status)s.") % {"status": support_request.get_status_display()},
    )
    return redirect(support_request)


@login_required
@require_POST
def offer_create(request, request_id):
    support_request = access.get_support_request_for(request.user, request_id)
    form = SupportOfferForm(request.POST)
    if not form.is_valid():
        return _refused(request, support_request, _("Your offer could not be sent; see below."), offer_form=form)
    try:
        services.support_offer_create(request=support_request, author=request.user, **form.cleaned_data)
    except ValidationError as error:
        return _refused(request, support_request, error_text(error), offer_form=form)
    messages.success(request, _("Your offer is posted. Thank you."))
    return redirect(support_request)


@login_required
@require_POST
def offer_accept(request, request_id, offer_id):
    support_request = access.get_support_request_for(request.user, request_id)
    offer = access.get_offer_of(support_request, offer_id)
    try:
        services.support_offer_accept(offer=offer, by=request.user)
    except ValidationError as error:
        return _refused(request, support_request, error_text(error))
    messages.success(request, _("The offer is accepted."))
    return redirect(support_request)


@login_required
@require_POST
def responder_choose(request, request_id):
    support_request = access.get_support_request_for(request.user, request_id)
    if not access.can_choose_responders(request.user, support_request):
        # Refused before the username is looked up: the form would tell anyone which accounts exist.
        return _refused(
            request, support_request, _("Only the author of this request and stewards choose its responders.")
        )
    form = SupportResponderForm(request.POST)
    if not form.is_valid():
        return _refused(request, support_request, _("Nobody was added; see below."), responder_form=form)
    person = form.cleaned_data["username"]
    try:
        services.support_responder_choose(request=support_request, user=person, by=request.user)
    except ValidationError as error:
        return _refused(request, support_request, error_text(error), responder_form=form)
    if support_request.status == SupportRequest.Status.OPEN and not access.is_steward(request.user):
        told = _("%(name)s can now see this request and is told by email once a steward has triaged it.")
    else:
        told = _("%(name)s can now see this request and is told by email.")
    messages.success(request, told % {"name": person.public_name})
    return redirect(support_request)


@login_required
@require_POST
def responder_remove(request, request_id, user_id):
    support_request = access.get_support_request_for(request.user, request_id)
    # Only this request's responders are found: any other id is a 404, whether or not the account exists.
    person = get_object_or_404(support_request.responders.all(), pk=user_id)
    try:
        services.support_responder_remove(request=support_request, user=person, by=request.user)
    except ValidationError as error:
        return _refused(request, support_request, error_text(error))
    messages.success(request, _("%(name)s is no longer a responder.") % {"name": person.public_name})
    return redirect(support_request)
