"""Candidate session endpoints: thin actions, each one service call."""

from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from assessment_engine.api.routers import UUID_PATH_PATTERN
from assessment_engine.api.schema import (
    ERROR_RESPONSES,
    LIST_ERROR_RESPONSES,
    conflicts,
    error_responses,
)

from . import services
from .serializers import (
    OptInSerializer,
    SessionDetailSerializer,
    SessionSerializer,
    StartSerializer,
    SubmitSectionSerializer,
)

USER_ID_PARAMETER = OpenApiParameter(
    "userId",
    str,
    required=False,
    description="Optional; when present it must be the authenticated user's id (else 403).",
)
MINIMAL_RETURN = "return=minimal"
PREFER_MINIMAL_PARAMETER = OpenApiParameter(
    "Prefer",
    str,
    location=OpenApiParameter.HEADER,
    required=False,
    enum=[MINIMAL_RETURN],
    description="`return=minimal`: answer 204 without the session view.",
)
TRANSITION_ERRORS = {**ERROR_RESPONSES, **error_responses(403, 404)}
ENDED_BY_CLOCK = ("SESSION_EXPIRED", "TIME_LIMIT_EXCEEDED")
OPT_IN_ERRORS = {
    **TRANSITION_ERRORS,
    **conflicts(
        "ASSESSMENT_NOT_AVAILABLE", "ASSESSMENT_NOT_OPEN", "ASSESSMENT_CLOSED", "NO_ATTEMPTS_LEFT"
    ),
}
START_ERRORS = {
    **TRANSITION_ERRORS,
    **conflicts(
        "ACTIVE_SESSION_EXISTS",
        "ASSESSMENT_NOT_AVAILABLE",
        "ASSESSMENT_NOT_OPEN",
        "ASSESSMENT_CLOSED",
        "INVALID_TRANSITION",
        *ENDED_BY_CLOCK,
    ),
}
SUBMIT_ERRORS = {
    **TRANSITION_ERRORS,
    **conflicts(
        "SECTION_OUT_OF_ORDER", "SECTION_ALREADY_SUBMITTED", "INVALID_TRANSITION", *ENDED_BY_CLOCK
    ),
}
HEARTBEAT_ERRORS = {**TRANSITION_ERRORS, **conflicts("INVALID_TRANSITION", *ENDED_BY_CLOCK)}
COMPLETE_ERRORS = {
    **TRANSITION_ERRORS,
    **conflicts("SECTIONS_INCOMPLETE", "INVALID_TRANSITION", "SESSION_EXPIRED"),
}


