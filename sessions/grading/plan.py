"""Split a session's questions into what is graded here and what goes to the AI."""

from dataclasses import dataclass
from typing import Any

UNANSWERED_FEEDBACK = "No answer was given."


@dataclass(frozen=True)
class Criterion:
    """One rubric criterion (`rubricCriteria` in the content) and the points it is worth."""

    text: str
    points: float


@dataclass(frozen=True)
class ShortAnswer:
    """One answered SHORT_ANSWER question, as the AI grader sees it."""

    question_id: str
    prompt: str
    rubric: str
    reference_answer: str
    points: float
    answer: str
    criteria: tuple[Criterion, ...] = ()  # empty when the question has only a free-text rubric


@dataclass(frozen=True)
class GradingPlan:
    grades: dict[str, dict[str, Any]]  # graded without AI: MCQs and unanswered questions
    for_ai: list[ShortAnswer]
    order: list[str]  # every question id, in assessment order
    max_score: float


def plan_grading(content: dict[str, Any], answers: dict[str, str]) -> GradingPlan:
    grades, for_ai, order, max_score = {}, [], [], 0.0
    for section in content["sections"]:
        for question in section["questions"]:
            question_id, points = question["questionId"], float(question["points"])
            order.append(question_id)
            max_score += points
            answer = (answers.get(question_id) or "").strip()
            if not answer:
                grades[question_id] = grade(question_id, 0.0, points, UNANSWERED_FEEDBACK)
            elif question["type"] == "MCQ":
                grades[question_id] = _grade_mcq(question, answer)
            else:
                for_ai.append(
                    ShortAnswer(
                        question_id,
                        question["prompt"],
                        question["rubric"],
                        question["referenceAnswer"],
                        points,
                        answer,
                        _criteria(question),
                    )
                )
    return GradingPlan(grades=grades, for_ai=for_ai, order=order, max_score=max_score)


def _criteria(question: dict[str, Any]) -> tuple[Criterion, ...]:
    return tuple(
        Criterion(str(item["criterion"]), float(item["points"]))
        for item in question.get("rubricCriteria") or ()
    )


WHOLE_ANSWER = "The answer as a whole, against the rubric"


def rubric_criteria(question: dict[str, Any]) -> tuple[Criterion, ...]:
    """What a person grades a short answer on: its rubric criteria, or (a free-text rubric)
    one criterion worth the question's points."""
    return _criteria(question) or (Criterion(WHOLE_ANSWER, float(question["points"])),)


def find_question(content: dict[str, Any], question_id: str) -> dict[str, Any] | None:
    for section in content["sections"]:
        for question in section["questions"]:
            if question["questionId"] == question_id:
                return question
    return None


def grade(question_id: str, score: float, max_score: float, feedback: str) -> dict[str, Any]:
    return {"questionId": question_id, "score": score, "maxScore": max_score, "feedback": feedback}


def _grade_mcq(question: dict[str, Any], answer: str) -> dict[str, Any]:
    points = float(question["points"])
    correct = question["correctOptionId"]
    if answer == correct:
        return grade(question["questionId"], points, points, "Correct.")
    # Never names the key: what a candidate may learn of it is the review level's decision.
    return grade(question["questionId"], 0.0, points, "Incorrect.")


def totals(questions: list[dict[str, Any]]) -> tuple[float, float, float]:
    """(score, max score, percentage) of a list of question grades."""
    score = round(sum(q["score"] for q in questions), 2)
    maximum = round(sum(q["maxScore"] for q in questions), 2)
    percentage = round(100 * score / maximum, 2) if maximum else 0.0
    return score, maximum, percentage
