"""The one way this project gets a Redis client: one `redis.Redis` (one connection pool) per
server URL per process, shared by the cache, the throttles, the AI provider's guards and the
readiness probe.

It fails fast (2 s timeouts, two quick retries) rather than with redis-py's default backoff:
a request or a worker asking Redis whether it may go on should not hang on an outage. A client
is thread-safe, and its pool notices a fork and reconnects in the child, so one per URL is
enough even when created before Celery or gunicorn fork.
"""

import functools

import redis
from django.conf import settings
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

TIMEOUT_SECONDS = 2


def redis_client(url: str | None = None) -> redis.Redis:
    """The process's client of `url` (default: `settings.REDIS_URL`, read at each call)."""
    return _client_for(url or settings.REDIS_URL)


@functools.cache
def _client_for(url: str) -> redis.Redis:
    return redis.Redis.from_url(
        url,
        socket_connect_timeout=TIMEOUT_SECONDS,
        socket_timeout=TIMEOUT_SECONDS,
        retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), retries=2),
    )
