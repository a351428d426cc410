"""Seats hold under concurrency on real PostgreSQL: 50 people, 10 seats, many times."""

import threading
import time
from contextlib import contextmanager

import pytest
from django.db import OperationalError, connection, connections, transaction

from programs import services
from programs.models import Enrollment, Session
from tests.factories import SessionFactory, UserFactory

PEOPLE = 50
SEATS = 10
ROUNDS = 5

# Fifty connections a round: with `--dist loadgroup` one xdist worker runs every round,
# so two rounds never pass PostgreSQL's max_connections together.
pytestmark = pytest.mark.xdist_group("concurrent-enrollments")


def enroll_all_at_once(session, people):
    """Fire every enrollment at the same instant from its own thread and connection."""
    barrier = threading.Barrier(len(people))
    errors, arrivals = [], {}
    lock = threading.Lock()

    def connect():
        # Connect before the race: the other xdist worker may briefly hold connections,
        # and PostgreSQL's max_connections is not what this test measures.
        for _attempt in range(60):
            try:
                connection.ensure_connection()
                return
            except OperationalError:
                time.sleep(0.5)
        connection.ensure_connection()

    def enroll(person):
        try:
            connect()
            barrier.wait()
            result = services.enrollment_create(user=person, session=session)
            with lock:
                arrivals[person.pk] = result.enrollment.status
        except Exception as error:  # noqa: BLE001 — every error is a failure of the test
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=enroll, args=(person,)) for person in people]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors, arrivals, time.perf_counter() - started


@pytest.mark.usefixtures("seeded_transactional_db")
@pytest.mark.parametrize("round_number", range(ROUNDS))
def test_fifty_concurrent_enrollments_fill_ten_seats_exactly(round_number, settings):
    # About seats, not speed: on a loaded machine a round can take longer than the
    # production lock timeout, and a "try again" is not what this test measures.
    settings.ENROLLMENT_LOCK_TIMEOUT_MS = 60_000
    session = SessionFactory(seats=SEATS)
    people = UserFactory.create_batch(PEOPLE)
    errors, arrivals, seconds = enroll_all_at_once(session, people)

    assert errors == [], [repr(getattr(error, "__cause__", None)) for error in errors]
    session.refresh_from_db()
    assert session.seats_taken == SEATS
    statuses = list(Enrollment.objects.filter(session=session).values_list("status", flat=True))
    assert statuses.count("enrolled") == SEATS
    assert statuses.count("waitlisted") == PEOPLE - SEATS
    # The waiting list is in arrival order: the order in which the lock was granted.
    queue = list(
        Enrollment.objects.filter(session=session, status="waitlisted")
        .order_by("waitlisted_at", "pk")
        .values_list("pk", flat=True)
    )
    assert queue == sorted(queue)
    print(
        f"\nround {round_number}: {PEOPLE} concurrent enrollments for {SEATS} seats in {seconds:.2f}s — "
        f"{statuses.count('enrolled')} enrolled, {statuses.count('waitlisted')} waitlisted, {len(errors)} errors"
    )


@pytest.mark.usefixtures("seeded_transactional_db")
def test_the_database_refuses_more_seats_than_the_session_has():
    from django.db import IntegrityError
    from django.db.models import F

    session = SessionFactory(seats=1)
    Session.objects.filter(pk=session.pk).update(seats_taken=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Session.objects.filter(pk=session.pk).update(seats_taken=F("seats_taken") + 1)


@contextmanager
def session_locked_elsewhere(session):
    """Hold the session's row lock from another connection until the block ends."""
    holding, release = threading.Event(), threading.Event()

    def hold_the_lock():
        with transaction.atomic():
            Session.objects.select_for_update().get(pk=session.pk)
            holding.set()
            release.wait(5)
        connections.close_all()

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    holding.wait(5)
    try:
        yield
    finally:
        release.set()
        holder.join()


@pytest.mark.usefixtures("seeded_transactional_db")
def test_a_lock_held_too_long_gives_a_friendly_try_again(settings):
    settings.ENROLLMENT_LOCK_TIMEOUT_MS = 200
    session = SessionFactory(seats=5)
    person = UserFactory()
    with session_locked_elsewhere(session), pytest.raises(services.SessionBusy, match="try again"):
        services.enrollment_create(user=person, session=session)
    assert not Enrollment.objects.filter(user=person).exists()
    assert connection.vendor == "postgresql"


@pytest.mark.usefixtures("seeded_transactional_db")
def test_a_busy_session_shows_a_message_not_an_error_page(client, settings):
    settings.ENROLLMENT_LOCK_TIMEOUT_MS = 200
    session = SessionFactory(seats=5)
    client.force_login(UserFactory())
    with session_locked_elsewhere(session):
        response = client.post(f"/en/programs/{session.program.slug}/sessions/{session.pk}/enroll/", follow=True)
    assert response.status_code == 200
    assert "Please try again" in response.content.decode()
