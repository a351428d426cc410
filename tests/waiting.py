"""Waiting for what a real Celery worker does in its own process."""

import time


def wait_for(condition, seconds=15):
    """Poll `condition` until it holds or `seconds` pass; returns whether it held."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False
