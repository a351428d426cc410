"""The Redis cache, for a portal that keeps working while Redis is down."""

from django_redis.cache import RedisCache, omit_exception


class FailOpenRedisCache(RedisCache):
    """django-redis with IGNORE_EXCEPTIONS, where add() on an unreachable Redis says it stored.

    IGNORE_EXCEPTIONS turns every error into a miss, but add() then answers None, and
    allauth's rate limiter takes its lock with add(): it would wait a second and refuse
    every login (429) until Redis is back. Letting the request through is the lesser
    harm; the limit applies again as soon as the cache answers.
    """

    @omit_exception(return_value=True)
    def add(self, *args, **kwargs):
        return self.client.add(*args, **kwargs)
