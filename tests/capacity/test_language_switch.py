"""The language switcher takes the reader to the same page in the language they pick, from any page."""

import itertools

import pytest
from django.conf import settings

from tests.factories import ProgramFactory

CODES = [code for code, _name in settings.LANGUAGES]
PAIRS = list(itertools.permutations(CODES, 2))


def switch(client, language, next_url, **headers):
    return client.post("/i18n/setlang/", {"language": language, "next": next_url}, **headers)


@pytest.mark.django_db
@pytest.mark.parametrize(("source", "target"), PAIRS)
def test_every_language_switches_to_every_other_on_the_same_page(client, source, target):
    response = switch(client, target, f"/{source}/glossary/")
    assert response.status_code == 302
    assert response["Location"] == f"/{target}/glossary/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == target


@pytest.mark.django_db
@pytest.mark.parametrize(("source", "target"), PAIRS)
def test_the_query_string_stays_when_the_language_changes(client, source, target):
    response = switch(client, target, f"/{source}/programs/?q=wiki+loves&format=online&page=2")
    assert response["Location"] == f"/{target}/programs/?q=wiki+loves&format=online&page=2"


@pytest.mark.django_db
@pytest.mark.parametrize("source", CODES)
def test_the_home_page_switches_too(client, source):
    assert switch(client, "ar", f"/{source}/")["Location"] == "/ar/"


@pytest.mark.django_db
def test_a_page_in_another_language_than_the_browser_asks_for_switches(client):
    # The reported case: a browser asking for Korean, reading the English page, picks Arabic.
    program = ProgramFactory()
    response = switch(client, "ar", f"/en/programs/{program.slug}/", HTTP_ACCEPT_LANGUAGE="ko")
    assert response["Location"] == f"/ar/programs/{program.slug}/"
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="ko")
    assert page.status_code == 200
    assert '<html lang="ar" dir="rtl">' in page.content.decode()


@pytest.mark.django_db
def test_the_same_language_leaves_the_page_as_it_is(client):
    assert switch(client, "fr", "/fr/glossary/")["Location"] == "/fr/glossary/"


@pytest.mark.django_db
def test_an_account_page_switches_the_page_it_will_return_to(client):
    # Account pages have no prefix; they speak the language of `next` (AccountLanguageMiddleware).
    response = switch(client, "ko", "/accounts/login/?next=/en/programs/%3Fformat%3Donline")
    assert response["Location"] == "/accounts/login/?next=/ko/programs/%3Fformat%3Donline"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ko"


@pytest.mark.django_db
def test_a_page_without_a_prefix_is_kept_and_the_cookie_decides(client):
    response = switch(client, "es", "/accounts/email/")
    assert response["Location"] == "/accounts/email/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"


@pytest.mark.django_db
@pytest.mark.parametrize("next_url", ["https://evil.example.org/en/", "//evil.example.org/en/", ""])
def test_a_foreign_or_missing_next_goes_to_the_home_page_in_that_language(client, next_url):
    assert switch(client, "pt-br", next_url)["Location"] == "/pt-br/"


@pytest.mark.django_db
def test_an_unknown_language_changes_nothing(client):
    response = switch(client, "xx", "/en/glossary/")
    assert response["Location"] == "/en/glossary/"
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_switching_is_a_post(client):
    assert client.get("/i18n/setlang/", {"language": "ko", "next": "/en/"}).status_code == 405
