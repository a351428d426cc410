"""Promising practices: the public library, writing and translating one, and the stewards' review."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from capacity.models import text_direction, ui_language_codes, ui_language_field
from capacity.views import error_text
from stakeholders.access import is_steward

from . import practices
from .practice_forms import PracticeForm, PracticeReviewForm, PracticeTranslationForm

PRACTICES_PER_PAGE = 25


def _form_errors(form, error: ValidationError):
    """A service's refusal shown on the form, beside the field it names when the form has it."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@require_safe
def practice_list(request):
    filterset = practices.practice_library(data=request.GET)
    page = Paginator(filterset.qs, PRACTICES_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    mine = practices.managed_organizations(request.user)
    context = {
        "filterset": filterset,
        "page": page,
        "query_without_page": query.urlencode(),
        "can_write": request.user.is_authenticated and mine.exists(),
        "is_steward": is_steward(request.user),
    }
    return render(request, "evaluation/practices/list.html", context)


@login_required
@require_safe
def practice_mine(request):
    """The practices of the organizations this person writes for, in every state."""
    organizations = practices.managed_organizations(request.user)
    if is_steward(request.user):
        # A steward's "own" practices are those of their memberships, not the whole site's.
        organizations = organizations.filter(memberships__user=request.user)
    context = {"practices": practices.practices_of_organizations(organizations=organizations)}
    return render(request, "evaluation/practices/mine.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def practice_new(request):
    organizations = practices.managed_organizations(request.user)
    if not organizations.exists():
        raise PermissionDenied
    form = PracticeForm(request.POST or None, user_organizations=organizations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            practice = practices.practice_create(
                organization=data["organization"],
                author=request.user,
                data=data,
                programs=data["programs"],
                categories=data["categories"],
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("The practice is saved as a draft. Send it for review when it is ready."))
            return redirect("practices:detail", slug=practice.slug)
    return render(request, "evaluation/practices/form.html", {"form": form, "practice": None})


@require_safe
def practice_detail(request, slug):
    practice = practices.get_practice_for_reading(request.user, slug)
    can_manage = practices.can_manage_practice(request.user, practice)
    original = practice.original_language.code
    context = {
        "practice": practice,
        **practices.practice_page(practice=practice),
        "can_manage": can_manage,
        "is_steward": is_steward(request.user),
        "translations": [
            {
                "code": code,
                "name": translation.get_language_info(code)["name_local"],
                "done": bool(getattr(practice, f"title_{ui_language_field(code)}", "")),
            }
            for code in ui_language_codes()
            if code != original
        ]
        if can_manage
        else [],
        "review_form": PracticeReviewForm() if is_steward(request.user) else None,
    }
    return render(request, "evaluation/practices/detail.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def practice_edit(request, slug):
    practice = practices.get_practice_for_editing(request.user, slug)
    organizations = practices.managed_organizations(request.user)
    form = PracticeForm(request.POST or None, user_organizations=organizations, practice=practice)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        was_published = practice.status == practice.Status.PUBLISHED
        try:
            practice = practices.practice_update(
                practice=practice,
                by=request.user,
                data=data,
                programs=data["programs"],
                categories=data["categories"],
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            if was_published and practice.status != practice.Status.PUBLISHED:
                messages.success(
                    request, _("Saved. The practice waits for a steward's review before it is shown again.")
                )
            else:
                messages.success(request, _("The practice is saved."))
            return redirect("practices:detail", slug=practice.slug)
    return render(request, "evaluation/practices/form.html", {"form": form, "practice": practice})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def practice_translate(request, slug, lang):
    practice = practices.get_practice_for_editing(request.user, slug)
    if lang not in ui_language_codes() or lang == practice.original_language.code:
        raise Http404
    column = ui_language_field(lang)
    initial = {field: getattr(practice, f"{field}_{column}") or "" for field in practice.original_fields}
    form = PracticeTranslationForm(request.POST or None, initial=initial, language_code=lang)
    if request.method == "POST" and form.is_valid():
        try:
            practices.practice_translate(
                practice=practice, by=request.user, language_code=lang, values=form.cleaned_data
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("The translation is saved."))
            return redirect("practices:detail", slug=practice.slug)
    context = {
        "form": form,
        "practice": practice,
        "language_code": lang,
        "language_name": translation.get_language_info(lang)["name_local"],
        "language_direction": text_direction(lang),
    }
    return render(request, "evaluation/practices/translate.html", context)


@login_required
@require_POST
def practice_submit(request, slug):
    practice = practices.get_practice_for_editing(request.user, slug)
    try:
        practices.practice_submit(practice=practice)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("The practice is sent to the stewards for review."))
    return redirect("practices:detail", slug=practice.slug)


@login_required
@require_safe
def review_queue(request):
    if not is_steward(request.user):
        raise PermissionDenied
    return render(request, "evaluation/practices/review_queue.html", {"practices": practices.practice_review_queue()})


@login_required
@require_POST
def practice_review(request, slug):
    practice = practices.get_practice_for_review(request.user, slug)
    form = PracticeReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("practices:detail", slug=practice.slug)
    try:
        if form.cleaned_data["decision"] == "publish":
            practices.practice_publish(practice=practice, by=request.user)
            messages.success(request, _("The practice is published."))
        else:
            practices.practice_return(practice=practice, by=request.user, note=form.cleaned_data["note"])
            messages.success(request, _("The practice is returned to its organization with your note."))
    except ValidationError as error:
        messages.error(request, error_text(error))
    return redirect("practices:review_queue")
