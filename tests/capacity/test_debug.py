"""DEBUG is on only where it is asked for: a server started without it shows no secrets."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
A_SECRET_KEY = "k" * 64
DATABASE_PASSWORD = "database-password-do-not-show"
REDIS_PASSWORD = "redis-password-do-not-show"

PRINT_DEBUG = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"

SERVE_ONE_REQUEST = """
import django
django.setup()
from django.conf import settings
from django.test import Client
print("DEBUG", settings.DEBUG)
response = Client(raise_request_exception=False).get("/en/", secure=True)
print("STATUS", response.status_code)
print(response.content.decode())
"""


def run(code, **env):
    """Run Python in a fresh process with only the given configuration."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY"}
    }
    environment |= {"DJANGO_SETTINGS_MODULE": "capacity.settings", **env}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )


def test_debug_is_off_when_it_is_not_set():
    result = run(PRINT_DEBUG, SECRET_KEY=A_SECRET_KEY)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_debug_is_on_only_when_asked_for():
    result = run(PRINT_DEBUG, DEBUG="true")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_a_start_with_no_configuration_refuses_and_says_what_to_set():
    result = run("import django; django.setup()")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr
    assert "DEBUG=true" in result.stderr


def test_a_server_error_without_debug_set_shows_no_passwords():
    # The database is unreachable, so the home page fails with the URLs in play.
    result = run(
        SERVE_ONE_REQUEST,
        SECRET_KEY=A_SECRET_KEY,
        DATABASE_URL=f"postgres://capacity:{DATABASE_PASSWORD}@127.0.0.1:5499/capacity",
        REDIS_URL=f"redis://:{REDIS_PASSWORD}@127.0.0.1:6390/0",
    )
    assert result.returncode == 0, result.stderr
    assert "DEBUG False" in result.stdout
    assert "STATUS 500" in result.stdout
    assert DATABASE_PASSWORD not in result.stdout
    assert REDIS_PASSWORD not in result.stdout
    assert "Traceback" not in result.stdout
