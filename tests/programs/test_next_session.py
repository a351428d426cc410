"""Program.next_session_at follows its sessions, so the catalog can sort on an index."""

from datetime import timedelta

import pytest
from django.utils import timezone

from programs.models import Program
from programs.tasks import refresh_next_sessions
from tests.factories import ProgramFactory, SessionFactory

pytestmark = pytest.mark.django_db


def next_session_of(program):
    return Program.objects.values_list("next_session_at", flat=True).get(pk=program.pk)


def test_adding_moving_cancelling_and_deleting_sessions_keep_it_current():
    program = ProgramFactory()
    assert next_session_of(program) is None
    later = SessionFactory(program=program, starts_at=timezone.now() + timedelta(days=10))
    sooner = SessionFactory(program=program, starts_at=timezone.now() + timedelta(days=3))
    assert next_session_of(program) == sooner.starts_at
    sooner.is_cancelled = True
    sooner.save()
    assert next_session_of(program) == later.starts_at
    later.delete()
    assert next_session_of(program) is None


def test_the_beat_job_moves_on_once_a_session_has_begun():
    program = ProgramFactory()
    first = SessionFactory(program=program, starts_at=timezone.now() + timedelta(days=1))
    second = SessionFactory(program=program, starts_at=timezone.now() + timedelta(days=8))
    finished = ProgramFactory()
    last = SessionFactory(program=finished, starts_at=timezone.now() + timedelta(days=1))
    # Time passes: both first sessions begin.
    Program.objects.filter(pk__in=[program.pk, finished.pk]).update(
        next_session_at=timezone.now() - timedelta(minutes=1)
    )
    type(first).objects.filter(pk__in=[first.pk, last.pk]).update(starts_at=timezone.now() - timedelta(minutes=1))

    assert refresh_next_sessions() == 2
    assert next_session_of(program) == second.starts_at
    assert next_session_of(finished) is None
    assert refresh_next_sessions() == 0  # nothing left to move: running it again is harmless


def test_the_catalog_moves_on_by_itself_when_no_beat_runs(client):
    program = ProgramFactory(title_en="Still running")
    begun = SessionFactory(program=program, starts_at=timezone.now() + timedelta(days=1))
    later = SessionFactory(program=program, starts_at=timezone.now() + timedelta(days=9))
    type(begun).objects.filter(pk=begun.pk).update(starts_at=timezone.now() - timedelta(minutes=5))
    Program.objects.filter(pk=program.pk).update(next_session_at=timezone.now() - timedelta(minutes=5))

    response = client.get("/en/programs/")
    assert [p.title_en for p in response.context["page"].object_list] == ["Still running"]
    assert next_session_of(program) == later.starts_at


def test_saving_a_program_loaded_earlier_keeps_its_next_session():
    program = ProgramFactory()
    stale = Program.objects.get(pk=program.pk)
    session = SessionFactory(program=program)
    stale.title_en = "Renamed"
    stale.save()
    assert next_session_of(program) == session.starts_at
    assert Program.objects.get(pk=program.pk).title_en == "Renamed"


def test_moving_a_session_to_another_program_refreshes_both():
    first, second = ProgramFactory(), ProgramFactory()
    created = SessionFactory(program=first)
    session = type(created).objects.get(pk=created.pk)  # as the admin loads it
    session.program = second
    session.save()
    assert next_session_of(first) is None
    assert next_session_of(second) == session.starts_at
