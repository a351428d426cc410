"""Permission-matrix rows for the exchange views, and the scenario objects they need.

`mentor` (no persona) has a listed profile everyone signed in may write to; `member`
has written to `volunteer`, so only `volunteer` may answer, and to everyone else the
request does not exist. Organization profiles are edited by the organization's
managers (staff, admins) and stewards.
"""

from capacity.models import CapacityCategory, Language
from stakeholders import services
from tests.factories import UserFactory
from tests.permission_rows import MANAGERS, Row, everyone, get, only, post, signed_in

# A hidden profile without languages: the smallest edit that saves.
HIDDEN_PROFILE = {"languages-TOTAL_FORMS": "0", "languages-INITIAL_FORMS": "0"}


def build(scenario):
    """Add this area's objects to the shared scenario (a SimpleNamespace)."""
    mentor = UserFactory(username="mentor")
    scenario.mentor_profile = services.exchange_profile_save(
        owner_user=mentor,
        data={"is_listed": True},
        capacities=[{"category": CapacityCategory.objects.get(slug="wikidata"), "shares": True}],
        languages=[{"language": Language.objects.get(code="en"), "proficiency": 5}],
    )
    scenario.contact_request = services.contact_request_send(
        sender=scenario.people["member"], recipient=mentor, message="Hello"
    )
    services.exchange_profile_save(
        owner_user=scenario.volunteer,
        data={"is_listed": True},
        capacities=[],
        languages=[{"language": Language.objects.get(code="en"), "proficiency": 5}],
    )
    scenario.contact_to_volunteer = services.contact_request_send(
        sender=scenario.people["member"], recipient=scenario.volunteer, message="Hello"
    )


def to_volunteer(s):
    return {"contact_request_id": s.contact_to_volunteer.pk}


RECIPIENT_ONLY = only({"volunteer"}, others="not_found")

ROWS = {
    "exchange:directory": Row(methods=get(everyone("ok"))),
    "exchange:edit_mine": Row(methods={**get(signed_in("ok")), **post(signed_in("ok"), data=lambda s: HIDDEN_PROFILE)}),
    "exchange:hide_mine": Row(methods=post(signed_in("ok"))),
    "exchange:edit_organization": Row(
        kwargs=lambda s: {"slug": s.organization.slug},
        methods={
            **get(only(MANAGERS, others="forbidden")),
            **post(only(MANAGERS, others="forbidden"), data=lambda s: HIDDEN_PROFILE),
        },
    ),
    "exchange:mentors": Row(methods=get(signed_in("ok"))),
    # `member` already wrote to `mentor` and waits: a second message is refused with the reason (400).
    "exchange:contact": Row(
        kwargs=lambda s: {"profile_id": s.mentor_profile.pk},
        methods={
            **get(signed_in("ok")),
            **post(signed_in("ok") | {"member": "400"}, data=lambda s: {"message": "Could you help me?"}),
        },
    ),
    "exchange:contacts": Row(methods=get(signed_in("ok"))),
    "exchange:contact_accept": Row(kwargs=to_volunteer, methods=post(RECIPIENT_ONLY)),
    "exchange:contact_decline": Row(kwargs=to_volunteer, methods=post(RECIPIENT_ONLY)),
}
