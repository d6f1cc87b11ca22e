"""Rate limits for the API, counted exactly in Redis, failing open.

DRF's own throttles keep each client's request history as a pickled list in the cache: a read,
then a write (two round trips, two (de)serializations of up to N timestamps), with a gap in
between in which concurrent requests of one user all see the same history, so a burst gets
through above the rate. Here the count is the sliding-window log of the AI rate limit
(`jobs.resilience.GlobalRateLimit`): one atomic Lua script per request, exact under any
concurrency, and it answers the wait for `Retry-After` in the same round trip.

Throttling protects capacity; it must never take the API down with it. If Redis cannot be
reached the request is allowed (and the outage logged), so candidates keep submitting while
Redis is away.
"""

import logging

import redis
from django.core.cache import cache
from rest_framework.throttling import ScopedRateThrottle, SimpleRateThrottle

from jobs.resilience import GlobalRateLimit

logger = logging.getLogger(__name__)


class SlidingWindowThrottle(SimpleRateThrottle):
    """`SimpleRateThrottle` (rate, key and wait as DRF defines them) counted by one script."""

    wait_seconds = 0.0

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        window = GlobalRateLimit(
            self.key,
            limit=self.num_requests,
            window_seconds=self.duration,
            redis_client=cache.redis_client(),
        )
        try:
            self.wait_seconds = window.acquire()
        except (redis.RedisError, OSError) as exc:
            logger.warning("Throttle store unavailable, allowing the request: %s", exc)
            return True
        return self.wait_seconds == 0

    def wait(self) -> float:
        return self.wait_seconds


class ResilientScopedRateThrottle(ScopedRateThrottle, SlidingWindowThrottle):
    """DRF's scoped throttle (each view names its scope; per user, or per IP when anonymous),
    counted by `SlidingWindowThrottle`: `ScopedRateThrottle` picks the rate, then hands over."""
