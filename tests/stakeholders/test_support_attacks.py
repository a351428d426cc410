"""An attacker's pass over the support pages: outsiders, curious members and hostile input find nothing and break nothing."""

import html
import re

import pytest
from django.core import mail
from django.urls import reverse

from stakeholders import services
from stakeholders.models import SupportEvent, SupportRequest, SupportResponder
from tests.concurrency import race
from tests.factories import MembershipFactory, SupportOfferFactory, SupportRequestFactory, UserFactory

SECRET = "Harassment by a board member"


@pytest.fixture
def secret(db):
    return SupportRequestFactory(is_sensitive=True, title=SECRET)


# Holes found and closed -----------------------------------------------------------


def alert(response):
    return [html.unescape(text) for text in re.findall(r'role="alert">([^<]*)<', response.content.decode())]


def test_who_may_not_choose_responders_cannot_learn_which_usernames_exist(client, volunteer):
    request = SupportRequestFactory()
    UserFactory(username="existing")
    UserFactory(username="closed", is_active=False)
    client.force_login(volunteer)
    answers = [
        client.post(reverse("support:choose_responder", args=[request.pk]), {"username": name})
        for name in ("existing", "closed", "nobody-at-all")
    ]
    assert {response.status_code for response in answers} == {400}
    assert [alert(response) for response in answers] == [
        ["Only the author of this request and stewards choose its responders."]
    ] * 3
    assert not SupportResponder.objects.exists()


def test_removing_someone_who_is_not_a_responder_is_not_found_whether_or_not_the_account_exists(client, volunteer):
    request = SupportRequestFactory(author=volunteer)
    client.force_login(volunteer)
    for user_id in (UserFactory().pk, 10**9, 10**30, volunteer.pk):
        assert client.post(reverse("support:remove_responder", args=[request.pk, user_id])).status_code == 404
    # A responder of another request is not one of this request's.
    elsewhere = SupportResponder.objects.create(request=SupportRequestFactory(), user=UserFactory())
    assert client.post(reverse("support:remove_responder", args=[request.pk, elsewhere.user_id])).status_code == 404
    assert SupportResponder.objects.count() == 1


def test_an_author_cannot_email_anyone_through_the_responder_form_before_triage(
    client, volunteer, steward, django_capture_on_commit_callbacks
):
    """Triage keeps spam out before anyone is emailed: choosing a responder on an open request waits for it."""
    request = SupportRequestFactory(author=volunteer, title="Cheap pills at spam.example")
    target = UserFactory(username="target")
    client.force_login(volunteer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("support:choose_responder", args=[request.pk]), {"username": "target"})
    assert response.status_code == 302
    assert SupportResponder.objects.filter(request=request, user=target).exists(), "they can see it already"
    assert not mail.outbox
    # The steward's triage tells the responders chosen so far, once.
    with django_capture_on_commit_callbacks(execute=True):
        services.support_request_move(request=request, to_status="triaged", by=steward)
        services.support_request_move(request=request, to_status="closed", by=steward)
    assert [message.to for message in mail.outbox] == [[target.email]]
    assert "chosen as a responder" in mail.outbox[0].body


