"""Staff endpoints under /api/v1/assessments/{assessmentId}/: results and item statistics.

They read sessions and evaluations, so they live here (sessions depends on assessments, never
the reverse) and are routed under the assessments prefix by `sessions.urls`.
"""

from collections.abc import Sequence

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import renderers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

from assessment_engine.api.permissions import IsStaff
from assessment_engine.api.routers import UUID_PATH_PATTERN
from assessment_engine.api.schema import ERROR_RESPONSES, LIST_ERROR_RESPONSES, error_responses
from assessments.content_cache import content_of
from assessments.selectors import assessment_get_visible

from .models import SessionStatus
from .results import REVIEW_STATES, ResultsFilter, results_csv_response, results_queryset
from .serializers import ResultRowSerializer, StatisticsSerializer
from .statistics import assessment_statistics

ROWS = ("sessions", "answers")


class CSVRenderer(renderers.BaseRenderer):
    """Lets content negotiation pick CSV (`Accept: text/csv` or `?format=csv`); the view
    streams the body itself, so this never renders anything."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        raise NotImplementedError("CSV responses are streamed by the view.")


RESULTS_PARAMETERS = [
    OpenApiParameter("status", str, enum=SessionStatus.values, description="Session status."),
    OpenApiParameter(
        "reviewState",
        str,
        enum=list(REVIEW_STATES),
        description="Review state of the evaluation (sessions not graded yet never match).",
    ),
    OpenApiParameter(
        "format",
        str,
        enum=["json", "csv"],
        description="`csv`: the same as `Accept: text/csv`. Default: JSON.",
    ),
    OpenApiParameter(
        "rows",
        str,
        enum=list(ROWS),
        description=(
            "CSV only. `sessions` (default): one line per session with one column per "
            "question's score. `answers`: one line per submitted answer (username, userId, "
            "sessionId, attempt, sectionId, questionId, questionType, answer, score, maxScore)."
        ),
    ),
    OpenApiParameter(
        "page", {"type": "integer", "minimum": 1}, description="JSON only: a page number."
    ),
    OpenApiParameter(
        "pageSize",
        {"type": "integer", "minimum": 1, "maximum": 100},
        description="JSON only: rows per page (default 20).",
    ),
]
# Errors are JSON whatever was asked for (`finalize_response`).
RESULTS_ERRORS = {
    (status, "application/json"): response
    for status, response in {**LIST_ERROR_RESPONSES, **error_responses(403)}.items()
}


class AssessmentResultsViewSet(viewsets.GenericViewSet):
    permission_classes = [IsStaff]
    lookup_url_kwarg = "assessment_id"
    lookup_value_regex = UUID_PATH_PATTERN
    renderer_classes = [*api_settings.DEFAULT_RENDERER_CLASSES, CSVRenderer]

    def get_renderers(self):
        renderers = super().get_renderers()
        return renderers[:-1] if self.action == "statistics" else renderers  # JSON only

    def perform_content_negotiation(self, request: Request, force: bool = False):
        # An unknown ?format= is a bad query parameter that the action reports (400) once the
        # caller is known to be allowed (401/403 first), not DRF's 404 before authentication.
        requested = request.query_params.get(api_settings.URL_FORMAT_OVERRIDE)
        if requested is not None and requested not in self._formats():
            return self.get_renderers()[0], self.get_renderers()[0].media_type
        return super().perform_content_negotiation(request, force)

    def _formats(self) -> list[str]:
        return [renderer.format for renderer in self.get_renderers()]

    def finalize_response(self, request: Request, response, *args, **kwargs):
        # CSV bodies are streamed by the view: whatever else answers (errors, OPTIONS) is JSON,
        # even when the request asked for CSV.
        if isinstance(response, Response):
            request.accepted_renderer = self.get_renderers()[0]
            request.accepted_media_type = request.accepted_renderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    @extend_schema(
        summary="Results: one row per session (staff); paginated JSON, or a streamed CSV",
        description=(
            "Rows are ordered by username, then attempt. CSV (`Accept: text/csv` or "
            "`?format=csv`) is the whole filtered result, streamed, not paginated: the row "
            "fields (username first) and one column per question's score; `rows=answers` "
            "exports one line per submitted answer instead. Text a candidate wrote that a "
            "spreadsheet would run as a formula is prefixed with an apostrophe."
        ),
        parameters=RESULTS_PARAMETERS,
        responses={
            (200, "application/json"): OpenApiResponse(
                response=ResultRowSerializer(many=True),
                description="A page of rows (`page`, `pageSize` as every list).",
            ),
            (200, "text/csv"): OpenApiResponse(
                response=OpenApiTypes.STR, description="The CSV export (streamed)."
            ),
            **RESULTS_ERRORS,
        },
    )
    @action(detail=True, methods=["get"])
    def results(self, request: Request, assessment_id: str):
        filters, rows_kind = _results_query(request, formats=self._formats())
        assessment = assessment_get_visible(assessment_id=assessment_id, user=request.user)
        rows = results_queryset(assessment_id=assessment.pk, filters=filters)
        if request.accepted_renderer.format == "csv":
            return results_csv_response(
                assessment_id=assessment.pk,
                content=content_of(assessment.pk, assessment.content_version),
                rows=rows,
                answers=rows_kind == "answers",
            )
        if rows_kind == "answers":
            raise ValidationError({"rows": ["rows=answers is a CSV export: add format=csv."]})
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(ResultRowSerializer(page, many=True).data)

    @extend_schema(
        summary="Item statistics over the graded COMPLETED sessions (staff)",
        description=(
            "Per question: facility index (mean score ÷ max), discrimination index (corrected "
            "item-total correlation: the question's score against the rest of the test), "
            "responses, and for MCQs how often each option was chosen. For the test: "
            "attempts, mean and median percentage, sample standard deviation, Cronbach's "
            "alpha and the distribution of percentages in ten buckets. `flags` lists questions "
            "with a negative discrimination and MCQ distractors nobody chose. Figures that are "
            "undefined (no attempts, one attempt, no variance) are null."
        ),
        responses={
            200: OpenApiResponse(response=StatisticsSerializer, description="The statistics."),
            **ERROR_RESPONSES,
            **error_responses(403, 404),
        },
    )
    @action(detail=True, methods=["get"])
    def statistics(self, request: Request, assessment_id: str) -> Response:
        _check_choices(request, {"format": self._formats()})
        assessment = assessment_get_visible(assessment_id=assessment_id, user=request.user)
        content = content_of(assessment.pk, assessment.content_version)
        figures = assessment_statistics(assessment_id=assessment.pk, content=content)
        return Response(StatisticsSerializer(figures).data)


def _results_query(request: Request, formats: list[str]) -> tuple[ResultsFilter, str]:
    _check_choices(
        request,
        {
            "status": SessionStatus.values,
            "reviewState": REVIEW_STATES,
            "rows": ROWS,
            "format": formats,
        },
    )
    params = request.query_params
    filters = ResultsFilter(status=params.get("status"), review_state=params.get("reviewState"))
    return filters, params.get("rows", "sessions")


def _check_choices(request: Request, choices: dict[str, Sequence[str]]) -> None:
    """Every query parameter named in `choices`, when present, is one of its values (400)."""
    params = request.query_params
    problems = {
        name: [f"One of: {', '.join(allowed)}."]
        for name, allowed in choices.items()
        if params.get(name) is not None and params[name] not in allowed
    }
    if problems:
        raise ValidationError(problems)
