"""Liveness and readiness probes (no authentication)."""

import redis
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from jobs.ai.factory import get_provider
from jobs.ai.guard import provider_state
from jobs.ai.offline import OfflineProvider
from jobs.selectors import failed_job_count

from .envelope import error_body

PROBE_TIMEOUT_SECONDS = 2


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is alive; no dependency is checked."""
    return JsonResponse({"status": "ok"})


@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Really pings PostgreSQL and Redis; 503 names the failing check."""
    checks = {"database": _check_database(), "redis": _check_redis()}
    ready = all(result == "ok" for result in checks.values())
    if ready:
        return JsonResponse({"status": "ok", "checks": checks, "details": _details()})
    failing = [name for name, result in checks.items() if result != "ok"]
    body = error_body(
        "SERVICE_UNAVAILABLE", f"Not ready: {', '.join(failing)} unreachable.", {"failing": failing}
    )
    return JsonResponse({"status": "unavailable", "checks": checks, **body}, status=503)


def _details() -> dict:
    """Operational figures that do not decide readiness (dead letters, provider breaker)."""
    details = {"failedJobs": failed_job_count()}
    provider = get_provider()
    if provider.name != OfflineProvider.name:
        try:
            details["aiProvider"] = provider_state(provider.name)
        except redis.RedisError:
            details["aiProvider"] = {"state": "UNKNOWN"}
    return details


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready", reported by name
        connection.close_if_unusable_or_obsolete()
        return f"error: {type(exc).__name__}"


def _check_redis() -> str:
    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL,
            socket_connect_timeout=PROBE_TIMEOUT_SECONDS,
            socket_timeout=PROBE_TIMEOUT_SECONDS,
        )
        with client:
            client.ping()
        return "ok"
    except redis.RedisError as exc:
        return f"error: {type(exc).__name__}"
