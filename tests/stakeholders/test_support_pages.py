"""The support pages: posting a request, reading it in its own language and direction, acting on it from the page."""

import pytest
from django.urls import reverse

from stakeholders.models import SupportEvent, SupportOffer, SupportRequest
from tests.factories import MembershipFactory, SupportOfferFactory, SupportRequestFactory, UserFactory

ARABIC_TITLE = "فقدنا مكان ورشة التحرير"


def valid_form(**changes):
    return {
        "title": ARABIC_TITLE,
        "what_happened": "أغلقت المكتبة أبوابها.\r\nنحتاج إلى مكان جديد.",
        "what_is_needed": "قاعة تتسع لثلاثين شخصاً.",
        "categories": ["event-organizing", "glam-partnerships"],
        "region": "middle-east-north-africa",
        "language": "ar",
        "urgency": "high",
        **changes,
    }


def test_a_person_posts_a_request_in_arabic_and_reads_it_right_to_left(client, volunteer):
    client.force_login(volunteer)
    response = client.post(reverse("support:new"), valid_form())
    request = SupportRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == request.get_absolute_url()
    assert request.what_happened == "أغلقت المكتبة أبوابها.\nنحتاج إلى مكان جديد."  # one kind of line break
    assert set(request.categories.values_list("slug", flat=True)) == {"event-organizing", "glam-partnerships"}
    page = client.get(request.get_absolute_url()).content.decode()
    assert f'<h1 lang="ar" dir="rtl">{ARABIC_TITLE}</h1>' in page
    assert page.count('lang="ar" dir="rtl"') >= 3
    assert "Posted" in page and volunteer.public_name in page
    # The language's own name too, on the page and in the list.
    assert '<dd lang="ar" dir="rtl">' in page
    assert '<span lang="ar" dir="rtl">' in client.get(reverse("support:list")).content.decode()


def test_staff_post_for_their_organization_and_others_cannot_choose_it(
    client, staff, organization, other_staff, volunteer
):
    client.force_login(staff)
    client.post(reverse("support:new"), valid_form(organization=organization.slug))
    assert SupportRequest.objects.get().organization == organization
    # Staff of another organization are offered only their own.
    client.force_login(other_staff)
    response = client.post(reverse("support:new"), valid_form(organization=organization.slug))
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert SupportRequest.objects.count() == 1
    # Who manages no organization is not asked; a slug slipped in is ignored.
    client.force_login(volunteer)
    assert 'name="organization"' not in client.get(reverse("support:new")).content.decode()
    client.post(reverse("support:new"), valid_form(organization=organization.slug))
    assert SupportRequest.objects.get(author=volunteer).organization is None


HOSTILE = {
    "title with a line break": {"title": "Help\r\nBcc: everyone@example.org"},
    "title with a right-to-left override": {"title": "Help \u202egnp.exe"},
    "story with an override": {"what_happened": "We \u202dreversed\u202c this"},
    "story with a control character": {"what_happened": "A bell \x07 rings"},
    "story of 10,000 characters": {"what_happened": "x" * 10_000},
    "no capacity": {"categories": []},
    "an unknown capacity": {"categories": ["not-a-capacity"]},
    "an unknown language": {"language": "zz"},
    "a huge region id": {"region": "9" * 40},
    "an unknown urgency": {"urgency": "yesterday"},
}


