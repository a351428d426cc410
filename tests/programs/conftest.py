import pytest

from tests.factories import ProgramFactory, SessionFactory


@pytest.fixture
def program(organization):
    """A published program of `organization`."""
    return ProgramFactory(provider=organization, slug="wikidata-basics", original_title="Wikidata basics")


@pytest.fixture
def session(program):
    """An upcoming session of `program` with 10 seats and an online link."""
    return SessionFactory(program=program, seats=10)
