from drf_spectacular.utils import extend_schema
from rest_framework import views, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from assessment_engine.api.permissions import IsStaff
from assessment_engine.api.routers import UUID_PATH_PATTERN
from assessment_engine.api.schema import ERROR_RESPONSES, error_responses

from . import ops, selectors
from .serializers import JobSerializer, OpsStatusSerializer


class JobViewSet(viewsets.ViewSet):
    permission_classes = [IsStaff]
    lookup_url_kwarg = "job_id"
    lookup_value_regex = UUID_PATH_PATTERN

    @extend_schema(
        summary="A job's status, result and every attempt (staff)",
        description=(
            "Poll this after a generation trigger. Status goes `PENDING → PROCESSING → "
            "COMPLETED | FAILED` (back to PENDING between attempts, or while the provider's "
            "circuit is open). `result` is `{assessmentId}` for GENERATION and `{sessionId, "
            "score, maxScore}` for EVALUATION; `attempts` lists every try with its error and "
            "duration. A FAILED job is queued again by the same trigger or from the admin."
        ),
        responses={200: JobSerializer, **ERROR_RESPONSES, **error_responses(403, 404)},
    )
    def retrieve(self, request: Request, job_id: str) -> Response:
        job = selectors.job_with_attempts(job_id=job_id)
        return Response(JobSerializer(job).data)


class OpsStatusView(views.APIView):
    """What ops watch (`/readyz` stays about readiness)."""

    permission_classes = [IsStaff]

    @extend_schema(
        summary="Queue depths, failed jobs in the last hour, the AI provider's breaker (staff)",
        responses={200: OpsStatusSerializer, **ERROR_RESPONSES, **error_responses(403)},
    )
    def get(self, request: Request) -> Response:
        return Response(OpsStatusSerializer(ops.ops_status()).data)
