"""Settings fail loudly at start-up, naming the variable, on a bad value."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def start(**env):
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY"}
    }
    environment |= {"DJANGO_SETTINGS_MODULE": "capacity.settings", **env}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
    )


@pytest.mark.parametrize(
    ("env", "name"),
    [
        ({"DEBUG": "maybe"}, "DEBUG"),
        ({"DEBUG": "false"}, "SECRET_KEY"),
        ({"REDIS_URL": "http://127.0.0.1:6379"}, "REDIS_URL"),
        ({"DATABASE_URL": "mysql://root@localhost/capacity"}, "DATABASE_URL"),
        ({"K_ANONYMITY_DEMOGRAPHIC": "ten"}, "K_ANONYMITY_DEMOGRAPHIC"),
        ({"K_ANONYMITY_ACTIVITY": "1"}, "K_ANONYMITY_ACTIVITY"),
        ({"MEDIAWIKI_CLIENT_ID": "only-the-id"}, "MEDIAWIKI_CLIENT_SECRET"),
        ({"CELERY_TASK_TIME_LIMIT": "10", "CELERY_TASK_SOFT_TIME_LIMIT": "20"}, "CELERY_TASK_SOFT_TIME_LIMIT"),
    ],
)
def test_a_bad_value_stops_start_up_naming_the_variable(env, name):
    result = start(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert name in result.stderr


def test_the_defaults_start_with_no_configuration():
    result = start()
    assert result.returncode == 0, result.stderr


def test_the_broker_visibility_timeout_outlasts_every_task(settings):
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] > settings.CELERY_TASK_TIME_LIMIT
    assert settings.CELERY_TASK_ACKS_LATE is True
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST is True
