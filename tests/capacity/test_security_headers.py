"""Every page sends a Content-Security-Policy and a Permissions-Policy; personal pages are private."""

import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.factories import ProgramFactory, SessionFactory

ROOT = Path(__file__).resolve().parents[2]
JSON_TYPES = {"application/json", "application/ld+json"}


def directives(response):
    policy = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in policy.split(";") if part.strip())}


class InlineCode(HTMLParser):
    """Collects what a policy without 'unsafe-inline' would block: inline scripts, handlers, styles."""

    def __init__(self):
        super().__init__()
        self.found = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and "src" not in attributes and attributes.get("type") not in JSON_TYPES:
            self._in_script = True
        if tag == "style":
            self.found.append("<style> element")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{name} handler on <{tag}>")
            if name == "style":
                self.found.append(f"style attribute on <{tag}>")
            if name in {"href", "src", "action"} and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"javascript: URL on <{tag}>")

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.found.append(f"inline script: {data.strip()[:60]}")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False


def inline_code(response):
    parser = InlineCode()
    parser.feed(response.content.decode())
    return parser.found


@pytest.fixture
def program(db):
    return SessionFactory(program=ProgramFactory(original_title="Wiki editing basics")).program


@pytest.fixture
def public_paths(program):
    return ["/en/", "/en/programs/", "/en/programs/?q=wiki", f"/en/programs/{program.slug}/", "/ar/glossary/"]


@pytest.mark.django_db
def test_public_pages_send_a_policy_without_inline_scripts(client, public_paths):
    for path in [*public_paths, "/accounts/login/", "/accounts/signup/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        policy = directives(response)
        assert policy["default-src"] == ["'self'"], path
        assert policy["script-src"] == ["'self'"], path
        assert policy["style-src"] == ["'self'"], path
        assert policy["object-src"] == ["'none'"], path
        assert policy["frame-ancestors"] == ["'none'"], path
        assert "'unsafe-inline'" not in response["Content-Security-Policy"], path


@pytest.mark.django_db
def test_public_pages_deny_camera_microphone_location_and_payment(client, public_paths):
    for path in public_paths:
        features = client.get(path)["Permissions-Policy"]
        for feature in ["camera", "microphone", "geolocation", "payment", "usb"]:
            assert f"{feature}=()" in features, (path, feature)


@pytest.mark.django_db
def test_pages_hold_no_inline_script_handler_or_style(client, public_paths, volunteer):
    for path in [*public_paths, "/accounts/login/", "/accounts/signup/"]:
        assert inline_code(client.get(path)) == [], path
    client.force_login(volunteer)
    for path in ["/en/", "/en/me/", "/en/me/profile/", "/accounts/email/"]:
        assert inline_code(client.get(path)) == [], path


@pytest.mark.django_db
def test_the_two_factor_qr_code_is_allowed(client, volunteer):
    client.post("/accounts/login/", {"login": volunteer.email, "password": "correct horse battery"})
    client.post("/accounts/reauthenticate/", {"password": "correct horse battery"})
    response = client.get("/accounts/2fa/totp/activate/")
    assert response.status_code == 200
    assert 'src="data:image/svg+xml' in response.content.decode()
    assert "data:" in directives(response)["img-src"]
    assert inline_code(response) == []


def form_targets(**env):
    """form-action as a server started with `env` would send it."""
    code = "from django.conf import settings; print(*settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action'])"
    environment = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "capacity.settings", "DEBUG": "true", **env}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, check=True
    )
    return result.stdout.split()


def test_forms_post_to_this_site_and_to_wikimedia_login_only_when_it_is_configured():
    # Wikimedia login posts here, then redirects to Meta-Wiki; Chromium applies
    # form-action to that redirect too.
    assert form_targets() == ["'self'"]
    assert form_targets(MEDIAWIKI_CLIENT_ID="id", MEDIAWIKI_CLIENT_SECRET="secret") == [
        "'self'",
        "https://meta.wikimedia.org",
    ]


@pytest.mark.django_db
def test_the_admin_works_under_the_policy(client, steward, program):
    client.force_login(steward)
    for path in ["/admin/", "/admin/programs/program/", f"/admin/programs/program/{program.pk}/change/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert "Content-Security-Policy" in response, path
        assert inline_code(response) == [], path


@pytest.mark.django_db
def test_anonymous_public_pages_are_not_marked_private(client, public_paths):
    for path in public_paths:
        assert "private" not in client.get(path).get("Cache-Control", ""), path


@pytest.mark.django_db
def test_every_page_for_a_signed_in_person_is_private(client, volunteer, public_paths):
    client.force_login(volunteer)
    for path in [*public_paths, "/en/me/", "/en/me/profile/", "/accounts/email/", "/accounts/2fa/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert "private" in response["Cache-Control"], path
        assert "public" not in response["Cache-Control"], path


@pytest.mark.django_db
def test_account_pages_are_private_for_anyone(client):
    for path in ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]:
        assert "private" in client.get(path)["Cache-Control"], path


@pytest.mark.django_db
def test_the_private_calendar_feed_is_private(client, volunteer):
    response = client.get(f"/calendar/{volunteer.calendar_token}.ics")
    assert response.status_code == 200
    assert "private" in response["Cache-Control"]
