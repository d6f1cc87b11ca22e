"""What a candidate sees of a graded session, at the review level the policy allows.

`assessments.policy.review_level` decides the level; this module applies it to the stored
grades. An allowlist per level, so a key added to stored grades later stays hidden:

- SCORES: questionId, score, maxScore;
- FEEDBACK: plus written feedback that never names the correct option nor quotes the reference
  answer (MCQ feedback is derived from the score; a grader's feedback that quotes five or more
  consecutive words of the reference answer is withheld);
- FULL: plus correctOptionId (MCQ) and referenceAnswer (short answer).
"""

import re
from typing import Any

from assessments.models import ReviewLevel
from assessments.policy import shows

from .grading.plan import UNANSWERED_FEEDBACK

SCORE_FIELDS = ("questionId", "score", "maxScore")
QUOTE_WORDS = 5  # this many consecutive words of the reference answer count as quoting it
WITHHELD_FEEDBACK = "Written feedback is withheld until answers may be shown."
_WORD = re.compile(r"[a-z0-9]+")


class ReviewState:
    AI_GRADED = "AI_GRADED"
    NEEDS_REVIEW = "NEEDS_REVIEW"
    REVIEWED = "REVIEWED"


def review_state(grades: list[dict[str, Any]]) -> str:
    """NEEDS_REVIEW while a grade flagged for a person has no person's score yet; REVIEWED
    once a person has scored something; otherwise AI_GRADED."""
    if any(grade.get("needsReview") and not grade.get("overridden") for grade in grades):
        return ReviewState.NEEDS_REVIEW
    if any(grade.get("overridden") for grade in grades):
        return ReviewState.REVIEWED
    return ReviewState.AI_GRADED


def visible_grades(
    grades: list[dict[str, Any]], content: dict[str, Any], level: str
) -> list[dict[str, Any]]:
    questions = {
        question["questionId"]: question
        for section in content["sections"]
        for question in section["questions"]
    }
    return [_visible(grade, questions.get(grade["questionId"]), level) for grade in grades]


def _visible(grade: dict[str, Any], question: dict[str, Any] | None, level: str) -> dict:
    visible = {field: grade[field] for field in SCORE_FIELDS}
    if question is None or not shows(level, ReviewLevel.FEEDBACK):
        return visible
    if shows(level, ReviewLevel.FULL):
        visible["feedback"] = grade.get("feedback", "")
        if question["type"] == "MCQ":
            visible["correctOptionId"] = question["correctOptionId"]
        else:
            visible["referenceAnswer"] = question["referenceAnswer"]
        return visible
    visible["feedback"] = _feedback_without_key(grade, question)
    return visible


def _feedback_without_key(grade: dict[str, Any], question: dict[str, Any]) -> str:
    if question["type"] == "MCQ":
        # Stored MCQ feedback may name the key (grades made before review levels did).
        if grade["score"] >= grade["maxScore"]:
            return "Correct."
        return UNANSWERED_FEEDBACK if grade.get("feedback") == UNANSWERED_FEEDBACK else "Incorrect."
    feedback = grade.get("feedback", "")
    if _quotes(feedback, question.get("referenceAnswer", "")):
        return WITHHELD_FEEDBACK
    return feedback


def _quotes(text: str, reference: str) -> bool:
    reference_words = _WORD.findall(reference.lower())
    if len(reference_words) < QUOTE_WORDS:
        return bool(reference_words) and " ".join(reference_words) in " ".join(
            _WORD.findall(text.lower())
        )
    spans = {
        " ".join(reference_words[i : i + QUOTE_WORDS])
        for i in range(len(reference_words) - QUOTE_WORDS + 1)
    }
    words = _WORD.findall(text.lower())
    return any(
        " ".join(words[i : i + QUOTE_WORDS]) in spans for i in range(len(words) - QUOTE_WORDS + 1)
    )
