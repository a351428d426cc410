from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import ProgramFactory, SessionFactory


@pytest.fixture
def program(organization):
    """A published program of `organization`."""
    return ProgramFactory(provider=organization, slug="wikidata-basics", original_title="Wikidata basics")


@pytest.fixture
def session(program):
    """An upcoming session of `program` with 10 seats and an online link."""
    return SessionFactory(program=program, seats=10)


@pytest.fixture
def past_session(program):
    """A three-hour session of `program` that took place two days ago."""
    start = timezone.now() - timedelta(days=2)
    return SessionFactory(program=program, starts_at=start, ends_at=start + timedelta(hours=3))


@pytest.fixture
def affiliate_admin_client(affiliate_admin):
    """A test client signed in as the admin of `organization`."""
    client = Client()
    client.force_login(affiliate_admin)
    return client
