"""The home page's upcoming programs: those whose next sessions come soonest, read from a window of sessions."""

import random
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from programs import selectors
from programs.models import Program
from tests.factories import ProgramFactory, SessionFactory

pytestmark = pytest.mark.django_db


def _by_ordering_every_program(limit):
    """The rule as the catalog states it: every upcoming program ordered by its next session, then id."""
    programs = selectors._soonest_first(Program.objects.published().upcoming())
    return [(program.pk, program.next_session_at) for program in programs[:limit]]


def _shown(limit):
    return [(program.pk, program.next_session_at) for program in selectors.upcoming_programs_for_home(limit=limit)]


def test_soonest_next_session_first_ties_by_id_each_program_once():
    now = timezone.now()
    soon, later = now + timedelta(days=1), now + timedelta(days=2)
    busy = ProgramFactory()
    for hours in range(5):  # five sessions before anyone else's: still one card
        SessionFactory(program=busy, starts_at=soon - timedelta(hours=5 - hours))
    first, second = ProgramFactory(), ProgramFactory()
    SessionFactory(program=second, starts_at=later)
    SessionFactory(program=first, starts_at=later)  # the same start: the smaller id first
    hidden = ProgramFactory(is_published=False)
    SessionFactory(program=hidden, starts_at=now + timedelta(minutes=5))
    cancelled = ProgramFactory()
    SessionFactory(program=cancelled, starts_at=now + timedelta(minutes=10), is_cancelled=True)
    SessionFactory(program=cancelled, starts_at=now + timedelta(days=9))
    past = ProgramFactory()
    SessionFactory(program=past, starts_at=now - timedelta(days=1))

    shown = _shown(6)
    assert [pk for pk, _start in shown] == [busy.pk, first.pk, second.pk, cancelled.pk]
    assert shown[0][1] == busy.sessions.order_by("starts_at").first().starts_at
    assert shown[3][1] == now + timedelta(days=9)  # its cancelled session is not its next one
    assert shown == _by_ordering_every_program(6)


def test_a_window_full_of_one_programs_sessions_falls_back_to_the_whole_ordering(monkeypatch):
    monkeypatch.setattr(selectors, "HOME_SESSIONS_WINDOW", 4)
    now = timezone.now()
    busy = ProgramFactory()
    for hours in range(1, 6):
        SessionFactory(program=busy, starts_at=now + timedelta(hours=hours))
    others = [ProgramFactory() for _ in range(3)]
    for days, program in enumerate(others, start=1):
        SessionFactory(program=program, starts_at=now + timedelta(days=days))
    assert [pk for pk, _start in _shown(3)] == [busy.pk, others[0].pk, others[1].pk]
    assert _shown(3) == _by_ordering_every_program(3)


def test_on_random_sessions_the_window_finds_what_ordering_every_program_finds(monkeypatch):
    monkeypatch.setattr(selectors, "HOME_SESSIONS_WINDOW", 12)
    rng = random.Random(7)
    now = timezone.now().replace(microsecond=0)
    programs = [ProgramFactory(is_published=rng.random() > 0.2) for _ in range(25)]
    for _ in range(90):
        SessionFactory(
            program=rng.choice(programs),
            starts_at=now + timedelta(hours=rng.randint(-48, 240)),
            is_cancelled=rng.random() < 0.1,
        )
    for limit in (1, 6, 10, 30):
        assert _shown(limit) == _by_ordering_every_program(limit), limit


def test_nothing_upcoming_shows_no_program():
    SessionFactory(starts_at=timezone.now() - timedelta(days=3))
    assert _shown(6) == []


@pytest.mark.parametrize("programs", [3, 30])
def test_the_home_page_costs_the_same_queries_whatever_the_numbers(client, programs, django_assert_max_num_queries):
    now = timezone.now()
    for number in range(programs):
        SessionFactory(starts_at=now + timedelta(hours=number + 1))
    client.get(reverse("home"))  # the language and the menu's first reads
    with django_assert_max_num_queries(8):
        response = client.get(reverse("home"))
    assert response.status_code == 200
