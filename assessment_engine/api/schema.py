"""OpenAPI pieces shared by every endpoint: the error envelope and its documented statuses."""

from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

ErrorEnvelope = inline_serializer(
    name="ErrorEnvelope",
    fields={
        "error": inline_serializer(
            name="Error",
            fields={
                "code": serializers.CharField(help_text="Stable machine-readable code."),
                "message": serializers.CharField(help_text="Human-readable explanation."),
                "details": serializers.DictField(
                    help_text="Structured context, e.g. field -> messages for VALIDATION_ERROR."
                ),
            },
        )
    },
)

_DESCRIPTIONS = {
    400: "VALIDATION_ERROR: malformed JSON or missing/invalid fields",
    401: "NOT_AUTHENTICATED: no, bad, expired or revoked token",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "Conflict with the resource's current state",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    422: "Unprocessable",
    429: "THROTTLED (Retry-After header set)",
    503: "SERVICE_UNAVAILABLE: database unreachable",
}


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    return {
        status: OpenApiResponse(response=ErrorEnvelope, description=_DESCRIPTIONS[status])
        for status in statuses
    }


# Every authenticated endpoint can answer these.
ERROR_RESPONSES = error_responses(400, 401, 429, 503)
