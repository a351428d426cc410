"""Exchange profiles for tests, saved through the service as a person's edit would be."""

from capacity.models import CapacityCategory, Language, Region
from stakeholders.models import CapacityLevel
from stakeholders.services import exchange_profile_save
from tests.factories import UserFactory


def exchange_profile(
    user=None,
    *,
    organization=None,
    shares=(),
    wants=(),
    has=(),
    level=CapacityLevel.PRACTISED,
    languages=None,
    region=None,
    about="",
    about_language=None,
    listed=True,
):
    """A profile sharing, wanting and having the capacities given by slug, in {code: proficiency} languages."""
    if user is None and organization is None:
        user = UserFactory()
    slugs = list(dict.fromkeys([*shares, *wants, *has]))
    categories = {category.slug: category for category in CapacityCategory.objects.filter(slug__in=slugs)}
    capacities = [
        {
            "category": categories[slug],
            "has": slug in has,
            "shares": slug in shares,
            "wants": slug in wants,
            "level": level if (slug in has or slug in shares) else None,
        }
        for slug in slugs
    ]
    languages = {"en": 5} if languages is None else languages
    rows = [
        {"language": Language.objects.get(code=code), "proficiency": proficiency}
        for code, proficiency in languages.items()
    ]
    data = {
        "is_listed": listed,
        "region": Region.objects.get(slug=region) if region else None,
        "about": about,
        "about_language": Language.objects.get(code=about_language) if about_language else None,
    }
    owner = {"owner_user": user} if organization is None else {"organization": organization}
    return exchange_profile_save(**owner, data=data, capacities=capacities, languages=rows)
