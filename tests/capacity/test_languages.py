import pytest
from django.utils import translation
from django.utils.translation import gettext


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("accept", "prefix"), [("ko-KR,ko;q=0.9", "/ko/"), ("ar", "/ar/"), ("pt-BR", "/pt-br/"), ("de", "/en/")]
)
def test_a_first_visit_picks_the_language_from_the_browser(client, accept, prefix):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE=accept)
    assert response.status_code == 302
    assert response["Location"] == prefix


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "direction"), [("en", "ltr"), ("ko", "ltr"), ("ar", "rtl"), ("es", "ltr"), ("fr", "ltr"), ("pt-br", "ltr")]
)
def test_every_page_carries_lang_and_dir(client, code, direction):
    html = client.get(f"/{code}/").content.decode()
    assert f'<html lang="{code}" dir="{direction}">' in html


@pytest.mark.django_db
def test_the_language_switcher_keeps_the_reader_on_the_same_page(client):
    response = client.post("/i18n/setlang/", {"language": "ko", "next": "/en/glossary/"})
    assert response.status_code == 302
    assert response["Location"] == "/ko/glossary/"


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["ko", "ar", "es", "fr", "pt-br"])
def test_the_interface_is_translated_not_just_marked(client, code):
    with translation.override(code):
        expected = [
            gettext("Find a training"),
            gettext("Learn, teach and grow together"),
            gettext("Skip to main content"),
        ]
    html = client.get(f"/{code}/").content.decode()
    for english, translated in zip(
        ["Find a training", "Learn, teach and grow together", "Skip to main content"], expected, strict=True
    ):
        assert translated != english
        assert translated in html
