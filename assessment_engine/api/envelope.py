"""The one error body shape of the contract, for DRF responses and plain Django responses."""

from typing import Any

from django.http import JsonResponse


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def error_json_response(
    status: int, code: str, message: str, details: dict[str, Any] | None = None
) -> JsonResponse:
    """For errors raised outside DRF views (unknown URLs, middleware, crashes)."""
    return JsonResponse(error_body(code, message, details), status=status)
