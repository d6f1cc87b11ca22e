"""The deterministic grader used without an API key: for demos and tests, not real grading.

Per rubric criterion it measures how much of the expected content (see `expected`) the answer
says, as lemmas; credit is scaled so the reference answer itself gets full marks, and a
criterion is full once the answer says FULL_CREDIT_AT of what the reference says for it. It
counts words and never reads meaning, so it first checks the answer's form (see `signals`):
a bare list of terms or a negated statement is capped low, an answer addressed to the grader
scores nothing, and all three are flagged for a person (`needsReview`, with a `reason`).

It answers in the grading prompt's response format (criteria with evidence, decision, points,
and a score that is their sum), so its output passes the same validation as the AI's.
"""

import math
import re
from typing import Any

from .expected import (
    ExpectedPart,
    coverage,
    expected_parts,
    reference_lemmas,
    said_lemmas,
)
from .plan import UNANSWERED_FEEDBACK, ShortAnswer
from .signals import addresses_the_grader, is_term_list, negates

FULL_CREDIT_AT = 0.6  # this share of the reference's content for a criterion earns all of it
LOW_CAP = 0.3  # a flagged list of terms or negated statement earns at most this share
EVIDENCE_CHARS = 200
GRADER_NOTE = "offline grader: word overlap with the expected content, not a reading of meaning"

ADDRESSED_REASON = (
    "The answer addresses the grader (asks for marks, gives instructions or claims authority) "
    "instead of answering; the offline grader gives it no credit."
)
TERM_LIST_REASON = (
    "The answer is a list of terms rather than sentences; word overlap cannot tell whether it "
    "explains anything, so its score is capped."
)
NEGATION_REASON = (
    "The answer negates statements the expected content makes (not, never, does not); word "
    "overlap cannot tell whether it is right, so its score is capped."
)
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]?")


def offline_grades(questions: list[ShortAnswer]) -> dict[str, Any]:
    return {"grades": [grade_offline(question) for question in questions]}


def grade_offline(question: ShortAnswer) -> dict[str, Any]:
    answer = question.answer.strip()
    parts = _consistent_parts(question)
    if not answer:
        return {
            "questionId": question.question_id,
            "criteria": [_unmet(part) for part in parts],
            "score": 0.0,
            "feedback": UNANSWERED_FEEDBACK,
        }
    reference = reference_lemmas(question)
    said, reference_said = said_lemmas(answer), said_lemmas(question.reference_answer)
    criteria = [_criterion(part, answer, said, reference, reference_said) for part in parts]
    earned = sum(criterion["points"] for criterion in criteria)
    reason, cap = _flag(question, answer)
    if cap is not None:
        _cap(criteria, math.floor(question.points * cap * 2) / 2)
    grade: dict[str, Any] = {
        "questionId": question.question_id,
        "criteria": criteria,
        "score": sum(criterion["points"] for criterion in criteria),
        "feedback": _feedback(earned / question.points if question.points else 0.0, reason),
    }
    if reason:
        grade.update(needsReview=True, reason=reason)
    return grade


def _consistent_parts(question: ShortAnswer) -> list[ExpectedPart]:
    parts = expected_parts(question)
    if abs(sum(part.points for part in parts) - question.points) > 0.01:
        # Criteria that do not add up to the question (old content): one criterion for all.
        return [ExpectedPart(question.rubric, question.points, ())]
    return parts


def _criterion(
    part: ExpectedPart,
    answer: str,
    said: frozenset[str],
    reference: tuple[str, ...],
    reference_said: frozenset[str],
) -> dict[str, Any]:
    expected = part.lemmas
    reference_share = coverage(expected, reference_said)
    if not reference_share:
        # A criterion about the idea as a whole ("Explains what X is"), or one whose words the
        # reference answer does not use: checked against everything the reference says.
        expected, reference_share = reference, coverage(reference, reference_said)
    share = coverage(expected, said)
    credit = min(1.0, share / (reference_share * FULL_CREDIT_AT)) if reference_share else 0.0
    points = min(part.points, round(part.points * credit * 2) / 2)
    decision = "met" if points >= part.points else "partly met" if points else "not met"
    return {
        "criterion": part.criterion,
        "evidence": _evidence(answer, expected) if points else "",
        "decision": decision,
        "points": points,
    }


def _unmet(part: ExpectedPart) -> dict[str, Any]:
    return {"criterion": part.criterion, "evidence": "", "decision": "not met", "points": 0.0}


def _flag(question: ShortAnswer, answer: str) -> tuple[str, float | None]:
    """(reason, cap as a share of the points) when the answer's form defeats word counting."""
    if addresses_the_grader(answer):
        return ADDRESSED_REASON, 0.0
    # A reference that is itself a list (a syllabus fragment) makes a list a fair answer.
    if is_term_list(answer) and not is_term_list(question.reference_answer):
        return TERM_LIST_REASON, LOW_CAP
    if negates(answer, question.reference_answer):
        return NEGATION_REASON, LOW_CAP
    return "", None


def _cap(criteria: list[dict[str, Any]], cap: float) -> None:
    """Take points away from the last criteria first until the total is at most `cap`."""
    excess = sum(criterion["points"] for criterion in criteria) - cap
    for criterion in reversed(criteria):
        if excess <= 0:
            return
        taken = min(criterion["points"], excess)
        if taken:
            criterion["points"] -= taken
            criterion["decision"] = "partly met" if criterion["points"] else "not met"
            excess -= taken


def _evidence(answer: str, expected: tuple[str, ...]) -> str:
    """The answer's sentence that says most of what the criterion expects (the candidate's own
    words, never the reference's)."""
    sentences = [s.strip() for s in _SENTENCE.findall(answer) if s.strip()] or [answer]
    best = max(sentences, key=lambda sentence: coverage(expected, said_lemmas(sentence)))
    return best[:EVIDENCE_CHARS]


def _feedback(share: float, reason: str) -> str:
    """How much of the expected content the answer covers, never which words it misses: they
    are the reference answer's, which the review level may keep hidden."""
    if share >= 1:
        covered = "Covers the expected content"
    elif share <= 0:
        covered = "Covers none of the expected content"
    else:
        tenths = min(9, max(1, round(share * 10)))  # never "0%" for some, "100%" for not all
        covered = f"Covers about {tenths * 10}% of the expected content"
    held = " Held for a person to grade." if reason else ""
    return f"{covered} ({GRADER_NOTE}).{held}"
