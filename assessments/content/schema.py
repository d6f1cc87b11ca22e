"""The JSON schema of a generated questionnaire, as sent to Gemini's structured output.

Gemini accepts an OpenAPI subset: type/properties/required/items/enum/description, with no
`$ref`, `oneOf` or `additionalProperties`. One question object therefore serves both question
types: the MCQ-only fields (options, correctOptionId) and the SHORT_ANSWER-only fields
(referenceAnswer, rubric) are optional here, and `validation.validate_content` enforces which
type needs which. The schema constrains the shape; the validator is the authority on content.
"""

from __future__ import annotations

from typing import Any

QUESTION_TYPES = ("MCQ", "SHORT_ANSWER")
# The cognitive level an item targets (revised Bloom's taxonomy, the levels a written item can
# reach: EVALUATE and CREATE need longer work than one questionnaire item).
BLOOM_LEVELS = ("REMEMBER", "UNDERSTAND", "APPLY", "ANALYZE")


def _string(description: str) -> dict[str, Any]:
    return {"type": "string", "description": description}


_OPTION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": _string('Option label, unique within the question: "A", "B", "C", ...'),
        "text": _string("The option text; exactly one option is correct."),
    },
    "required": ["id", "text"],
}

_QUESTION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "questionId": _string('Unique in the document: "s<section>q<question>", e.g. "s1q2".'),
        "type": {
            "type": "string",
            "enum": list(QUESTION_TYPES),
            "description": "MCQ (multiple choice, one correct option) or SHORT_ANSWER.",
        },
        "prompt": _string("The question as shown to the candidate."),
        "points": {"type": "integer", "description": "Marks for a fully correct answer (> 0)."},
        "options": {
            "type": "array",
            "items": _OPTION_SCHEMA,
            "description": "MCQ only: 2 to 6 options with distinct texts.",
        },
        "correctOptionId": _string("MCQ only: the id of the one correct option."),
        "referenceAnswer": _string("SHORT_ANSWER only: a model answer grounded in the syllabus."),
        "rubric": _string("SHORT_ANSWER only: what a good answer must mention, how to mark it."),
        "sourceExcerpt": _string(
            "A passage of at least 20 characters copied verbatim from the syllabus text that "
            "the question is based on."
        ),
    },
    "required": ["questionId", "type", "prompt", "points", "sourceExcerpt"],
}

_SECTION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "sectionId": _string('Unique in the document: "s1", "s2", ...'),
        "title": _string("A short topical title for the section."),
        "questions": {"type": "array", "items": _QUESTION_SCHEMA},
    },
    "required": ["sectionId", "title", "questions"],
}

RESPONSE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "title": _string("Title of the questionnaire."),
        "subject": _string("The course subject the questionnaire assesses."),
        "sections": {"type": "array", "items": _SECTION_SCHEMA},
    },
    "required": ["title", "subject", "sections"],
}
