"""The AI's grades are checked before anything is stored; a bad answer is a failed attempt."""

from typing import Any

from jobs.errors import InvalidAIOutput

from .plan import ShortAnswer, grade


def validated_grades(
    data: dict[str, Any], questions: list[ShortAnswer], *, raw_text: str
) -> dict[str, dict[str, Any]]:
    """Exactly one grade per question sent, 0 ≤ score ≤ points, feedback present."""

    def invalid(message: str) -> InvalidAIOutput:
        return InvalidAIOutput(f"invalid grades: {message}", raw_text=raw_text)

    grades = data.get("grades") if isinstance(data, dict) else None
    if not isinstance(grades, list):
        raise invalid("`grades` must be a list")
    expected = {question.question_id: question for question in questions}
    result: dict[str, dict[str, Any]] = {}
    for index, item in enumerate(grades):
        if not isinstance(item, dict):
            raise invalid(f"grades[{index}] is not an object")
        question_id, score, feedback = (
            item.get("questionId"),
            item.get("score"),
            item.get("feedback"),
        )
        if question_id not in expected:
            raise invalid(f"grades[{index}]: unknown questionId {question_id!r}")
        if question_id in result:
            raise invalid(f"grades[{index}]: a second grade for {question_id}")
        points = expected[question_id].points
        if (
            isinstance(score, bool)
            or not isinstance(score, int | float)
            or not 0 <= score <= points
        ):
            raise invalid(f"grades[{index}]: score {score!r} is not between 0 and {points:g}")
        if not isinstance(feedback, str) or not feedback.strip():
            raise invalid(f"grades[{index}]: feedback is missing")
        result[question_id] = grade(question_id, float(score), points, feedback.strip())
    missing = sorted(set(expected) - set(result))
    if missing:
        raise invalid(f"no grade for {', '.join(missing)}")
    return result
