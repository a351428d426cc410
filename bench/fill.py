"""Generated catalog data for the benchmark: organizations, programs and their sessions.

Kept to one function so it follows the Program model easily when that changes.
"""

import random
from datetime import timedelta

from django.db import connection
from django.utils import timezone

WORDS = (
    "wikidata commons wikisource editing workshop mentoring grant governance advocacy outreach photography translation"
).split()
ORGANIZATIONS = 1000


def program_slug(number):
    return f"bench-{number}"


def fill_catalog(programs):
    """Add generated programs until the database holds `programs`; return how many it holds.

    Every program has two sessions between 60 days ago and 180 days ahead, two capacity
    categories and two languages of instruction, from a fixed random seed.
    """
    from capacity.models import CapacityCategory, Language, Region
    from programs.models import Program, Session
    from stakeholders.models import Organization

    existing = Program.objects.count()
    if existing >= programs:
        return existing

    rng = random.Random(7)  # noqa: S311 - generated test data
    english = Language.objects.get(code="en")
    regions = list(Region.objects.all())
    languages = list(Language.objects.all()[:30])
    categories = list(CapacityCategory.objects.filter(parent__isnull=False))
    Organization.objects.bulk_create(
        [
            Organization(
                slug=f"bench-org-{n}", name=f"Bench org {n}", name_en=f"Bench org {n}", kind="chapter", region=region
            )
            for n, region in enumerate(rng.choices(regions, k=ORGANIZATIONS))
        ],
        ignore_conflicts=True,
    )
    organizations = list(Organization.objects.filter(slug__startswith="bench-org-"))

    now = timezone.now()
    batch = 2000
    for start in range(existing, programs, batch):
        new = []
        for n in range(start, min(start + batch, programs)):
            title = " ".join(rng.sample(WORDS, 3)).capitalize() + f" {n}"
            provider = rng.choice(organizations)
            program = Program(
                slug=program_slug(n),
                original_language=english,
                original_title=title,
                original_summary="Generated program for benchmarks",
                provider=provider,
                region=provider.region,
                method=rng.choice(Program.Method.values),
                format=rng.choice(Program.Format.values),
                level=rng.choice(Program.Level.values),
                is_published=True,
            )
            new.append(program)
        # PostgreSQL returns the new primary keys from bulk_create.
        Program.objects.bulk_create(new)
        Session.objects.bulk_create(
            Session(
                program=program,
                starts_at=now + timedelta(days=rng.randint(-60, 180), hours=rng.randint(0, 23)),
                ends_at=now + timedelta(days=200),
                seats=20,
            )
            for program in new
            for _ in range(2)
        )
        Program.categories.through.objects.bulk_create(
            Program.categories.through(program_id=program.pk, capacitycategory_id=category.pk)
            for program in new
            for category in rng.sample(categories, 2)
        )
        Program.languages.through.objects.bulk_create(
            Program.languages.through(program_id=program.pk, language_id=language.pk)
            for program in new
            for language in rng.sample(languages, 2)
        )
    # Direct inserts, as test factories do: the services would validate each of the
    # 40,000 sessions with a query. Cached pages are not told; bench/run.py empties
    # the cache before every run.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return Program.objects.count()
