from django.utils.functional import SimpleLazyObject


def portal(request):
    """Navigation data for the layout, queried only when a page renders the menu."""

    def memberships():
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return []
        return list(user.memberships.select_related("organization").order_by("organization__name"))

    return {"portal_memberships": SimpleLazyObject(memberships)}
