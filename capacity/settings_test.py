"""Test settings: the real services on localhost, plus speed (fast hasher, locmem email)."""

import os
from urllib.parse import urlsplit

# Each pytest-xdist worker gets its own Redis database so one worker's cache
# flush or queued task never reaches another: TEST_REDIS_DB_BASE plus the worker's
# number, always set here, because the workers inherit the REDIS_URL this module put in
# the controller's environment. REDIS_URL may still name another server. pytest-django
# gives each worker its own PostgreSQL database (test_capacity_gw0, ...).
_worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
_redis_db = int(os.environ.get("TEST_REDIS_DB_BASE", "2")) + _worker
_redis_server = urlsplit(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379")
os.environ["REDIS_URL"] = _redis_server._replace(path=f"/{_redis_db}").geturl()
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/capacity")
os.environ.setdefault("DEBUG", "true")

from capacity.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tasks run in-process unless a test starts the real worker (tests/conftest.py).
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = os.environ["REDIS_URL"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
