"""The provider's guards, shared by every worker through Redis: a circuit breaker and a global
rate limit. A call that may not go out now is deferred, not failed (`ProviderDeferred`)."""

import functools
import random

import redis
from django.conf import settings

from assessment_engine.redis_client import redis_client

from ..errors import ProviderDeferred
from ..resilience import CircuitBreaker, CircuitOpen, GlobalRateLimit, Permit
from .base import AIProvider, AIRequest, AIResponse, TransientAIError

# When Redis cannot say whether a call may go out, wait this long and ask again.
GUARD_UNAVAILABLE_WAIT_SECONDS = 5.0


def guarded_complete(provider: AIProvider, request: AIRequest) -> AIResponse:
    breaker, limit = guards_for(provider.name)
    permit = _permit(breaker)
    try:
        wait = limit.acquire()
    except redis.RedisError as exc:
        breaker.release(permit)
        raise _deferred(GUARD_UNAVAILABLE_WAIT_SECONDS, "rate limiter unreachable") from exc
    if wait > 0:
        breaker.release(permit)
        raise _deferred(wait, "AI rate limit reached")
    try:
        response = provider.complete(request)
    except TransientAIError:
        breaker.record_failure(permit)
        raise
    except BaseException:
        breaker.release(permit)  # permanent errors say nothing about the provider's health
        raise
    breaker.record_success(permit)
    return response


def provider_state(provider_name: str) -> dict:
    """The breaker's state, for /readyz."""
    return guards_for(provider_name)[0].state()


def guards_for(provider_name: str) -> tuple[CircuitBreaker, GlobalRateLimit]:
    return _guards(
        provider_name,
        settings.AI_BREAKER_FAILURE_THRESHOLD,
        settings.AI_BREAKER_OPEN_SECONDS,
        settings.AI_REQUESTS_PER_MINUTE,
        settings.REDIS_URL,
    )


@functools.lru_cache(maxsize=16)
def _guards(name, threshold, open_seconds, per_minute, redis_url):
    client = redis_client(redis_url)
    breaker = CircuitBreaker(
        name,
        failure_threshold=threshold,
        open_seconds=open_seconds,
        redis_client=client,
        # A probe slot must outlive a real call, or a second probe could start meanwhile.
        probe_timeout=max(open_seconds, settings.AI_REQUEST_TIMEOUT_SECONDS + 30),
    )
    return breaker, GlobalRateLimit(name, limit=per_minute, redis_client=client)


def _permit(breaker: CircuitBreaker) -> Permit:
    try:
        return breaker.before_call()
    except CircuitOpen as exc:
        raise _deferred(exc.retry_after, "AI provider unavailable (circuit open)") from exc
    except redis.RedisError as exc:
        raise _deferred(GUARD_UNAVAILABLE_WAIT_SECONDS, "circuit breaker unreachable") from exc


def _deferred(wait: float, reason: str) -> ProviderDeferred:
    # Every waiter gets the same wait; jitter keeps them from returning in one burst.
    countdown = max(0.5, wait) + random.uniform(0, min(5.0, 0.2 * max(wait, 1.0)))  # noqa: S311
    return ProviderDeferred(countdown, reason)
