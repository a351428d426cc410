"""A person's public profile, and their data-rights pages: delete the account, demographics, recognition."""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from capacity.views import error_text
from stakeholders import services as stakeholder_services
from stakeholders.models import ProfileVisibility, User

from . import selectors, services
from .models import PersonDemographics
from .people_forms import DeleteAccountForm, DemographicsForm, ProfileVisibilityForm


@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request):
    """Delete the signed-in person's account, after they confirm; then they are signed out."""
    user = request.user
    problems = services.person_deletion_problems(user=user)
    form = DeleteAccountForm(request.POST or None, user=user)
    if request.method == "POST" and not problems and form.is_valid():
        try:
            services.person_delete(user=user)
        except ValidationError as error:
            messages.error(request, error_text(error))
            return redirect("me:delete_account")
        except services.EnrollmentError as error:  # many people enrolling at once: try again
            messages.error(request, error.message)
            return redirect("me:delete_account")
        logout(request)
        messages.success(request, _("Your account is deleted. Thank you for the time you spent with us."))
        return redirect("home")
    counts = selectors.deletion_counts(user=user)
    return render(
        request,
        "programs/people/delete_account.html",
        {"form": form, "problems": problems, "counts": counts},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def demographics(request):
    """What a person tells about themselves, kept only with their consent; withdrawing erases it."""
    stored = PersonDemographics.objects.filter(user=request.user).first()
    if request.method == "POST" and request.POST.get("action") == "withdraw":
        if services.person_demographics_withdraw(user=request.user):
            messages.success(request, _("Your consent is withdrawn and your answers are erased."))
        return redirect("me:demographics")
    initial = {"gender": stored.gender, "age": stored.age} if stored else {}
    form = DemographicsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.person_demographics_save(user=request.user, data=form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your answers are saved. Thank you."))
            return redirect("me:demographics")
    status = 400 if request.method == "POST" else 200
    return render(request, "programs/people/demographics.html", {"form": form, "stored": stored}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def recognition(request):
    """Choose whether the profile page is shown, and which of its sections."""
    visibility = ProfileVisibility.objects.filter(user=request.user).first() or ProfileVisibility(user=request.user)
    form = ProfileVisibilityForm(request.POST or None, instance=visibility)
    if request.method == "POST" and form.is_valid():
        stakeholder_services.profile_visibility_save(user=request.user, data=form.cleaned_data)
        messages.success(request, _("Your choices for your profile page are saved."))
        return redirect("me:recognition")
    return render(request, "programs/people/recognition.html", {"form": form, "visibility": visibility})


@require_GET
def profile(request, username):
    """A person's page of recognition: only what they chose to show, only if they chose to show it."""
    try:
        # No username has a NUL byte (which the database refuses to compare) or any other odd character.
        User.username_validator(username)
    except ValidationError:
        raise Http404 from None
    person = User.objects.select_related("profile_visibility").filter(username=username, is_active=True).first()
    is_self = request.user.is_authenticated and person is not None and person.pk == request.user.pk
    visibility = getattr(person, "profile_visibility", None) if person else None
    if person is None or not (is_self or (visibility and visibility.is_public)):
        raise Http404
    visibility = visibility or ProfileVisibility(user=person)
    sections = selectors.profile_sections(person=person, visibility=visibility)
    has_entries = any(section[0] for section in sections.values())
    context = {
        "person": person,
        "visibility": visibility,
        "is_self": is_self,
        "sections": sections,
        "has_entries": has_entries,
    }
    return render(request, "programs/people/profile.html", context)
