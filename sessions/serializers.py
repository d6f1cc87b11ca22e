from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assessment_engine.api.fields import StrictCharField, StrictIntegerField, StrictUUIDField
from assessments.content_memo import candidate_view_of, content_of
from assessments.models import ReviewLevel
from assessments.policy import review_level
from assessments.serializers import CandidateAssessmentSerializer

from .models import CandidateSession, Evaluation, SessionStatus
from .review import ReviewState, review_state, visible_grades
from .shuffling import arranged_sections


def evaluation_of(session: CandidateSession) -> Evaluation | None:
    try:
        return session.evaluation
    except ObjectDoesNotExist:
        return None


# Statuses in which the candidate sees the questions (the contract: "present once ACTIVE").
SHOWS_ASSESSMENT = (SessionStatus.ACTIVE, SessionStatus.COMPLETED, SessionStatus.EXPIRED)


class OptInSerializer(serializers.Serializer):
    assessment_id = StrictUUIDField()
    user_id = serializers.CharField(required=False)


class StartSerializer(serializers.Serializer):
    session_id = StrictUUIDField()
    user_id = serializers.CharField(required=False)


class SubmitSectionSerializer(serializers.Serializer):
    section_id = StrictCharField(max_length=50)
    section_index = StrictIntegerField(min_value=0)
    answers = serializers.DictField(child=serializers.JSONField(), required=False, default=dict)
    user_id = serializers.CharField(required=False)


class QuestionGradeSerializer(serializers.Serializer):
    """Schema only. `feedback` from review level FEEDBACK, `correctOptionId` (MCQ) and
    `referenceAnswer` (short answer) at FULL; absent below."""

    question_id = serializers.CharField()
    score = serializers.FloatField()
    max_score = serializers.FloatField()
    feedback = serializers.CharField(required=False)
    correct_option_id = serializers.CharField(required=False)
    reference_answer = serializers.CharField(required=False)


class EvaluationSummarySerializer(serializers.Serializer):
    job_id = serializers.UUIDField()
    status = serializers.CharField()
    review_state = serializers.ChoiceField(
        choices=[ReviewState.AI_GRADED, ReviewState.NEEDS_REVIEW, ReviewState.REVIEWED],
        allow_null=True,
        help_text="NEEDS_REVIEW: some answer awaits a human grader (scores are provisional).",
    )
    score = serializers.FloatField(allow_null=True)
    max_score = serializers.FloatField(allow_null=True)
    percentage = serializers.FloatField(allow_null=True)
    questions = QuestionGradeSerializer(many=True, allow_null=True)


class SessionSerializer(serializers.Serializer):
    """The contract's session view (list items omit `assessment`)."""

    # Declared, not derived from the model: a ModelSerializer introspects the model every time
    # it is instantiated, which was a sixth of a submit's CPU.
    session_id = serializers.UUIDField(source="id")
    user_id = serializers.UUIDField()
    assessment_id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=SessionStatus.choices, read_only=True)
    current_section_index = serializers.IntegerField(read_only=True)
    section_count = serializers.IntegerField(read_only=True)
    submitted_sections = serializers.SerializerMethodField()
    opted_in_at = serializers.DateTimeField(read_only=True)
    started_at = serializers.DateTimeField(read_only=True, allow_null=True)
    last_activity_at = serializers.DateTimeField(read_only=True, allow_null=True)
    expires_at = serializers.SerializerMethodField()
    completed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    attempt = serializers.IntegerField(read_only=True, help_text="1-based attempt number.")
    deadline = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="startedAt + the time limit; null without one."
    )
    auto_completed = serializers.BooleanField(
        read_only=True, help_text="Completed by the deadline or the window's close."
    )
    evaluation = serializers.SerializerMethodField()

    def get_submitted_sections(self, session: CandidateSession) -> list[int]:
        # Sections go strictly in order, so the submitted ones are exactly 0..current-1.
        return list(range(session.current_section_index))

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_expires_at(self, session: CandidateSession) -> str | None:
        if session.status != SessionStatus.ACTIVE:
            return None
        timeout = timedelta(seconds=settings.SESSION_INACTIVITY_TIMEOUT_SECONDS)
        return serializers.DateTimeField().to_representation(session.last_activity_at + timeout)

    @extend_schema_field(EvaluationSummarySerializer(allow_null=True))
    def get_evaluation(self, session: CandidateSession) -> dict | None:
        if session.status != SessionStatus.COMPLETED or session.evaluation_job is None:
            return None
        job = session.evaluation_job
        evaluation = evaluation_of(session)
        if evaluation is None:  # not graded yet: the job's status says how far it got
            return {
                "job_id": str(job.pk),
                "status": job.status,
                "review_state": None,
                "score": None,
                "max_score": None,
                "percentage": None,
                "questions": None,
            }
        level = self._review_level(session)
        content = (
            content_of(session.assessment_id, session.content_version)
            if level != ReviewLevel.SCORES
            else {"sections": []}  # scores alone need no content
        )
        return {
            "job_id": str(job.pk),
            "status": job.status,
            "review_state": review_state(evaluation.questions),
            "score": evaluation.total_score,
            "max_score": evaluation.max_score,
            "percentage": evaluation.percentage,
            # Already camelCase question dicts: the renderer leaves them as they are.
            "questions": visible_grades(evaluation.questions, content, level),
        }

    def _review_level(self, session: CandidateSession) -> str:
        request = self.context.get("request")
        viewer_is_staff = bool(request and request.user.is_staff)
        return review_level(session.assessment, self._now(), viewer_is_staff=viewer_is_staff)

    def _now(self) -> datetime:
        return self.context.get("now") or timezone.now()


class SessionDetailSerializer(SessionSerializer):
    assessment = serializers.SerializerMethodField()

    @extend_schema_field(CandidateAssessmentSerializer(allow_null=True))
    def get_assessment(self, session: CandidateSession) -> dict | None:
        if session.status not in SHOWS_ASSESSMENT:
            return None
        # The services load sessions with their assessment's version and policy, not its
        # content: that comes from the per-process memo.
        view = candidate_view_of(session.assessment_id, session.content_version)
        # Sections are revealed one at a time: those submitted and the current one. A session
        # completed by the candidate has reached them all; one ended by the clock has not.
        reached = view["sections"][: session.current_section_index + 1]
        # Already camelCase: the renderer is told not to walk it (JSON_CAMEL_CASE ignore_fields).
        return {
            **view,
            "sections": arranged_sections(
                reached,
                seed=session.shuffle_seed,
                questions=session.shuffle_questions,
                options=session.shuffle_options,
            ),
        }
