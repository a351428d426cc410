"""The layout's parts drawn once per language (stakeholders.context_processors.layout)."""

import re

import pytest
from django.test import override_settings
from django.utils import translation

from stakeholders import context_processors
from stakeholders.context_processors import LAYOUT_LINKS, layout
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _menu(html):
    return re.search(r'<nav class="site-nav".*?</nav>', html, re.S).group(0)


def _language_menu(html):
    return re.search(r'<select id="language-select".*?</select>', html, re.S).group(0)


@pytest.mark.parametrize(
    ("language", "trainings", "selected"),
    [("en", "Trainings", "English"), ("ko", "교육", "한국어"), ("ar", "التدريبات", "العربيّة")],
)
def test_each_language_gets_its_own_menu_links_and_selected_language(client, language, trainings, selected):
    # Another language first, so that a layout kept for the wrong language would show here.
    client.get("/fr/programs/")
    html = client.get(f"/{language}/programs/").content.decode()
    menu = _menu(html)
    assert f'href="/{language}/programs/"' in menu
    assert trainings in menu
    assert f'<a class="brand" href="/{language}/">' in html
    options = _language_menu(html)
    assert options.count("<option") == 6
    assert re.search(rf'<option value="{language}" lang="{language}" selected>{selected}</option>', options)
    assert options.count(" selected") == 1
    # Links that carry the page's own address are still drawn per request.
    assert f"?next=/{language}/programs/" in html


def test_the_layout_is_made_once_per_language_and_follows_the_urlconf_and_languages():
    context_processors._layout.cache_clear()
    with translation.override("en"):
        first = layout()
        assert layout() is first
    with translation.override("ko"):
        korean = layout()
    assert korean is not first
    assert korean.links["catalog"] == "/ko/programs/"
    assert first.links["catalog"] == "/en/programs/"
    assert set(first.links) == set(LAYOUT_LINKS)
    with translation.override("en"), override_settings(LANGUAGES=[("en", "English"), ("ko", "Korean")]):
        fewer = layout()
        assert fewer is not first
        assert fewer.language_options.count("<option") == 2


def test_with_debug_the_layout_is_drawn_for_each_request():
    with translation.override("en"), override_settings(DEBUG=True):
        assert layout() is not layout()


def test_signed_in_people_keep_their_own_links_after_the_shared_ones(client):
    user = UserFactory(is_staff=True)
    client.force_login(user)
    menu = _menu(client.get("/ar/programs/").content.decode())
    assert menu.index('href="/ar/programs/"') < menu.index('href="/ar/me/"') < menu.index('href="/admin/"')
    client.logout()
    anonymous = _menu(client.get("/ar/programs/").content.decode())
    assert 'href="/ar/me/"' not in anonymous and 'href="/admin/"' not in anonymous
