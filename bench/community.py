"""Generated data for the community pages: capacity exchange profiles and support requests.

fill_community gives `people` generated people an exchange profile each (five
capacities had, shared or wanted, two or three languages, a tenth of them hidden) and
adds `requests` support requests with their first process event, so the directory,
"find a mentor" and the support list read tables of a movement's size. One person, the
mentee, wants three capacities and speaks Korean and English: the bench signs in as
them for "find a mentor". Done once per database, from a fixed random seed.
"""

import random
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

MENTEE_USERNAME = "bench-mentee"
PEOPLE_PREFIX = "bench-person-"


@dataclass
class CommunitySite:
    mentee_id: int
    wanted_category: str
    sizes: dict

    def describe(self):
        sizes = self.sizes
        return (
            f"{sizes['profiles']:,} exchange profiles ({sizes['listed']:,} listed) with {sizes['capacities']:,} "
            f"capacities and {sizes['languages']:,} languages; {sizes['requests']:,} support requests"
        )


def fill_community(*, people, requests):
    from stakeholders.models import User

    if not User.objects.filter(username=MENTEE_USERNAME).exists():
        with transaction.atomic():
            _fill(people, requests)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    return community_site()


def community_site():
    from stakeholders.models import ExchangeCapacity, User

    mentee = User.objects.get(username=MENTEE_USERNAME)
    wanted = ExchangeCapacity.objects.filter(profile__user=mentee, wants=True).select_related("category").first()
    return CommunitySite(mentee.pk, wanted.category.slug, sizes())


def sizes():
    """How many rows the community pages read from, for the report."""
    from stakeholders.models import ExchangeCapacity, ExchangeLanguage, ExchangeProfile, SupportRequest

    return {
        "profiles": ExchangeProfile.objects.count(),
        "listed": ExchangeProfile.objects.listed().count(),
        "capacities": ExchangeCapacity.objects.count(),
        "languages": ExchangeLanguage.objects.count(),
        "requests": SupportRequest.objects.count(),
    }


def _fill(people, requests):
    from django.contrib.auth.hashers import make_password

    from capacity.models import CapacityCategory, Language, Region
    from stakeholders.models import (
        ExchangeCapacity,
        ExchangeLanguage,
        ExchangeProfile,
        SupportEvent,
        SupportRequest,
        User,
    )

    rng = random.Random(21)  # noqa: S311 - generated test data
    password = make_password(None)  # unusable: nobody signs in as a generated person
    regions = list(Region.objects.all())
    # Most people speak one of a few big languages, then a long tail: as on the wikis.
    languages = list(Language.objects.order_by("pk")[:60])
    common = [language for language in languages if language.code in {"en", "es", "fr", "ar", "ko", "pt-br"}]
    categories = list(CapacityCategory.objects.all())
    users = User.objects.bulk_create(
        [
            User(
                username=f"{PEOPLE_PREFIX}{n}",
                email=f"{PEOPLE_PREFIX}{n}@example.org",
                display_name=f"Bench Person {n}",
                password=password,
            )
            for n in range(people)
        ],
        batch_size=5000,
    )
    mentee = User.objects.create(
        username=MENTEE_USERNAME, email=f"{MENTEE_USERNAME}@example.org", password=make_password(None)
    )
    profiles = ExchangeProfile.objects.bulk_create(
        [
            ExchangeProfile(user=user, is_listed=rng.random() > 0.1, region=rng.choice(regions), about="")
            for user in [*users, mentee]
        ],
        batch_size=5000,
    )
    capacity_rows, language_rows = [], []
    for profile in profiles[:-1]:
        for category in rng.sample(categories, 5):
            shares = rng.random() < 0.4
            wants = not shares and rng.random() < 0.5
            capacity_rows.append(
                ExchangeCapacity(
                    profile=profile,
                    category=category,
                    has=shares or not wants,
                    shares=shares,
                    wants=wants,
                    level=rng.randint(1, 4) if shares or not wants else None,
                )
            )
        spoken = {rng.choice(common), *rng.sample(languages, rng.randint(1, 2))}
        language_rows += [
            ExchangeLanguage(profile=profile, language=language, proficiency=rng.randint(1, 5)) for language in spoken
        ]
    mentee_profile = profiles[-1]
    for category in rng.sample(categories, 3):
        capacity_rows.append(ExchangeCapacity(profile=mentee_profile, category=category, wants=True))
    language_rows += [
        ExchangeLanguage(profile=mentee_profile, language=language, proficiency=proficiency)
        for language, proficiency in ((Language.objects.get(code="ko"), 5), (Language.objects.get(code="en"), 3))
    ]
    ExchangeCapacity.objects.bulk_create(capacity_rows, batch_size=10000)
    ExchangeLanguage.objects.bulk_create(language_rows, batch_size=10000)

    now = timezone.now()
    statuses = [status for status, _label in SupportRequest.Status.choices]
    support = SupportRequest.objects.bulk_create(
        [
            SupportRequest(
                author=rng.choice(users),
                title=f"Bench request {n}",
                what_happened="Generated for the benchmark.",
                what_is_needed="Nothing: this is generated.",
                language=rng.choice(common),
                region=rng.choice(regions),
                urgency=rng.choice(SupportRequest.Urgency.values),
                status=rng.choice(statuses),
                is_sensitive=rng.random() < 0.05,
                status_changed_at=now,
            )
            for n in range(requests)
        ],
        batch_size=5000,
    )
    through = SupportRequest.categories.through
    through.objects.bulk_create(
        [
            through(supportrequest_id=request.pk, capacitycategory_id=category.pk)
            for request in support
            for category in rng.sample(categories, 2)
        ],
        batch_size=10000,
    )
    SupportEvent.objects.bulk_create(
        [SupportEvent(request=request, actor_id=request.author_id, to_status="open") for request in support],
        batch_size=10000,
    )
