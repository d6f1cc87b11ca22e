from datetime import datetime

from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assessment_engine.api.fields import StrictCharField, StrictIntegerField, StrictUUIDField
from assessments.content_cache import candidate_view_of, content_of
from assessments.models import ReviewLevel
from assessments.policy import review_level
from assessments.serializers import CandidateAssessmentSerializer

from .answers import MAX_FREE_TEXT_CHARACTERS
from .models import CandidateSession, Evaluation, SessionStatus
from .review import ReviewState, review_state, visible_grades
from .services import session_expires_at
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


@extend_schema_field(
    {
        "type": "object",
        "description": (
            "questionId → answer: the chosen option's id for an MCQ, free text (at most "
            "10,000 characters) for a short answer. Every question is optional."
        ),
        "additionalProperties": {"type": "string", "maxLength": MAX_FREE_TEXT_CHARACTERS},
        "example": {"s1q1": "B", "s1q2": "Bounds are checked before every copy."},
    }
)
class AnswersField(serializers.DictField):
    """Checked against the section by `answers.clean_answers` (the schema documents it)."""


class SubmitSectionSerializer(serializers.Serializer):
    section_id = StrictCharField(max_length=50)
    section_index = StrictIntegerField(min_value=0)
    answers = AnswersField(child=serializers.JSONField(), required=False, default=dict)
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
        expires_at = session_expires_at(session)
        return serializers.DateTimeField().to_representation(expires_at) if expires_at else None

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


class ResultRowSerializer(serializers.Serializer):
    """One session in an assessment's results (staff)."""

    user_id = serializers.UUIDField()
    username = serializers.CharField()
    session_id = serializers.UUIDField()
    attempt = serializers.IntegerField(help_text="1-based attempt number.")
    status = serializers.ChoiceField(choices=SessionStatus.choices)
    started_at = serializers.DateTimeField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)
    score = serializers.FloatField(allow_null=True, help_text="Null until graded.")
    max_score = serializers.FloatField(allow_null=True)
    percentage = serializers.FloatField(allow_null=True)
    review_state = serializers.ChoiceField(
        choices=[ReviewState.AI_GRADED, ReviewState.NEEDS_REVIEW, ReviewState.REVIEWED],
        allow_null=True,
        help_text="Null until graded; NEEDS_REVIEW: some answer awaits a human grader.",
    )


class OptionFrequencySerializer(serializers.Serializer):
    option_id = serializers.CharField()
    correct = serializers.BooleanField()
    count = serializers.IntegerField(help_text="Sessions that chose this option.")
    share = serializers.FloatField(
        allow_null=True, help_text="count ÷ attempts (0-1); null without attempts."
    )


class QuestionStatisticsSerializer(serializers.Serializer):
    question_id = serializers.CharField()
    type = serializers.ChoiceField(choices=["MCQ", "SHORT_ANSWER"])
    max_score = serializers.FloatField()
    mean_score = serializers.FloatField(allow_null=True)
    facility_index = serializers.FloatField(
        allow_null=True, help_text="Mean score ÷ max score (0-1); null without attempts."
    )
    discrimination_index = serializers.FloatField(
        allow_null=True,
        help_text=(
            "Correlation of the question's score with the rest of the test (-1 to 1); null "
            "with fewer than 2 attempts or when either does not vary."
        ),
    )
    response_count = serializers.IntegerField(help_text="Sessions that gave a non-empty answer.")
    options = OptionFrequencySerializer(
        many=True, required=False, help_text="MCQs only: how often each option was chosen."
    )


class StatisticsFlagSerializer(serializers.Serializer):
    question_id = serializers.CharField()
    code = serializers.ChoiceField(choices=["NEGATIVE_DISCRIMINATION", "UNCHOSEN_DISTRACTOR"])
    option_id = serializers.CharField(allow_null=True)
    message = serializers.CharField()


class ScoreBucketSerializer(serializers.Serializer):
    from_percentage = serializers.FloatField()
    to_percentage = serializers.FloatField(help_text="Exclusive, except 100 in the last bucket.")
    count = serializers.IntegerField()


class StatisticsSerializer(serializers.Serializer):
    """Item analysis over the graded COMPLETED sessions (see `sessions.statistics`)."""

    assessment_id = serializers.UUIDField()
    attempts = serializers.IntegerField(help_text="Graded COMPLETED sessions.")
    mean_percentage = serializers.FloatField(allow_null=True)
    median_percentage = serializers.FloatField(allow_null=True)
    std_dev = serializers.FloatField(
        allow_null=True, help_text="Sample standard deviation of the percentages (n - 1)."
    )
    alpha = serializers.FloatField(
        allow_null=True,
        help_text="Cronbach's alpha; null with fewer than 2 attempts or questions, or no variance.",
    )
    score_distribution = ScoreBucketSerializer(many=True)
    questions = QuestionStatisticsSerializer(many=True)
    flags = StatisticsFlagSerializer(many=True)
