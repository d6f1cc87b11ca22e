"""Protection for the AI provider shared by every worker process and host, with state in Redis.

- `CircuitBreaker`: stop calling a provider that keeps failing; let one probe through later.
- `GlobalRateLimit`: never more than N provider calls in any window, across all workers.

Both keep their state in Redis and change it only inside Lua scripts (atomic, one round trip,
timed by the Redis server's clock), so processes on different hosts agree without locks.
"""

from __future__ import annotations

import functools

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

from .breaker import CircuitBreaker, CircuitOpen, Permit
from .ratelimit import Acquired, GlobalRateLimit


@functools.cache
def shared_redis() -> redis.Redis:
    """One client (thread-safe connection pool) per process, on `settings.REDIS_URL`.

    It fails fast (2 s timeouts, two quick retries) rather than with redis-py's default
    backoff of several seconds: a worker asking whether it may call the provider should not
    hang on a Redis outage. redis-py's pool notices a fork and reconnects in the child, so
    this may be created before Celery forks its workers.
    """
    from django.conf import settings

    return redis.Redis.from_url(
        settings.REDIS_URL,
        socket_connect_timeout=2,
        socket_timeout=2,
        retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), retries=2),
    )


__all__ = [
    "Acquired",
    "CircuitBreaker",
    "CircuitOpen",
    "GlobalRateLimit",
    "Permit",
    "shared_redis",
]
