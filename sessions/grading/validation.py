"""The AI's grades are checked before anything is stored; a bad answer is a failed attempt.

A grade (prompt v2) shows its reasoning per rubric criterion; its score must be the sum of its
criteria's points and no criterion may exceed what it is worth. What the grader said beyond the
score (criteria, needsReview, reason) is kept in the stored grade for staff; the candidate's
view shows only an allowlist of fields (`sessions.review`).
"""

from typing import Any

from jobs.errors import InvalidAIOutput

from .plan import ShortAnswer, grade

SUM_TOLERANCE = 0.01
DEFAULT_REVIEW_REASON = "The grader flagged this answer for a person without saying why."


def validated_grades(
    data: dict[str, Any], questions: list[ShortAnswer], *, raw_text: str
) -> dict[str, dict[str, Any]]:
    """Exactly one grade per question sent, 0 ≤ score ≤ points, score = sum of the criteria,
    each criterion within its points, feedback present."""

    def invalid(message: str) -> InvalidAIOutput:
        return InvalidAIOutput(f"invalid grades: {message}", raw_text=raw_text)

    grades = data.get("grades") if isinstance(data, dict) else None
    if not isinstance(grades, list):
        raise invalid("`grades` must be a list")
    expected = {question.question_id: question for question in questions}
    result: dict[str, dict[str, Any]] = {}
    for index, item in enumerate(grades):
        where = f"grades[{index}]"
        if not isinstance(item, dict):
            raise invalid(f"{where} is not an object")
        question_id, score, feedback = (
            item.get("questionId"),
            item.get("score"),
            item.get("feedback"),
        )
        if question_id not in expected:
            raise invalid(f"{where}: unknown questionId {question_id!r}")
        if question_id in result:
            raise invalid(f"{where}: a second grade for {question_id}")
        question = expected[question_id]
        if not _is_number(score) or not 0 <= score <= question.points:
            raise invalid(f"{where}: score {score!r} is not between 0 and {question.points:g}")
        if not isinstance(feedback, str) or not feedback.strip():
            raise invalid(f"{where}: feedback is missing")
        criteria = _criteria(item.get("criteria"), question, where, invalid)
        total = sum(criterion["points"] for criterion in criteria)
        if abs(total - score) > SUM_TOLERANCE:
            raise invalid(f"{where}: score {score:g} is not the sum of its criteria ({total:g})")
        graded = grade(question_id, float(score), question.points, feedback.strip())
        graded["criteria"] = criteria
        graded.update(_review_flag(item, where, invalid))
        result[question_id] = graded
    missing = sorted(set(expected) - set(result))
    if missing:
        raise invalid(f"no grade for {', '.join(missing)}")
    return result


def _criteria(value: Any, question: ShortAnswer, where: str, invalid) -> list[dict[str, Any]]:
    """Each criterion with its evidence, decision and points; when the question has rubric
    criteria, one per criterion in the same order, each within its own points."""
    if not isinstance(value, list) or not value:
        raise invalid(f"{where}: `criteria` must be a non-empty list")
    if question.criteria and len(value) != len(question.criteria):
        raise invalid(f"{where}: {len(value)} criteria for a rubric of {len(question.criteria)}")
    checked = []
    for position, item in enumerate(value):
        at = f"{where}.criteria[{position}]"
        if not isinstance(item, dict):
            raise invalid(f"{at} is not an object")
        maximum = question.criteria[position].points if question.criteria else question.points
        points = item.get("points")
        if not _is_number(points) or not 0 <= points <= maximum + SUM_TOLERANCE:
            raise invalid(f"{at}: points {points!r} is not between 0 and {maximum:g}")
        texts = {key: item.get(key) for key in ("criterion", "evidence", "decision")}
        if not all(isinstance(text, str) for text in texts.values()):
            raise invalid(f"{at}: criterion, evidence and decision must be text")
        if not texts["criterion"].strip() or not texts["decision"].strip():
            raise invalid(f"{at}: criterion or decision is empty")
        checked.append({**{k: v.strip() for k, v in texts.items()}, "points": float(points)})
    return checked


def _review_flag(item: dict[str, Any], where: str, invalid) -> dict[str, Any]:
    needs_review, reason = item.get("needsReview", False), item.get("reason") or ""
    if not isinstance(needs_review, bool) or not isinstance(reason, str):
        raise invalid(f"{where}: needsReview must be true or false and reason text")
    if not needs_review:
        return {}
    return {"needsReview": True, "reason": reason.strip() or DEFAULT_REVIEW_REASON}


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
