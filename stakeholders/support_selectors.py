"""What the support pages and notifications read, in a fixed number of queries whatever the number of rows."""

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce

from capacity.models import CapacityCategory

from .models import (
    ExchangeLanguage,
    ExchangeProfile,
    SupportEvent,
    SupportOffer,
    SupportRequest,
    SupportResponder,
)
from .support_filters import SupportRequestFilter

# The list's cards are kept rendered under this version (capacity.fragments); the services
# that change what a card shows move it on: a request moved, an offer made, an
# organization renamed, a sensitive request erased with its author.
SUPPORT_VERSION_KEY = "stakeholders:support-version"


def support_request_list(*, user, data):
    """The requests this person may see, filtered, newest first; returns the FilterSet (its .qs is the list).

    The list is of ids: support_request_cards reads what the page's cards show.
    """
    queryset = SupportRequest.objects.visible_to(user).order_by("-created_at", "-pk")
    return SupportRequestFilter(data or None, queryset=queryset)


def support_request_cards(*, request_ids) -> dict:
    """What the list's cards show of these requests, by id, with their offers counted."""
    offers = (
        SupportOffer.objects.filter(request=OuterRef("pk"))
        .order_by()
        .values("request")
        .annotate(count=Count("pk"))
        .values("count")
    )
    requests = (
        SupportRequest.objects.filter(pk__in=request_ids)
        .select_related("organization", "language", "region")
        .prefetch_related(Prefetch("categories", queryset=CapacityCategory.objects.order_by("position", "slug")))
        .annotate(offer_count=Coalesce(Subquery(offers, output_field=IntegerField()), Value(0)))
    )
    return {request.pk: request for request in requests}


def support_request_page(*, request: SupportRequest) -> dict:
    """Everything the detail page shows besides the request itself: timeline, offers, responders."""
    return {
        "events": list(
            SupportEvent.objects.filter(request=request).select_related("actor").order_by("created_at", "pk")
        ),
        "offers": list(
            SupportOffer.objects.filter(request=request)
            .select_related("author", "language")
            .order_by("created_at", "pk")
        ),
        "responders": list(request.responder_rows.select_related("user", "chosen_by").order_by("chosen_at", "pk")),
        "categories": list(request.categories.order_by("position", "slug")),
    }


def matching_people(*, request: SupportRequest, limit: int):
    """Ids of people to tell about a request: listed, sharing one of its capacities, speaking its language.

    A top-level capacity includes its children. Best first: the most fluent in the
    request's language, then the most capacities shared. The author and the chosen
    responders are left out.
    """
    categories = CapacityCategory.objects.with_descendants(list(request.categories.all()))
    proficiency = ExchangeLanguage.objects.filter(profile=OuterRef("pk"), language_id=request.language_id).values(
        "proficiency"
    )[:1]
    profiles = (
        ExchangeProfile.objects.listed()
        .of_people()
        .filter(user__is_active=True)
        .exclude(user__email="")
        .annotate(
            proficiency=Subquery(proficiency),
            shared=Count("capacities", filter=Q(capacities__shares=True, capacities__category__in=categories)),
        )
        .filter(proficiency__isnull=False, shared__gt=0)
        .order_by("-proficiency", "-shared", "pk")
    )
    if request.author_id is not None:
        profiles = profiles.exclude(user_id=request.author_id)
    # Chosen responders get their own email, which says they were chosen.
    profiles = profiles.exclude(user_id__in=SupportResponder.objects.filter(request=request).values("user_id"))
    return profiles.values_list("user_id", flat=True)[:limit]
