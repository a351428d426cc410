import pytest

from capacity.models import Language, Region


@pytest.mark.django_db
def test_anonymous_people_are_sent_to_log_in(client):
    response = client.get("/en/me/profile/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_a_person_edits_their_own_profile(client, volunteer):
    client.force_login(volunteer)
    region = Region.objects.get(slug="east-southeast-asia-pacific")
    korean = Language.objects.get(code="ko")
    response = client.post(
        "/en/me/profile/",
        {
            "display_name": "Ji-woo",
            "home_region": region.slug,
            "languages": [korean.code],
            "time_zone": "Asia/Seoul",
            "preferred_language": "ko",
        },
    )
    assert response.status_code == 302
    volunteer.refresh_from_db()
    assert (volunteer.display_name, volunteer.time_zone, volunteer.preferred_language) == ("Ji-woo", "Asia/Seoul", "ko")
    assert list(volunteer.languages.all()) == [korean]


@pytest.mark.django_db
def test_an_unknown_time_zone_is_refused_and_nothing_changes(client, volunteer):
    client.force_login(volunteer)
    response = client.post(
        "/ko/me/profile/", {"display_name": "Changed", "time_zone": "Mars/Olympus", "preferred_language": "en"}
    )
    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    volunteer.refresh_from_db()
    assert volunteer.display_name != "Changed"
    assert volunteer.time_zone == "UTC"


@pytest.mark.parametrize("name", ["Ada\r\nBcc: x@example.org", "\u202eevil", "tab\there"])
def test_a_display_name_with_line_breaks_or_direction_overrides_is_refused(client, volunteer, name):
    client.force_login(volunteer)
    response = client.post("/en/me/profile/", {"display_name": name, "time_zone": "UTC", "preferred_language": "en"})
    assert response.status_code == 200
    assert "Use a single line without control characters." in response.content.decode()
    volunteer.refresh_from_db()
    assert volunteer.display_name != name
