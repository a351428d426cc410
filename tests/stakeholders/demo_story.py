"""The demo's community: exchange profiles a visitor can explore, support requests in every state.

Checked by tests/capacity/test_demo.py, which runs the demo (twice) once for every story.
"""

from stakeholders.models import (
    ContactRequest,
    ExchangeProfile,
    SupportEvent,
    SupportOffer,
    SupportRequest,
    SupportResponder,
    User,
)
from stakeholders.selectors import mentor_matches


def state():
    models = (ExchangeProfile, ContactRequest, SupportRequest, SupportEvent, SupportOffer, SupportResponder)
    return [model.objects.count() for model in models]


def check_the_exchange():
    """Profiles of people and organizations, one hidden, contacts pending and accepted, a mentor for Yazan."""
    assert ExchangeProfile.objects.of_organizations().listed().exists()
    assert ExchangeProfile.objects.filter(is_listed=False).count() == 1
    assert set(ContactRequest.objects.values_list("status", flat=True)) == {"pending", "accepted"}
    # Yazan writes Arabic and wants grant writing: Nourhan, who shares it in Arabic, comes first.
    first = mentor_matches(user=User.objects.get(username="yazan_haddad")).page[0]
    assert first.user.username == "nourhan_elsayed"


def check_the_support_requests():
    """A request in every state, in several languages, one sensitive, each with a whole timeline."""
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
