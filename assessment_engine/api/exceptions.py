"""The single exception handler: every error of every API view becomes the contract envelope.

Errors raised outside DRF views (unknown URLs, middleware) are rendered by
`assessment_engine.api.middleware.ApiErrorMiddleware` and the URL handlers, with the same body.
"""

import logging

import redis
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import (
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.db import InterfaceError, OperationalError
from django.http import Http404
from rest_framework import exceptions as drf
from rest_framework.response import Response
from rest_framework.views import set_rollback

from assessment_engine.request_context import current_request_id

from .envelope import error_body
from .errors import DomainError, Throttled

logger = logging.getLogger("assessment_engine.errors")

# Errors that mean "a backing service is down", not "the code is wrong".
UNAVAILABLE_ERRORS = (OperationalError, InterfaceError, redis.ConnectionError, redis.TimeoutError)

_DRF_CODES: list[tuple[type[drf.APIException], str]] = [
    (drf.NotAuthenticated, "NOT_AUTHENTICATED"),
    (drf.AuthenticationFailed, "NOT_AUTHENTICATED"),
    (drf.PermissionDenied, "PERMISSION_DENIED"),
    (drf.NotFound, "NOT_FOUND"),
    (drf.MethodNotAllowed, "METHOD_NOT_ALLOWED"),
    (drf.NotAcceptable, "NOT_ACCEPTABLE"),
    (drf.UnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE"),
    (drf.Throttled, "THROTTLED"),
    (drf.ParseError, "VALIDATION_ERROR"),
    (drf.ValidationError, "VALIDATION_ERROR"),
]


def api_exception_handler(exc: Exception, context: dict) -> Response:
    set_rollback()
    if isinstance(exc, DomainError):
        headers = {}
        if isinstance(exc, Throttled):
            headers["Retry-After"] = str(exc.retry_after_seconds)
        return Response(
            error_body(exc.code, exc.message, exc.details), status=exc.status_code, headers=headers
        )
    if isinstance(exc, SuspiciousOperation):
        return suspicious_request_response(exc, Response)
    if isinstance(exc, Http404):
        exc = drf.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = drf.PermissionDenied()
    if isinstance(exc, drf.APIException):
        return _render_drf_exception(exc)
    if isinstance(exc, UNAVAILABLE_ERRORS):
        logger.warning("Backing service unavailable: %s: %s", type(exc).__name__, exc)
        return Response(error_body("SERVICE_UNAVAILABLE", unavailable_message()), status=503)
    logger.exception("Unhandled error in %s", context.get("view").__class__.__name__)
    return Response(error_body("INTERNAL_ERROR", internal_error_message()), status=500)


# Django reports these as SuspiciousOperation (a 400); they mean "the request is too large".
REQUEST_TOO_LARGE = (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)


def suspicious_request_response(exc: SuspiciousOperation, response_class):
    """Django's refusals of a hostile request (a body or form over the limits, a bad Host
    header, a malformed multipart header): the client's fault, so a 413 or 400 in the
    envelope, never a 500 or a debug page."""
    if isinstance(exc, REQUEST_TOO_LARGE):
        body = error_body("PAYLOAD_TOO_LARGE", "The request body is larger than allowed.")
        return response_class(body, status=413)
    return response_class(error_body("VALIDATION_ERROR", "Malformed request."), status=400)


def unavailable_message() -> str:
    return "The service is temporarily unavailable; try again shortly."


def internal_error_message() -> str:
    return f"An unexpected error occurred (request id {current_request_id() or 'unknown'})."


def _render_drf_exception(exc: drf.APIException) -> Response:
    code = next((code for cls, code in _DRF_CODES if isinstance(exc, cls)), "ERROR")
    headers = {}
    if isinstance(exc, drf.ValidationError):
        message, details = "The request is invalid.", _field_details(exc.detail)
    elif isinstance(exc, drf.ParseError):
        message, details = f"Malformed request body: {exc.detail}", {}
    else:
        message, details = str(exc.detail), {}
    if isinstance(exc, drf.Throttled) and exc.wait is not None:
        headers["Retry-After"] = str(max(1, int(exc.wait + 0.999)))
        details = {"retryAfterSeconds": int(headers["Retry-After"])}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    return Response(error_body(code, message, details), status=exc.status_code, headers=headers)


def _field_details(detail) -> dict:
    """`details` maps field -> messages; errors of no single field go under `non_field_errors`."""
    if isinstance(detail, dict):
        return {field: _messages(value) for field, value in detail.items()}
    return {"non_field_errors": _messages(detail)}


def _messages(value):
    if isinstance(value, dict):
        return {key: _messages(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_messages(item) if isinstance(item, dict | list) else str(item) for item in value]
    return [str(value)]
