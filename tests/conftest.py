"""Personas and shared fixtures. Each persona's docstring says what it may do."""

import pytest
from django.core.cache import cache

from tests.factories import MembershipFactory, OrganizationFactory, UserFactory


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


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
def celery_worker_on_redis(django_db_serialized_rollback, transactional_db, settings):
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
