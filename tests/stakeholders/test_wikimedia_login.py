"""Logging in with a Wikimedia account, against a stand-in OAuth server on localhost.

The Wikimedia OAuth server is outside the machine, so a small HTTP server plays its
part: it hands out a token and a profile, exactly over HTTP as Meta-Wiki would.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
from allauth.socialaccount.models import SocialAccount
from allauth.socialaccount.providers.mediawiki.views import MediaWikiOAuth2Adapter

PROFILE = {
    "sub": 4242,
    "username": "Ji Woo",
    "realname": "Ji-woo Park",
    "email": "jiwoo@example.org",
    "confirmed_email": True,
}


class FakeWikimedia(BaseHTTPRequestHandler):
    def _json(self, body):
        payload = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_POST(self):  # noqa: N802 — the name http.server expects
        length = int(self.headers.get("Content-Length", 0))
        form = parse_qs(self.rfile.read(length).decode())
        assert form["code"] == ["granted-code"]
        self._json({"access_token": "wikimedia-token", "token_type": "Bearer", "expires_in": 3600})

    def do_GET(self):  # noqa: N802
        assert self.headers["Authorization"] == "Bearer wikimedia-token"
        self._json(PROFILE)

    def log_message(self, *args):
        pass


@pytest.fixture
def wikimedia(settings, monkeypatch):
    server = HTTPServer(("127.0.0.1", 0), FakeWikimedia)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}/w/rest.php"
    monkeypatch.setattr(MediaWikiOAuth2Adapter, "access_token_url", f"{base}/oauth2/access_token")
    monkeypatch.setattr(MediaWikiOAuth2Adapter, "profile_url", f"{base}/oauth2/resource/profile")
    settings.SOCIALACCOUNT_PROVIDERS = {
        "mediawiki": {
            **settings.SOCIALACCOUNT_PROVIDERS["mediawiki"],
            "APPS": [{"client_id": "capacity", "secret": "s3cret", "key": ""}],
        }
    }
    yield base
    server.shutdown()


@pytest.mark.django_db
def test_a_wikimedia_account_signs_in_and_gets_a_portal_account(client, wikimedia):
    start = client.post("/accounts/mediawiki/login/")
    assert start.status_code == 302
    authorize = urlparse(start["Location"])
    assert authorize.path.endswith("/oauth2/authorize")
    state = parse_qs(authorize.query)["state"][0]

    callback = client.get("/accounts/mediawiki/login/callback/", {"code": "granted-code", "state": state})
    assert callback.status_code == 302

    account = SocialAccount.objects.get(provider="mediawiki", uid="4242")
    assert account.user.email == "jiwoo@example.org"
    assert client.get("/en/me/").status_code == 200


@pytest.mark.django_db
def test_a_forged_state_is_refused(client, wikimedia):
    client.post("/accounts/mediawiki/login/")
    response = client.get("/accounts/mediawiki/login/callback/", {"code": "granted-code", "state": "forged"})
    assert response.status_code == 401
    assert 'class="skip-link"' in response.content.decode()  # an error page in the portal's layout
    assert not SocialAccount.objects.exists()
    assert client.get("/en/me/").status_code == 302
