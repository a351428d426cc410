"""What the community pages read: querysets whose query count does not grow with their rows."""

from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Least, Lower, NullIf
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from capacity import fragments
from capacity.models import CapacityCategory

from .filters import ExchangeProfileFilter
from .models import ContactRequest, ExchangeCapacity, ExchangeLanguage, ExchangeProfile, User

# Capacity exchange ------------------------------------------------------------------

EXCHANGE_PAGE_SIZE = 25
# The directory's cards are kept rendered under this version (capacity.fragments); the
# services that change what a card shows move it on: a profile saved, a person's name,
# an organization's name or address. A hidden or erased profile needs no move: the page
# lists its ids afresh every time and shows a card only for an id it listed.
EXCHANGE_VERSION_KEY = "stakeholders:exchange-version"


def _in_taxonomy_order(rows):
    """Capacity rows as the taxonomy lists them: each top-level capacity, then its children."""
    return rows.order_by(
        Coalesce("category__parent__position", "category__position"),
        Coalesce("category__parent__slug", "category__slug"),
        F("category__parent_id").asc(nulls_first=True),
        "category__position",
        "category__slug",
    )


def _with_rows(queryset):
    """A profile with its owner, region and every capacity and language: four queries for any number of rows."""
    return queryset.select_related("user", "organization", "region", "about_language").prefetch_related(
        Prefetch(
            "capacities",
            queryset=_in_taxonomy_order(ExchangeCapacity.objects.select_related("category")),
        ),
        Prefetch(
            "languages",
            queryset=ExchangeLanguage.objects.select_related("language").order_by(
                "-proficiency", "language__english_name"
            ),
        ),
    )


def _shown_profiles():
    """Listed profiles of active people and of organizations: a deactivated account is nobody's mentor."""
    # "Not a deactivated person" rather than "an organization or an active person": the
    # deactivated are few (an index of their own), where a join would read everyone.
    deactivated = User.objects.filter(pk=OuterRef("user_id"), is_active=False)
    return ExchangeProfile.objects.listed().filter(~Exists(deactivated))


def _group_capacities(profile):
    """Split a profile's (prefetched) capacities by what the card shows: shared, had only, wanted."""
    rows = profile.capacities.all()
    profile.shared = [row for row in rows if row.shares]
    profile.had_only = [row for row in rows if row.has and not row.shares]
    profile.wanted = [row for row in rows if row.wants]


@dataclass
class Directory:
    filterset: ExchangeProfileFilter
    page: Page
    is_filtered: bool


def exchange_directory(*, data, page_number) -> Directory:
    """Listed profiles, filtered, most recently updated first, 25 a page: a page of ids (exchange_cards reads the rest)."""
    filterset = ExchangeProfileFilter(data, queryset=_shown_profiles())
    profiles = filterset.qs.order_by("-updated_at", "-pk").values_list("pk", flat=True)
    page = Paginator(profiles, EXCHANGE_PAGE_SIZE).get_page(page_number)
    is_filtered = any(value not in (None, "", []) for value in filterset.form.cleaned_data.values())
    return Directory(filterset=filterset, page=page, is_filtered=is_filtered)


def exchange_cards(*, profile_ids) -> dict:
    """What the directory's cards show of these profiles, by id; one still shown may have left since its id was read."""
    profiles = _with_rows(_shown_profiles().filter(pk__in=profile_ids))
    for profile in profiles:
        _group_capacities(profile)
    return {profile.pk: profile for profile in profiles}


def own_exchange_profile(*, user=None, organization=None):
    """The profile a person or an organization edits, with its rows, or None before the first save."""
    owner = {"user": user} if user is not None else {"organization": organization}
    return _with_rows(ExchangeProfile.objects.filter(**owner)).first()


def list_separator():
    """The separator between items of a list in a sentence, as the reader's language writes it (Arabic uses "،")."""
    return pgettext("separator between items of a list", ", ")


@dataclass
class MentorSearch:
    """Mentors for one person; `missing` names what their own profile lacks, when it lacks something."""

    wanted: list = field(default_factory=list)
    chosen: object = None
    page: Page | None = None
    missing: str = ""


def _mentor_capacities(serving_ids):
    return ExchangeCapacity.objects.filter(shares=True, category_id__in=serving_ids)


def _serving_categories(wanted_ids) -> list[int]:
    """The wanted capacities and their children, as ids.

    A wanted parent is served by its children too: wanting Fundraising, a person who
    shares Grant writing is a match, counted half as much as sharing Fundraising itself.
    The ids are read first (the taxonomy is small) so the ranking query filters shared
    capacities by index instead of joining the taxonomy for every row.
    """
    return list(
        CapacityCategory.objects.filter(Q(pk__in=wanted_ids) | Q(parent_id__in=wanted_ids)).values_list("pk", flat=True)
    )


