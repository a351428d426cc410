"""A support request moves open → triaged → matched → resolved, or closed; every other move is refused and changes nothing."""

import pytest
from django.core.exceptions import ValidationError

from stakeholders import services
from stakeholders.models import Membership, SupportEvent, SupportRequest
from tests.factories import MembershipFactory, SupportOfferFactory, SupportRequestFactory, UserFactory

Status = SupportRequest.Status
ALLOWED = {
    (Status.OPEN, Status.TRIAGED),
    (Status.TRIAGED, Status.MATCHED),
    (Status.MATCHED, Status.RESOLVED),
    (Status.OPEN, Status.CLOSED),
    (Status.TRIAGED, Status.CLOSED),
    (Status.MATCHED, Status.CLOSED),
}
REFUSED = [
    (current, target) for current in Status.values for target in Status.values if (current, target) not in ALLOWED
]


def request_in(status, **kwargs):
    request = SupportRequestFactory(status=status, **kwargs)
    # Help is there, so a triaged request could be matched: the refusal is about the step.
    SupportOfferFactory(request=request, accepted_at=request.created_at)
    return request


def assert_unchanged(request, status, events):
    request.refresh_from_db()
    assert request.status == status
    assert SupportEvent.objects.filter(request=request).count() == events


def test_a_new_request_starts_open_with_its_first_step_logged(volunteer):
    from capacity.models import CapacityCategory, Language

    request = services.support_request_create(
        author=volunteer,
        data={
            "title": "Venue lost",
            "what_happened": "The library closed.",
            "what_is_needed": "A room for 30 people.",
            "language": Language.objects.get(code="ar"),
            "urgency": "high",
        },
        categories=[CapacityCategory.objects.get(slug="event-organizing")],
    )
    assert request.status == Status.OPEN
    assert request.status_changed_at is not None
    event = request.events.get()
    assert (event.actor, event.from_status, event.to_status) == (volunteer, "", Status.OPEN)


def test_a_request_goes_the_whole_way_with_who_and_when_for_each_step(volunteer, steward):
    request = SupportRequestFactory(author=volunteer)
    services.support_request_move(request=request, to_status=Status.TRIAGED, by=steward, note="Categories fine")
    offer = SupportOfferFactory(request=request)
    services.support_offer_accept(offer=offer, by=volunteer)
    services.support_request_move(request=request, to_status=Status.MATCHED, by=volunteer)
    services.support_request_move(request=request, to_status=Status.RESOLVED, by=volunteer, note="Thanks all")
    request.refresh_from_db()
    assert request.status == Status.RESOLVED
    steps = list(request.events.values_list("from_status", "to_status", "actor__username", "note"))
    assert steps == [
        ("", "open", "volunteer", ""),
        ("open", "triaged", "steward", "Categories fine"),
        ("triaged", "matched", "volunteer", ""),
        ("matched", "resolved", "volunteer", "Thanks all"),
    ]
    assert all(event.created_at for event in request.events.all())


@pytest.mark.parametrize(("current", "target"), REFUSED, ids=[f"{c}-to-{t}" for c, t in REFUSED])
def test_a_move_the_process_does_not_have_is_refused_naming_the_current_status(steward, current, target):
    request = request_in(current)
    with pytest.raises(ValidationError) as refused:
        services.support_request_move(request=request, to_status=target, by=steward)
    text = " ".join(refused.value.messages)
    assert f"This request is {'already ' if current == target else ''}{current}" in text
    assert_unchanged(request, current, 1)


def test_a_finished_request_says_it_can_no_longer_be_triaged(steward):
    request = request_in(Status.RESOLVED)
    with pytest.raises(ValidationError, match="This request is resolved; it can no longer be triaged."):
        services.support_request_move(request=request, to_status=Status.TRIAGED, by=steward)


def test_an_unknown_status_is_refused(steward):
    request = request_in(Status.OPEN)
    with pytest.raises(ValidationError, match="is not a step"):
        services.support_request_move(request=request, to_status="deleted", by=steward)
    assert_unchanged(request, Status.OPEN, 1)


@pytest.fixture
def people(volunteer, steward, organization):
    """Everyone who could try a move on a request `volunteer` posted for `organization`."""
    staff = MembershipFactory(organization=organization, user=UserFactory(username="orgstaff")).user
    admin = MembershipFactory(
        organization=organization, user=UserFactory(username="orgadmin"), role=Membership.Role.ADMIN
    ).user
    member = MembershipFactory(
        organization=organization, user=UserFactory(username="orgmember"), role=Membership.Role.MEMBER
    ).user
    return {
        "author": volunteer,
        "organization staff": staff,
        "organization admin": admin,
        "organization member": member,
        "stranger": UserFactory(username="stranger"),
        "offerer": UserFactory(username="offerer"),
        "steward": steward,
    }


