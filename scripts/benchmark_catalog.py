"""Benchmark: catalog and program page at scale, on PostgreSQL. Prints figures, asserts nothing.

Usage: .venv/bin/python scripts/benchmark_catalog.py [programs]   (default 20000)
Creates (or reuses) the database capacity_bench on the local PostgreSQL server, fills it
with generated programs (two sessions each), then times catalog requests: unfiltered,
filtered, searched, cold and warm option-count cache.
"""

import os
import random
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/capacity_bench")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/14")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "capacity.settings")

PROGRAMS = int(sys.argv[1]) if len(sys.argv) > 1 else 20000


def ensure_database():
    name = os.environ["DATABASE_URL"].rsplit("/", 1)[-1]
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-c", f"CREATE DATABASE {name}"], capture_output=True)
    subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v0"], cwd=ROOT, check=True)


def fill():
    from django.utils import timezone

    from capacity.models import CapacityCategory, Language, Region
    from programs.models import Program, Session
    from stakeholders.models import Organization

    existing = Program.objects.count()
    if existing >= PROGRAMS:
        Program.objects.filter(next_session_at__lt=timezone.now()).refresh_next_session()
        return existing
    rng = random.Random(7)
    regions = list(Region.objects.all())
    languages = list(Language.objects.all())
    children = list(CapacityCategory.objects.filter(parent__isnull=False))
    organizations = Organization.objects.bulk_create(
        [
            Organization(
                slug=f"bench-org-{n}",
                name=f"Bench org {n}",
                name_en=f"Bench org {n}",
                kind="chapter",
                region=rng.choice(regions),
            )
            for n in range(1000)
        ],
        ignore_conflicts=True,
    )
    organizations = list(Organization.objects.filter(slug__startswith="bench-org-"))
    words = "wikidata commons wikisource editing workshop mentoring grant governance advocacy outreach photography translation".split()
    batch, now = 2000, timezone.now()
    for start in range(existing, PROGRAMS, batch):
        programs = []
        for n in range(start, min(start + batch, PROGRAMS)):
            title = " ".join(rng.sample(words, 3)).capitalize() + f" {n}"
            org = rng.choice(organizations)
            program = Program(
                slug=f"bench-{n}",
                title=title,
                title_en=title,
                summary="Generated",
                summary_en="Generated program for benchmarks",
                provider=org,
                region=org.region,
                method=rng.choice(Program.Method.values),
                format=rng.choice(Program.Format.values),
                level=rng.choice(Program.Level.values),
                is_published=True,
            )
            program.search_document = program.build_search_document()
            programs.append(program)
        Program.objects.bulk_create(programs)
        created = list(Program.objects.filter(slug__in=[p.slug for p in programs]))
        Session.objects.bulk_create(
            [
                Session(
                    program=p,
                    starts_at=now + timedelta(days=rng.randint(-60, 180), hours=rng.randint(0, 23)),
                    ends_at=now + timedelta(days=200),
                    seats=20,
                )
                for p in created
                for _ in range(2)
            ]
        )
        Program.categories.through.objects.bulk_create(
            [
                Program.categories.through(program_id=p.pk, capacitycategory_id=c.pk)
                for p in created
                for c in rng.sample(children, 2)
            ]
        )
        Program.languages.through.objects.bulk_create(
            [
                Program.languages.through(program_id=p.pk, language_id=lang.pk)
                for p in created
                for lang in rng.sample(languages[:30], 2)
            ]
        )
    # bulk_create skips the signals that keep next_session_at current.
    Program.objects.filter(slug__startswith="bench-").refresh_next_session()
    with __import__("django.db").db.connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return Program.objects.count()


def measure(client, path, runs=5):
    from django.core.cache import cache
    from django.db import connection, reset_queries

    cache.clear()
    started = time.perf_counter()
    client.get(path)
    cold = time.perf_counter() - started
    timings, queries = [], 0
    for _ in range(runs):
        reset_queries()
        started = time.perf_counter()
        response = client.get(path)
        timings.append(time.perf_counter() - started)
        queries = len(connection.queries)
    assert response.status_code == 200
    print(
        f"{path:70} cold {cold * 1000:7.0f} ms   warm median {statistics.median(timings) * 1000:6.0f} ms   {queries} queries"
    )


def main():
    import django

    ensure_database()
    django.setup()
    from django.conf import settings
    from django.test import Client

    settings.DEBUG = True  # record queries
    settings.ALLOWED_HOSTS = ["*"]
    total = fill()
    print(f"{total} programs in the catalog database")
    client = Client()
    for path in [
        "/en/programs/",
        "/en/programs/?category=technology",
        "/en/programs/?language=ko&method=workshop",
        "/en/programs/?q=wikidata+mentoring",
        "/en/programs/?sort=popular",
        "/en/programs/?page=50",
        "/en/programs/bench-1234/",
    ]:
        measure(client, path)


if __name__ == "__main__":
    main()