def test_a_responder_chosen_after_triage_or_by_a_steward_is_told_at_once(
    volunteer, steward, django_capture_on_commit_callbacks
):
    by_steward, after_triage = UserFactory(), UserFactory()
    request = SupportRequestFactory(author=volunteer, is_sensitive=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.support_responder_choose(request=request, user=by_steward, by=steward)
    assert [message.to for message in mail.outbox] == [[by_steward.email]]
    with django_capture_on_commit_callbacks(execute=True):
        services.support_request_move(request=request, to_status="triaged", by=steward)
        services.support_responder_choose(request=request, user=after_triage, by=volunteer)
    assert [message.to for message in mail.outbox] == [[by_steward.email], [after_triage.email]]


def test_a_responder_who_also_shares_the_capacity_gets_the_responder_email_not_the_crowd_one(
    volunteer, steward, django_capture_on_commit_callbacks
):
    from tests.stakeholders.test_support_notifications import arabic_request, sharer

    fluent = sharer("fluent", shares=["grant-writing"], speaks={"ar": 5})
    request = arabic_request(author=volunteer)
    services.support_responder_choose(request=request, user=fluent, by=volunteer)
    with django_capture_on_commit_callbacks(execute=True):
        services.support_request_move(request=request, to_status="triaged", by=steward)
    assert len(mail.outbox) == 1
    assert "chosen as a responder" in mail.outbox[0].body


# Checked and held -----------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "page=%00",
        "page=" + "9" * 30,
        "page=-99999999999999999999",
        "status=bogus",
        "status=%00",
        "category=999999999999999999999",
        "category=%00",
        "language=%3Cscript%3E",
        "language=%00",
        "region=%00",
        "urgency=%00",
        "category=" + "a" * 20000,
        "status=open&status=closed",
        "page=1e5",
    ],
)
def test_odd_or_hostile_list_parameters_neither_break_the_list_nor_reveal_a_sensitive_request(
    client, volunteer, secret, query
):
    SupportRequestFactory()
    for who in (None, volunteer):
        if who:
            client.force_login(who)
        response = client.get("/en/support/?" + query)
        assert response.status_code == 200
        assert SECRET not in response.content.decode()
        assert "<script>" not in response.content.decode()


NUL = "\x00"


@pytest.mark.parametrize(
    "field",
    ["title", "what_happened", "what_is_needed", "categories", "region", "language", "urgency", "organization"],
)
def test_a_nul_byte_in_any_field_of_a_new_request_is_a_form_error_not_a_database_error(
    client, staff, organization, field
):
    client.force_login(staff)
    data = {
        "title": "T",
        "what_happened": "a",
        "what_is_needed": "b",
        "categories": ["event-organizing"],
        "language": "en",
        "urgency": "high",
        "organization": organization.slug,
    }
    data[field] = "x" + NUL
    response = client.post(reverse("support:new"), data)
    assert response.status_code == 200
    assert not SupportRequest.objects.exists()


@pytest.mark.parametrize(
    "url,data",
    [
        ("move", {"to_status": "closed", "note": "a" + NUL}),
        ("move", {"to_status": NUL}),
        ("move", {"to_status": "closed", "note": "x\u202e"}),
        ("move", {"to_status": "closed", "note": "x" * 100_000}),
        ("offer", {"kind": "advice", "message": "a" + NUL, "language": "en"}),
        ("offer", {"kind": NUL, "message": "a", "language": NUL}),
        ("choose_responder", {"username": "a" + NUL}),
        ("choose_responder", {"username": "a\r\nb"}),
        ("choose_responder", {"username": "x" * 100_000}),
    ],
)
def test_hostile_input_to_a_move_an_offer_or_a_responder_is_refused_and_changes_nothing(client, volunteer, url, data):
    request = SupportRequestFactory(author=volunteer)
    client.force_login(volunteer)
    response = client.post(reverse(f"support:{url}", args=[request.pk]), data)
    assert response.status_code == 400
    request.refresh_from_db()
    assert request.status == "open"
    assert SupportEvent.objects.filter(request=request).count() == 1


@pytest.mark.parametrize(
    "name",
    ["detail", "move", "offer", "choose_responder"],
)
def test_every_action_on_a_sensitive_request_one_cannot_see_is_not_found_like_an_unknown_id(
    client, volunteer, secret, name
):
    client.force_login(volunteer)
    method = client.get if name == "detail" else client.post
    assert method(reverse(f"support:{name}", args=[secret.pk]), {}).status_code == 404
    unknown = method(reverse(f"support:{name}", args=[secret.pk + 1000]), {})
    assert unknown.status_code == 404


def test_accepting_or_removing_on_a_sensitive_request_one_cannot_see_is_not_found(client, volunteer, secret):
    offer = SupportOfferFactory(request=secret)
    chosen = UserFactory()
    SupportResponder.objects.create(request=secret, user=chosen)
    client.force_login(volunteer)
    assert client.post(reverse("support:accept_offer", args=[secret.pk, offer.pk])).status_code == 404
    public = SupportRequestFactory(author=volunteer)
    assert client.post(reverse("support:accept_offer", args=[public.pk, 10**30])).status_code == 404
    assert client.post(reverse("support:accept_offer", args=[public.pk, offer.pk])).status_code == 404
    assert client.post(f"/en/support/{10**30}/offers/1/accept/").status_code == 404
    assert client.post(reverse("support:remove_responder", args=[secret.pk, chosen.pk])).status_code == 404


