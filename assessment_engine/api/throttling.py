"""Rate limits for the API, counted exactly in Redis, failing open.

DRF's own throttles keep each client's request history as a pickled list in the cache: a read,
then a write (two round trips, two (de)serializations of up to N timestamps), with a gap in
between in which concurrent requests of one user all see the same history, so a burst gets
through above the rate. Here the count is the sliding-window log of `GlobalRateLimit` (the
AI provider's limit, too): one atomic Lua script per request, exact under any concurrency, and
it answers the wait for `Retry-After` in the same round trip.

Throttling protects capacity; it must never take the API down with it. If Redis cannot be
reached the request is allowed (and the outage logged), so candidates keep submitting while
Redis is away.
"""

import hashlib
import logging

import redis
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle, ScopedRateThrottle, SimpleRateThrottle

from assessment_engine.ratelimit import GlobalRateLimit

logger = logging.getLogger(__name__)


def client_ident(request) -> str:
    """The client's address as every throttle sees it (honouring `NUM_PROXIES`)."""
    # No REMOTE_ADDR (some WSGI servers and test clients): every such request shares one ident.
    return BaseThrottle().get_ident(request) or "unknown"


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


class LoginAccountThrottle(SlidingWindowThrottle):
    """Login attempts at one account from one client (`THROTTLE_LOGIN_RATE`): guessing one
    account's password stays slow, while a whole exam hall behind one NAT address can still
    log in together, each candidate counted on their own."""

    scope = "login"

    def get_cache_key(self, request, view) -> str:
        username = _submitted_username(request)
        # Hashed: keys stay short and Redis never holds the usernames people typed.
        account = hashlib.sha256(str(username or "").strip().lower().encode()).hexdigest()[:32]
        return self.cache_format % {
            "scope": self.scope,
            "ident": f"{self.get_ident(request)}:{account}",
        }


class LoginClientThrottle(SlidingWindowThrottle):
    """All login attempts from one client (`THROTTLE_LOGIN_CLIENT_RATE`, set for the largest
    room behind one address): caps spraying one password across many accounts."""

    scope = "login_client"

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def _submitted_username(request) -> str | None:
    """The username of an API login (DRF's `data`) or of the admin's login form (`POST`)."""
    data = getattr(request, "data", None)
    if data is None:
        data = request.POST
    return data.get("username") if hasattr(data, "get") else None


LOGIN_THROTTLES = (LoginAccountThrottle, LoginClientThrottle)


def login_throttle_wait(request) -> float:
    """Count one login attempt against every login throttle, as DRF would for the API's login
    view; the seconds to wait if any refuses it, else 0. For logins outside DRF (the admin's),
    so both share one count per account and per address."""
    waits = []
    for throttle_class in LOGIN_THROTTLES:
        throttle = throttle_class()
        if not throttle.allow_request(request, None):
            waits.append(throttle.wait())
    return max(waits, default=0.0)
