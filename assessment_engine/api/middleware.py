"""Request-level middleware: request id + one structured log line, and API crash rendering."""

import logging
import re
import time
import uuid

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse

from assessment_engine.request_context import request_id_var

from .envelope import error_json_response
from .exceptions import (
    REQUEST_TOO_LARGE,
    UNAVAILABLE_ERRORS,
    internal_error_message,
    suspicious_request_response,
    unavailable_message,
)
from .parsers import unsafe_string_reason

request_logger = logging.getLogger("assessment_engine.request")
error_logger = logging.getLogger("assessment_engine.errors")

REQUEST_ID_HEADER = "X-Request-ID"
# A client-sent id is kept only if it is short and harmless to put in logs.
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def is_api_path(path: str) -> bool:
    return path.startswith("/api/")


def rejected_request_response(request: HttpRequest, exc: Exception) -> HttpResponse:
    """A request Django refused before any view could judge it (bad Host header, body or form
    over the limits): 413 or 400, in the envelope on /api/, and never a debug page."""
    if is_api_path(request.path):
        return suspicious_request_response(exc, JsonResponse)
    if isinstance(exc, REQUEST_TOO_LARGE):
        return HttpResponse("Request too large.", status=413, content_type="text/plain")
    return HttpResponseBadRequest("Bad request.", content_type="text/plain")


def _is_quiet(request: HttpRequest, response: HttpResponse) -> bool:
    """A static file served well is not worth a log line (a page of the admin or the docs
    fetches dozens); a failed one still is."""
    return response.status_code < 400 and request.path.startswith(settings.STATIC_URL)


class RequestContextMiddleware:
    """Assigns the request id (echoed back), and logs method, path, status, duration, user."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            if _is_quiet(request, response):
                return response
            request_logger.info(
                "%s %s %s %.1fms user=%s",
                request.method,
                request.path,
                response.status_code,
                (time.perf_counter() - started) * 1000,
                _user_label(request),
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "user": _user_label(request),
                },
            )
            return response
        finally:
            request_id_var.reset(token)


def _user_label(request: HttpRequest) -> str:
    user = getattr(request, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return "-"
    return str(user.pk)


class ApiErrorMiddleware:
    """Errors that escape a view under /api/ still answer in the envelope, never a traceback.

    It also refuses a query string holding a NUL character (PostgreSQL cannot store or compare
    one) for every endpoint at once; bodies are checked by `assessment_engine.api.parsers`.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if is_api_path(request.path):
            for name, values in request.GET.lists():
                reason = next(filter(None, map(unsafe_string_reason, [name, *values])), None)
                if reason:
                    return error_json_response(
                        400,
                        "VALIDATION_ERROR",
                        f"The query string contains a {reason}, which is not accepted.",
                        {name: [f"No {reason} allowed."]},
                    )
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if not is_api_path(request.path) and request.path not in ("/readyz", "/readyz/"):
            return None
        if isinstance(exc, SuspiciousOperation):  # e.g. a JSON body over the size limit
            return rejected_request_response(request, exc)
        if isinstance(exc, UNAVAILABLE_ERRORS):
            error_logger.warning("Backing service unavailable: %s: %s", type(exc).__name__, exc)
            return error_json_response(503, "SERVICE_UNAVAILABLE", unavailable_message())
        error_logger.error("Unhandled error on %s", request.path, exc_info=exc)
        return error_json_response(500, "INTERNAL_ERROR", internal_error_message())
