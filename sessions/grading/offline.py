"""The deterministic grader used without an API key: content-word overlap with the reference.

A question's key terms are the content words of its reference answer and rubric; the score is
the share of them the answer mentions, scaled to the points and rounded to a half point.
The answer is only ever counted, never interpreted, so instructions inside it are just words.
"""

import re
from typing import Any

from .plan import ShortAnswer

_WORD = re.compile(r"[a-z][a-z0-9'-]{2,}")
_STOPWORDS = frozenset(
    """
    about above after again against all also an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further
    had has have having he her here hers him his how if in into is it its itself just me more
    most my no nor not now of off on once only or other our out over own same she should so
    some such than that the their them then there these they this those through to too under
    until up very was we were what when where which while who whom why will with would you your
    award full marks mark mentioning mention partial credit answer answers good student
    students course syllabus explain describe points point give given use used using
    """.split()
)


def offline_grades(questions: list[ShortAnswer]) -> dict[str, Any]:
    return {"grades": [_grade(question) for question in questions]}


def key_terms(text: str) -> list[str]:
    """Content words in first-seen order, without duplicates or crude plurals."""
    seen: dict[str, None] = {}
    for word in _WORD.findall(text.lower()):
        stem = _stem(word)
        if stem not in _STOPWORDS and word not in _STOPWORDS:
            seen.setdefault(stem)
    return list(seen)


def _grade(question: ShortAnswer) -> dict[str, Any]:
    expected = key_terms(f"{question.reference_answer} {question.rubric}")
    mentioned = set(key_terms(question.answer))
    covered = [term for term in expected if term in mentioned]
    missing = [term for term in expected if term not in mentioned]
    share = len(covered) / len(expected) if expected else 0.0
    score = min(question.points, round(question.points * share * 2) / 2)
    return {
        "questionId": question.question_id,
        "score": score,
        "feedback": _feedback(covered, missing),
    }


def _feedback(covered: list[str], missing: list[str]) -> str:
    """Says how much of the expected content the answer covers, never what is missing: the
    missing terms are the reference answer's, which the review level may keep hidden."""
    if not missing:
        return "Covers every key point of the reference answer."
    if not covered:
        return "Does not address the key points of the question."
    total = len(covered) + len(missing)
    return f"Covers {len(covered)} of {total} key points of the reference answer."


def _stem(word: str) -> str:
    """Crude plural folding, applied alike to answer and reference ("tables" = "table")."""
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word
