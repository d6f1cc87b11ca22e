"""Liveness and readiness probes (no authentication)."""

import redis
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from ..readiness import readiness_details
from ..redis_client import redis_client
from .envelope import error_body


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
        return JsonResponse({"status": "ok", "checks": checks, "details": readiness_details()})
    failing = [name for name, result in checks.items() if result != "ok"]
    body = error_body(
        "SERVICE_UNAVAILABLE", f"Not ready: {', '.join(failing)} unreachable.", {"failing": failing}
    )
    return JsonResponse({"status": "unavailable", "checks": checks, **body}, status=503)


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
        redis_client().ping()
        return "ok"
    except redis.RedisError as exc:
        return f"error: {type(exc).__name__}"
