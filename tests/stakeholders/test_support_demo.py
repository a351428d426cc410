"""The demo has support requests in every state, in several languages, one sensitive; loading it twice adds nothing."""

import pytest
from django.core.management import call_command

from stakeholders.models import SupportEvent, SupportOffer, SupportRequest, SupportResponder


@pytest.mark.django_db
def test_the_demo_has_a_request_in_every_state_and_loading_it_twice_duplicates_nothing():
    call_command("demo", verbosity=0)
    counts = [model.objects.count() for model in (SupportRequest, SupportEvent, SupportOffer, SupportResponder)]
    call_command("demo", verbosity=0)
    assert [model.objects.count() for model in (SupportRequest, SupportEvent, SupportOffer, SupportResponder)] == counts

    assert set(SupportRequest.objects.values_list("status", flat=True)) == set(SupportRequest.Status.values)
    arabic = SupportRequest.objects.get(author__username="yazan_haddad", language__code="ar")
    assert arabic.offers.filter(author__username="minseo_kang", language__code="ko").exists()
    sensitive = SupportRequest.objects.get(is_sensitive=True)
    assert sensitive.responder_rows.exists()
    assert len(set(SupportRequest.objects.values_list("language__code", flat=True))) >= 5
    # Every request's timeline starts with its posting and ends at its status.
    for request in SupportRequest.objects.all():
        steps = list(request.events.values_list("from_status", "to_status"))
        assert steps[0] == ("", "open")
        assert steps[-1][1] == request.status
        assert all(earlier[1] == later[0] for earlier, later in zip(steps, steps[1:], strict=False))
