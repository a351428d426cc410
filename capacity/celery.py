"""The Celery app: Redis broker, settings from Django's CELERY_* names."""

import os

from celery import Celery
from celery.signals import worker_process_init

from capacity import memory

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "capacity.settings")

app = Celery("capacity")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def _return_large_blocks(**_kwargs):
    """Each worker process gives freed arrays back at once (capacity.memory): a learning-report
    year frees hundreds of MB of them as it goes."""
    memory.return_large_blocks()
