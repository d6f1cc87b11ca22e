"""Evaluation of completed sessions: the job handler (worker side), overrides and regrades.

Exactly once: one job per dedupe key (`evaluation:<sessionId>`, `evaluation:<sessionId>:<n>`
for regrades), one Evaluation row per session, and the runner stores a result only for the
attempt that still owns the job.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from assessment_engine.api.errors import DomainError, ValidationFailed
from jobs.ai.base import AIRequest
from jobs.ai.factory import call_ai
from jobs.errors import PermanentJobError
from jobs.models import AIJob, JobType
from jobs.registry import Execution
from jobs.services import job_create_or_get

from .grading.offline import offline_grades
from .grading.plan import (
    Criterion,
    GradingPlan,
    find_question,
    plan_grading,
    rubric_criteria,
    totals,
)
from .grading.prompts import (
    EVALUATION_PROMPT_VERSION,
    RESPONSE_SCHEMA,
    evaluation_contents,
    evaluation_system_instruction,
    new_delimiters,
)
from .grading.validation import validated_grades
from .models import CandidateSession, Evaluation, EvaluationHistory, ScoreOverride, SessionStatus
from .selectors import session_content

NO_AI_PROVIDER = "none"  # every answer was graded by the key (MCQ) or was empty
POINTS_TOLERANCE = 0.005


@dataclass(frozen=True)
class GradedSession:
    session_id: str
    questions: list[dict[str, Any]]


class EvaluationRunning(DomainError):
    status_code = 409
    code = "EVALUATION_RUNNING"
    default_message = "An evaluation of this session is already pending or running."


class EvaluationHandler:
    """Runs EVALUATION jobs on the worker (registered with `jobs` by this app's config)."""

    prompt_version = EVALUATION_PROMPT_VERSION

    def execute(self, job: AIJob) -> Execution:
        session = _session_for(job)
        plan = plan_grading(session_content(session), _answers(session))
        ai_grades, response = {}, None
        if plan.for_ai:  # all short answers in one call; none at all → no AI call
            # A new nonce per request (and per retry): no answer can know its closing tag.
            delimiters = new_delimiters(question.answer for question in plan.for_ai)
            request = AIRequest(
                purpose="evaluation",
                prompt_version=EVALUATION_PROMPT_VERSION,
                system_instruction=evaluation_system_instruction(delimiters),
                contents=evaluation_contents(plan.for_ai, delimiters),
                response_schema=RESPONSE_SCHEMA,
                offline_answer=lambda: offline_grades(plan.for_ai),
                temperature=0.0,
            )
            response = call_ai(request)
            ai_grades = validated_grades(response.data, plan.for_ai, raw_text=response.raw_text)
        questions = _in_order(plan, ai_grades)
        return Execution(
            value=GradedSession(str(session.pk), questions),
            response=response,
            prompt_version=EVALUATION_PROMPT_VERSION,
        )

    def complete(self, job: AIJob, execution: Execution) -> dict:
        graded: GradedSession = execution.value
        response = execution.response
        provider = (response.provider, response.model) if response else (NO_AI_PROVIDER, "")
        keep = job.payload.get("keepManualGrades", True)
        evaluation, kept = _store(job, graded, provider, execution.prompt_version, keep=keep)
        result = {
            "sessionId": graded.session_id,
            "score": evaluation.total_score,
            "maxScore": evaluation.max_score,
        }
        if evaluation.round > 1:  # a regrade says how many of a person's grades it kept
            result["manualGradesKept"] = kept
        return result


def evaluation_regrade(*, session_id, keep_manual_grades: bool = True) -> AIJob:
    """Grade a completed session again (e.g. after a rubric fix) with a new, versioned job.

    The new grading keeps every question a person graded (their latest override) unless
    `keep_manual_grades` is False, the explicit "discard" of the admin, which marks those
    overrides superseded when the new grades are stored. Refused while the session's current
    evaluation job is still pending or running, so two evaluations of one session never run
    at the same time.
    """
    with transaction.atomic():
        session = (
            CandidateSession.objects.select_for_update(of=("self",))
            .select_related("evaluation_job")
            .get(pk=session_id)
        )
        if session.status != SessionStatus.COMPLETED:
            raise ValidationFailed("Only completed sessions can be regraded.")
        if session.evaluation_job and not session.evaluation_job.is_finished:
            raise EvaluationRunning()
        rounds = AIJob.objects.filter(
            job_type=JobType.EVALUATION, payload__sessionId=str(session.pk)
        ).count()
        job = job_create_or_get(
            job_type=JobType.EVALUATION,
            dedupe_key=f"evaluation:{session.pk}:{rounds + 1}",
            payload={
                "sessionId": str(session.pk),
                "round": rounds + 1,
                "keepManualGrades": keep_manual_grades,
            },
        ).job
        session.evaluation_job = job
        session.save(update_fields=["evaluation_job"])
    return job


def evaluation_override(
    *, evaluation_id, question_id: str, score: float, reason: str, staff_user
) -> Evaluation:
    """Staff set one question's score (with a reason); the graded score is kept."""
    with transaction.atomic():
        evaluation = Evaluation.objects.select_for_update().get(pk=evaluation_id)
        question = _question_or_error(evaluation, question_id)
        if not _is_number(score) or not 0 <= score <= question["maxScore"]:
            raise ValidationFailed(details={"score": [f"Between 0 and {question['maxScore']:g}."]})
        if not reason.strip():
            raise ValidationFailed(details={"reason": ["A reason is required."]})
        _record_manual_grade(
            evaluation, question, score=float(score), reason=reason.strip(), staff_user=staff_user
        )
    return evaluation


def evaluation_grade_answer(
    *,
    evaluation_id,
    question_id: str,
    points: Sequence[float],
    feedback: str,
    staff_user,
    score: float | None = None,
) -> Evaluation:
    """A person grades one short answer per rubric criterion (the staff grading queue).

    `points` has one entry per criterion of the question's rubric (one for a free-text
    rubric), each within that criterion's points; the answer's score is their sum (`score`,
    when given, must equal it). `feedback` is required: the candidate gets it instead of the
    grader's. Recorded as a `ScoreOverride` carrying the criteria and feedback, so a regrade
    keeps all of it and the evaluation's review state becomes REVIEWED once nothing flagged
    is left. Invalid input raises `ValidationFailed` and changes nothing.
    """
    with transaction.atomic():
        evaluation = (
            Evaluation.objects.select_for_update(of=("self",))
            .select_related("session__assessment")
            .get(pk=evaluation_id)
        )
        question = _question_or_error(evaluation, question_id)
        authored = find_question(session_content(evaluation.session), question_id)
        if authored is None or authored["type"] != "SHORT_ANSWER":
            raise ValidationFailed(
                details={"questionId": ["Only short answers are graded per criterion."]}
            )
        criteria = _criteria_points(rubric_criteria(authored), points)
        total = round(sum(item["points"] for item in criteria), 2)
        if total > question["maxScore"] + POINTS_TOLERANCE:
            raise ValidationFailed(
                details={"points": [f"{total:g} is more than {question['maxScore']:g}."]}
            )
        if score is not None and (not _is_number(score) or abs(score - total) > POINTS_TOLERANCE):
            raise ValidationFailed(
                details={"score": [f"The criteria's points sum to {total:g}, not {score!r}."]}
            )
        if not isinstance(feedback, str) or not feedback.strip():
            raise ValidationFailed(
                details={"feedback": ["Feedback for the candidate is required."]}
            )
        _record_manual_grade(
            evaluation,
            question,
            score=min(total, question["maxScore"]),
            reason=feedback.strip(),
            staff_user=staff_user,
            criteria=criteria,
            feedback=feedback.strip(),
        )
    return evaluation


# --- helpers ---------------------------------------------------------------------------------


def _session_for(job: AIJob) -> CandidateSession:
    session = (
        CandidateSession.objects.select_related("assessment")
        .prefetch_related("submissions")
        .filter(pk=job.payload["sessionId"])
        .first()
    )
    if session is None:
        raise PermanentJobError(f"Session {job.payload['sessionId']} no longer exists.")
    if session.status != SessionStatus.COMPLETED:
        raise PermanentJobError(f"Session {session.pk} is {session.status}, not COMPLETED.")
    return session


def _answers(session: CandidateSession) -> dict[str, str]:
    answers: dict[str, str] = {}
    for submission in session.submissions.all():
        answers.update(submission.answers)
    return answers


def _in_order(plan: GradingPlan, ai_grades: dict[str, dict]) -> list[dict[str, Any]]:
    grades = {**plan.grades, **ai_grades}
    return [grades[question_id] for question_id in plan.order]


def _store(
    job: AIJob,
    graded: GradedSession,
    provider: tuple[str, str],
    prompt_version: str,
    *,
    keep: bool,
) -> tuple[Evaluation, int]:
    """Create the session's Evaluation, or (a regrade) archive the current one and replace it,
    and return it with how many manual grades it kept.

    A person's grade outlives a regrade: the latest override of each question is applied on
    top of the new grades, unless the regrade was asked to discard them (then they are marked
    superseded, never deleted). The evaluation row is locked, and `evaluation_override` locks
    it too, so an override racing this store is either read here or applied after it: the
    person's grade wins either way.
    """
    now = timezone.now()
    current = Evaluation.objects.select_for_update().filter(session_id=graded.session_id).first()
    if current is None:
        evaluation = Evaluation(session_id=graded.session_id, round=1)
    else:
        _archive(current, now)
        evaluation = current
        evaluation.round = current.round + 1
    evaluation.job = job
    evaluation.graded_questions = graded.questions
    evaluation.questions = [dict(q) for q in graded.questions]
    evaluation.provider, evaluation.model = provider
    evaluation.prompt_version = prompt_version
    evaluation.graded_at = now
    manual = _manual_grades(current) if current is not None else {}
    if keep:
        _apply_manual_grades(evaluation.questions, manual)
    elif manual:
        current.overrides.filter(superseded_in_round__isnull=True).update(
            superseded_in_round=evaluation.round
        )
    _set_totals(evaluation, evaluation.questions)
    evaluation.save()
    return evaluation, len(manual) if keep else 0


def _manual_grades(evaluation: Evaluation) -> dict[str, ScoreOverride]:
    """The latest override in force per question (earlier ones were changed by later ones)."""
    latest: dict[str, ScoreOverride] = {}
    for override in evaluation.overrides.filter(superseded_in_round__isnull=True).order_by(
        "created_at", "id"
    ):
        latest[override.question_id] = override
    return latest


def _apply_manual_grades(questions: list[dict[str, Any]], manual: dict[str, ScoreOverride]) -> None:
    for question in questions:
        override = manual.get(question["questionId"])
        if override is not None:
            _apply_override(question, override)


def _apply_override(question: dict[str, Any], override: ScoreOverride) -> None:
    """The person's grade on top of the graded one (the grader's `criteria` stay beside it)."""
    question.update(
        score=min(float(override.score), question["maxScore"]),
        overridden=True,
        overrideReason=override.reason,
    )
    question.pop("reviewedCriteria", None)
    if override.criteria:
        question["reviewedCriteria"] = override.criteria
    if override.feedback:
        question["feedback"] = override.feedback


def _record_manual_grade(
    evaluation: Evaluation,
    question: dict[str, Any],
    *,
    score: float,
    reason: str,
    staff_user,
    criteria: list[dict[str, Any]] | None = None,
    feedback: str = "",
) -> None:
    """Append the override and show it (the caller holds the evaluation's row lock)."""
    override = ScoreOverride.objects.create(
        evaluation=evaluation,
        question_id=question["questionId"],
        previous_score=question["score"],
        score=score,
        reason=reason,
        overridden_by=staff_user,
        criteria=criteria or [],
        feedback=feedback,
    )
    _apply_override(question, override)
    _set_totals(evaluation, evaluation.questions)
    evaluation.save(update_fields=["questions", "total_score", "percentage", "updated_at"])


def _question_or_error(evaluation: Evaluation, question_id: str) -> dict[str, Any]:
    question = next((q for q in evaluation.questions if q["questionId"] == question_id), None)
    if question is None:
        raise ValidationFailed(details={"questionId": [f"No question {question_id!r}."]})
    return question


def _criteria_points(
    criteria: tuple[Criterion, ...], points: Sequence[float]
) -> list[dict[str, Any]]:
    if not isinstance(points, list | tuple) or len(points) != len(criteria):
        raise ValidationFailed(
            details={"points": [f"One number per criterion ({len(criteria)} expected)."]}
        )
    problems = [
        f"{criterion.text}: between 0 and {criterion.points:g}."
        for criterion, value in zip(criteria, points, strict=True)
        if not _is_number(value) or not 0 <= value <= criterion.points
    ]
    if problems:
        raise ValidationFailed(details={"points": problems})
    return [
        {"criterion": criterion.text, "points": float(value), "maxPoints": criterion.points}
        for criterion, value in zip(criteria, points, strict=True)
    ]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _archive(evaluation: Evaluation, now) -> None:
    EvaluationHistory.objects.create(
        evaluation=evaluation,
        round=evaluation.round,
        job_id=evaluation.job_id,
        graded_questions=evaluation.graded_questions,
        questions=evaluation.questions,
        total_score=evaluation.total_score,
        max_score=evaluation.max_score,
        provider=evaluation.provider,
        model=evaluation.model,
        prompt_version=evaluation.prompt_version,
        graded_at=evaluation.graded_at,
        replaced_at=now,
    )


def _set_totals(evaluation: Evaluation, questions: list[dict[str, Any]]) -> None:
    evaluation.total_score, evaluation.max_score, evaluation.percentage = totals(questions)
