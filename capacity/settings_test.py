"""Test settings: the real services on localhost, plus speed (fast hasher, locmem email)."""

import os

# Each pytest-xdist worker gets its own Redis databases so one worker's cache
# flush or queued task never reaches another.
_worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/capacity")
os.environ.setdefault("REDIS_URL", f"redis://127.0.0.1:6379/{2 + _worker}")
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
