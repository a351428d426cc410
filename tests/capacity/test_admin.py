import pytest

from capacity.models import CapacityCategory


@pytest.mark.django_db
def test_a_steward_edits_a_category_in_every_language(client, steward):
    client.force_login(steward)
    category = CapacityCategory.objects.get(slug="fundraising")
    page = client.get(f"/admin/capacity/capacitycategory/{category.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    for code in ("en", "ko", "ar", "es", "fr", "pt_br"):
        assert f'name="name_{code}"' in html
    data = {
        "slug": "fundraising",
        "position": 4,
        "wikidata_qid": "",
        "parent": "",
        **{f"name_{code}": getattr(category, f"name_{code}") for code in ("en", "ko", "ar", "es", "fr", "pt_br")},
        **{f"description_{code}": "" for code in ("en", "ko", "ar", "es", "fr", "pt_br")},
        "name_ko": "모금 활동",
    }
    response = client.post(f"/admin/capacity/capacitycategory/{category.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    category.refresh_from_db()
    assert category.name_ko == "모금 활동"


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["volunteer", "staff"])
def test_people_who_are_not_stewards_cannot_open_the_admin(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    response = client.get("/admin/capacity/capacitycategory/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.django_db
def test_anonymous_people_are_sent_to_the_admin_login(client):
    response = client.get("/admin/capacity/region/")
    assert response.status_code == 302


@pytest.mark.django_db
def test_the_admin_login_goes_through_two_factor_authentication(client, steward):
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(steward, generate_totp_secret())
    assert Authenticator.objects.filter(user=steward).exists()
    response = client.get("/admin/login/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    response = client.post("/accounts/login/", {"login": steward.email, "password": "correct horse battery"})
    assert response["Location"].startswith("/accounts/2fa/authenticate/")
    assert client.get("/admin/").status_code == 302