def mentor_matches(*, user, capacity_slug=None, page_number=None) -> MentorSearch:
    """People who share what this person wants and speak one of their languages, best match first.

    The ranking is one SQL query: first the weighted number of wanted capacities they
    share, then the best common language (the lower of both sides' proficiency, best
    over the languages both speak), then their best level in those capacities, then name
    and id. Its ids are kept in the cache until the exchange changes (a minute at most);
    the page's profiles are read with their lists (one query each), shown ones only.
    """
    mine = own_exchange_profile(user=user)
    if mine is None:
        return MentorSearch(missing="profile")
    wanted = [row.category for row in mine.capacities.all() if row.wants]
    my_languages = {row.language_id: row.proficiency for row in mine.languages.all()}
    search = MentorSearch(wanted=wanted)
    if not wanted:
        search.missing = "wants"
        return search
    if not my_languages:
        search.missing = "languages"
        return search
    chosen = [category for category in wanted if category.slug == capacity_slug]
    search.chosen = chosen[0] if chosen else None
    wanted_ids = [category.pk for category in (chosen or wanted)]

    serving_ids = _serving_categories(wanted_ids)
    matching = _mentor_capacities(serving_ids).filter(profile=OuterRef("pk"))
    weighted = Case(When(category_id__in=wanted_ids, then=Value(2)), default=Value(1), output_field=IntegerField())
    share_score = matching.order_by().values("profile").annotate(total=Sum(weighted)).values("total")
    level_score = matching.order_by().values("profile").annotate(best=Max(Coalesce("level", 0))).values("best")
    mine_as_sql = Case(
        *[When(language_id=language_id, then=Value(level)) for language_id, level in my_languages.items()],
        output_field=IntegerField(),
    )
    common = ExchangeLanguage.objects.filter(profile=OuterRef("pk"), language_id__in=list(my_languages))
    language_score = (
        common.order_by().values("profile").annotate(best=Max(Least("proficiency", mine_as_sql))).values("best")
    )
    ranked = (
        _shown_profiles()
        .of_people()
        .exclude(user=user)
        # Nobody without a language in common, ever: a mentor one cannot talk to is no match.
        .filter(Exists(matching), Exists(common))
        .annotate(
            share_score=Subquery(share_score, output_field=IntegerField()),
            language_score=Subquery(language_score, output_field=IntegerField()),
            level_score=Subquery(level_score, output_field=IntegerField()),
            sort_name=Lower(Coalesce(NullIf("user__display_name", Value("")), "user__username")),
        )
        .order_by("-share_score", "-language_score", "-level_score", "sort_name", "pk")
        .values_list("pk", flat=True)
    )
    # The ranking (the ids, best first) is kept under the exchange version, which saving a
    # profile, hiding one, renaming a person or an organization move on; what the person
    # wants and speaks is in the key too. The page's profiles are read again, still shown.
    key = fragments.fragment_key(
        "mentor-ranking", user.pk, wanted_ids, sorted(my_languages.items()), version_key=EXCHANGE_VERSION_KEY
    )
    ids = fragments.get(key)
    if ids is None:
        ids = list(ranked)
        fragments.put(key, ids)
    search.page = Paginator(ids, EXCHANGE_PAGE_SIZE).get_page(page_number)
    profiles = (
        _shown_profiles()
        .of_people()
        .filter(pk__in=list(search.page.object_list))
        .select_related("user", "region", "about_language")
        .prefetch_related(
            Prefetch(
                "capacities",
                queryset=_in_taxonomy_order(_mentor_capacities(serving_ids).select_related("category")),
                to_attr="matching_capacities",
            ),
            Prefetch(
                "languages",
                queryset=ExchangeLanguage.objects.filter(language_id__in=list(my_languages))
                .select_related("language")
                .order_by("-proficiency", "language__english_name"),
                to_attr="common_languages",
            ),
        )
        .in_bulk()
    )
    search.page.object_list = [profiles[pk] for pk in search.page.object_list if pk in profiles]
    separator = list_separator()
    for profile in search.page:
        profile.reason = _("Shares %(capacities)s, speaks %(languages)s") % {
            "capacities": separator.join(row.category.shown("name").text for row in profile.matching_capacities),
            "languages": separator.join(row.language.autonym for row in profile.common_languages),
        }
    return search


CONTACT_BOXES = ("received", "sent")


def contact_requests(*, user, box, page_number) -> Page:
    """One person's received or sent contact requests, newest first, 25 a page."""
    requests = ContactRequest.objects.select_related("sender", "recipient", "category")
    requests = requests.filter(recipient=user) if box == "received" else requests.filter(sender=user)
    return Paginator(requests.order_by("-created_at", "-pk"), EXCHANGE_PAGE_SIZE).get_page(page_number)


def contact_requests_waiting(*, user) -> int:
    """How many messages wait for this person's answer (a deactivated sender's no longer can be answered)."""
    return ContactRequest.objects.filter(
        recipient=user, status=ContactRequest.Status.PENDING, sender__is_active=True
    ).count()


def has_written_and_waits(*, sender, recipient) -> bool:
    """Whether the sender's last message to this person still waits for an answer."""
    return ContactRequest.objects.filter(
        sender=sender, recipient=recipient, status=ContactRequest.Status.PENDING
    ).exists()