def test_a_public_profile_neither_lists_nor_counts_offers_on_sensitive_requests(client, secret):
    from stakeholders.models import ProfileVisibility

    person = UserFactory(username="helper")
    ProfileVisibility.objects.create(user=person, is_public=True, show_offers=True)
    SupportResponder.objects.create(request=secret, user=person)
    SupportOfferFactory(request=secret, author=person)
    SupportOfferFactory(author=person)
    page = client.get("/en/people/helper/").content.decode()
    assert SECRET not in page
    assert "1 offer of help" in page


def test_a_member_who_does_not_manage_the_organization_cannot_post_for_it_by_tampering(client, organization):
    member = MembershipFactory(organization=organization, role="member").user
    client.force_login(member)
    data = {
        "title": "T",
        "what_happened": "a",
        "what_is_needed": "b",
        "categories": ["event-organizing"],
        "language": "en",
        "urgency": "high",
        "organization": organization.slug,
    }
    client.post(reverse("support:new"), data)
    assert SupportRequest.objects.get().organization is None


def test_the_same_move_sent_twice_from_two_tabs_is_made_once(client, steward):
    request = SupportRequestFactory()
    client.force_login(steward)
    first = client.post(reverse("support:move", args=[request.pk]), {"to_status": "triaged"})
    second = client.post(reverse("support:move", args=[request.pk]), {"to_status": "triaged"})
    assert (first.status_code, second.status_code) == (302, 400)
    assert "This request is already triaged." in alert(second)
    # A stale page still offering "matched" after someone closed the request.
    client.post(reverse("support:move", args=[request.pk]), {"to_status": "closed"})
    stale = client.post(reverse("support:move", args=[request.pk]), {"to_status": "matched"})
    assert stale.status_code == 400
    assert SupportEvent.objects.filter(request=request).count() == 3


@pytest.mark.parametrize("name", ["accept_offer", "remove_responder"])
def test_the_other_action_addresses_answer_only_post(client, volunteer, name):
    request = SupportRequestFactory(author=volunteer)
    offer = SupportOfferFactory(request=request)
    responder = SupportResponder.objects.create(request=request, user=UserFactory())
    args = [request.pk, offer.pk if name == "accept_offer" else responder.user_id]
    client.force_login(volunteer)
    assert client.get(reverse(f"support:{name}", args=args)).status_code == 405
    assert client.put(reverse(f"support:{name}", args=args)).status_code == 405


def test_a_crafted_choice_of_the_author_or_a_closed_account_adds_nobody(client, volunteer, steward):
    request = SupportRequestFactory(author=volunteer)
    UserFactory(username="gone", is_active=False)
    client.force_login(steward)
    for name in (volunteer.username, "gone", "  ", "x" * 151):
        response = client.post(reverse("support:choose_responder", args=[request.pk]), {"username": name})
        assert response.status_code == 400
    assert not SupportResponder.objects.exists()


