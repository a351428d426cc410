from django.utils.functional import SimpleLazyObject

from .access import MANAGING_ROLES


def portal(request):
    """Navigation data for the layout, queried only when a page renders the menu.

    The organization links and the workspace link come from the same one query.
    """
    user = getattr(request, "user", None)

    def memberships():
        if user is None or not user.is_authenticated:
            return []
        return list(user.memberships.select_related("organization").order_by("organization__name"))

    portal_memberships = SimpleLazyObject(memberships)

    def shows_workspace():
        if user is None or not user.is_authenticated:
            return False
        return user.is_superuser or any(membership.role in MANAGING_ROLES for membership in portal_memberships)

    return {"portal_memberships": portal_memberships, "portal_shows_workspace": SimpleLazyObject(shows_workspace)}
