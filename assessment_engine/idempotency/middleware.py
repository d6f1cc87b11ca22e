"""Idempotency-Key on every POST under /api/: the same key, user and body replays the answer.

A middleware rather than per-view code, so every POST endpoint gets the same behaviour. It
needs the user before the view runs, so it authenticates the bearer token first; the view's
authentication reuses that outcome (`BearerTokenAuthentication` keeps it on the request).

A view whose answer must never be kept sets `accepts_idempotency_key = False`: login, whose
answer is a new bearer token that would otherwise sit in plain text in the idempotency table
(and be replayed to anyone holding the key and the credentials). For such a view the header is
ignored: the request simply runs, every time.
"""

import logging

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from assessment_engine.accounts.authentication import BearerTokenAuthentication
from assessment_engine.api.envelope import error_json_response
from assessment_engine.api.errors import DomainError
from assessment_engine.api.exceptions import UNAVAILABLE_ERRORS, unavailable_message
from assessment_engine.api.middleware import is_api_path

from . import services
from .fingerprint import fingerprint

logger = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
REPLAYED_HEADER = "Idempotent-Replayed"
# Answers that describe what was done or the state found: replaying them is what a retry
# needs. Anything else (429, 503, 500, 401, 403, ...) is a refusal of the moment; storing it
# would lock the key into that refusal for 24 h, so the key is released and a retry acts.
REPLAYABLE_ERROR_STATUSES = frozenset({400, 404, 409, 413, 415, 422})


def is_replayable(status_code: int) -> bool:
    return 200 <= status_code < 300 or status_code in REPLAYABLE_ERROR_STATUSES


class IdempotencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(HEADER)
        if key is None or request.method != "POST" or not is_api_path(request.path):
            return self.get_response(request)
        if not _accepts_idempotency_key(request):
            return self.get_response(request)
        if not key.strip() or len(key) > MAX_KEY_LENGTH:
            return error_json_response(
                400,
                "VALIDATION_ERROR",
                "Invalid Idempotency-Key header.",
                {"idempotencyKey": [f"Between 1 and {MAX_KEY_LENGTH} characters."]},
            )
        try:
            user = _authenticated_user(request)
            if user is None:
                return self.get_response(request)  # the view answers 401 itself
            claim = services.idempotency_claim(user=user, key=key, fingerprint=fingerprint(request))
        except DomainError as exc:
            return error_json_response(exc.status_code, exc.code, exc.message, exc.details)
        except RequestDataTooBig:  # reading the body to fingerprint it
            return error_json_response(
                413, "PAYLOAD_TOO_LARGE", "The request body is larger than allowed."
            )
        except UNAVAILABLE_ERRORS:
            return error_json_response(503, "SERVICE_UNAVAILABLE", unavailable_message())
        if claim.replay:
            return _replay(claim.record)
        return self._respond_and_remember(request, claim)

    def _respond_and_remember(self, request: HttpRequest, claim) -> HttpResponse:
        try:
            response = self.get_response(request)
        except BaseException:
            _forget_quietly(claim.record)
            raise
        if not is_replayable(response.status_code) or response.streaming:
            _forget_quietly(claim.record)  # worth retrying: not stored
            return response
        try:
            services.idempotency_store(
                record=claim.record,
                status_code=response.status_code,
                body=response.content,
                content_type=response.get("Content-Type", ""),
            )
        except UNAVAILABLE_ERRORS as exc:
            # The action happened; the database went away before its answer was kept. The
            # client still gets that answer; the key is reclaimable once it is stale.
            logger.warning("Could not store the answer for an Idempotency-Key: %s", exc)
        return response


def _forget_quietly(record) -> None:
    try:
        services.idempotency_release(record=record)
    except UNAVAILABLE_ERRORS as exc:  # stale in-progress keys are reclaimed later
        logger.warning("Could not release an Idempotency-Key: %s", exc)


def _accepts_idempotency_key(request: HttpRequest) -> bool:
    try:
        view = resolve(request.path_info, urlconf=getattr(request, "urlconf", None)).func
    except Resolver404:
        return True  # the 404 is answered (and stored) like any other client error
    view_class = getattr(view, "view_class", None) or getattr(view, "cls", None)
    return getattr(view_class or view, "accepts_idempotency_key", True)


def _authenticated_user(request: HttpRequest):
    try:
        result = BearerTokenAuthentication().authenticate(Request(request))
    except AuthenticationFailed:
        return None
    return result[0] if result else None


def _replay(record) -> HttpResponse:
    response = HttpResponse(
        bytes(record.body or b""), status=record.status_code, content_type=record.content_type
    )
    response[REPLAYED_HEADER] = "true"
    return response
