"""What the portal holds about a person, gathered for their own download.

Each of the portal's own apps that keeps personal data has a `personal_data` module with
a function `collect(user) -> dict`; `everything_about` asks each in INSTALLED_APPS order,
so an app higher up (programs, resources, evaluation) adds its part without this app
importing it. Only the apps in PORTAL_APPS are asked: a third-party package that happens
to have a `personal_data` module must not add to a person's download unseen.
"""

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.utils import timezone

from .models import (
    ContactRequest,
    ExchangeProfile,
    Invitation,
    Membership,
    ProfileVisibility,
    SupportEvent,
    SupportOffer,
    SupportRequest,
    SupportResponder,
)
from .services import PROFILE_VISIBILITY_FIELDS

FORMAT_VERSION = 1
PORTAL_APPS = frozenset({"stakeholders", "programs", "resources", "evaluation"})


def _when(moment):
    return moment.isoformat() if moment else None


def collect(user) -> dict:
    """The account, profile, memberships and invitations of a person."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from allauth.socialaccount.models import SocialAccount

    return {
        "account": {
            "username": user.username,
            "email": user.email,
            "display_name": user.display_name,
            "date_joined": _when(user.date_joined),
            "last_login": _when(user.last_login),
            "home_region": user.home_region.slug if user.home_region else None,
            "languages": sorted(user.languages.values_list("code", flat=True)),
            "time_zone": user.time_zone,
            "preferred_language": user.preferred_language,
            "email_addresses": [
                {"email": address.email, "verified": address.verified, "primary": address.primary}
                for address in EmailAddress.objects.filter(user=user).order_by("pk")
            ],
            # Which second factors are set up, never their secrets.
            "two_factor_methods": sorted(Authenticator.objects.filter(user=user).values_list("type", flat=True)),
            "linked_accounts": [
                {"provider": account.provider, "uid": account.uid}
                for account in SocialAccount.objects.filter(user=user).order_by("pk")
            ],
        },
        "memberships": [
            {
                "organization": membership.organization.slug,
                "role": membership.role,
                "since": _when(membership.created_at),
            }
            for membership in Membership.objects.filter(user=user).select_related("organization").order_by("pk")
        ],
        "invitations_received": [
            {
                "organization": invitation.organization.slug,
                "role": invitation.role,
                "status": invitation.status,
                "sent": _when(invitation.created_at),
            }
            for invitation in Invitation.objects.filter(user=user).select_related("organization").order_by("pk")
        ],
        **_community(user),
    }


def _exchange_profile(user):
    profile = (
        ExchangeProfile.objects.filter(user=user)
        .select_related("about_language", "region")
        .prefetch_related("languages__language", "capacities__category")
        .first()
    )
    if profile is None:
        return None
    return {
        "listed_in_directory": profile.is_listed,
        "about": profile.about,
        "about_language": profile.about_language.code if profile.about_language else None,
        "region": profile.region.slug if profile.region else None,
        "languages": [
            {"language": row.language.code, "proficiency": row.proficiency}
            for row in sorted(profile.languages.all(), key=lambda row: row.language.code)
        ],
        "capacities": [
            {
                "capacity": row.category.slug,
                "has": row.has,
                "level": row.level,
                "shares": row.shares,
                "wants": row.wants,
            }
            for row in sorted(profile.capacities.all(), key=lambda row: row.category.slug)
        ],
    }


def _contact_request(request, *, other):
    accepted = request.status == ContactRequest.Status.ACCEPTED
    return {
        # The name the portal shows everyone, not their username, which they may keep to themselves.
        "person": other.public_name,
        # The other person's address is theirs to give: only an accepted request reveals it,
        # and only while their account is active, as on the Messages page.
        "email": other.email if accepted and other.is_active else None,
        "about": request.category.slug if request.category else None,
        "message": request.message,
        "status": request.status,
        "sent": _when(request.created_at),
        "answered": _when(request.answered_at),
    }


def _community(user) -> dict:
    """The capacity exchange, contact requests, support requests and offers, and profile choices."""
    visibility = ProfileVisibility.objects.filter(user=user).first()
    sent = ContactRequest.objects.filter(sender=user).select_related("recipient", "category").order_by("pk")
    received = ContactRequest.objects.filter(recipient=user).select_related("sender", "category").order_by("pk")
    return {
        "exchange_profile": _exchange_profile(user),
        "contact_requests_sent": [_contact_request(request, other=request.recipient) for request in sent],
        "contact_requests_received": [_contact_request(request, other=request.sender) for request in received],
        "support_requests": [
            {
                "id": request.pk,
                "title": request.title,
                "what_happened": request.what_happened,
                "what_is_needed": request.what_is_needed,
                "language": request.language.code,
                "on_behalf_of": request.organization.slug if request.organization else None,
                "urgency": request.urgency,
                "status": request.status,
                "sensitive": request.is_sensitive,
                "posted": _when(request.created_at),
            }
            for request in SupportRequest.objects.filter(author=user)
            .select_related("language", "organization")
            .order_by("pk")
        ],
        "support_offers": [
            {
                "request": offer.request_id,
                "kind": offer.kind,
                "message": offer.message,
                "language": offer.language.code,
                "offered": _when(offer.created_at),
                "accepted": _when(offer.accepted_at),
            }
            for offer in SupportOffer.objects.filter(author=user).select_related("language").order_by("pk")
        ],
        # Requests the person was let into by someone else, and the steps of a process they took.
        "support_requests_chosen_as_responder": [
            {"request": row.request_id, "chosen": _when(row.chosen_at)}
            for row in SupportResponder.objects.filter(user=user).order_by("pk")
        ],
        "support_process_steps": [
            {
                "request": event.request_id,
                "from": event.from_status or None,
                "to": event.to_status,
                "note": event.note,
                "when": _when(event.created_at),
            }
            for event in SupportEvent.objects.filter(actor=user).order_by("pk")
        ],
        "profile_page": None
        if visibility is None
        else {field: getattr(visibility, field) for field in PROFILE_VISIBILITY_FIELDS},
    }


def everything_about(user, *, now=None) -> dict:
    """One document with every app's part, for the person's own download."""
    document = {"format_version": FORMAT_VERSION, "exported_at": _when(now or timezone.now())}
    for config in apps.get_app_configs():
        module_name = f"{config.name}.personal_data"
        if config.name not in PORTAL_APPS or find_spec(module_name) is None:
            continue
        document.update(import_module(module_name).collect(user))
    return document
