"""A program's next session is computed from its sessions when read, so it is never stale."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from programs import services
from programs.models import Program, Session
from tests.factories import ProgramFactory, SessionFactory

pytestmark = pytest.mark.django_db


def next_session_of(program, *, now=None):
    return Program.objects.with_next_session(now=now).values_list("next_session_at", flat=True).get(pk=program.pk)


def catalog_slugs(client):
    return [program.slug for program in client.get("/en/programs/").context["page"].object_list]


def test_adding_moving_cancelling_and_deleting_sessions_change_it_at_once():
    program = ProgramFactory()
    assert next_session_of(program) is None
    later = SessionFactory(program=program, starts_at=timezone.now() + timedelta(days=10))
    sooner = SessionFactory(program=program, starts_at=timezone.now() + timedelta(days=3))
    assert next_session_of(program) == sooner.starts_at
    Session.objects.filter(pk=sooner.pk).update(is_cancelled=True)
    assert next_session_of(program) == later.starts_at
    later.delete()
    assert next_session_of(program) is None


def test_it_moves_on_once_a_session_has_begun_with_no_job_running():
    program = ProgramFactory()
    first = SessionFactory(program=program, starts_at=timezone.now() + timedelta(days=1))
    second = SessionFactory(program=program, starts_at=timezone.now() + timedelta(days=8))
    finished = ProgramFactory()
    SessionFactory(program=finished, starts_at=timezone.now() + timedelta(days=1))
    a_day_later = timezone.now() + timedelta(days=1, minutes=1)

    assert next_session_of(program, now=a_day_later) == second.starts_at
    assert next_session_of(finished, now=a_day_later) is None
    assert first.starts_at < a_day_later
    assert list(Program.objects.upcoming(now=a_day_later)) == [program]


def test_the_catalog_is_right_at_once_after_sessions_are_bulk_created(client):
    # An import writes sessions in one INSERT, with no per-row hooks: nothing has to catch up.
    programs = [ProgramFactory(slug=f"imported-{number}") for number in range(3)]
    assert catalog_slugs(client) == []
    start = timezone.now() + timedelta(days=2)
    services.sessions_bulk_create(
        sessions=[
            Session(
                program=program, starts_at=start + timedelta(hours=n), ends_at=start + timedelta(hours=n + 1), seats=5
            )
            for n, program in enumerate(reversed(programs))
        ]
    )
    assert catalog_slugs(client) == ["imported-2", "imported-1", "imported-0"]


def test_a_session_under_way_no_longer_counts_as_upcoming(client):
    running = ProgramFactory(slug="running")
    begun = SessionFactory(program=running, starts_at=timezone.now() + timedelta(days=1))
    assert catalog_slugs(client) == ["running"]
    Session.objects.filter(pk=begun.pk).update(starts_at=timezone.now() - timedelta(minutes=5))  # time passes
    cache.clear()  # and the minute a rendered catalog is kept
    assert catalog_slugs(client) == []
    later = services.session_save(
        session=Session(
            program=running,
            starts_at=timezone.now() + timedelta(days=9),
            ends_at=timezone.now() + timedelta(days=9, hours=1),
            seats=3,
        )
    )
    assert catalog_slugs(client) == ["running"]
    assert next_session_of(running) == later.starts_at


def test_moving_a_session_to_another_program_moves_its_date_too():
    first, second = ProgramFactory(), ProgramFactory()
    created = SessionFactory(program=first)
    Session.objects.filter(pk=created.pk).update(program=second)
    assert next_session_of(first) is None
    assert next_session_of(second) == created.starts_at


def test_reading_the_catalog_writes_nothing(client, django_assert_max_num_queries):
    SessionFactory(program=ProgramFactory())
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get("/en/programs/")
    writes = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE"))]
    assert writes == []
