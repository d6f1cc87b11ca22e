"""Assessments: trigger generation (staff), list published, summary or preview, policy."""

from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from assessment_engine.api.permissions import IsStaff, IsStaffWith
from assessment_engine.api.routers import UUID_PATH_PATTERN
from assessment_engine.api.schema import (
    ERROR_RESPONSES,
    LIST_ERROR_RESPONSES,
    conflicts,
    error_responses,
)

from . import selectors
from .content import GenerationOptions
from .generation import generation_trigger
from .policy import assessment_policy_update
from .publication import assessment_publish, assessment_unpublish
from .serializers import (
    GENERATE_REQUEST_SCHEMA,
    AssessmentListSerializer,
    AssessmentPreviewSerializer,
    GenerateRequestSerializer,
    GenerateResponseSerializer,
    PolicySerializer,
    PublicationSerializer,
)

STAFF_ACTIONS = ("generate", "policy")
# Publishing is changing the assessment: the admin's change permission, as in the admin.
PUBLICATION_ACTIONS = ("publish", "unpublish")


@extend_schema_view(
    list=extend_schema(
        summary="Published assessments",
        description=(
            "Paginated (`page`, `pageSize` ≤ 100), any signed-in user: id, title, subject, "
            "section and question counts, and the delivery `policy`. No questions."
        ),
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
        if self.action in STAFF_ACTIONS:
            return [IsStaff()]
        if self.action in PUBLICATION_ACTIONS:
            return [IsStaffWith("assessments.change_assessment")]
        return super().get_permissions()

    @property
    def throttle_scope(self) -> str:
        return "generation" if self.action == "generate" else "candidate"

    @extend_schema(
        summary="One assessment: a summary and its policy for candidates, a preview for staff",
        description=(
            "Candidates get the summary of the list (with `policy`) and never questions: they "
            "see questions only through a session of their own. Staff get the candidate view "
            "(questions without answer keys) and the policy. A draft is 404 to candidates."
        ),
        responses={
            200: PolymorphicProxySerializer(
                component_name="AssessmentDetail",
                serializers=[AssessmentListSerializer, AssessmentPreviewSerializer],
                resource_type_field_name=None,
            ),
            **ERROR_RESPONSES,
            **error_responses(404),
        },
    )
    def retrieve(self, request: Request, assessment_id: str) -> Response:
        assessment = selectors.assessment_get_visible(
            assessment_id=assessment_id, user=request.user
        )
        if not request.user.is_staff:
            return Response(AssessmentListSerializer(assessment).data)
        preview = selectors.assessment_candidate_view(assessment=assessment)
        return Response({**preview, "policy": PolicySerializer(assessment).data})

    @extend_schema(
        summary="Change the delivery policy (staff); every field optional",
        description=(
            "`maxAttempts`, `timeLimitSeconds`, `opensAt`/`closesAt`, `shuffleQuestions`, "
            "`shuffleOptions`, `reviewPolicy` (`SCORES` | `FEEDBACK` | `FULL`) and "
            "`reviewAfterClose` (never below `reviewPolicy`). Sessions already started keep "
            "their shuffled order; the review level applies to every read."
        ),
        request=PolicySerializer,
        responses={
            200: PolicySerializer,
            **ERROR_RESPONSES,
            **error_responses(403, 404),
        },
    )
    @action(detail=True, methods=["patch"], url_path="policy")
    def policy(self, request: Request, assessment_id: str) -> Response:
        changes = PolicySerializer(data=request.data, partial=True)
        changes.is_valid(raise_exception=True)
        assessment = assessment_policy_update(
            assessment_id=assessment_id, changes=dict(changes.validated_data)
        )
        return Response(PolicySerializer(assessment).data)

    @extend_schema(
        summary="Trigger generation (staff); returns the job at once",
        description=(
            "Give `syllabusId` or `subject` (every syllabus of it), and optional `options` "
            '(defaults `{"sectionCount": 3, "questionsPerSection": 4, "difficulty": '
            '"medium"}`). No AI call happens in the request: 202 with a PENDING job to poll at '
            "`/api/v1/jobs/{jobId}`. The same syllabus text and options give the same "
            "`dedupeKey`: a repeat answers 200 with that job (`deduplicated: true`, and "
            "`assessmentId` once COMPLETED); a repeat of a FAILED job queues it again (202)."
        ),
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

    @extend_schema(
        summary="Publish (staff with the change permission); idempotent",
        description=(
            "Candidates can opt in from now on. With `ASSESSMENT_REQUIRE_REVIEW` on, every "
            "question must be approved first: `409 ITEMS_NOT_APPROVED` with "
            "`details.questionIds` otherwise. Publishing a published assessment changes nothing."
        ),
        request=None,
        responses={
            200: PublicationSerializer,
            **ERROR_RESPONSES,
            **error_responses(403, 404),
            **conflicts("ITEMS_NOT_APPROVED"),
        },
    )
    @action(detail=True, methods=["post"], url_path="publish")
    def publish(self, request: Request, assessment_id: str) -> Response:
        change = assessment_publish(assessment_id=assessment_id)
        return Response(PublicationSerializer(change).data)

    @extend_schema(
        summary="Unpublish, back to draft (staff with the change permission); idempotent",
        description="No new opt-ins or starts; ACTIVE sessions may finish.",
        request=None,
        responses={200: PublicationSerializer, **ERROR_RESPONSES, **error_responses(403, 404)},
    )
    @action(detail=True, methods=["post"], url_path="unpublish")
    def unpublish(self, request: Request, assessment_id: str) -> Response:
        change = assessment_unpublish(assessment_id=assessment_id)
        return Response(PublicationSerializer(change).data)
