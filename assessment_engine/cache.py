"""Django's Redis cache, keeping one `redis.Redis` client per server instead of one per call.

Django's backend builds a new client for every cache operation, and redis-py rebuilds its
response-callback table (~170 entries) in each constructor: about 0.2 ms of CPU per call,
which on the candidate path was a tenth of a request. A client is thread-safe and its
connection pool reconnects after a fork, so one per server per process is enough.

The backend also hands that client out (`redis_client()`) to code that needs a Redis command
the cache API lacks, such as the throttles' Lua script, so every Redis user in the web process
shares one pool and one configuration (`CACHES`).
"""

import redis
from django.core.cache.backends import redis as django_redis


class _ReusingClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, redis.Redis] = {}

    def get_client(self, key=None, *, write=False) -> redis.Redis:
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = _ReusingClient

    def redis_client(self) -> redis.Redis:
        """The client of the server this cache writes to."""
        return self._cache.get_client(write=True)