@pytest.mark.parametrize("change", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_or_broken_input_gives_a_form_error_and_saves_nothing(client, volunteer, change):
    client.force_login(volunteer)
    response = client.post(reverse("support:new"), valid_form(**change))
    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    assert not SupportRequest.objects.exists()


def test_the_detail_shows_the_timeline_with_who_and_when(client, volunteer, steward):
    request = SupportRequestFactory(author=volunteer)
    client.force_login(steward)
    client.post(reverse("support:move", args=[request.pk]), {"to_status": "triaged", "note": "Spam checked"})
    page = client.get(request.get_absolute_url()).content.decode()
    assert "Triaged" in page and "Spam checked" in page and steward.public_name in page
    assert page.count("<time datetime=") >= 2


def test_an_offer_in_korean_is_shown_in_korean(client, volunteer):
    request = SupportRequestFactory()
    client.force_login(volunteer)
    message = "저희도 작년에 같은 일을 겪었어요."
    response = client.post(
        reverse("support:offer", args=[request.pk]), {"kind": "advice", "message": message, "language": "ko"}
    )
    assert response.status_code == 302
    page = client.get(request.get_absolute_url()).content.decode()
    assert f'<div class="written-text" lang="ko" dir="ltr"><p>{message}</p></div>' in page


def test_a_refused_move_shows_why_on_the_page_and_changes_nothing(client, volunteer):
    request = SupportRequestFactory(author=volunteer, status="resolved")
    client.force_login(volunteer)
    response = client.post(reverse("support:move", args=[request.pk]), {"to_status": "triaged"})
    assert response.status_code == 400
    assert "This request is resolved; it can no longer be triaged." in response.content.decode()
    request.refresh_from_db()
    assert request.status == "resolved"
    assert SupportEvent.objects.filter(request=request).count() == 1


def test_a_refused_move_in_the_korean_interface_is_shown_as_an_alert(client, volunteer):
    # The message goes through gettext, so it follows the interface language once translated.
    request = SupportRequestFactory(author=volunteer, status="closed")
    client.force_login(volunteer)
    response = client.post(reverse("support:move", args=[request.pk]).replace("/en/", "/ko/"), {"to_status": "open"})
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()


def test_only_the_moves_a_person_may_make_are_offered_as_buttons(client, volunteer, steward):
    request = SupportRequestFactory(author=volunteer)
    client.force_login(volunteer)
    page = client.get(request.get_absolute_url()).content.decode()
    assert 'value="closed"' in page and 'value="triaged"' not in page
    client.force_login(steward)
    page = client.get(request.get_absolute_url()).content.decode()
    assert 'value="closed"' in page and 'value="triaged"' in page
    client.force_login(UserFactory())
    page = client.get(request.get_absolute_url()).content.decode()
    assert 'name="to_status"' not in page


def test_matched_is_offered_only_once_an_offer_is_accepted(client, volunteer):
    request = SupportRequestFactory(author=volunteer, status="triaged")
    offer = SupportOfferFactory(request=request)
    client.force_login(volunteer)
    assert 'value="matched"' not in client.get(request.get_absolute_url()).content.decode()
    client.post(reverse("support:accept_offer", args=[request.pk, offer.pk]))
    assert 'value="matched"' in client.get(request.get_absolute_url()).content.decode()
    assert client.post(reverse("support:move", args=[request.pk]), {"to_status": "matched"}).status_code == 302


def test_an_org_manager_accepts_an_offer_on_the_organization_request(client, volunteer, organization):
    request = SupportRequestFactory(author=volunteer, organization=organization)
    offer = SupportOfferFactory(request=request)
    manager = MembershipFactory(organization=organization).user
    client.force_login(manager)
    assert client.post(reverse("support:accept_offer", args=[request.pk, offer.pk])).status_code == 302
    offer.refresh_from_db()
    assert offer.accepted_at is not None


def test_an_offer_of_another_request_is_not_found(client, volunteer):
    request = SupportRequestFactory(author=volunteer)
    elsewhere = SupportOfferFactory()
    client.force_login(volunteer)
    response = client.post(reverse("support:accept_offer", args=[request.pk, elsewhere.pk]))
    assert response.status_code == 404
    assert not SupportOffer.objects.filter(accepted_at__isnull=False).exists()


def test_choosing_an_unknown_username_is_a_form_error(client, volunteer):
    request = SupportRequestFactory(author=volunteer, is_sensitive=True)
    client.force_login(volunteer)
    response = client.post(reverse("support:choose_responder", args=[request.pk]), {"username": "nobody-here"})
    assert response.status_code == 400
    assert "Nobody has this username." in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        lambda r: reverse("support:move", args=[r.pk]),
        lambda r: reverse("support:offer", args=[r.pk]),
        lambda r: reverse("support:choose_responder", args=[r.pk]),
    ],
    ids=["move", "offer", "choose"],
)
def test_action_addresses_answer_only_post(client, volunteer, url):
    client.force_login(volunteer)
    assert client.get(url(SupportRequestFactory(author=volunteer))).status_code == 405


def test_bad_page_numbers_and_filter_values_do_not_break_the_list(client, db):
    SupportRequestFactory()
    for params in ({"page": "999999"}, {"page": "-1"}, {"page": "x"}, {"status": "bogus", "category": "9" * 40}):
        response = client.get(reverse("support:list"), params)
        assert response.status_code == 200


def test_a_request_id_too_large_is_not_found(client, volunteer):
    client.force_login(volunteer)
    assert client.get(f"/en/support/{'9' * 30}/").status_code == 404


def test_the_list_filters_by_parent_capacity_including_its_children(client, db):
    from capacity.models import CapacityCategory

    wanted = SupportRequestFactory(title="Grant help", categories=[CapacityCategory.objects.get(slug="grant-writing")])
    SupportRequestFactory(title="Venue help")
    page = client.get(reverse("support:list"), {"category": "fundraising"}).content.decode()
    assert wanted.title in page and "Venue help" not in page


HOSTILE_OFFERS = {
    "10,000 characters": {"message": "x" * 10_000},
    "a right-to-left override": {"message": "Call \u202eevil"},
    "an unknown kind": {"kind": "money"},
    "an unknown language": {"language": "zz"},
    "nothing at all": {"message": "  "},
}


@pytest.mark.parametrize("change", HOSTILE_OFFERS.values(), ids=HOSTILE_OFFERS.keys())
def test_a_broken_offer_is_refused_with_the_reason_and_nothing_is_saved(client, volunteer, change):
    request = SupportRequestFactory()
    client.force_login(volunteer)
    data = {"kind": "advice", "message": "Happy to help.", "language": "en", **change}
    response = client.post(reverse("support:offer", args=[request.pk]), data)
    assert response.status_code == 400
    assert 'class="errorlist' in response.content.decode()
    assert not SupportOffer.objects.exists()


def test_a_request_whose_author_deleted_their_account_still_shows_its_process(client, volunteer):
    request = SupportRequestFactory(author=volunteer)
    SupportOfferFactory(request=request)
    volunteer.delete()
    page = client.get(reverse("support:detail", args=[request.pk])).content.decode()
    assert "a former member" in page


def test_each_accept_button_is_described_by_its_offer_and_an_empty_responders_heading_is_left_out(client, volunteer):
    request = SupportRequestFactory(author=volunteer)
    offers = [SupportOfferFactory(request=request), SupportOfferFactory(request=request)]
    client.force_login(volunteer)
    page = client.get(request.get_absolute_url()).content.decode()
    for offer in offers:
        assert f'id="offer-{offer.pk}-meta"' in page
        assert f'aria-describedby="offer-{offer.pk}-meta"' in page
    client.force_login(UserFactory())
    assert 'id="responders-heading"' not in client.get(request.get_absolute_url()).content.decode()