SIDE = {"author", "organization staff", "organization admin", "steward"}
WHO_MAY = {
    (Status.OPEN, Status.TRIAGED): {"steward"},
    (Status.TRIAGED, Status.MATCHED): SIDE,
    (Status.MATCHED, Status.RESOLVED): SIDE,
    (Status.OPEN, Status.CLOSED): SIDE,
    (Status.TRIAGED, Status.CLOSED): SIDE,
    (Status.MATCHED, Status.CLOSED): SIDE,
}
PEOPLE = ["author", "organization staff", "organization admin", "organization member", "stranger", "offerer", "steward"]
BY_PERSON = [(current, target, person) for (current, target) in sorted(WHO_MAY) for person in PEOPLE]


@pytest.mark.parametrize(
    ("current", "target", "person"), BY_PERSON, ids=[f"{c}-to-{t}-by-{p}" for c, t, p in BY_PERSON]
)
def test_each_move_is_made_only_by_the_people_allowed_to_make_it(people, organization, current, target, person):
    request = request_in(current, author=people["author"], organization=organization)
    SupportOfferFactory(request=request, author=people["offerer"])
    if person in WHO_MAY[(current, target)]:
        services.support_request_move(request=request, to_status=target, by=people[person])
        request.refresh_from_db()
        assert request.status == target
        assert request.events.last().actor == people[person]
    else:
        with pytest.raises(ValidationError) as refused:
            services.support_request_move(request=request, to_status=target, by=people[person])
        expected = "Only stewards triage" if target == Status.TRIAGED else f"This request is {current}; only"
        assert expected in refused.value.messages[0]
        assert_unchanged(request, current, 1)


def test_a_triaged_request_is_not_matched_before_any_help_is_accepted_or_chosen(volunteer, steward):
    request = SupportRequestFactory(author=volunteer, status=Status.TRIAGED)
    SupportOfferFactory(request=request)  # offered, not accepted
    with pytest.raises(ValidationError, match="This request is triaged; accept an offer or choose a responder"):
        services.support_request_move(request=request, to_status=Status.MATCHED, by=steward)
    assert_unchanged(request, Status.TRIAGED, 1)


def test_a_chosen_responder_is_enough_to_mark_a_request_matched(volunteer, steward):
    request = SupportRequestFactory(author=volunteer, status=Status.TRIAGED, is_sensitive=True)
    services.support_responder_choose(request=request, user=UserFactory(), by=steward)
    services.support_request_move(request=request, to_status=Status.MATCHED, by=volunteer)
    request.refresh_from_db()
    assert request.status == Status.MATCHED


def test_a_note_with_a_line_break_is_refused_and_nothing_moves(steward):
    request = request_in(Status.OPEN)
    with pytest.raises(ValidationError):
        services.support_request_move(request=request, to_status=Status.TRIAGED, by=steward, note="ok\r\nBcc: x")
    assert_unchanged(request, Status.OPEN, 1)


def test_someone_who_leaves_the_organization_can_no_longer_move_its_request(people, organization):
    request = request_in(Status.OPEN, author=people["author"], organization=organization)
    Membership.objects.filter(user=people["organization staff"]).delete()
    with pytest.raises(ValidationError):
        services.support_request_move(request=request, to_status=Status.CLOSED, by=people["organization staff"])
    assert_unchanged(request, Status.OPEN, 1)


def test_posting_for_an_organization_one_does_not_manage_is_refused(people, organization):
    from capacity.models import CapacityCategory, Language

    data = {"title": "T", "what_happened": "a", "what_is_needed": "b", "language": Language.objects.get(code="en")}
    for person in ("organization member", "stranger"):
        with pytest.raises(ValidationError):
            services.support_request_create(
                author=people[person],
                data=data,
                categories=[CapacityCategory.objects.get(slug="fundraising")],
                organization=organization,
            )
    created = services.support_request_create(
        author=people["organization staff"],
        data=data,
        categories=[CapacityCategory.objects.get(slug="fundraising")],
        organization=organization,
    )
    assert created.organization == organization
    assert SupportRequest.objects.count() == 1
