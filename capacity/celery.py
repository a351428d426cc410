"""The Celery app: Redis broker, settings from Django's CELERY_* names."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "capacity.settings")

app = Celery("capacity")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
