"""Settings are read from the environment, and a bad value stops start-up naming the variable.

Each case loads capacity.settings in a fresh interpreter with exactly the given
environment, so what is tested is what a server started that way would get.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_KEY = "k" * 64

# Loading the settings is where a bad value fails; django.setup() would add seconds.
READ_SETTINGS = """
import json, sys
from django.conf import settings
print(json.dumps({name: getattr(settings, name) for name in ["DEBUG", *sys.argv[1:]]}, default=str))
"""


def start(*names, **env):
    """Load the settings with only `env` set (no inherited configuration); print `names`."""
    environment = {"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "capacity.settings", **env}
    return subprocess.run(
        [sys.executable, "-c", READ_SETTINGS, *names], cwd=ROOT, env=environment, capture_output=True, text=True
    )


def settings_with(*names, **env):
    result = start(*names, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    ("env", "name"),
    [
        ({"DEBUG": "maybe"}, "DEBUG"),
        ({"DEBUG": "false"}, "SECRET_KEY"),
        ({"DEBUG": "false", "SECRET_KEY": "too-short"}, "SECRET_KEY"),
        ({"REDIS_URL": "http://127.0.0.1:6379"}, "REDIS_URL"),
        ({"DATABASE_URL": "mysql://root@localhost/capacity"}, "DATABASE_URL"),
        ({"CSRF_TRUSTED_ORIGINS": "capacity.example.org"}, "CSRF_TRUSTED_ORIGINS"),
        ({"K_ANONYMITY_DEMOGRAPHIC": "ten"}, "K_ANONYMITY_DEMOGRAPHIC"),
        ({"K_ANONYMITY_ACTIVITY": "1"}, "K_ANONYMITY_ACTIVITY"),
        ({"MEDIAWIKI_CLIENT_ID": "only-the-id"}, "MEDIAWIKI_CLIENT_SECRET"),
        ({"CELERY_TASK_TIME_LIMIT": "10", "CELERY_TASK_SOFT_TIME_LIMIT": "20"}, "CELERY_TASK_SOFT_TIME_LIMIT"),
        ({"CELERY_WORKER_MAX_MEMORY_PER_CHILD": "lots"}, "CELERY_WORKER_MAX_MEMORY_PER_CHILD"),
        ({"CELERY_WORKER_MAX_MEMORY_PER_CHILD": "0"}, "CELERY_WORKER_MAX_MEMORY_PER_CHILD"),
        ({"ACCOUNT_EMAIL_VERIFICATION": "sometimes"}, "ACCOUNT_EMAIL_VERIFICATION"),
        ({"LOG_LEVEL": "chatty"}, "LOG_LEVEL"),
        ({"PORTAL_URL": "capacity.example.org"}, "PORTAL_URL"),
        ({"DATABASE_URL": "postgres://db/portal", "DB_RANDOM_PAGE_COST": "cheap"}, "DB_RANDOM_PAGE_COST"),
        ({"DATABASE_URL": "postgres://db/portal", "DB_RANDOM_PAGE_COST": "-1"}, "DB_RANDOM_PAGE_COST"),
        ({"DATABASE_URL": "postgres://db/portal", "DB_RANDOM_PAGE_COST": "1.1 -c work_mem=1TB"}, "DB_RANDOM_PAGE_COST"),
    ],
)
def test_a_bad_value_stops_start_up_naming_the_variable(env, name):
    # DEBUG=true unless the case is about DEBUG itself, so the one bad value is the
    # only reason to fail, whatever DEBUG's default is.
    result = start(**{"DEBUG": "true", **env})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert name in result.stderr


def test_with_only_debug_asked_for_it_runs_on_sqlite_with_tasks_in_process():
    values = settings_with("DATABASES", "CACHES", "CELERY_BROKER_URL", "CELERY_TASK_ALWAYS_EAGER", DEBUG="true")
    assert values["DATABASES"]["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert values["CACHES"]["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert values["CELERY_BROKER_URL"] == "memory://"
    assert values["CELERY_TASK_ALWAYS_EAGER"] is True


def test_a_redis_url_makes_redis_the_cache_and_the_broker_and_tasks_go_to_a_worker():
    url = "redis://127.0.0.1:6379/7"
    values = settings_with("CACHES", "CELERY_BROKER_URL", "CELERY_TASK_ALWAYS_EAGER", DEBUG="true", REDIS_URL=url)
    assert values["CACHES"]["default"]["BACKEND"] == "capacity.cache.FailOpenRedisCache"
    assert values["CACHES"]["default"]["LOCATION"] == url
    assert values["CELERY_BROKER_URL"] == url
    assert values["CELERY_TASK_ALWAYS_EAGER"] is False


def test_a_database_url_is_parsed_into_the_connection_settings():
    values = settings_with(
        "DATABASES", DEBUG="true", DATABASE_URL="postgres://capacity:pw@db.internal:5433/portal", DB_CONN_MAX_AGE="30"
    )
    database = values["DATABASES"]["default"]
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["HOST"], database["PORT"], database["NAME"], database["USER"]) == (
        "db.internal",
        5433,
        "portal",
        "capacity",
    )
    assert database["CONN_MAX_AGE"] == 30
    assert database["CONN_HEALTH_CHECKS"] is True
    # No JIT for short queries; random reads priced for SSDs and data in memory, unless told otherwise.
    assert database["OPTIONS"]["options"] == "-c jit=off -c random_page_cost=1.1"
    told = settings_with("DATABASES", DEBUG="true", DATABASE_URL="postgres://db/portal", DB_RANDOM_PAGE_COST="4")
    assert told["DATABASES"]["default"]["OPTIONS"]["options"] == "-c jit=off -c random_page_cost=4.0"
    # Kept a minute between requests unless told otherwise; 0 opens one per request (behind a pooler).
    assert told["DATABASES"]["default"]["CONN_MAX_AGE"] == 60
    pooled = settings_with("DATABASES", DEBUG="true", DATABASE_URL="postgres://db/portal", DB_CONN_MAX_AGE="0")
    assert pooled["DATABASES"]["default"]["CONN_MAX_AGE"] == 0


def test_the_database_gets_the_random_page_cost_it_was_given(db):
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            pytest.skip("a PostgreSQL setting")
        cursor.execute("SHOW random_page_cost")
        assert cursor.fetchone()[0] == "1.1"


def test_the_broker_visibility_timeout_outlasts_a_configured_task_time_limit():
    # Shorter than the longest task, Redis would hand a running task to a second worker.
    values = settings_with(
        "CELERY_TASK_TIME_LIMIT",
        "CELERY_TASK_SOFT_TIME_LIMIT",
        "CELERY_BROKER_TRANSPORT_OPTIONS",
        DEBUG="true",
        CELERY_TASK_TIME_LIMIT="3600",
        CELERY_TASK_SOFT_TIME_LIMIT="3000",
    )
    assert (values["CELERY_TASK_TIME_LIMIT"], values["CELERY_TASK_SOFT_TIME_LIMIT"]) == (3600, 3000)
    assert values["CELERY_BROKER_TRANSPORT_OPTIONS"]["visibility_timeout"] > 3600


def test_a_worker_process_left_large_by_a_task_is_replaced_at_the_size_configured():
    name = "CELERY_WORKER_MAX_MEMORY_PER_CHILD"
    assert settings_with(name, DEBUG="true")[name] == 120_000  # KB
    assert settings_with(name, DEBUG="true", CELERY_WORKER_MAX_MEMORY_PER_CHILD="350000")[name] == 350_000


def test_with_debug_off_cookies_are_secure_and_https_is_enforced():
    values = settings_with(
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "ALLOWED_HOSTS",
        DEBUG="false",
        SECRET_KEY=PRODUCTION_KEY,
        ALLOWED_HOSTS="capacity.example.org, www.capacity.example.org",
    )
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["ALLOWED_HOSTS"] == ["capacity.example.org", "www.capacity.example.org"]


def test_wikimedia_login_is_configured_only_with_both_keys():
    assert "APPS" not in settings_with("SOCIALACCOUNT_PROVIDERS", DEBUG="true")["SOCIALACCOUNT_PROVIDERS"]["mediawiki"]
    provider = settings_with(
        "SOCIALACCOUNT_PROVIDERS", DEBUG="true", MEDIAWIKI_CLIENT_ID="the-id", MEDIAWIKI_CLIENT_SECRET="the-secret"
    )["SOCIALACCOUNT_PROVIDERS"]["mediawiki"]
    assert provider["APPS"] == [{"client_id": "the-id", "secret": "the-secret", "key": ""}]
