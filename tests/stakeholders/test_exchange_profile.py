"""A person (or an organization's managers) says what they have, share and want, and can hide at once."""

import pytest
from django.urls import reverse

from stakeholders.models import ExchangeCapacity, ExchangeLanguage, ExchangeProfile
from tests.stakeholders.exchange_profiles import exchange_profile

EDIT = "exchange:edit_mine"


def form_data(**overrides):
    data = {
        "is_listed": "on",
        "region": "south-asia",
        "about": "I run edit-a-thons.",
        "about_language": "en",
        "languages-TOTAL_FORMS": "2",
        "languages-INITIAL_FORMS": "0",
        "languages-0-language": "ko",
        "languages-0-proficiency": "5",
        "languages-1-language": "",
        "languages-1-proficiency": "",
        "capacity-fundraising-wants": "on",
        "capacity-grant-writing-has": "on",
        "capacity-grant-writing-shares": "on",
        "capacity-grant-writing-level": "3",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_a_person_creates_their_profile_with_capacities_and_languages(client, volunteer):
    client.force_login(volunteer)
    response = client.post(reverse(EDIT), form_data())
    assert response.status_code == 302
    profile = ExchangeProfile.objects.get(user=volunteer)
    assert profile.is_listed and profile.region.slug == "south-asia" and profile.about_language.code == "en"
    rows = {row.category.slug: row for row in profile.capacities.select_related("category")}
    assert set(rows) == {"fundraising", "grant-writing"}
    assert rows["fundraising"].wants and not rows["fundraising"].has and rows["fundraising"].level is None
    assert rows["grant-writing"].has and rows["grant-writing"].shares and rows["grant-writing"].level == 3
    assert [(row.language.code, row.proficiency) for row in profile.languages.all()] == [("ko", 5)]


def test_saving_again_replaces_the_rows_instead_of_adding_to_them(client, volunteer):
    client.force_login(volunteer)
    client.post(reverse(EDIT), form_data())
    client.post(
        reverse(EDIT),
        form_data(
            **{"capacity-fundraising-wants": None, "capacity-wikidata-wants": "on", "languages-0-language": "ar"}
        ),
    )
    profile = ExchangeProfile.objects.get(user=volunteer)
    assert sorted(profile.capacities.values_list("category__slug", flat=True)) == ["grant-writing", "wikidata"]
    assert list(profile.languages.values_list("language__code", flat=True)) == ["ar"]


def test_the_edit_page_shows_what_was_saved(client, volunteer):
    exchange_profile(volunteer, shares=["grant-writing"], wants=["wikidata"], languages={"ko": 4})
    client.force_login(volunteer)
    html = client.get(reverse(EDIT)).content.decode()
    assert 'name="capacity-grant-writing-shares" id="id_capacity-grant-writing-shares"' in html
    assert (
        'id="id_capacity-grant-writing-shares" aria-labelledby="capacity-grant-writing capacity-grant-writing-shares-label" checked'
        in html
    )
    assert '<option value="ko" selected>' in html


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"capacity-wikidata-level": "2"}, "A level goes with a capacity you have or share."),
        ({"languages-0-language": "", "languages-0-proficiency": ""}, "Give at least one language you work in"),
        ({"languages-0-proficiency": ""}, "Say how well you work in this language."),
        ({"languages-1-language": "ko", "languages-1-proficiency": "2"}, "Each language can be given only once."),
        ({"about_language": ""}, "Say which language the text is written in."),
        ({"about": "x" * 2001}, "at most 2000 characters"),
        ({"region": "atlantis"}, "Select a valid choice"),
        ({"languages-0-language": "klingon"}, "Select a valid choice"),
        ({"capacity-grant-writing-level": "99999999999999999999"}, "Select a valid choice"),
        ({"languages-TOTAL_FORMS": "5000"}, "Please submit at most 20 forms"),
    ],
)
def test_a_bad_edit_says_what_is_wrong_and_changes_nothing(client, volunteer, overrides, message):
    exchange_profile(volunteer, wants=["wikidata"], languages={"ar": 2})
    client.force_login(volunteer)
    response = client.post(reverse(EDIT), form_data(**overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    profile = ExchangeProfile.objects.get(user=volunteer)
    assert list(profile.capacities.values_list("category__slug", flat=True)) == ["wikidata"]
    assert list(profile.languages.values_list("language__code", flat=True)) == ["ar"]


def test_a_hidden_profile_may_have_no_language(client, volunteer):
    client.force_login(volunteer)
    response = client.post(
        reverse(EDIT), form_data(is_listed=None, **{"languages-0-language": "", "languages-0-proficiency": ""})
    )
    assert response.status_code == 302
    assert not ExchangeProfile.objects.get(user=volunteer).is_listed


def test_hostile_text_about_oneself_is_kept_as_text_and_escaped(client, volunteer):
    client.force_login(volunteer)
    hostile = "<script>alert(1)</script>\r\nمرحبا ‮ DROP TABLE"
    client.post(reverse(EDIT), form_data(about=hostile))
    assert ExchangeProfile.objects.get(user=volunteer).about == hostile
    html = client.get(reverse("exchange:directory")).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_one_click_hides_the_profile_and_keeps_its_rows(client, volunteer):
    profile = exchange_profile(volunteer, shares=["wikidata"])
    client.force_login(volunteer)
    response = client.post(reverse("exchange:hide_mine"))
    assert response.status_code == 302
    profile.refresh_from_db()
    assert not profile.is_listed
    assert ExchangeCapacity.objects.filter(profile=profile).exists()
    assert ExchangeLanguage.objects.filter(profile=profile).exists()


def test_hiding_is_a_post_only(client, volunteer):
    exchange_profile(volunteer)
    client.force_login(volunteer)
    assert client.get(reverse("exchange:hide_mine")).status_code == 405
    assert ExchangeProfile.objects.get(user=volunteer).is_listed


def test_an_organizations_staff_edit_its_profile(client, staff, organization):
    client.force_login(staff)
    url = reverse("exchange:edit_organization", kwargs={"slug": organization.slug})
    assert client.get(url).status_code == 200
    response = client.post(url, form_data())
    assert response.status_code == 302
    profile = ExchangeProfile.objects.get(organization=organization)
    assert profile.user is None and profile.is_listed


def test_staff_of_another_organization_may_not_edit_its_profile(client, other_staff, organization):
    client.force_login(other_staff)
    url = reverse("exchange:edit_organization", kwargs={"slug": organization.slug})
    assert client.get(url).status_code == 403
    assert client.post(url, form_data()).status_code == 403
    assert not ExchangeProfile.objects.filter(organization=organization).exists()


def test_an_unknown_organization_is_not_found(client, steward):
    client.force_login(steward)
    assert client.get(reverse("exchange:edit_organization", kwargs={"slug": "nope"})).status_code == 404


def test_the_edit_page_links_to_the_organizations_a_person_runs(client, staff, organization):
    client.force_login(staff)
    html = client.get(reverse(EDIT)).content.decode()
    assert reverse("exchange:edit_organization", kwargs={"slug": organization.slug}) in html


def test_a_refusal_by_the_service_alone_does_not_claim_marked_fields(client, volunteer):
    client.force_login(volunteer)
    response = client.post(reverse(EDIT), form_data(**{"languages-0-language": "", "languages-0-proficiency": ""}))
    html = response.content.decode()
    assert "Give at least one language you work in" in html
    assert "Please correct the marked fields" not in html


def test_the_capacity_table_is_named_for_screen_readers(client, volunteer):
    client.force_login(volunteer)
    html = client.get(reverse(EDIT)).content.decode()
    assert '<caption class="visually-hidden">Capacities</caption>' in html
