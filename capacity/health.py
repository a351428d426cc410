"""Checks behind /healthz: each returns None when the service is up, or why it is not."""

import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import connection

from capacity import cache as cache_breaker


def database_problem():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # noqa: BLE001 — any failure means "down"
        return error.__class__.__name__
    return None


# Seconds the broker check waits on a Redis that accepts connections and never
# answers; with the cache's two calls at its own timeout (settings.CACHES),
# /healthz answers within a second whichever way Redis is down.
BROKER_TIMEOUT = 0.3


def cache_problem():
    key = f"healthz:{uuid.uuid4().hex}"
    # Asked even while this process has stopped asking it (capacity.cache): the check tells the truth.
    with cache_breaker.asking_anyway():
        try:
            cache.set(key, "ok", timeout=5)
            value = cache.get(key)
        except Exception as error:  # noqa: BLE001
            return error.__class__.__name__
        if value != "ok":
            # The cache ignores its own errors (IGNORE_EXCEPTIONS): down reads as a miss.
            return "cache did not return what was stored"
        cache.delete(key)
    cache_breaker.mark_up()  # it answers: the pages may ask it again
    return None


def broker_problem():
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return None  # Tasks run in-process; there is no broker to reach.
    from capacity.celery import app

    timeouts = {"socket_connect_timeout": BROKER_TIMEOUT, "socket_timeout": BROKER_TIMEOUT}
    try:
        with app.connection_for_write(connect_timeout=BROKER_TIMEOUT, transport_options=timeouts) as conn:
            # One attempt: a retry would sleep seconds before answering "down".
            conn.ensure_connection(max_retries=0)
    except Exception as error:  # noqa: BLE001
        return error.__class__.__name__
    return None


def service_report():
    """The state of every service the portal needs, and whether all are up."""
    checks = {"database": database_problem, "cache": cache_problem, "broker": broker_problem}
    report = {}
    for name, check in checks.items():
        problem = check()
        report[name] = {"status": "up"} if problem is None else {"status": "down", "error": problem}
    report_ok = all(entry["status"] == "up" for entry in report.values())
    return report_ok, report