def test_admin_staff_given_the_view_permission_still_do_not_open_sensitive_requests(client, secret):
    from django.contrib.auth.models import Permission

    public = SupportRequestFactory(title="Venue lost")
    clerk = UserFactory(is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_supportrequest"))
    client.force_login(clerk)
    listing = client.get(reverse("admin:stakeholders_supportrequest_changelist")).content.decode()
    assert "Venue lost" in listing and SECRET not in listing
    assert client.get(reverse("admin:stakeholders_supportrequest_change", args=[public.pk])).status_code == 200
    hidden = client.get(reverse("admin:stakeholders_supportrequest_change", args=[secret.pk]), follow=True)
    assert SECRET not in hidden.content.decode()


def test_emails_lost_while_the_broker_was_down_at_triage_are_sent_by_the_sweep_once(
    volunteer, steward, django_capture_on_commit_callbacks
):
    from stakeholders.tasks import send_pending_support_emails
    from tests.stakeholders.test_support_notifications import arabic_request, sharer

    fluent = sharer("fluent", shares=["grant-writing"], speaks={"ar": 5})
    chosen = UserFactory(username="chosen")
    request = arabic_request(author=volunteer)
    services.support_responder_choose(request=request, user=chosen, by=volunteer)
    # The broker is down: what triage queues on commit never reaches a worker.
    with django_capture_on_commit_callbacks(execute=False) as lost:
        services.support_request_move(request=request, to_status="triaged", by=steward)
    # Two emails queued (the third callback moves the support list's cache version on).
    queued = [callback for callback in lost if callback.__qualname__.startswith("support_request_move")]
    assert len(queued) == 2 and len(lost) == 3 and not mail.outbox
    assert send_pending_support_emails() == 2
    assert sorted(message.to[0] for message in mail.outbox) == sorted([fluent.email, chosen.email])
    assert send_pending_support_emails() == 0
    assert len(mail.outbox) == 2


def test_the_sweep_tells_nobody_about_open_requests_or_the_crowd_about_sensitive_ones(volunteer, steward):
    from stakeholders.tasks import send_pending_support_emails
    from tests.stakeholders.test_support_notifications import arabic_request, sharer

    sharer("fluent", shares=["grant-writing"], speaks={"ar": 5})
    waiting = arabic_request(author=volunteer)
    services.support_responder_choose(request=waiting, user=UserFactory(), by=volunteer)
    sensitive = arabic_request(author=volunteer, is_sensitive=True)
    services.support_request_move(request=sensitive, to_status="triaged", by=steward)
    assert send_pending_support_emails() == 0
    assert not mail.outbox


NEW_REQUEST = {
    "title": "Venue lost",
    "what_happened": "The library closed.",
    "what_is_needed": "A room for thirty.",
    "categories": ["event-organizing"],
    "language": "en",
    "urgency": "high",
}


def test_a_request_posted_twice_by_a_double_click_is_saved_once(client, volunteer):
    client.force_login(volunteer)
    first = client.post(reverse("support:new"), NEW_REQUEST)
    second = client.post(reverse("support:new"), NEW_REQUEST)
    assert (first.status_code, second.status_code) == (302, 200)
    assert "You have posted this request already" in second.content.decode()
    assert SupportRequest.objects.count() == 1
    # Someone else may ask the same; so may the author once the first is closed.
    client.force_login(UserFactory())
    assert client.post(reverse("support:new"), NEW_REQUEST).status_code == 302
    SupportRequest.objects.filter(author=volunteer).update(status="closed")
    client.force_login(volunteer)
    assert client.post(reverse("support:new"), NEW_REQUEST).status_code == 302
    assert SupportRequest.objects.count() == 3


def test_an_offer_sent_twice_by_a_double_click_is_saved_once(client, volunteer):
    request = SupportRequestFactory()
    client.force_login(volunteer)
    offer = {"kind": "advice", "message": "Try the town hall.", "language": "en"}
    first = client.post(reverse("support:offer", args=[request.pk]), offer)
    second = client.post(reverse("support:offer", args=[request.pk]), offer)
    assert (first.status_code, second.status_code) == (302, 400)
    assert alert(second) == ["You have sent this offer already."]
    assert request.offers.count() == 1


def test_the_responder_form_is_not_a_way_to_email_many_people(volunteer, steward):
    from django.core.exceptions import ValidationError

    from stakeholders.services import SUPPORT_RESPONDERS_MAX

    request = SupportRequestFactory(author=volunteer, status="triaged")
    for _ in range(SUPPORT_RESPONDERS_MAX):
        services.support_responder_choose(request=request, user=UserFactory(), by=volunteer)
    with pytest.raises(ValidationError, match="at most 20 chosen responders"):
        services.support_responder_choose(request=request, user=UserFactory(), by=steward)
    assert request.responder_rows.count() == SUPPORT_RESPONDERS_MAX


def test_markup_in_a_title_an_offer_or_a_name_is_shown_as_text(client, volunteer):
    script = "<script>alert(1)</script>"
    request = SupportRequestFactory(author=volunteer, title=f"Help {script}")
    SupportOfferFactory(request=request, message=f"Offer {script}")
    UserFactory(username="mallory", display_name=f"Mallory {script}")
    client.force_login(volunteer)
    client.post(reverse("support:choose_responder", args=[request.pk]), {"username": "mallory"})
    for page in (client.get(reverse("support:list")), client.get(request.get_absolute_url())):
        text = page.content.decode()
        assert script not in text
        assert "&lt;script&gt;" in text


@pytest.mark.django_db(transaction=True)
def test_a_double_click_racing_on_real_postgresql_posts_one_request_and_one_offer(seeded_transactional_db):

    from django.core.exceptions import ValidationError

    from capacity.models import CapacityCategory, Language

    author, helper = UserFactory(), UserFactory()
    english = Language.objects.get(code="en")
    text = {"title": "Venue lost", "what_happened": "It closed.", "what_is_needed": "A room.", "language": english}
    categories = [CapacityCategory.objects.get(slug="event-organizing")]
    target = SupportRequestFactory()

    def twice(action):
        outcomes = race(action, action, catch=ValidationError)
        return sorted("refused" if isinstance(outcome, ValidationError) else "saved" for outcome in outcomes)

    for _round in range(5):
        SupportRequest.objects.filter(author=author).update(status="closed")
        assert twice(lambda: services.support_request_create(author=author, data=text, categories=categories)) == [
            "refused",
            "saved",
        ]
        target.offers.all().delete()
        assert twice(
            lambda: services.support_offer_create(
                request=target, author=helper, kind="advice", message="Try the town hall.", language=english
            )
        ) == ["refused", "saved"]
    assert SupportRequest.objects.filter(author=author).count() == 5


def test_a_manager_who_offered_cannot_accept_their_own_offer_and_call_the_request_matched(client, staff, organization):
    colleague = MembershipFactory(organization=organization, role="staff").user
    request = SupportRequestFactory(author=staff, organization=organization, status="triaged")
    client.force_login(colleague)
    client.post(reverse("support:offer", args=[request.pk]), {"kind": "advice", "message": "Me!", "language": "en"})
    offer = request.offers.get()
    assert "Accept this offer" not in client.get(request.get_absolute_url()).content.decode()
    response = client.post(reverse("support:accept_offer", args=[request.pk, offer.pk]))
    assert response.status_code == 400
    assert alert(response) == ["You cannot accept your own offer; the request's side takes it up."]
    offer.refresh_from_db()
    assert offer.accepted_at is None
    # The author accepts it.
    client.force_login(staff)
    assert client.post(reverse("support:accept_offer", args=[request.pk, offer.pk])).status_code == 302


def test_triage_and_choosing_a_responder_still_work_while_the_broker_is_down(
    client, steward, settings, monkeypatch, django_capture_on_commit_callbacks
):
    """The move is committed and shown; the emails wait for the sweep (send_pending_support_emails)."""
    from capacity.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setattr(app.conf, "broker_url", "redis://127.0.0.1:6390/0")  # nothing listens there
    request = SupportRequestFactory()
    UserFactory(username="helper")
    client.force_login(steward)
    with django_capture_on_commit_callbacks(execute=True):
        moved = client.post(reverse("support:move", args=[request.pk]), {"to_status": "triaged"})
        chosen = client.post(reverse("support:choose_responder", args=[request.pk]), {"username": "helper"})
    assert (moved.status_code, chosen.status_code) == (302, 302)
    request.refresh_from_db()
    assert request.status == "triaged" and request.responder_rows.count() == 1
    assert not mail.outbox


def test_who_was_chosen_as_a_responder_is_not_shown_to_the_public(client, volunteer, organization):
    """Someone named by the author did not choose to be named: only the request's side and responders see it."""
    request = SupportRequestFactory(author=volunteer, organization=organization)
    chosen = UserFactory(username="chosen", display_name="Quiet Helper")
    services.support_responder_choose(request=request, user=chosen, by=volunteer)
    manager = MembershipFactory(organization=organization, role="staff").user
    for person, shown in ((None, False), (UserFactory(), False), (volunteer, True), (chosen, True), (manager, True)):
        client.logout()
        if person:
            client.force_login(person)
        assert ("Quiet Helper" in client.get(request.get_absolute_url()).content.decode()) is shown, person
