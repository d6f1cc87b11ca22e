"""Rate limits for the API, counted in Redis (the Django cache), failing open.

Throttling protects capacity; it must never take the API down with it. If Redis cannot be
reached the request is allowed (and the outage logged), so candidates keep submitting while
Redis is away.
"""

import logging

import redis
from rest_framework.throttling import ScopedRateThrottle

logger = logging.getLogger(__name__)


class ResilientScopedRateThrottle(ScopedRateThrottle):
    """DRF's scoped throttle (per user, or per IP when anonymous) that fails open."""

    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except (redis.RedisError, OSError) as exc:
            logger.warning("Throttle store unavailable, allowing the request: %s", exc)
            return True
