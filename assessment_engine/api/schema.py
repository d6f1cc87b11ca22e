"""OpenAPI pieces shared by every endpoint: the error envelope and its documented statuses."""

import re

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
    404: "NOT_FOUND (for lists: a page past the end)",
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


def conflicts(*codes: str) -> dict[int, OpenApiResponse]:
    """The 409 of an endpoint, naming the error codes it can answer (shown in Swagger UI)."""
    description = "Conflict with the resource's current state: " + ", ".join(codes)
    return {409: OpenApiResponse(response=ErrorEnvelope, description=description)}


# Every authenticated endpoint can answer these.
ERROR_RESPONSES = error_responses(400, 401, 429, 503)
# Lists also answer 404 for a page past the end.
LIST_ERROR_RESPONSES = {**ERROR_RESPONSES, **error_responses(404)}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def contract_paths_hook(result: dict, **kwargs) -> dict:
    """Publish paths as the contract writes them: no trailing slash, camelCase path params.

    The routes accept both slash forms; the schema names the canonical one.
    """
    paths = {}
    for path, operations in result.get("paths", {}).items():
        canonical = re.sub(r"\{(\w+)\}", lambda m: "{" + _camel(m.group(1)) + "}", path)
        canonical = canonical.rstrip("/") or "/"
        for operation in operations.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                if parameter.get("in") == "path":
                    parameter["name"] = _camel(parameter["name"])
        paths[canonical] = operations
    result["paths"] = paths
    return result


# Request bodies whose serializers refuse unknown fields (a misspelt field would otherwise be
# dropped and the change silently not made): the schema says so, so clients and fuzzers know.
CLOSED_REQUEST_COMPONENTS = ("PatchedPolicyRequest",)


def closed_request_bodies_hook(result: dict, **kwargs) -> dict:
    schemas = result.get("components", {}).get("schemas", {})
    for name in CLOSED_REQUEST_COMPONENTS:
        if name in schemas:
            schemas[name]["additionalProperties"] = False
    return result


NO_NUL = r"^[^\x00]*$"


def query_strings_without_nul_hook(result: dict, **kwargs) -> dict:
    """Every query parameter under /api/ refuses a NUL (`ApiErrorMiddleware`: PostgreSQL cannot
    store one): string parameters say so with a pattern, unless they state a stricter one."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                schema = parameter.get("schema", {})
                if parameter.get("in") == "query" and schema.get("type") == "string":
                    schema.setdefault("pattern", NO_NUL)
    return result
