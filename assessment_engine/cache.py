"""Django's Redis cache on the project's shared client (`assessment_engine.redis_client`).

Django's backend builds a new client for every cache operation, and redis-py rebuilds its
response-callback table in each constructor: CPU on every call of the candidate path. Here
each server's one shared client serves every call, so the cache, the throttles and the AI
guards of a process share one pool and one configuration.
"""

import redis
from django.core.cache.backends import redis as django_redis

from .redis_client import redis_client


class _SharedClient(django_redis.RedisCacheClient):
    def get_client(self, key=None, *, write=False) -> redis.Redis:
        return redis_client(self._servers[self._get_connection_pool_index(write)])


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = _SharedClient

    def redis_client(self) -> redis.Redis:
        """The client of the server this cache writes to."""
        return self._cache.get_client(write=True)
