"""The verifier pass over a generated questionnaire (Gemini only), and regeneration of the items
it rejects.

A second call gets the syllabus and the MCQs without their keys and says, per item, which option
the syllabus supports and whether two options are defensible. An item whose key the verifier does
not choose, or that it finds ambiguous, is rejected; a third call writes replacements for
exactly the rejected question ids (same section, type, topic and points), and the whole
questionnaire is validated again. Regenerated items are not verified a second time.

Every call goes through `call_ai` like the generation call, so the guards (circuit breaker, rate
limit) and the failure classes are the same: a verifier outage is a transient failure of the
attempt, never a pass.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from jobs.ai.base import AIError, AIRequest, AIResponse
from jobs.ai.factory import call_ai
from jobs.errors import InvalidAIOutput

from .content import GenerationOptions
from .content.schema import REGENERATION_SCHEMA, VERIFICATION_SCHEMA, content_questions
from .content.text import collapse_whitespace
from .prompts import (
    REGENERATION_PROMPT_VERSION,
    VERIFICATION_PROMPT_VERSION,
    VERIFICATION_SYSTEM_INSTRUCTION,
    regeneration_contents,
    regeneration_system_instruction,
    verification_contents,
)

# Validates a whole questionnaire (raw model JSON) and returns the cleaned content, or raises
# InvalidAIOutput; the generation handler's, so regenerated content passes the same gate.
Validator = Callable[[Any, str], dict[str, Any]]


@dataclass(frozen=True)
class ItemVerdict:
    question_id: str
    key: str
    chosen: str
    ambiguous: bool
    reasoning: str
    regenerated: bool = False

    @property
    def agreed(self) -> bool:
        return self.chosen == self.key

    @property
    def rejected(self) -> bool:
        return not self.agreed or self.ambiguous

    def problem(self) -> str:
        """Why the item is rejected, for the regeneration prompt (the verifier's own words)."""
        issues = []
        if not self.agreed:
            issues.append(f"the syllabus supports option {self.chosen}, not the key {self.key}")
        if self.ambiguous:
            issues.append("more than one option is defensible")
        return f"{' and '.join(issues)} ({self.reasoning})"

    def as_dict(self) -> dict[str, Any]:
        return {
            "questionId": self.question_id,
            "chosenOptionId": self.chosen,
            "agreed": self.agreed,
            "ambiguous": self.ambiguous,
            "regenerated": self.regenerated,
            "reasoning": self.reasoning,
        }


@dataclass
class Review:
    """The outcome of the verifier pass: the content to store and how it came about."""

    content: dict[str, Any]
    verdicts: list[ItemVerdict] = field(default_factory=list)
    # The further calls it made, in order: (purpose, prompt version, response).
    calls: list[tuple[str, str, AIResponse]] = field(default_factory=list)

    @property
    def items_regenerated(self) -> int:
        return sum(verdict.regenerated for verdict in self.verdicts)


def review_questionnaire(
    content: dict[str, Any],
    *,
    subject: str,
    syllabus_text: str,
    options: GenerationOptions,
    validate: Validator,
) -> Review:
    review = Review(content=content)
    items = mcq_items_without_keys(content)
    if not items:
        return review
    response = _call(
        AIRequest(
            purpose="verification",
            prompt_version=VERIFICATION_PROMPT_VERSION,
            system_instruction=VERIFICATION_SYSTEM_INSTRUCTION,
            contents=verification_contents(
                subject=subject, syllabus_text=syllabus_text, items=items
            ),
            response_schema=VERIFICATION_SCHEMA,
            offline_answer=lambda: _agreeing_verdicts(content),
            temperature=0.0,
        ),
        step="verification",
    )
    review.calls.append(("verification", VERIFICATION_PROMPT_VERSION, response))
    review.verdicts = parse_verdicts(response.data, content, raw_text=response.raw_text)
    rejected = [verdict for verdict in review.verdicts if verdict.rejected]
    if not rejected:
        return review

    response = _call(
        AIRequest(
            purpose="regeneration",
            prompt_version=REGENERATION_PROMPT_VERSION,
            system_instruction=regeneration_system_instruction(options),
            contents=regeneration_contents(
                subject=subject,
                syllabus_text=syllabus_text,
                content=content,
                rejected=[
                    {"questionId": verdict.question_id, "problem": verdict.problem()}
                    for verdict in rejected
                ],
            ),
            response_schema=REGENERATION_SCHEMA,
            offline_answer=lambda: _unchanged_replacements(content, rejected),
        ),
        step="regeneration",
    )
    review.calls.append(("regeneration", REGENERATION_PROMPT_VERSION, response))
    rejected_ids = {verdict.question_id for verdict in rejected}
    try:
        merged = merge_replacements(content, response.data, rejected_ids)
    except ValueError as exc:
        raise InvalidAIOutput(f"regeneration: {exc}", raw_text=response.raw_text) from exc
    review.content = validate(merged, response.raw_text)
    review.verdicts = [
        replace(verdict, regenerated=verdict.question_id in rejected_ids)
        for verdict in review.verdicts
    ]
    return review


def mcq_items_without_keys(content: Mapping[str, Any]) -> list[dict[str, Any]]:
    """What the verifier sees of each MCQ: id, prompt and options; no key, no excerpt."""
    return [
        {
            "questionId": question["questionId"],
            "prompt": question["prompt"],
            "options": [{"id": o["id"], "text": o["text"]} for o in question["options"]],
        }
        for question in content_questions(content)
        if question["type"] == "MCQ"
    ]


def parse_verdicts(data: Any, content: Mapping[str, Any], *, raw_text: str) -> list[ItemVerdict]:
    """One verdict per MCQ, in questionnaire order; anything less is an invalid answer."""
    mcqs = {q["questionId"]: q for q in content_questions(content) if q["type"] == "MCQ"}
    raw_verdicts = data.get("verdicts") if isinstance(data, Mapping) else None
    if not isinstance(raw_verdicts, list):
        raise _invalid_verdicts("verdicts: expected an array", raw_text)
    by_id: dict[str, Mapping[str, Any]] = {}
    for index, raw in enumerate(raw_verdicts):
        path = f"verdicts[{index}]"
        if not isinstance(raw, Mapping):
            raise _invalid_verdicts(f"{path}: expected an object", raw_text)
        question_id = raw.get("questionId")
        if question_id not in mcqs:
            raise _invalid_verdicts(f"{path}.questionId: {question_id!r} is not an MCQ", raw_text)
        if question_id in by_id:
            raise _invalid_verdicts(
                f"{path}.questionId: second verdict for {question_id}", raw_text
            )
        option_ids = [option["id"] for option in mcqs[question_id]["options"]]
        if raw.get("supportedOptionId") not in option_ids:
            raise _invalid_verdicts(
                f"{path}.supportedOptionId: {raw.get('supportedOptionId')!r} is not one of "
                f"{', '.join(option_ids)}",
                raw_text,
            )
        if not isinstance(raw.get("ambiguous"), bool):
            raise _invalid_verdicts(f"{path}.ambiguous: expected a boolean", raw_text)
        by_id[question_id] = raw
    missing = [question_id for question_id in mcqs if question_id not in by_id]
    if missing:
        raise _invalid_verdicts(f"verdicts: none for {', '.join(missing)}", raw_text)
    return [
        ItemVerdict(
            question_id=question_id,
            key=question["correctOptionId"],
            chosen=by_id[question_id]["supportedOptionId"],
            ambiguous=by_id[question_id]["ambiguous"],
            reasoning=collapse_whitespace(str(by_id[question_id].get("reasoning") or ""))[:1000],
        )
        for question_id, question in mcqs.items()
    ]


def merge_replacements(
    content: Mapping[str, Any], data: Any, rejected_ids: set[str], *, keep_topic: bool = True
) -> dict[str, Any]:
    """A copy of `content` with each rejected question swapped for its replacement, unvalidated.

    Raises ValueError unless there is exactly one replacement per rejected id, each keeping the
    original's type and points, and its topic unless `keep_topic` is False (staff asking for a
    different item may get one on another topic).
    """
    replacements = data.get("replacements") if isinstance(data, Mapping) else None
    if not isinstance(replacements, list):
        raise ValueError("replacements: expected an array")
    by_id: dict[str, Mapping[str, Any]] = {}
    for index, replacement in enumerate(replacements):
        path = f"replacements[{index}]"
        if not isinstance(replacement, Mapping):
            raise ValueError(f"{path}: expected an object")
        question_id = replacement.get("questionId")
        if question_id not in rejected_ids:
            raise ValueError(f"{path}.questionId: {question_id!r} was not asked for")
        if question_id in by_id:
            raise ValueError(f"{path}.questionId: second replacement for {question_id}")
        by_id[question_id] = replacement
    missing = sorted(rejected_ids - set(by_id))
    if missing:
        raise ValueError(f"replacements: none for {', '.join(missing)}")

    merged = copy.deepcopy(dict(content))
    for section in merged["sections"]:
        for index, original in enumerate(section["questions"]):
            replacement = by_id.get(original["questionId"])
            if replacement is None:
                continue
            _require_same_slot(original, replacement, keep_topic=keep_topic)
            section["questions"][index] = copy.deepcopy(dict(replacement))
    return merged


def _require_same_slot(
    original: Mapping[str, Any], replacement: Mapping[str, Any], *, keep_topic: bool
) -> None:
    question_id = original["questionId"]
    if replacement.get("type") != original["type"]:
        raise ValueError(f"{question_id}: type {replacement.get('type')!r}, was {original['type']}")
    if replacement.get("points") != original["points"]:
        raise ValueError(
            f"{question_id}: points {replacement.get('points')!r}, was {original['points']}"
        )
    if (
        keep_topic
        and "topic" in original
        and not _same_text(replacement.get("topic"), original["topic"])
    ):
        raise ValueError(
            f"{question_id}: topic {replacement.get('topic')!r}, was {original['topic']!r}"
        )


def _same_text(value: Any, expected: str) -> bool:
    return isinstance(value, str) and collapse_whitespace(value).lower() == expected.lower()


def _call(request: AIRequest, *, step: str) -> AIResponse:
    """`call_ai`, with the step named in any failure (its class, and so retry, unchanged)."""
    try:
        return call_ai(request)
    except AIError as exc:
        raise type(exc)(
            f"{step} call failed: {exc}", raw_text=exc.raw_text, status_code=exc.status_code
        ) from exc


def _invalid_verdicts(problem: str, raw_text: str) -> InvalidAIOutput:
    return InvalidAIOutput(f"invalid verification: {problem}", raw_text=raw_text)


def _agreeing_verdicts(content: Mapping[str, Any]) -> dict[str, Any]:
    # Never asked for: the offline provider's questionnaire is not verified. AIRequest needs an
    # offline answer all the same; this one agrees with every key.
    return {
        "verdicts": [
            {
                "questionId": q["questionId"],
                "reasoning": "offline",
                "supportedOptionId": q["correctOptionId"],
                "ambiguous": False,
            }
            for q in content_questions(content)
            if q["type"] == "MCQ"
        ]
    }


def _unchanged_replacements(
    content: Mapping[str, Any], rejected: list[ItemVerdict]
) -> dict[str, Any]:
    ids = {verdict.question_id for verdict in rejected}
    return {"replacements": [q for q in content_questions(content) if q["questionId"] in ids]}
