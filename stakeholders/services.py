"""Changes to people and organizations."""

from django.db import transaction

from .models import User, new_calendar_token


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
