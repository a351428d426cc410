"""The Redis cache, for a portal that keeps working while Redis is down.

When Redis does not answer (down, or hanging until the socket timeouts of
settings.CACHES), this process stops asking it for RETRY_SECONDS: every cache call then
answers at once as a miss (get None, add True, set nothing), so each request renders
without the cache instead of waiting a quarter of a second per call. Every caller of
django.core.cache gets this — the fragments, the funding figures, the learning reports'
pages, the rate limits — without a check of its own.
"""

import time

from django_redis.cache import RedisCache, omit_exception
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

RETRY_SECONDS = 5
_down_until = 0.0


def is_down():
    """Whether a cache call failed in this process within the last RETRY_SECONDS."""
    return time.monotonic() < _down_until


def mark_down():
    global _down_until
    _down_until = time.monotonic() + RETRY_SECONDS


def mark_up():
    """Ask the cache again on the next call (tests; a process that knows Redis is back)."""
    global _down_until
    _down_until = 0.0


class _MarkedDown(ConnectionError):
    """The cause given to the calls refused while the cache is marked down."""


class _Breaker:
    """django-redis's client, refusing every call while the cache is marked down and marking it on a failure.

    A refused call raises ConnectionInterrupted as a failed one does, so RedisCache's
    IGNORE_EXCEPTIONS gives its usual miss. Only a connection that fails or times out
    marks the cache down; closing is always passed through.
    """

    def __init__(self, client):
        self._client = client

    def __getattr__(self, name):
        attribute = getattr(self._client, name)
        if name.startswith("_") or name == "close" or not callable(attribute):
            return attribute

        def guarded(*args, **kwargs):
            if is_down():
                raise ConnectionInterrupted(connection=None) from _MarkedDown("the cache is marked down")
            try:
                return attribute(*args, **kwargs)
            except ConnectionInterrupted as error:
                # Down or hanging; not an error Redis answered with (a wrong type, a full memory).
                if isinstance(error.__cause__, RedisConnectionError | RedisTimeoutError | OSError):
                    mark_down()
                raise

        return guarded


class FailOpenRedisCache(RedisCache):
    """django-redis with IGNORE_EXCEPTIONS and the breaker above, where add() on an unreachable Redis says it stored.

    IGNORE_EXCEPTIONS turns every error into a miss, but add() then answers None, and
    allauth's rate limiter takes its lock with add(): it would wait a second and refuse
    every login (429) until Redis is back. Letting the request through is the lesser
    harm; the limit applies again as soon as the cache answers.
    """

    @property
    def client(self):
        return _Breaker(super().client)

    @omit_exception(return_value=True)
    def add(self, *args, **kwargs):
        return self.client.add(*args, **kwargs)
