"""Reads for staff: the grading queue and what a person needs to grade one answer."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import BooleanField, F, Func, QuerySet, Value

from assessments.content_cache import content_of

from .grading.plan import Criterion, find_question, rubric_criteria
from .models import CandidateSession, Evaluation

QUEUE_LIMIT = 200  # answers listed at once; flagged ones always come first

# An answer the grader graded (it has `criteria`) that no person has graded yet.
_WAITING = "$[*] ? (exists(@.criteria) && !exists(@.overridden ? (@ == true)))"
FLAGGED_PATH = "$[*] ? (@.needsReview == true && !exists(@.overridden ? (@ == true)))"


def session_content(session: CandidateSession) -> dict[str, Any]:
    """The content version the session started on (answer keys included): what it showed the
    candidate, so what it is graded by, whatever staff changed since."""
    return content_of(session.assessment_id, session.content_version)


class JsonPathExists(Func):
    """PostgreSQL's jsonb_path_exists(json, path): does any item match the SQL/JSON path?"""

    template = "jsonb_path_exists(%(expressions)s::jsonpath)"  # the cast applies to the path
    output_field = BooleanField()


@dataclass(frozen=True)
class QueueItem:
    evaluation_id: Any
    session_id: Any
    question_id: str
    assessment: str
    candidate: str
    score: float
    max_score: float
    flagged: bool
    reason: str
    graded_at: datetime


@dataclass(frozen=True)
class AnswerToGrade:
    """Everything the per-answer grading page shows, side by side."""

    evaluation: Evaluation
    question_id: str
    prompt: str
    rubric: str
    criteria: tuple[Criterion, ...]
    reference_answer: str
    answer: str
    grade: dict[str, Any]  # as shown now (a person's grade, once there is one)
    graded: dict[str, Any]  # as the grader graded it: criteria, needsReview, reason


def grading_queue(
    *, assessment_id=None, question_id: str | None = None, limit: int = QUEUE_LIMIT
) -> list[QueueItem]:
    """Graded answers no person has graded yet: flagged ones (`needsReview`) first, then the
    others, each oldest grading first. Evaluations are chosen in SQL (the containment lookups
    use the GIN index on `questions`; the path test drops answers a person already graded)."""
    flagged = _evaluations(FLAGGED_PATH, assessment_id, question_id).filter(
        questions__contains=[{"needsReview": True}]
    )
    others = _evaluations(_WAITING, assessment_id, question_id).filter(
        questions__contains=[{"criteria": []}]
    )
    items: list[QueueItem] = []
    for queryset, want_flagged in ((flagged, True), (others, False)):
        for row in queryset[:limit].iterator(chunk_size=100):
            for grade in row["questions"]:
                if _waiting(grade, question_id) and bool(grade.get("needsReview")) == want_flagged:
                    items.append(_item(row, grade))
                    if len(items) >= limit:
                        return items
    return items


def answer_to_grade(evaluation_id, question_id: str) -> AnswerToGrade | None:
    evaluation = (
        Evaluation.objects.select_related("session__assessment", "session__user")
        .filter(pk=evaluation_id)
        .first()
    )
    if evaluation is None:
        return None
    question = find_question(session_content(evaluation.session), question_id)
    grade = next((q for q in evaluation.questions if q["questionId"] == question_id), None)
    if question is None or grade is None or question["type"] != "SHORT_ANSWER":
        return None
    graded = next((q for q in evaluation.graded_questions if q["questionId"] == question_id), grade)
    return AnswerToGrade(
        evaluation=evaluation,
        question_id=question_id,
        prompt=question["prompt"],
        rubric=question.get("rubric", ""),
        criteria=rubric_criteria(question),
        reference_answer=question.get("referenceAnswer", ""),
        answer=submitted_answer(evaluation.session, question_id),
        grade=grade,
        graded=graded,
    )


def submitted_answer(session, question_id: str) -> str:
    for submission in session.submissions.all():
        if question_id in submission.answers:
            return str(submission.answers[question_id])
    return ""


def _evaluations(path: str, assessment_id, question_id: str | None) -> QuerySet:
    queryset = (
        Evaluation.objects.alias(waiting=JsonPathExists(F("questions"), Value(path)))
        .filter(waiting=True)
        .order_by("graded_at", "pk")
        .values(
            "pk",
            "session_id",
            "graded_at",
            "questions",
            "session__assessment__title",
            "session__user__username",
        )
    )
    if assessment_id:
        queryset = queryset.filter(session__assessment_id=assessment_id)
    if question_id:
        queryset = queryset.filter(questions__contains=[{"questionId": question_id}])
    return queryset


def _waiting(grade: dict[str, Any], question_id: str | None) -> bool:
    if "criteria" not in grade or grade.get("overridden"):
        return False
    return question_id is None or grade["questionId"] == question_id


def _item(row: dict[str, Any], grade: dict[str, Any]) -> QueueItem:
    return QueueItem(
        evaluation_id=row["pk"],
        session_id=row["session_id"],
        question_id=grade["questionId"],
        assessment=row["session__assessment__title"],
        candidate=row["session__user__username"],
        score=grade["score"],
        max_score=grade["maxScore"],
        flagged=bool(grade.get("needsReview")),
        reason=grade.get("reason", ""),
        graded_at=row["graded_at"],
    )
