"""The Redis cache, for a portal that keeps working while Redis is down.

When Redis does not answer (down, or hanging until the socket timeouts of
settings.CACHES), this process stops asking it for kept content for RETRY_SECONDS: get,
get_many, set, set_many, delete and delete_many then answer at once as a miss (get its
default, get_many nothing; writes store nothing), so each request renders without the
cache instead of waiting a quarter of a second per call. Every reader and writer of kept
content gets this — the fragments, the funding figures, the learning reports' pages —
without a check of its own. Counters and locks (add, incr: the rate limits, the one-time
codes' replay check) always ask Redis: they must not be waved through while it answers.
"""

import logging
import threading
import time
from contextlib import contextmanager

from django_redis.cache import RedisCache, omit_exception
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

RETRY_SECONDS = 5
# The client's calls for kept content; the rest (add, incr, locks…) are always passed through.
GUARDED = frozenset({"get", "get_many", "set", "set_many", "delete", "delete_many"})
_down_until = 0.0
_asking = threading.local()
logger = logging.getLogger(__name__)


def is_down():
    """Whether a connection to the cache failed or timed out in this process within the last RETRY_SECONDS."""
    return time.monotonic() < _down_until and not getattr(_asking, "anyway", False)


def mark_down():
    global _down_until
    if not is_down():  # said once each time it opens, not for every call it spares
        logger.warning("The cache did not answer: this process renders without kept content for %s s.", RETRY_SECONDS)
    _down_until = time.monotonic() + RETRY_SECONDS


def mark_up():
    """Ask the cache again on the next call (tests; a check that found Redis back)."""
    global _down_until
    _down_until = 0.0


@contextmanager
def asking_anyway():
    """Calls in this block (this thread) ask Redis even while it is marked down: /healthz must tell the truth."""
    _asking.anyway = True
    try:
        yield
    finally:
        _asking.anyway = False


class _MarkedDown(RedisConnectionError):
    """The cause given to the calls refused while the cache is marked down."""


class _Breaker:
    """django-redis's client, refusing calls for kept content while the cache is marked down.

    A refused call raises ConnectionInterrupted as a failed one does, so RedisCache's
    IGNORE_EXCEPTIONS gives its usual miss. Only a connection that fails or times out
    marks the cache down, not an error Redis answers with (a wrong type, a full memory).
    """

    def __init__(self, client):
        self._client = client

    def __getattr__(self, name):
        attribute = getattr(self._client, name)
        if name not in GUARDED:
            return attribute

        def guarded(*args, **kwargs):
            if is_down():
                raise ConnectionInterrupted(connection=None) from _MarkedDown("the cache is marked down")
            try:
                return attribute(*args, **kwargs)
            except ConnectionInterrupted as error:
                if isinstance(error.__cause__, RedisConnectionError | RedisTimeoutError | OSError):
                    mark_down()
                raise

        return guarded


class FailOpenRedisCache(RedisCache):
    """django-redis with IGNORE_EXCEPTIONS and the breaker above, where add() on an unreachable Redis says it stored.

    IGNORE_EXCEPTIONS turns every error into a miss, but add() then answers None, and
    allauth's rate limiter takes its lock with add(): it would wait a second and refuse
    every login (429) until Redis is back. Letting the request through is the lesser
    harm; add() asks Redis every time, so the limit applies again as soon as it answers.
    """

    @property
    def client(self):
        return _Breaker(super().client)

    @omit_exception(return_value=True)
    def add(self, *args, **kwargs):
        return self.client.add(*args, **kwargs)
