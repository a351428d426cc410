import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.utils import translation
from django.utils.translation import gettext

from stakeholders.models import User


@pytest.mark.django_db
def test_signing_up_sends_a_verification_email_and_login_waits_for_it(client):
    response = client.post(
        "/accounts/signup/",
        {"email": "amina@example.org", "password1": "a-long-pass-phrase", "password2": "a-long-pass-phrase"},
    )
    assert response.status_code == 302
    assert User.objects.filter(email="amina@example.org").exists()
    assert len(mail.outbox) == 1
    assert "amina@example.org" in mail.outbox[0].to
    assert EmailAddress.objects.get(email="amina@example.org").verified is False
    client.logout()
    response = client.post("/accounts/login/", {"login": "amina@example.org", "password": "a-long-pass-phrase"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/confirm-email/")


@pytest.mark.django_db
def test_a_verified_person_logs_in_with_email(client, volunteer):
    response = client.post("/accounts/login/", {"login": volunteer.email, "password": "correct horse battery"})
    assert response.status_code == 302
    assert client.get("/en/me/").status_code == 200


@pytest.mark.django_db
def test_a_wrong_password_is_refused_with_a_translated_message(client, volunteer):
    response = client.post(
        "/accounts/login/", {"login": volunteer.email, "password": "wrong"}, HTTP_ACCEPT_LANGUAGE="fr"
    )
    with translation.override("fr"):
        message = gettext("The email address and/or password you specified are not correct.")
    assert response.status_code == 200
    assert message != "The email address and/or password you specified are not correct."
    assert message in response.content.decode().replace("&#x27;", "'")


@pytest.mark.django_db
def test_login_pages_use_the_portal_layout_in_the_readers_language(client):
    html = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert 'class="skip-link"' in html
    assert 'id="main"' in html


@pytest.mark.django_db
def test_the_wikimedia_button_is_hidden_until_configured(client):
    assert "mediawiki" not in client.get("/accounts/login/").content.decode()


@pytest.mark.django_db
def test_the_wikimedia_button_appears_when_configured(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "mediawiki": {
            **settings.SOCIALACCOUNT_PROVIDERS["mediawiki"],
            "APPS": [{"client_id": "id", "secret": "s", "key": ""}],
        }
    }
    html = client.get("/accounts/login/").content.decode()
    assert "/accounts/mediawiki/login/" in html


@pytest.mark.django_db
def test_every_person_can_set_up_two_factor_authentication(client, volunteer):
    client.post("/accounts/login/", {"login": volunteer.email, "password": "correct horse battery"})
    # allauth asks for the password again before security changes.
    client.post("/accounts/reauthenticate/", {"password": "correct horse battery"})
    response = client.get("/accounts/2fa/totp/activate/")
    assert response.status_code == 200
    assert "otpauth://" in response.content.decode() or "data:image" in response.content.decode()


@pytest.mark.django_db
def test_anonymous_people_are_sent_to_log_in_for_two_factor_setup(client):
    response = client.get("/accounts/2fa/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
