"""Two moves at the same instant on real PostgreSQL: the row lock lets one through and refuses the other."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connections

from stakeholders import services
from stakeholders.models import SupportEvent, SupportRequest
from tests.factories import SupportOfferFactory, SupportRequestFactory, UserFactory

ROUNDS = 10


def race(*moves):
    """Run each (request, to_status, by) in its own thread and connection, released together."""
    barrier = threading.Barrier(len(moves))
    outcomes, lock = [], threading.Lock()

    def move(request, to_status, by):
        try:
            barrier.wait()
            services.support_request_move(request=request, to_status=to_status, by=by)
            result = ("moved", to_status)
        except ValidationError as error:
            result = ("refused", error.messages[0])
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=move, args=arguments) for arguments in moves]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_resolving_while_someone_closes_makes_exactly_one_move(seeded_transactional_db):
    author = UserFactory()
    steward = UserFactory(is_staff=True, is_superuser=True)
    for _round in range(ROUNDS):
        # From matched either move is allowed, and neither is allowed after the other.
        request = SupportRequestFactory(author=author, status=SupportRequest.Status.MATCHED)
        outcomes = race((request, "resolved", author), (request, "closed", steward))
        moved = [to for kind, to in outcomes if kind == "moved"]
        refused = [text for kind, text in outcomes if kind == "refused"]
        assert len(moved) == 1 and len(refused) == 1, outcomes
        request.refresh_from_db()
        assert request.status == moved[0]
        # The refusal names the status the winner left the request in.
        assert refused[0].startswith(f"This request is {moved[0]}; it can no longer be"), refused
        assert SupportEvent.objects.filter(request=request).count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_people_resolving_at_once_log_one_resolution(seeded_transactional_db):
    author = UserFactory()
    steward = UserFactory(is_staff=True, is_superuser=True)
    request = SupportRequestFactory(author=author, status=SupportRequest.Status.MATCHED)
    SupportOfferFactory(request=request)
    outcomes = race((request, "resolved", steward), (request, "resolved", author))
    assert sorted(kind for kind, _text in outcomes) == ["moved", "refused"]
    assert ("refused", "This request is already resolved.") in outcomes
    assert SupportEvent.objects.filter(request=request, to_status="resolved").count() == 1
