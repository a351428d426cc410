"""One door per kind of object in this app: return it if the person may act on it, else 404/403."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from .models import (
    ContactRequest,
    ExchangeProfile,
    Invitation,
    Membership,
    Organization,
    SupportOffer,
    SupportRequest,
)


def organization_role(user, organization):
    """The person's role in the organization, or None; anonymous people have none."""
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(user=user, organization=organization).values_list("role", flat=True).first()


def can_administer(user, role):
    """Stewards and the organization's admins manage its profile and its people."""
    return user.is_authenticated and (user.is_superuser or role == Membership.Role.ADMIN)


def can_see_members(user, role):
    """Every member of the organization, whatever the role, and stewards see who belongs to it."""
    return user.is_authenticated and (user.is_superuser or role is not None)


# The roles that run an organization's work (its workspace), as Membership.objects.managing() counts them.
MANAGING_ROLES = (Membership.Role.STAFF, Membership.Role.ADMIN)


def can_manage_work(user, role):
    """Stewards, and the organization's staff and admins, run its programs in its workspace."""
    return user.is_authenticated and (user.is_superuser or role in MANAGING_ROLES)


def _organization(slug):
    return get_object_or_404(Organization.objects.select_related("region"), slug=slug)


def get_organization_for_admin(user, slug):
    """An organization its admins or a steward may change; unknown is 404, anyone else 403."""
    organization = _organization(slug)
    if not can_administer(user, organization_role(user, organization)):
        raise PermissionDenied
    return organization


def get_organization_for_members(user, slug):
    """An organization and the viewer's role in it, for its members and stewards; others get 403."""
    organization = _organization(slug)
    role = organization_role(user, organization)
    if not can_see_members(user, role):
        raise PermissionDenied
    return organization, role


def get_own_membership(user, organization):
    """The person's own membership, to leave; without one there is nothing to find."""
    return get_object_or_404(Membership, user=user, organization=organization)


def get_membership_of(organization, membership_id):
    """A membership of an organization already opened with get_organization_for_admin."""
    return get_object_or_404(Membership.objects.select_related("user"), pk=membership_id, organization=organization)


def get_own_pending_invitation(user, invitation_id):
    """A person reaches only their own pending invitations; anyone else's is simply not found."""
    return get_object_or_404(Invitation.objects.pending().select_related("organization"), pk=invitation_id, user=user)


def get_pending_invitation_of(organization, invitation_id):
    """A pending invitation of an organization already opened with get_organization_for_admin."""
    return get_object_or_404(
        Invitation.objects.pending().select_related("user"), pk=invitation_id, organization=organization
    )


# Support requests -------------------------------------------------------------------


def is_steward(user):
    """Stewards (superusers) triage support requests and may act on every one."""
    return user.is_authenticated and user.is_superuser


def manages_organization(user, organization_id):
    """Staff and admins of the organization act for it; members do not."""
    if not user.is_authenticated or organization_id is None:
        return False
    return Membership.objects.filter(user=user, organization_id=organization_id, role__in=MANAGING_ROLES).exists()


def speaks_for_request(user, support_request):
    """The request's side: its author, the managers of the organization it was posted for, and stewards."""
    if not user.is_authenticated:
        return False
    if is_steward(user) or (support_request.author_id is not None and support_request.author_id == user.pk):
        return True
    return manages_organization(user, support_request.organization_id)


def can_choose_responders(user, support_request):
    """Who lets someone into a request: its author and stewards (an organization's staff see only what is shared)."""
    return is_steward(user) or (user.is_authenticated and support_request.author_id == user.pk)


def get_support_request_for(user, request_id):
    """A support request this person may see; sensitive ones are simply not found for anyone else."""
    requests = SupportRequest.objects.visible_to(user).select_related("author", "organization", "language", "region")
    return get_object_or_404(requests, pk=request_id)


def get_offer_of(support_request, offer_id):
    """An offer on a request already opened with get_support_request_for."""
    return get_object_or_404(
        SupportOffer.objects.select_related("author", "language"), pk=offer_id, request=support_request
    )


# Capacity exchange ------------------------------------------------------------------


def get_organization_for_exchange(user, slug):
    """An organization whose exchange profile its staff, admins or a steward may edit; unknown is 404, others 403."""
    organization = _organization(slug)
    if not can_manage_work(user, organization_role(user, organization)):
        raise PermissionDenied
    return organization


def get_listed_person_profile(profile_id):
    """A listed person's exchange profile, to write to; hidden, organizations' or unknown ones are not found."""
    return get_object_or_404(
        ExchangeProfile.objects.listed().of_people().select_related("user"), pk=profile_id, user__is_active=True
    )


def get_received_contact_request(user, contact_request_id):
    """A contact request written to this person; anyone else's is simply not found."""
    return get_object_or_404(ContactRequest.objects.select_related("sender"), pk=contact_request_id, recipient=user)


def may_offer_help(user, support_request, *, is_responder: bool) -> bool:
    """Everyone but the author offers help; on a sensitive request only its chosen responders and stewards.

    Whether the request still takes offers (not resolved or closed) is the caller's to check.
    """
    return support_request.author_id != user.pk and (
        not support_request.is_sensitive or is_responder or is_steward(user)
    )
