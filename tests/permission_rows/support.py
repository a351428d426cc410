"""Permission-matrix rows for the support views, and the scenario objects they need.

Two requests: one `staff` posted for the scenario's organization (public, so everyone
signed in reaches it and the service decides), and a sensitive one `volunteer` posted
with `funder` as its chosen responder (nobody else even finds it). A refusal by the
service is the page again with the reason: "400". Sensitive requests are tried by
every kind of person in tests/stakeholders/test_sensitive_request_access.py.
"""

from capacity.models import CapacityCategory, Language
from stakeholders import services
from tests.permission_rows import MANAGERS, Row, everyone, get, only, post, signed_in

REFUSED = "400"


def build(scenario):
    """Add this area's objects to the shared scenario (a SimpleNamespace)."""
    english = Language.objects.get(code="en")
    categories = [CapacityCategory.objects.get(slug="event-organizing")]
    text = {"title": "Venue lost", "what_happened": "It closed.", "what_is_needed": "A room.", "language": english}
    scenario.org_request = services.support_request_create(
        author=scenario.people["staff"], data=text, categories=categories, organization=scenario.organization
    )
    scenario.org_offer = services.support_offer_create(
        request=scenario.org_request,
        author=scenario.volunteer,
        kind="advice",
        message="Try the library.",
        language=english,
    )
    scenario.sensitive_request = services.support_request_create(
        author=scenario.volunteer, data={**text, "is_sensitive": True}, categories=categories
    )
    services.support_responder_choose(
        request=scenario.sensitive_request, user=scenario.people["funder"], by=scenario.people["steward"]
    )


def org_request(s):
    return {"request_id": s.org_request.pk}


def sensitive(s):
    return {"request_id": s.sensitive_request.pk}


# On the sensitive request: its author and stewards decide, its responder only reads.
SENSITIVE_SIDE = {"volunteer", "steward"}

ROWS = {
    "support:list": Row(methods=get(everyone("ok"))),
    # An empty form comes back with its errors (200) and nothing is saved.
    "support:new": Row(methods={**get(signed_in("ok")), **post(signed_in("ok"), data=lambda s: {})}),
    # Not found, not forbidden: a sensitive request's existence is not given away.
    "support:detail": Row(
        kwargs=sensitive,
        methods=get(only({"volunteer", "funder", "steward"}, others="not_found", anonymous="not_found")),
    ),
    # Closing: the author (staff), the organization's other managers and stewards.
    "support:move": Row(
        kwargs=org_request, methods=post(only(MANAGERS, others=REFUSED), data=lambda s: {"to_status": "closed"})
    ),
    # Everyone signed in may offer help, except the request's own author.
    "support:offer": Row(
        kwargs=org_request,
        methods=post(
            signed_in("ok") | {"staff": REFUSED},
            data=lambda s: {"kind": "advice", "message": "Happy to help.", "language": "en"},
        ),
    ),
    # The offer is taken up by the request's side; who offered it cannot accept it.
    "support:accept_offer": Row(
        kwargs=lambda s: {**org_request(s), "offer_id": s.org_offer.pk},
        methods=post(only(MANAGERS, others=REFUSED)),
    ),
    "support:choose_responder": Row(
        kwargs=sensitive,
        methods=post(only(SENSITIVE_SIDE, others="not_found", funder=REFUSED), data=lambda s: {"username": "outsider"}),
    ),
    "support:remove_responder": Row(
        kwargs=lambda s: {**sensitive(s), "user_id": s.people["funder"].pk},
        methods=post(only(SENSITIVE_SIDE, others="not_found", funder=REFUSED)),
    ),
}
