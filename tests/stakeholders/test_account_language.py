"""Account pages speak the language of the page the person came from, not the browser's."""

import re

import pytest
from django.conf import settings
from django.core import mail
from django.utils import translation
from django.utils.translation import gettext

LANG_ATTRIBUTES = {"ko": '<html lang="ko" dir="ltr">', "ar": '<html lang="ar" dir="rtl">'}


def in_language(code, message):
    with translation.override(code):
        return gettext(message)


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["ko", "ar"])
@pytest.mark.parametrize("page", ["/accounts/login/", "/accounts/signup/"])
def test_login_and_signup_follow_the_page_in_next(client, page, code):
    response = client.get(page, {"next": f"/{code}/programs/"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert LANG_ATTRIBUTES[code] in response.content.decode()
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == code


@pytest.mark.django_db
def test_the_reported_case_login_from_the_korean_home_page(client):
    html = client.get("/accounts/login/?next=/ko/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert LANG_ATTRIBUTES["ko"] in html
    assert in_language("ko", "Log in") in html


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["ko", "ar"])
def test_a_refused_login_answers_in_the_language_of_next(client, volunteer, code):
    response = client.post(
        "/accounts/login/",
        {"login": volunteer.email, "password": "wrong", "next": f"/{code}/"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    message = in_language(code, "The email address and/or password you specified are not correct.")
    assert response.status_code == 200
    html = response.content.decode().replace("&#x27;", "'")
    assert LANG_ATTRIBUTES[code] in html
    assert message in html


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["ko", "ar"])
def test_a_login_returns_to_the_page_in_next(client, volunteer, code):
    response = client.post(
        "/accounts/login/",
        {"login": volunteer.email, "password": "correct horse battery", "next": f"/{code}/glossary/"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 302
    assert response["Location"] == f"/{code}/glossary/"


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["ko", "ar"])
def test_signing_up_stays_in_the_language_through_the_confirmation_pages(client, code):
    response = client.post(
        "/accounts/signup/",
        {
            "email": "jiwoo@example.org",
            "password1": "a-long-pass-phrase",
            "password2": "a-long-pass-phrase",
            "next": f"/{code}/programs/",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 302
    # The next page has no `next` of its own: the language cookie keeps it.
    follow_up = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en")
    assert LANG_ATTRIBUTES[code] in follow_up.content.decode()
    # The confirmation email goes out in that language too.
    assert in_language(code, "Please Confirm Your Email Address") in mail.outbox[0].subject


@pytest.mark.django_db
@pytest.mark.parametrize("next_url", ["https://evil.example.org/ko/", "//evil.example.org/ko/", "/xx/", "/ko"])
def test_a_next_that_is_not_one_of_our_language_pages_changes_nothing(client, next_url):
    response = client.get("/accounts/login/", {"next": next_url}, HTTP_ACCEPT_LANGUAGE="fr")
    assert '<html lang="fr" dir="ltr">' in response.content.decode()
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["ko", "ar"])
def test_the_header_links_to_login_and_signup_carry_the_current_page(client, code):
    html = client.get(f"/{code}/glossary/?letter=w").content.decode()
    assert re.search(r'href="/accounts/login/\?next=/' + code + r'/glossary/%3Fletter%3Dw"', html)
    assert re.search(r'href="/accounts/signup/\?next=/' + code + r'/glossary/%3Fletter%3Dw"', html)
