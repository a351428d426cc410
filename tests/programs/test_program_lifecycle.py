"""A program's life: draft, published, archived, restored — each move through a service."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from programs import services
from programs.models import Program, PublicationState
from tests.factories import ProgramFactory, SessionFactory

pytestmark = pytest.mark.django_db


def test_publishing_a_draft_puts_it_in_the_catalog():
    program = ProgramFactory(is_published=False)
    assert program.publication_state == PublicationState.DRAFT
    services.program_publish(program=program)
    assert Program.objects.published().filter(pk=program.pk).exists()


def test_unpublishing_takes_it_out_and_keeps_its_sessions():
    session = SessionFactory()
    services.program_unpublish(program=session.program)
    session.program.refresh_from_db()
    assert session.program.publication_state == PublicationState.DRAFT
    assert session.program.sessions.count() == 1


def test_a_program_with_a_session_still_to_come_cannot_be_archived():
    session = SessionFactory()
    with pytest.raises(ValidationError, match="cancel them"):
        services.program_archive(program=session.program)
    session.program.refresh_from_db()
    assert session.program.archived_at is None and session.program.is_published


def test_a_program_whose_sessions_have_ended_is_archived_out_of_the_catalog():
    past = timezone.now() - timedelta(days=10)
    session = SessionFactory(starts_at=past, ends_at=past + timedelta(hours=2))
    archived = services.program_archive(program=session.program)
    assert archived.publication_state == PublicationState.ARCHIVED
    assert not Program.objects.published().filter(pk=archived.pk).exists()


def test_cancelled_sessions_do_not_hold_back_archiving():
    session = SessionFactory(is_cancelled=True)
    assert services.program_archive(program=session.program).is_archived


def test_an_archived_program_must_be_restored_before_it_is_published_again():
    program = ProgramFactory()
    services.program_archive(program=program)
    with pytest.raises(ValidationError, match="restore it first"):
        services.program_publish(program=program)
    services.program_restore(program=program)
    assert services.program_publish(program=program).publication_state == PublicationState.PUBLISHED


def test_archiving_twice_keeps_the_first_date():
    program = ProgramFactory()
    first = services.program_archive(program=program).archived_at
    assert services.program_archive(program=program, now=first + timedelta(days=3)).archived_at == first


def test_every_move_is_in_the_programs_history():
    program = ProgramFactory(is_published=False)
    services.program_publish(program=program)
    services.program_archive(program=program)
    states = [
        (record.is_published, record.archived_at is not None) for record in program.history.order_by("history_id")
    ]
    assert states[-2:] == [(True, False), (False, True)]


def test_sessions_created_in_bulk_are_in_the_history_too():
    program = ProgramFactory()
    start = timezone.now() + timedelta(days=3)
    created = services.sessions_bulk_create(
        sessions=[
            SessionFactory.build(
                program=program, starts_at=start + timedelta(days=n), ends_at=start + timedelta(days=n, hours=1)
            )
            for n in range(3)
        ]
    )
    assert len(created) == 3
    assert program.sessions.model.history.filter(program_id=program.pk, history_type="+").count() == 3
