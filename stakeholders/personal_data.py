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

from .models import Invitation, Membership

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
