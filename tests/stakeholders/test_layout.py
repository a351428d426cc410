"""The layout's parts drawn once per language (stakeholders.layout, {% portal_layout %})."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.test import override_settings
from django.urls import clear_script_prefix, reverse, set_script_prefix, set_urlconf
from django.utils import translation

from stakeholders import layout as layout_module
from stakeholders.layout import LINKS, STATIC, layout
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BASE = Path(settings.BASE_DIR) / "templates" / "base.html"
INCLUDES = Path(settings.BASE_DIR) / "templates" / "includes"


def _menu(html):
    return re.search(r'<nav class="site-nav".*?</nav>', html, re.S).group(0)


def _language_menu(html):
    return re.search(r'<select id="language-select".*?</select>', html, re.S).group(0)


@pytest.fixture(autouse=True)
def _fresh_layouts():
    layout_module._layout.cache_clear()
    yield
    layout_module._layout.cache_clear()


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
    assert options.count("<option") == len(settings.LANGUAGES)
    assert re.search(rf'<option value="{language}" lang="{language}" selected>{selected}</option>', options)
    assert options.count(" selected") == 1
    # The links that carry the page's own address are still drawn for each request.
    with translation.override(language):
        login, signup = reverse("account_login"), reverse("account_signup")
    assert f'href="{login}?next=/{language}/programs/"' in html
    assert f'href="{signup}?next=/{language}/programs/"' in html


def test_every_link_the_layout_draws_is_one_it_reverses():
    used = set(re.findall(r"layout\.links\.(\w+)", BASE.read_text()))
    assert used <= set(LINKS), used - set(LINKS)
    assert "{% url" not in BASE.read_text()
    # Its parts drawn once per language: a name they misspell would draw href="" silently.
    for name, known in (("layout_nav", LINKS), ("layout_footer_note", LINKS), ("layout_head", STATIC)):
        text = (INCLUDES / f"{name}.html").read_text()
        used = set(re.findall(r"links\.(\w+)", text))
        assert used, name
        assert used <= set(known), (name, used - set(known))
        assert "{% url" not in text and "{% static" not in text, name


def test_the_pages_links_are_the_reversed_urls(client):
    user = UserFactory(is_staff=True)
    client.force_login(user)
    html = client.get("/ko/programs/").content.decode()
    with translation.override("ko"):
        expected = {key: reverse(name) for key, name in LINKS.items()}
    for key in ("home", "catalog", "my_learning", "admin", "account", "practices", "status"):
        assert f'href="{expected[key]}"' in html, key
    assert f'action="{expected["logout"]}"' in html
    assert f'action="{expected["set_language"]}"' in html


def test_the_layout_is_made_once_per_language_prefix_urlconf_and_languages():
    with translation.override("en"):
        first = layout()
        assert layout() is first
        with override_settings(LANGUAGES=[("en", "English"), ("ko", "Korean")]):
            fewer = layout()
            assert fewer is not first
            assert fewer.language_controls.count("<option") == 2
        set_script_prefix("/portal/")
        try:
            prefixed = layout()
        finally:
            clear_script_prefix()
        assert prefixed.links["catalog"] == "/portal/en/programs/"
        set_urlconf("bench.urls")
        try:
            other = layout()
        finally:
            set_urlconf(None)
        assert other is not first
        assert layout() is first
    with translation.override("ko"):
        korean = layout()
    assert korean is not first
    assert (korean.links["catalog"], first.links["catalog"]) == ("/ko/programs/", "/en/programs/")


def test_the_shared_links_cannot_be_changed_by_one_request():
    with translation.override("en"):
        with pytest.raises(TypeError):
            layout().links["home"] = "https://elsewhere.example/"


def test_with_debug_the_layout_is_drawn_each_time():
    with translation.override("en"), override_settings(DEBUG=True):
        assert layout() is not layout()


def test_the_layout_is_drawn_without_a_request_too():
    with translation.override("ar"):
        html = render_to_string("base.html")
        set_language = reverse("set_language")
    assert 'href="/ar/programs/"' in _menu(html)
    assert f'<form action="{set_language}" method="post" class="language-switcher">' in html
    assert re.search(r'<option value="ar" lang="ar" selected>', _language_menu(html))


def test_signed_in_people_keep_their_own_links_after_the_shared_ones(client):
    user = UserFactory(is_staff=True)
    client.force_login(user)
    menu = _menu(client.get("/ar/programs/").content.decode())
    assert menu.index('href="/ar/programs/"') < menu.index('href="/ar/me/"') < menu.index('href="/admin/"')
    client.logout()
    anonymous = _menu(client.get("/ar/programs/").content.decode())
    assert 'href="/ar/me/"' not in anonymous and 'href="/admin/"' not in anonymous


@pytest.mark.parametrize(
    ("language", "direction", "description", "change"),
    [
        ("en", "ltr", "Plan, run, fund and evaluate capacity building", "Change language"),
        ("ko", "ltr", "위키미디어", "언어 변경"),
        ("ar", "rtl", "ويكيميديا", "تغيير اللغة"),
    ],
)
def test_the_head_footer_and_script_are_drawn_in_each_language(client, language, direction, description, change):
    client.get("/fr/programs/")  # another language's layout kept first
    html = client.get(f"/{language}/programs/").content.decode()
    assert f'<html lang="{language}" dir="{direction}">' in html
    head = re.search(r"<head>.*?</head>", html, re.S).group(0)
    assert re.search(rf'<meta name="description" content="[^"]*{description}', head)
    assert re.search(r'<link rel="stylesheet" href="/static/css/portal(\.[0-9a-f]+)?\.css">', head)
    assert re.search(r'<link rel="icon" href="/static/img/favicon(\.[0-9a-f]+)?\.svg" type="image/svg\+xml">', head)
    footer = re.search(r'<footer class="site-footer">.*?</footer>', html, re.S).group(0)
    assert '<label for="language-select">' in footer
    assert change in footer
    assert f'<a href="{reverse("healthz")}">' in footer
    # The page's own script stays after the layout's, in the order the page needs them.
    assert re.search(
        r'<script src="/static/js/portal(\.[0-9a-f]+)?\.js" defer></script>\s*<script src="/static/js/catalog', html
    )


def test_the_layout_parts_are_drawn_in_the_language_they_are_kept_for():
    with translation.override("ko"):
        korean = layout()
    with translation.override("en"):
        english = layout()
    assert '<label for="language-select">언어</label>' in korean.language_controls
    assert '<label for="language-select">Language</label>' in english.language_controls
    assert (korean.direction, korean.language_code) == ("ltr", "ko")
    with translation.override("ar"):
        assert layout().direction == "rtl"
