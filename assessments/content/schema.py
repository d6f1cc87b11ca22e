"""The JSON schemas sent to Gemini's structured output: the questionnaire, the verifier's
verdicts and the regenerated items.

`RESPONSE_SCHEMA` is the stored-content contract the validator enforces (v1, the shape
generation-v1 asked for). `RESPONSE_SCHEMA_V2` is what generation-v2 asks for: the same plus
`topics` first and, per question, `topic`, `bloomLevel`, `outcome` (required) and
`rubricCriteria` instead of a free-text `rubric`.

Gemini accepts an OpenAPI subset: type/properties/required/items/enum/description, with no
`$ref`, `oneOf` or `additionalProperties`. One question object therefore serves both question
types: the MCQ-only fields (options, correctOptionId) and the SHORT_ANSWER-only fields
(referenceAnswer, rubric / rubricCriteria) are optional here, and `validation.validate_content`
enforces which type needs which. The schema constrains the shape; the validator is the
authority on content. The SDK turns the order of `properties` into Gemini's `propertyOrdering`,
so fields the model should think about first (topics, an item's topic and outcome, a verdict's
reasoning) come first.
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

_QUESTION_SCHEMA_V1: dict[str, Any] = {
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

_SECTION_SCHEMA_V1: dict[str, Any] = {
    "type": "object",
    "properties": {
        "sectionId": _string('Unique in the document: "s1", "s2", ...'),
        "title": _string("A short topical title for the section."),
        "questions": {"type": "array", "items": _QUESTION_SCHEMA_V1},
    },
    "required": ["sectionId", "title", "questions"],
}

RESPONSE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "title": _string("Title of the questionnaire."),
        "subject": _string("The course subject the questionnaire assesses."),
        "sections": {"type": "array", "items": _SECTION_SCHEMA_V1},
    },
    "required": ["title", "subject", "sections"],
}

# --- v2: topics first, per-item topic / Bloom level / outcome, rubric as scored criteria ------

_TOPIC_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "topic": _string("A topic of the subject taught (subject matter, never logistics)."),
        "outcomes": {
            "type": "array",
            "items": _string("What a student who learnt the topic can do."),
            "description": "The topic's learning outcomes.",
        },
    },
    "required": ["topic", "outcomes"],
}

_RUBRIC_CRITERION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "criterion": _string("What a good answer must contain to earn these points."),
        "points": {"type": "integer", "description": "Points for this criterion (> 0)."},
    },
    "required": ["criterion", "points"],
}

_V2_ITEM_FIELDS: dict[str, Any] = {
    "topic": _string("The topic (from `topics`) this item tests."),
    "bloomLevel": {
        "type": "string",
        "enum": list(BLOOM_LEVELS),
        "description": "The cognitive level the item tests.",
    },
    "outcome": _string("The learning outcome (from `topics`) this item tests."),
}

_QUESTION_PROPERTIES_V1: dict[str, Any] = _QUESTION_SCHEMA_V1["properties"]

QUESTION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "questionId": _QUESTION_PROPERTIES_V1["questionId"],
        "type": _QUESTION_PROPERTIES_V1["type"],
        **_V2_ITEM_FIELDS,
        "prompt": _QUESTION_PROPERTIES_V1["prompt"],
        "points": _QUESTION_PROPERTIES_V1["points"],
        "options": {
            "type": "array",
            "items": _OPTION_SCHEMA,
            "description": "MCQ only: exactly 4 options (at least 3) with distinct texts.",
        },
        "correctOptionId": _QUESTION_PROPERTIES_V1["correctOptionId"],
        "referenceAnswer": _QUESTION_PROPERTIES_V1["referenceAnswer"],
        "rubricCriteria": {
            "type": "array",
            "items": _RUBRIC_CRITERION_SCHEMA,
            "description": (
                "SHORT_ANSWER only: 2 to 4 marking criteria whose points sum to the question's "
                "points."
            ),
        },
        "sourceExcerpt": _QUESTION_PROPERTIES_V1["sourceExcerpt"],
    },
    "required": [
        "questionId",
        "type",
        "topic",
        "bloomLevel",
        "outcome",
        "prompt",
        "points",
        "sourceExcerpt",
    ],
}

_SECTION_SCHEMA: dict[str, Any] = {
    **_SECTION_SCHEMA_V1,
    "properties": {
        **_SECTION_SCHEMA_V1["properties"],
        "questions": {"type": "array", "items": QUESTION_SCHEMA},
    },
}

RESPONSE_SCHEMA_V2: dict[str, Any] = {
    "type": "object",
    "properties": {
        "topics": {
            "type": "array",
            "items": _TOPIC_SCHEMA,
            "description": "First: the subject's topics and learning outcomes.",
        },
        **RESPONSE_SCHEMA["properties"],
        "sections": {"type": "array", "items": _SECTION_SCHEMA},
    },
    "required": ["topics", "title", "subject", "sections"],
}

# --- the verifier and the regeneration call ---------------------------------------------------

VERIFICATION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "verdicts": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "questionId": _string("The item's questionId."),
                    "reasoning": _string("What the syllabus says that decides the item."),
                    "supportedOptionId": _string(
                        "The id of the option the syllabus supports as correct."
                    ),
                    "ambiguous": {
                        "type": "boolean",
                        "description": "True when two or more options are defensible.",
                    },
                },
                "required": ["questionId", "reasoning", "supportedOptionId", "ambiguous"],
            },
        },
    },
    "required": ["verdicts"],
}

REGENERATION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "replacements": {
            "type": "array",
            "items": QUESTION_SCHEMA,
            "description": "One replacement per rejected item, with the rejected item's id.",
        },
    },
    "required": ["replacements"],
}


def content_questions(content: dict[str, Any]) -> list[dict[str, Any]]:
    """Every question of an assessment's content, section by section, in order."""
    return [question for section in content["sections"] for question in section["questions"]]
