"""A person's profile page shows only what they chose, and only if they chose to show it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from capacity.models import CapacityCategory, Language
from programs import services
from programs.models import Enrollment, Session
from stakeholders.models import ExchangeCapacity, ExchangeProfile, ProfileVisibility
from stakeholders.services import profile_visibility_save
from tests.factories import ProgramFactory, SessionFactory, SupportOfferFactory, SupportRequestFactory, UserFactory

ALL_SECTIONS = {
    "is_public": True,
    "show_facilitated": True,
    "show_attended": True,
    "show_certificates": True,
    "show_offers": True,
    "show_capacities": True,
}


def url(user):
    return f"/en/people/{user.username}/"


def _attended(person, program, *, complete=True):
    """A session of `program` that took place, which `person` attended (and completed, with a certificate)."""
    session = SessionFactory(program=program)
    enrollment = services.enrollment_create(user=person, session=session).enrollment
    start = timezone.now() - timedelta(days=2)
    Session.objects.filter(pk=session.pk).update(starts_at=start, ends_at=start + timedelta(hours=2))
    if complete:
        return services.enrollment_complete(enrollment=enrollment)
    return enrollment


def _facilitated(person, program):
    session = SessionFactory(program=program, starts_at=timezone.now() - timedelta(days=9))
    session.facilitators.add(person)
    return session


def _add_everything(person, program, count):
    """`count` of each kind of thing a profile page lists."""
    for _ in range(count):
        _attended(person, program)
        _facilitated(person, program)
        SupportOfferFactory(author=person)
    profile, _created = ExchangeProfile.objects.get_or_create(user=person)
    for category in CapacityCategory.objects.order_by("pk")[:count]:
        ExchangeCapacity.objects.get_or_create(profile=profile, category=category, defaults={"shares": True})


@pytest.fixture
def shown(db):
    person = UserFactory(username="shown", display_name="Amina Shown")
    profile_visibility_save(user=person, data=ALL_SECTIONS)
    return person


def test_a_person_who_did_not_make_their_page_public_is_not_found(client, volunteer, staff):
    client.force_login(staff)
    assert client.get(url(volunteer)).status_code == 404
    ProfileVisibility.objects.create(user=volunteer, is_public=False, show_attended=True)
    assert client.get(url(volunteer)).status_code == 404


def test_the_person_sees_a_preview_of_their_hidden_page_with_a_notice(client, volunteer):
    client.force_login(volunteer)
    response = client.get(url(volunteer))
    assert response.status_code == 200
    assert "Only you can see this preview" in response.content.decode()


def test_an_unknown_deleted_or_inactive_person_is_not_found(client, shown):
    assert client.get("/en/people/nobody-at-all/").status_code == 404
    shown.is_active = False
    shown.save()
    assert client.get(url(shown)).status_code == 404
    shown.is_active = True
    shown.save()
    services.person_delete(user=shown)
    assert client.get(url(shown)).status_code == 404


def test_a_public_page_shows_each_chosen_section_to_anyone(client, shown, program):
    certificate = _attended(shown, program)
    _facilitated(shown, program)
    offer = SupportOfferFactory(author=shown)
    profile = ExchangeProfile.objects.create(user=shown)
    ExchangeCapacity.objects.create(
        profile=profile, category=CapacityCategory.objects.get(slug="event-organizing"), has=True, shares=True
    )
    page = client.get(url(shown)).content.decode()
    assert "Amina Shown" in page
    assert "Sessions facilitated" in page and "Sessions attended" in page
    assert f"/en/certificates/{certificate.code}/" in page
    assert f"/badges/assertions/{certificate.code}.json" in page
    assert offer.request.title in page
    assert "1 offer of help" in page
    assert CapacityCategory.objects.get(slug="event-organizing").name in page


def test_sections_the_person_did_not_choose_are_left_out(client, shown, program):
    _attended(shown, program)
    _facilitated(shown, program)
    profile_visibility_save(user=shown, data={"is_public": True, "show_facilitated": True})
    page = client.get(url(shown)).content.decode()
    assert "Sessions facilitated" in page
    for hidden in ("Sessions attended", "Certificates", "Help offered", "capacity exchange"):
        assert hidden not in page, hidden


def test_revoked_certificates_sensitive_requests_and_unpublished_programs_stay_off_the_page(client, shown, program):
    revoked = _attended(shown, program)
    services.certificate_revoke(certificate=revoked, by=UserFactory(is_superuser=True), reason="Given in error.")
    hidden_program = ProgramFactory(provider=program.provider, is_published=False, original_title="Secret draft")
    _attended(shown, hidden_program, complete=False)
    Enrollment.objects.filter(user=shown, session__program=hidden_program).update(attendance="attended")
    sensitive_offer = SupportOfferFactory(author=shown, request=SupportRequestFactory(is_sensitive=True, title="Quiet"))
    page = client.get(url(shown)).content.decode()
    assert revoked.code not in page
    assert "Secret draft" not in page
    assert sensitive_offer.request.title not in page
    assert "Help offered" not in page  # a section with nothing to show is left out for visitors


def test_capacities_are_shown_only_from_a_profile_listed_in_the_exchange(client, shown):
    profile = ExchangeProfile.objects.create(user=shown, is_listed=False)
    category = CapacityCategory.objects.get(slug="event-organizing")
    ExchangeCapacity.objects.create(profile=profile, category=category, has=True, shares=True)
    assert category.name not in client.get(url(shown)).content.decode()


def test_the_page_costs_the_same_queries_with_few_or_many_things_to_show(
    client, shown, program, django_assert_max_num_queries
):
    queries = {}
    for size in (1, 6):
        _add_everything(shown, program, size - len(queries))
        with django_assert_max_num_queries(12) as captured:
            assert client.get(url(shown)).status_code == 200
        queries[size] = len(captured)
    print(f"profile page queries with 1 and 6 of each: {queries}")
    assert queries[1] == queries[6], queries


def test_the_settings_page_saves_the_choices(client, volunteer):
    client.force_login(volunteer)
    response = client.post("/en/me/recognition/", {"is_public": "on", "show_certificates": "on"})
    assert response.status_code == 302
    visibility = ProfileVisibility.objects.get(user=volunteer)
    assert visibility.is_public and visibility.show_certificates
    assert not (visibility.show_facilitated or visibility.show_attended or visibility.show_offers)
    page = client.get("/en/me/recognition/").content.decode()
    assert "See my profile page" in page


def test_the_account_profile_links_to_the_data_rights_pages(client, volunteer):
    client.force_login(volunteer)
    page = client.get("/en/me/profile/").content.decode()
    for link in ("/en/me/recognition/", "/en/me/demographics/", "/en/me/delete/"):
        assert f'href="{link}"' in page


def test_a_profile_in_another_language_keeps_the_program_titles_direction(client, shown, program):
    arabic = Language.objects.get(code="ar")
    program.original_language = arabic
    program.original_title = "أساسيات ويكي بيانات"
    program.save()
    _attended(shown, program)
    page = client.get(f"/ko/people/{shown.username}/").content.decode()
    assert 'lang="ar" dir="rtl"' in page


def test_empty_sections_are_left_out_for_visitors_but_shown_to_the_person(client, shown):
    page = client.get(url(shown)).content.decode()
    assert "This profile shows nothing yet." in page
    assert "Sessions facilitated" not in page
    client.force_login(shown)
    own = client.get(url(shown)).content.decode()
    assert "No sessions facilitated yet." in own
    assert "This is your profile page as everyone sees it." in own


def test_sessions_still_to_come_are_not_yet_counted_as_facilitated(client, shown):
    upcoming = SessionFactory(program=ProgramFactory(original_title="Not yet given"))
    upcoming.facilitators.add(shown)
    assert "Not yet given" not in client.get(url(shown)).content.decode()


@pytest.mark.parametrize("name", ["%00", "a%0D%0Ab", "x" * 300, "%E2%80%AE", "..%2F..", "volunteer%20"])
def test_a_hostile_username_in_the_address_is_simply_not_found(client, volunteer, name):
    assert client.get(f"/en/people/{name}/").status_code == 404
