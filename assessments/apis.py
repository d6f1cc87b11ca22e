"""Assessments: trigger generation (staff), list published, candidate view."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from assessment_engine.api.permissions import IsStaff
from assessment_engine.api.routers import UUID_PATH_PATTERN
from assessment_engine.api.schema import ERROR_RESPONSES, LIST_ERROR_RESPONSES, error_responses

from . import selectors
from .content import GenerationOptions
from .generation import generation_trigger
from .models import Assessment
from .serializers import (
    GENERATE_REQUEST_SCHEMA,
    AssessmentListSerializer,
    CandidateAssessmentSerializer,
    GenerateRequestSerializer,
    GenerateResponseSerializer,
)


@extend_schema_view(
    list=extend_schema(
        summary="Published assessments",
        responses={200: AssessmentListSerializer(many=True), **LIST_ERROR_RESPONSES},
    ),
)
class AssessmentViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = AssessmentListSerializer
    lookup_url_kwarg = "assessment_id"
    lookup_value_regex = UUID_PATH_PATTERN

    def get_queryset(self):
        return selectors.assessment_list_published()

    def get_permissions(self):
        if self.action == "generate":
            return [IsStaff()]
        return super().get_permissions()

    @property
    def throttle_scope(self) -> str:
        return "generation" if self.action == "generate" else "candidate"

    @extend_schema(
        summary="An assessment as candidates see it (no answer keys)",
        responses={200: CandidateAssessmentSerializer, **ERROR_RESPONSES, **error_responses(404)},
    )
    def retrieve(self, request: Request, assessment_id: str) -> Response:
        try:
            view = selectors.assessment_candidate_view(
                assessment_id=assessment_id, user=request.user
            )
        except Assessment.DoesNotExist as exc:
            raise NotFound("No such assessment.") from exc
        return Response(view)

    @extend_schema(
        summary="Trigger generation (staff); returns the job at once",
        request=GENERATE_REQUEST_SCHEMA,
        responses={
            202: GenerateResponseSerializer,
            200: GenerateResponseSerializer,
            **ERROR_RESPONSES,
            **error_responses(403, 404),
        },
    )
    @action(detail=False, methods=["post"], url_path="generate")
    def generate(self, request: Request) -> Response:
        data = GenerateRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        options = data.validated_data.get("options")
        trigger = generation_trigger(
            syllabus_id=data.validated_data.get("syllabus_id"),
            subject=data.validated_data.get("subject"),
            options=GenerationOptions(**options) if options else None,
        )
        body = GenerateResponseSerializer(trigger).data
        code = status.HTTP_202_ACCEPTED if trigger.queued else status.HTTP_200_OK
        return Response(body, status=code)