@extend_schema_view(
    list=extend_schema(
        summary="Your sessions (without the assessment)",
        description="Paginated; only your own sessions, newest first.",
        parameters=[USER_ID_PARAMETER],
        responses={
            200: SessionSerializer(many=True),
            **LIST_ERROR_RESPONSES,
            **error_responses(403),
        },
    ),
    retrieve=extend_schema(
        summary="One of your sessions (an ACTIVE one past its timeout reads as EXPIRED)",
        description=(
            "The session view: status, `currentSectionIndex`, `submittedSections`, times, "
            "`deadline`, and once ACTIVE the `assessment` with the sections reached so far "
            "(submitted ones and the current one, never answer keys). Once COMPLETED, "
            "`evaluation` carries the job status and then the scores, as much as the "
            "assessment's review level allows. Another user's session is 404."
        ),
        parameters=[USER_ID_PARAMETER],
        responses={200: SessionDetailSerializer, **TRANSITION_ERRORS},
    ),
)
class SessionViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = SessionSerializer
    throttle_scope = "candidate"
    lookup_url_kwarg = "session_id"
    lookup_value_regex = UUID_PATH_PATTERN

    def initial(self, request: Request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        _check_claimed_user_id(request)

    def get_queryset(self):
        return services.session_list(user=self.request.user)

    def retrieve(self, request: Request, session_id: str) -> Response:
        session = services.session_get(session_id=session_id, user=request.user)
        return Response(SessionDetailSerializer(session, context={"request": request}).data)

    @extend_schema(
        summary="Opt in to a published assessment",
        description=(
            "201 with a new OPTED_IN session; 200 with your OPTED_IN or ACTIVE session of that "
            "assessment if you have one. Refused (409) outside the assessment's window, when it "
            "is not published, or when your attempts are used up."
        ),
        request=OptInSerializer,
        responses={201: SessionDetailSerializer, 200: SessionDetailSerializer, **OPT_IN_ERRORS},
    )
    @action(detail=False, methods=["post"], url_path="opt-in")
    def opt_in(self, request: Request) -> Response:
        data = _valid(OptInSerializer, request)
        outcome = services.session_opt_in(user=request.user, assessment_id=data["assessment_id"])
        return _session_response(
            request, outcome, status.HTTP_201_CREATED if outcome.changed else 200
        )

    @extend_schema(
        summary="Start an opted-in session (OPTED_IN → ACTIVE)",
        description=(
            "Fixes the session's question and option order and starts its clock; the response "
            "holds the first section. Starting it again returns it (200); another ACTIVE "
            "session of yours is 409 `ACTIVE_SESSION_EXISTS`."
        ),
        request=StartSerializer,
        responses={200: SessionDetailSerializer, **START_ERRORS},
    )
    @action(detail=False, methods=["post"])
    def start(self, request: Request) -> Response:
        data = _valid(StartSerializer, request)
        outcome = services.session_start(session_id=data["session_id"], user=request.user)
        return _session_response(request, outcome, status.HTTP_200_OK)

    @extend_schema(
        summary="Submit the current section's answers (strict order)",
        description=(
            "`answers` maps a `questionId` of this section to your answer: the `id` of the "
            "chosen option for an MCQ, free text (at most 10,000 characters) for a short "
            'answer, e.g. `{"s1q1": "B", "s1q2": "A buffer overflow writes past..."}`. Every '
            "question is optional; an unknown questionId, an option that is not one of the "
            "question's, a non-string answer or a wrong `sectionId` is 400 and stores nothing. "
            "Sections go in order (`sectionIndex` = `currentSectionIndex`); each once."
        ),
        examples=[
            OpenApiExample(
                "First section",
                value={
                    "sectionId": "s1",
                    "sectionIndex": 0,
                    "answers": {"s1q1": "B", "s1q2": "Bounds are checked before every copy."},
                },
                request_only=True,
            )
        ],
        request=SubmitSectionSerializer,
        responses={201: SessionDetailSerializer, **SUBMIT_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="submit-section")
    def submit_section(self, request: Request, session_id: str) -> Response:
        data = _valid(SubmitSectionSerializer, request)
        outcome = services.session_submit_section(
            session_id=session_id,
            user=request.user,
            section_index=data["section_index"],
            section_id=data["section_id"],
            answers=data["answers"],
        )
        return _session_response(request, outcome, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Keep an ACTIVE session alive",
        description=(
            "Counts as activity: an ACTIVE session expires after "
            "`SESSION_INACTIVITY_TIMEOUT_SECONDS` without start, submit or heartbeat. "
            "Answers the session view. A client that does not need it sends"
            " `Prefer: return=minimal` (RFC 7240) and gets `204` with no body and"
            " `Preference-Applied: return=minimal`; errors are the same either way."
        ),
        request=None,
        parameters=[PREFER_MINIMAL_PARAMETER],
        responses={
            200: SessionDetailSerializer,
            204: OpenApiResponse(description="`Prefer: return=minimal`: kept alive, no body."),
            **HEARTBEAT_ERRORS,
        },
    )
    @action(detail=True, methods=["post"])
    def heartbeat(self, request: Request, session_id: str) -> Response:
        outcome = services.session_heartbeat(session_id=session_id, user=request.user)
        if _prefers_minimal(request):
            return Response(
                status=status.HTTP_204_NO_CONTENT,
                headers={"Preference-Applied": MINIMAL_RETURN},
            )
        return _session_response(request, outcome, status.HTTP_200_OK)

    @extend_schema(
        summary="Complete the session: one evaluation job (202; again → 200, same job)",
        description=(
            "Every section must be submitted (else 409 `SECTIONS_INCOMPLETE`). MCQs are scored "
            "by the key, short answers by the AI in one job; poll this session until "
            "`evaluation.status` is COMPLETED. Completing again returns the same job (200)."
        ),
        request=None,
        responses={202: SessionDetailSerializer, 200: SessionDetailSerializer, **COMPLETE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, session_id: str) -> Response:
        outcome = services.session_complete(session_id=session_id, user=request.user)
        return _session_response(
            request, outcome, status.HTTP_202_ACCEPTED if outcome.changed else 200
        )


def _valid(serializer_class, request: Request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _session_response(request: Request, outcome: services.Outcome, status_code: int) -> Response:
    body = SessionDetailSerializer(outcome.session, context={"request": request}).data
    return Response(body, status=status_code)


def _prefers_minimal(request: Request) -> bool:
    """RFC 7240: `Prefer` holds comma-separated preferences (`return=minimal`, maybe quoted)."""
    preferences = request.headers.get("Prefer", "")
    return any(
        part.split(";")[0].strip().replace('"', "").lower() == MINIMAL_RETURN
        for part in preferences.split(",")
    )


def _check_claimed_user_id(request: Request) -> None:
    """`userId` (query or body) is optional, but when present it must be the caller's id."""
    claimed = request.query_params.get("userId")
    if claimed is None and request.method == "POST" and isinstance(request.data, dict):
        claimed = request.data.get("user_id")  # the camelCase parser's name for userId
    if claimed is not None and str(claimed) != str(request.user.pk):
        raise PermissionDenied("userId does not match the authenticated user.")
