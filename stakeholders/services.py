"""Changes to people, organizations and memberships."""

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from .models import Invitation, Membership, Organization, User, new_calendar_token

logger = logging.getLogger(__name__)


def user_calendar_token_reset(*, user: User) -> str:
    """Give the person a new private calendar URL; the old one stops working at once."""
    with transaction.atomic():
        user.calendar_token = new_calendar_token()
        user.full_clean(exclude=["password"])
        user.save(update_fields=["calendar_token"])
    return user.calendar_token


def user_profile_update(*, user: User, data: dict) -> User:
    """Save the profile fields a person edits themselves."""
    with transaction.atomic():
        for field in ("display_name", "home_region", "time_zone", "preferred_language"):
            setattr(user, field, data[field])
        user.full_clean(exclude=["password"])
        # Only the edited fields: a calendar address reset meanwhile must stay reset.
        user.save(update_fields=["display_name", "home_region", "time_zone", "preferred_language"])
        user.languages.set(data["languages"])
    return user


def organization_update(*, organization: Organization, data: dict, fields: list[str]) -> Organization:
    """Save an organization's profile as its admins edit it."""
    with transaction.atomic():
        for field in fields:
            if field != "languages":
                setattr(organization, field, data[field])
        organization.full_clean()
        organization.save()
        if "languages" in fields:
            organization.languages.set(data["languages"])
    return organization


def _send_invitation_email(invitation_id: int) -> None:
    invitation = Invitation.objects.select_related("user", "organization", "invited_by").get(pk=invitation_id)
    person = invitation.user
    if not person.email:
        return
    with translation.override(person.preferred_language or settings.LANGUAGE_CODE):
        context = {
            "invitation": invitation,
            "person": person,
            "organization": invitation.organization,
            "role": invitation.get_role_display(),
            "inviter": invitation.invited_by.public_name if invitation.invited_by else "",
            "url": f"{settings.PORTAL_URL}{reverse('me:invitations')}",
        }
        # Plain text with autoescape off; a subject is one line whatever a name holds.
        subject = " ".join(render_to_string("stakeholders/email/invitation_subject.txt", context).split())
        body = render_to_string("stakeholders/email/invitation.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [person.email], fail_silently=False)


def membership_invite(*, organization: Organization, person: User, role: str, by: User) -> Invitation:
    """Invite a person to the organization with a role, and tell them by email once it is saved."""
    with transaction.atomic():
        if Membership.objects.filter(organization=organization, user=person).exists():
            raise ValidationError(_("This person is already a member of this organization."))
        invitation = Invitation(organization=organization, user=person, role=role, invited_by=by)
        invitation.full_clean()
        try:
            # A savepoint: two admins inviting the same person at once meet the constraint.
            with transaction.atomic():
                invitation.save()
        except IntegrityError as error:
            raise ValidationError(_("This person already has a pending invitation to this organization.")) from error
        transaction.on_commit(lambda invitation_id=invitation.pk: _send_invitation_email(invitation_id), robust=True)
    return invitation


def _lock_pending(invitation: Invitation, user: User) -> Invitation:
    locked = Invitation.objects.select_for_update().filter(pk=invitation.pk, user=user).first()
    if locked is None or locked.status != Invitation.Status.PENDING:
        raise ValidationError(_("This invitation is no longer open."))
    return locked


def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    """The invited person joins the organization with the invited role."""
    with transaction.atomic():
        invitation = _lock_pending(invitation, user)
        if Membership.objects.filter(organization_id=invitation.organization_id, user=user).exists():
            raise ValidationError(_("You are already a member of this organization."))
        membership = Membership(organization_id=invitation.organization_id, user=user, role=invitation.role)
        membership.full_clean()
        membership.save()
        invitation.status = Invitation.Status.ACCEPTED
        invitation.full_clean()
        invitation.save(update_fields=["status", "updated_at"])
    return membership


def invitation_decline(*, invitation: Invitation, user: User) -> Invitation:
    """The invited person says no; the organization may invite them again later."""
    with transaction.atomic():
        invitation = _lock_pending(invitation, user)
        invitation.status = Invitation.Status.DECLINED
        invitation.full_clean()
        invitation.save(update_fields=["status", "updated_at"])
    return invitation


def invitation_withdraw(*, invitation: Invitation, by: User) -> Invitation:
    """An admin takes back an invitation nobody has answered; the person may be invited again."""
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().filter(pk=invitation.pk).first()
        if locked is None or locked.status != Invitation.Status.PENDING:
            raise ValidationError(_("This invitation is no longer open."))
        locked.status = Invitation.Status.WITHDRAWN
        locked.full_clean()
        locked.save(update_fields=["status", "updated_at"])
        logger.info("Invitation %s withdrawn by user %s", locked.pk, by.pk)
    return locked


def _lock_memberships(organization_id: int) -> list[Membership]:
    # Every membership of the organization, locked in one order: two admins demoting
    # each other at once are serialized, and the second sees the first's change.
    return list(Membership.objects.select_for_update().filter(organization_id=organization_id).order_by("pk"))


def _refuse_losing_the_last_admin(memberships: list[Membership], leaving: Membership) -> None:
    admins = [m for m in memberships if m.role == Membership.Role.ADMIN]
    if leaving.role == Membership.Role.ADMIN and len(admins) <= 1:
        raise ValidationError(
            _("An organization needs at least one administrator. Make someone else an administrator first.")
        )


def membership_change_role(*, membership: Membership, role: str) -> Membership:
    """Give a member another role, never leaving the organization without an administrator."""
    with transaction.atomic():
        memberships = _lock_memberships(membership.organization_id)
        current = next((m for m in memberships if m.pk == membership.pk), None)
        if current is None:
            raise ValidationError(_("This person is no longer a member of this organization."))
        if role != Membership.Role.ADMIN:
            _refuse_losing_the_last_admin(memberships, current)
        current.role = role
        current.full_clean()
        current.save(update_fields=["role", "updated_at"])
    return current


def membership_remove(*, membership: Membership) -> None:
    """Take a person out of an organization (or let them leave), never its last administrator."""
    with transaction.atomic():
        memberships = _lock_memberships(membership.organization_id)
        current = next((m for m in memberships if m.pk == membership.pk), None)
        if current is None:
            return
        _refuse_losing_the_last_admin(memberships, current)
        current.delete()
