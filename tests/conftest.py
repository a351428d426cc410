"""Personas and shared fixtures. Each persona's docstring says what it may do."""

import os
import time
import warnings
from importlib import import_module

import pytest
import redis
from django.apps import apps as global_apps
from django.core.cache import cache
from django.db import connection
from django.db.models.signals import post_migrate
from django.utils import translation

from capacity import cache as cache_breaker
from stakeholders.models import Membership, Organization
from tests.broker import use_broker
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory


def seed_the_vocabulary_when_missing(sender, apps=global_apps, **kwargs):
    """Load the vocabulary, the currencies and the indicators the data migrations seed whenever the tables are empty.

    Transactional tests (live server, Celery worker, concurrency) end with a flush of
    every table, and `--reuse-db` keeps that flushed database for the next run; a flush
    and the migrate that `--reuse-db` still runs both emit post_migrate, so the
    vocabulary is back before any other test runs, in any order, on any xdist worker.
    """
    if not apps.get_model("capacity", "Region").objects.exists():
        import_module("capacity.migrations.0002_seed_vocabulary").load(apps, None)
    if not apps.get_model("resources", "Currency").objects.exists():
        import_module("resources.migrations.0002_load_iso_4217_currencies").load(apps, None)
    if not apps.get_model("evaluation", "Indicator").objects.exists():
        import_module("evaluation.migrations.0002_seed_core_indicators").load(apps, None)


post_migrate.connect(
    seed_the_vocabulary_when_missing, sender=global_apps.get_app_config("capacity"), dispatch_uid="test-vocabulary"
)


@pytest.fixture(scope="session", autouse=True)
def _nobody_left_on_the_test_database(django_db_setup, django_db_blocker):
    """Before the test database is dropped, end the sessions other threads and processes left on it.

    A connection a test's thread, server or worker did not close keeps its session open
    (one was seen idle after a ROLLBACK), and the drop failed ("being accessed by other
    users"), leaving test_capacity_gw* behind. A session closing anyway is waited for, up
    to ten seconds; one still there is ended and named in a warning, to find its test by.
    """
    yield
    if connection.vendor != "postgresql":
        return
    if connection.settings_dict["NAME"] != connection.creation._get_test_db_name():
        return  # no test used the database (a run of tests without it): none was made
    others = "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        deadline = time.monotonic() + 10
        while True:
            cursor.execute(f"SELECT pid, application_name, left(query, 200) {others}")  # noqa: S608
            left = cursor.fetchall()
            if not left or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        if left:
            cursor.execute(f"SELECT pg_terminate_backend(pid) {others}")  # noqa: S608
            warnings.warn(f"sessions still on the test database were ended: {left}", stacklevel=1)
    connection.close()


def _clear_cache():
    """Empty this worker's cache for sure.

    The portal's cache fails open (errors ignored, 0.25 s timeouts), so cache.clear() can
    give up in silence on a loaded machine, and a test then read the kept pages of the one
    before it (a reports index of another test's organizations, seen once in CI). The
    worker's own Redis database is emptied here with a patient client that raises instead.
    """
    cache.clear()
    if os.environ.get("REDIS_URL"):
        with redis.Redis.from_url(os.environ["REDIS_URL"], socket_timeout=30, socket_connect_timeout=30) as client:
            client.flushdb()


@pytest.fixture(autouse=True)
def _clean_cache_and_language():
    # A request in an earlier test may leave its language active in this thread.
    translation.activate("en")
    cache_breaker.mark_up()  # a test without Redis must not leave the next one rendering uncached
    _clear_cache()
    yield
    cache_breaker.mark_up()  # before the clear, which would otherwise not reach Redis
    _clear_cache()
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
def affiliate_admin(organization):
    """Administrator of `organization`: manages its programs and its memberships."""
    return MembershipFactory(
        organization=organization, user=UserFactory(username="affiliateadmin"), role=Membership.Role.ADMIN
    ).user


@pytest.fixture
def funding_organization(db):
    return OrganizationFactory(slug="wiki-fund", name="Wiki Fund", kind=Organization.Kind.FUNDER)


@pytest.fixture
def funder(funding_organization):
    """Staff of a funder: sees what it funds, no rights over `organization`'s programs."""
    return MembershipFactory(organization=funding_organization, user=UserFactory(username="funder")).user


@pytest.fixture
def steward(db):
    """Site staff: keeps the vocabulary in the admin."""
    return UserFactory(username="steward", is_staff=True, is_superuser=True)


@pytest.fixture
def seeded_transactional_db(transactional_db):
    """A transactional database with the shared vocabulary (see seed_the_vocabulary_when_missing)."""


@pytest.fixture
def celery_worker_on_redis(seeded_transactional_db, settings):
    """A real Celery worker thread consuming from Redis for the duration of a test."""
    from celery.contrib.testing.worker import start_worker

    from capacity.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False
    use_broker(app, settings.CELERY_BROKER_URL)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as worker:
            yield worker
    finally:
        app.conf.task_always_eager = True
