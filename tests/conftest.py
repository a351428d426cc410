"""Personas and shared fixtures. Each persona's docstring says what it may do."""

from importlib import import_module

import pytest
from django.core.cache import cache
from django.utils import translation

from tests.factories import MembershipFactory, OrganizationFactory, UserFactory


@pytest.fixture(autouse=True)
def _clean_cache_and_language():
    # A request in an earlier test may leave its language active in this thread.
    translation.activate("en")
    cache.clear()
    yield
    cache.clear()
    translation.activate("en")


@pytest.fixture
def volunteer(db):
    """Signed-up person: browses, enrolls, sees only their own learning."""
    return UserFactory(username="volunteer")


@pytest.fixture
def organization(db):
    return OrganizationFactory(slug="wiki-learning-hub", name="Wiki Learning Hub")


@pytest.fixture
def other_organization(db):
    return OrganizationFactory(slug="other-chapter", name="Other Chapter")


@pytest.fixture
def staff(organization):
    """Staff of `organization`: manages its programs and sees its participants."""
    return MembershipFactory(organization=organization, user=UserFactory(username="staff")).user


@pytest.fixture
def other_staff(other_organization):
    """Staff of another organization: no rights over `organization`'s programs."""
    return MembershipFactory(organization=other_organization, user=UserFactory(username="otherstaff")).user


@pytest.fixture
def steward(db):
    """Site staff: keeps the vocabulary in the admin."""
    return UserFactory(username="steward", is_staff=True, is_superuser=True)


@pytest.fixture
def seeded_transactional_db(transactional_db):
    """A transactional database with the shared vocabulary the migrations seed.

    Transactional tests end with a flush that empties every table, so the seed is
    loaded again here rather than trusting serialized rollback.
    """
    from django.apps import apps

    from capacity.models import Region

    if not Region.objects.exists():
        seed = import_module("capacity.migrations.0002_seed_vocabulary")
        seed.load(apps, None)


@pytest.fixture
def celery_worker_on_redis(seeded_transactional_db, settings):
    """A real Celery worker thread consuming from Redis for the duration of a test."""
    from celery.contrib.testing.worker import start_worker

    from capacity.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False
    app.conf.broker_url = settings.CELERY_BROKER_URL
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as worker:
            yield worker
    finally:
        app.conf.task_always_eager = True
