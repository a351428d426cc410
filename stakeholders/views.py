from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from capacity.views import error_text

from . import access, services
from . import personal_data as personal_data_export
from .forms import InvitationForm, OrganizationForm, ProfileForm, RoleForm
from .models import Invitation, Membership


@login_required
@require_GET
def personal_data(request):
    """Everything the portal holds about the signed-in person, as one JSON file."""
    document = personal_data_export.everything_about(request.user)
    response = JsonResponse(document, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = 'attachment; filename="capacity-my-data.json"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        services.user_profile_update(user=request.user, data=form.cleaned_data)
        messages.success(request, _("Your profile is saved."))
        return redirect("me:profile")
    return render(request, "stakeholders/profile.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def organization_edit(request, slug):
    organization = access.get_organization_for_admin(request.user, slug)
    form = OrganizationForm(request.POST or None, instance=organization)
    if request.method == "POST" and form.is_valid():
        services.organization_update(organization=organization, data=form.cleaned_data, fields=list(form.Meta.fields))
        messages.success(request, _("The organization's profile is saved."))
        return redirect(organization.get_absolute_url())
    return render(request, "stakeholders/organization_edit.html", {"organization": organization, "form": form})


def _members_page(request, organization, role, invitation_form=None, status=200):
    is_admin = access.can_administer(request.user, role)
    memberships = (
        Membership.objects.filter(organization=organization)
        .select_related("user")
        .order_by("user__display_name", "user__username")
    )
    context = {
        "organization": organization,
        "memberships": memberships,
        "viewer_role": role,
        "is_admin": is_admin,
        "roles": Membership.Role.choices,
    }
    if is_admin:
        context["invitation_form"] = invitation_form or InvitationForm()
        context["pending_invitations"] = (
            Invitation.objects.pending().filter(organization=organization).select_related("user", "invited_by")
        )
    return render(request, "stakeholders/members.html", context, status=status)


@login_required
@require_GET
def members(request, slug):
    organization, role = access.get_organization_for_members(request.user, slug)
    return _members_page(request, organization, role)


@login_required
@require_POST
def member_invite(request, slug):
    organization = access.get_organization_for_admin(request.user, slug)
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            services.membership_invite(
                organization=organization,
                person=form.cleaned_data["person"],
                role=form.cleaned_data["role"],
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("%(name)s is invited. They will see the invitation when they sign in.")
                % {"name": form.cleaned_data["person"].public_name},
            )
            return redirect("organizations:members", slug=organization.slug)
    role = access.organization_role(request.user, organization)
    return _members_page(request, organization, role, invitation_form=form, status=400)


@login_required
@require_POST
def member_change_role(request, slug, membership_id):
    organization = access.get_organization_for_admin(request.user, slug)
    membership = access.get_membership_of(organization, membership_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the roles."))
    else:
        try:
            services.membership_change_role(membership=membership, role=form.cleaned_data["role"])
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, _("%(name)s's role is changed.") % {"name": membership.user.public_name})
    return redirect("organizations:members", slug=organization.slug)


@login_required
@require_POST
def member_remove(request, slug, membership_id):
    organization = access.get_organization_for_admin(request.user, slug)
    membership = access.get_membership_of(organization, membership_id)
    try:
        services.membership_remove(membership=membership)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("%(name)s is no longer a member.") % {"name": membership.user.public_name})
    return redirect("organizations:members", slug=organization.slug)


@login_required
@require_POST
def invitation_withdraw(request, slug, invitation_id):
    organization = access.get_organization_for_admin(request.user, slug)
    invitation = access.get_pending_invitation_of(organization, invitation_id)
    try:
        services.invitation_withdraw(invitation=invitation, by=request.user)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(
            request, _("The invitation to %(name)s was withdrawn.") % {"name": invitation.user.public_name}
        )
    return redirect("organizations:members", slug=organization.slug)


@login_required
@require_POST
def organization_leave(request, slug):
    organization, _role = access.get_organization_for_members(request.user, slug)
    membership = access.get_own_membership(request.user, organization)
    try:
        services.membership_remove(membership=membership)
    except ValidationError as error:
        messages.error(request, error_text(error))
        return redirect("organizations:members", slug=organization.slug)
    messages.success(request, _("You have left %(organization)s.") % {"organization": organization.name})
    return redirect(organization.get_absolute_url())


@login_required
@require_GET
def my_invitations(request):
    invitations = Invitation.objects.pending().filter(user=request.user).select_related("organization", "invited_by")
    return render(request, "stakeholders/invitations.html", {"invitations": invitations})


@login_required
@require_POST
def invitation_accept(request, invitation_id):
    invitation = access.get_own_pending_invitation(request.user, invitation_id)
    try:
        services.invitation_accept(invitation=invitation, user=request.user)
    except ValidationError as error:
        messages.error(request, error_text(error))
        return redirect("me:invitations")
    messages.success(
        request, _("You are now a member of %(organization)s.") % {"organization": invitation.organization.name}
    )
    return redirect("organizations:members", slug=invitation.organization.slug)


@login_required
@require_POST
def invitation_decline(request, invitation_id):
    invitation = access.get_own_pending_invitation(request.user, invitation_id)
    try:
        services.invitation_decline(invitation=invitation, user=request.user)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(
            request,
            _("You declined the invitation from %(organization)s.") % {"organization": invitation.organization.name},
        )
    return redirect("me:invitations")
