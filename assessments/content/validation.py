"""The gate every generated questionnaire passes before it is saved, whoever wrote it.

`validate_content` checks shape, counts, per-type requirements, uniqueness and grounding (every
`sourceExcerpt` must really be in the syllabus), and returns a cleaned copy holding only the
contract's keys with stripped strings. Anything wrong raises `ContentInvalid` whose message
starts with the JSON path of the first offending value (zero-based indexes), e.g.
"sections[1].questions[2].options: 7 options, expected 2–6", so a retry prompt or a log line
can say exactly what to fix.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .item_rules import RuleBroken, check_item_rules, option_key
from .options import GenerationOptions
from .rubric import render_rubric
from .schema import BLOOM_LEVELS, QUESTION_TYPES
from .subject import subject_matter
from .subject.classify import logistics_signal
from .text import SearchableText, are_near_duplicates, collapse_whitespace, normalize_prompt

MAX_TITLE_LENGTH = 300
MAX_ID_LENGTH = 64
MAX_PROMPT_LENGTH = 2000
MAX_OPTION_TEXT_LENGTH = 500
MAX_REFERENCE_ANSWER_LENGTH = 4000
MAX_RUBRIC_LENGTH = 4000
# Not in the written contract; bounds what one question can drag into the stored document.
MAX_SOURCE_EXCERPT_LENGTH = 2000
MIN_SOURCE_EXCERPT_LENGTH = 20
MIN_OPTIONS, MAX_OPTIONS = 2, 6
MAX_POINTS = 100
MAX_TOPIC_LENGTH = 300
_SOURCE_REFERENCE = re.compile(r"\b(?:the|this) (?:syllabus|course)\b", re.IGNORECASE)
MIN_RUBRIC_CRITERIA, MAX_RUBRIC_CRITERIA = 2, 4


class ContentInvalid(Exception):
    """The content breaks the contract. `path` locates the offending value ("" for the root);
    `rule` names the item-writing rule it breaks, if that is what is wrong."""

    def __init__(self, message: str, *, path: str = "", rule: str = "") -> None:
        super().__init__(message)
        self.path, self.rule = path, rule


def validate_content(
    content: Any, *, syllabus_text: str, options: GenerationOptions
) -> dict[str, Any]:
    """Return a cleaned copy of `content`, or raise `ContentInvalid` naming the first problem."""
    document = _require_object(content, "content")
    context = _DocumentContext(syllabus=SearchableText.of(syllabus_text), options=options)
    title = _require_text(document, "title", "", max_length=MAX_TITLE_LENGTH)
    subject = _require_text(document, "subject", "", max_length=MAX_TITLE_LENGTH)
    raw_sections = _require_list(document, "sections", "")
    _require_count(raw_sections, options.section_count, "sections", "section")
    sections = [
        _clean_section(raw, f"sections[{index}]", context) for index, raw in enumerate(raw_sections)
    ]
    _check_question_type_mix(context)
    _check_no_near_duplicate_prompts(context)
    matter = subject_matter(syllabus_text)
    try:
        check_item_rules(
            sections,
            sibling_groups=[
                frozenset(option_key(topic.name) for topic in group.topics)
                for group in matter.topic_groups
            ],
            is_logistics=_is_logistics,
        )
    except RuleBroken as exc:
        raise ContentInvalid(str(exc), path=exc.path, rule=exc.rule) from None
    return {"title": title, "subject": subject, "sections": sections}


@dataclass
class _DocumentContext:
    """What the checks of one document share: the syllabus to search, and what has been seen."""

    syllabus: SearchableText
    options: GenerationOptions
    section_id_paths: dict[str, str] = field(default_factory=dict)
    question_id_paths: dict[str, str] = field(default_factory=dict)
    prompts: list[tuple[str, str]] = field(default_factory=list)  # (path, normalized prompt)
    types_seen: set[str] = field(default_factory=set)
    question_count: int = 0


def _clean_section(raw: Any, path: str, context: _DocumentContext) -> dict[str, Any]:
    section = _require_object(raw, path)
    section_id = _require_text(section, "sectionId", path, max_length=MAX_ID_LENGTH)
    _require_unique(section_id, _join(path, "sectionId"), context.section_id_paths)
    title = _require_text(section, "title", path, max_length=MAX_TITLE_LENGTH)
    raw_questions = _require_list(section, "questions", path)
    expected = context.options.questions_per_section
    _require_count(raw_questions, expected, _join(path, "questions"), "question")
    questions = [
        _clean_question(raw_question, f"{path}.questions[{index}]", context)
        for index, raw_question in enumerate(raw_questions)
    ]
    return {"sectionId": section_id, "title": title, "questions": questions}


def _clean_question(raw: Any, path: str, context: _DocumentContext) -> dict[str, Any]:
    question = _require_object(raw, path)
    question_id = _require_text(question, "questionId", path, max_length=MAX_ID_LENGTH)
    _require_unique(question_id, _join(path, "questionId"), context.question_id_paths)
    question_type = _require_text(question, "type", path, max_length=MAX_ID_LENGTH)
    if question_type not in QUESTION_TYPES:
        raise _invalid(
            _join(path, "type"), f"{question_type!r} is not one of {', '.join(QUESTION_TYPES)}"
        )
    prompt = _require_text(question, "prompt", path, max_length=MAX_PROMPT_LENGTH)
    points = _require_points(question, path)
    excerpt = _require_source_excerpt(question, path, context.syllabus)

    cleaned: dict[str, Any] = {
        "questionId": question_id,
        "type": question_type,
        "prompt": prompt,
        "points": points,
    }
    if question_type == "MCQ":
        cleaned.update(_clean_mcq_fields(question, path))
    else:
        cleaned.update(_clean_short_answer_fields(question, path, points))
    cleaned["sourceExcerpt"] = excerpt
    cleaned.update(_clean_item_metadata(question, path))

    context.prompts.append((_join(path, "prompt"), normalize_prompt(prompt)))
    context.types_seen.add(question_type)
    context.question_count += 1
    return cleaned


def _clean_mcq_fields(question: Mapping[str, Any], path: str) -> dict[str, Any]:
    options_path = _join(path, "options")
    raw_options = _require_list(question, "options", path)
    if not MIN_OPTIONS <= len(raw_options) <= MAX_OPTIONS:
        raise _invalid(
            options_path,
            f"{len(raw_options)} options, expected {MIN_OPTIONS}–{MAX_OPTIONS}",
        )
    id_paths: dict[str, str] = {}
    text_paths: dict[str, str] = {}
    options = []
    for index, raw_option in enumerate(raw_options):
        option_path = f"{options_path}[{index}]"
        option = _require_object(raw_option, option_path)
        option_id = _require_text(option, "id", option_path, max_length=MAX_ID_LENGTH)
        _require_unique(option_id, _join(option_path, "id"), id_paths)
        text = _require_text(option, "text", option_path, max_length=MAX_OPTION_TEXT_LENGTH)
        # "Paris", "paris " and "PARIS" are the same answer to a candidate.
        _require_unique(collapse_whitespace(text).lower(), _join(option_path, "text"), text_paths)
        options.append({"id": option_id, "text": text})

    correct_id = _require_text(question, "correctOptionId", path, max_length=MAX_ID_LENGTH)
    if correct_id not in id_paths:
        raise _invalid(
            _join(path, "correctOptionId"),
            f"{correct_id!r} is not one of the option ids {', '.join(id_paths)}",
        )
    return {"options": options, "correctOptionId": correct_id}


def _clean_short_answer_fields(
    question: Mapping[str, Any], path: str, points: float
) -> dict[str, Any]:
    reference = _require_text(
        question, "referenceAnswer", path, max_length=MAX_REFERENCE_ANSWER_LENGTH
    )
    if question.get("rubricCriteria") is None:
        rubric = _require_text(question, "rubric", path, max_length=MAX_RUBRIC_LENGTH)
        return {"referenceAnswer": reference, "rubric": rubric}
    criteria = _clean_rubric_criteria(question, path)
    # Criteria are the rubric (generation-v2 asks for them instead of text): the text is
    # written from them, so the two can never disagree.
    return {
        "referenceAnswer": reference,
        "rubric": render_rubric(criteria),
        "rubricCriteria": criteria,
    }


def _clean_rubric_criteria(question: Mapping[str, Any], path: str) -> list[dict[str, Any]]:
    """2–4 gradable criteria, each with its points (their sum is an item rule)."""
    criteria_path = _join(path, "rubricCriteria")
    raw_criteria = _require_list(question, "rubricCriteria", path)
    if not MIN_RUBRIC_CRITERIA <= len(raw_criteria) <= MAX_RUBRIC_CRITERIA:
        raise _invalid(
            criteria_path,
            f"{len(raw_criteria)} criteria, expected {MIN_RUBRIC_CRITERIA}–{MAX_RUBRIC_CRITERIA}",
        )
    criteria = []
    for index, raw in enumerate(raw_criteria):
        criterion_path = f"{criteria_path}[{index}]"
        criterion = _require_object(raw, criterion_path)
        criteria.append(
            {
                "criterion": _require_text(
                    criterion, "criterion", criterion_path, max_length=MAX_RUBRIC_LENGTH
                ),
                "points": _require_points(criterion, criterion_path),
            }
        )
    return criteria


def _clean_item_metadata(question: Mapping[str, Any], path: str) -> dict[str, Any]:
    """What the item is about (optional: stored content from before v2 has none of it)."""
    cleaned: dict[str, Any] = {}
    for key in ("topic", "outcome"):
        if question.get(key) is not None:
            cleaned[key] = _require_text(question, key, path, max_length=MAX_TOPIC_LENGTH)
    if question.get("bloomLevel") is not None:
        level = _require_text(question, "bloomLevel", path, max_length=MAX_ID_LENGTH)
        if level not in BLOOM_LEVELS:
            raise _invalid(
                _join(path, "bloomLevel"), f"{level!r} is not one of {', '.join(BLOOM_LEVELS)}"
            )
        cleaned["bloomLevel"] = level
    return cleaned


def _require_source_excerpt(
    question: Mapping[str, Any], path: str, syllabus: SearchableText
) -> str:
    excerpt = _require_text(question, "sourceExcerpt", path, max_length=MAX_SOURCE_EXCERPT_LENGTH)
    excerpt_path = _join(path, "sourceExcerpt")
    if len(excerpt) < MIN_SOURCE_EXCERPT_LENGTH:
        raise _invalid(
            excerpt_path,
            f"{len(excerpt)} characters, expected at least {MIN_SOURCE_EXCERPT_LENGTH}",
        )
    # Grounding: a question must come from this syllabus, not from the model's general knowledge.
    if not syllabus.contains(excerpt):
        raise _invalid(excerpt_path, "not found in the syllabus text")
    return excerpt


def _require_points(question: Mapping[str, Any], path: str) -> int | float:
    points_path = _join(path, "points")
    if "points" not in question:
        raise _invalid(points_path, "missing")
    points = question["points"]
    if isinstance(points, bool) or not isinstance(points, int | float):
        raise _invalid(points_path, f"expected a number, got {_type_name(points)}")
    if not math.isfinite(points) or points <= 0:
        raise _invalid(points_path, f"{points} is not a positive number")
    if points > MAX_POINTS:
        raise _invalid(points_path, f"{points} exceeds the maximum of {MAX_POINTS}")
    return points


def _check_question_type_mix(context: _DocumentContext) -> None:
    # A questionnaire of only one kind tests either recall or expression, never both; a single
    # question cannot be both, so the rule starts at two.
    if context.question_count < 2:
        return
    for question_type in QUESTION_TYPES:
        if question_type not in context.types_seen:
            raise _invalid(
                "sections",
                f"no {question_type} question; an assessment of 2 or more questions needs at "
                f"least one of each of {', '.join(QUESTION_TYPES)}",
            )


def _check_no_near_duplicate_prompts(context: _DocumentContext) -> None:
    # Quadratic, which is fine at the contract's ceiling of 10 × 20 = 200 questions.
    prompts = context.prompts
    for later_index, (later_path, later_prompt) in enumerate(prompts):
        for earlier_path, earlier_prompt in prompts[:later_index]:
            if are_near_duplicates(earlier_prompt, later_prompt):
                raise _invalid(later_path, f"near-duplicate of {earlier_path}")


def _is_logistics(text: str) -> bool:
    """An item's stem or key about running the course (office hours, grading, Slack...), by
    the same judgement that keeps logistics out of the offline generator's material. A stem
    citing its source ("the term the syllabus uses") is not about the syllabus."""
    text = _SOURCE_REFERENCE.sub("", text)
    return logistics_signal(text, under_subject_heading=True) is not None


def _require_object(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _invalid(path, f"expected an object, got {_type_name(value)}")
    return value


def _require_list(container: Mapping[str, Any], key: str, path: str) -> list[Any]:
    key_path = _join(path, key)
    if key not in container:
        raise _invalid(key_path, "missing")
    value = container[key]
    if not isinstance(value, list):
        raise _invalid(key_path, f"expected an array, got {_type_name(value)}")
    return value


def _require_text(container: Mapping[str, Any], key: str, path: str, *, max_length: int) -> str:
    """The stripped, non-empty string at `key`."""
    key_path = _join(path, key)
    if key not in container:
        raise _invalid(key_path, "missing")
    value = container[key]
    if not isinstance(value, str):
        raise _invalid(key_path, f"expected a string, got {_type_name(value)}")
    text = value.strip()
    if not text:
        raise _invalid(key_path, "empty")
    if len(text) > max_length:
        raise _invalid(key_path, f"{len(text)} characters, expected at most {max_length}")
    return text


def _require_count(items: list[Any], expected: int, path: str, noun: str) -> None:
    if len(items) != expected:
        raise _invalid(path, f"{len(items)} {noun}s, expected {expected}")


def _require_unique(value: str, path: str, seen_paths: dict[str, str]) -> None:
    """Record `value` as seen at `path`, or fail if it was already seen elsewhere."""
    if value in seen_paths:
        raise _invalid(path, f"duplicate of {seen_paths[value]} ({value!r})")
    seen_paths[value] = path


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _type_name(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _invalid(path: str, problem: str) -> ContentInvalid:
    return ContentInvalid(f"{path}: {problem}", path=path)
