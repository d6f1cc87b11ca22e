"""The optional per-question fields of content v2: `topic`, `bloomLevel`, `outcome` and, for
short answers, `rubricCriteria` ([{"criterion", "points"}], 2-4, summing to the points).

`validate_content` returns only the v1 keys, so these fields are checked and carried over here,
around it: `with_rendered_rubrics` before validation (a short answer's `rubric` string is
written from its criteria, one "- (2 pts) criterion" line each, so v1 readers keep working), and
`with_item_metadata` after it. Both are pure and raise `ContentInvalid` with the JSON path of the
first problem, like the validator. Content without these fields (v1, offline) passes unchanged.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterator, Mapping
from typing import Any

from .schema import BLOOM_LEVELS
from .validation import ContentInvalid

ITEM_METADATA_FIELDS = ("topic", "bloomLevel", "outcome", "rubricCriteria")
MAX_METADATA_TEXT_LENGTH = 500
MIN_CRITERIA, MAX_CRITERIA = 2, 4
POINTS_TOLERANCE = 1e-6


def with_rendered_rubrics(content: Any) -> Any:
    """A copy of `content` in which every short answer with `rubricCriteria` has its `rubric`
    rendered from them. Anything malformed is left for the validators to name."""
    if not _is_document(content):
        return content
    rendered = copy.deepcopy(content)
    for _path, question in _questions(rendered):
        criteria = question.get("rubricCriteria")
        if question.get("type") == "SHORT_ANSWER" and _looks_like_criteria(criteria):
            question["rubric"] = render_rubric(criteria)
    return rendered


def with_item_metadata(cleaned: dict[str, Any], raw: Any) -> dict[str, Any]:
    """`cleaned` (the validator's output for `raw`) with each question's v2 fields from `raw`,
    checked. Questions are matched by position, which the validator preserves."""
    result = copy.deepcopy(cleaned)
    raw_questions = dict(_questions(raw)) if _is_document(raw) else {}
    for path, question in _questions(result):
        source = raw_questions.get(path)
        if isinstance(source, Mapping):
            question.update(_checked_metadata(source, question, path))
    return result


def render_rubric(criteria: list[Mapping[str, Any]]) -> str:
    return "\n".join(
        f"- ({_format_points(c['points'])}) {' '.join(str(c['criterion']).split())}"
        for c in criteria
    )


def _checked_metadata(
    source: Mapping[str, Any], question: Mapping[str, Any], path: str
) -> dict[str, Any]:
    metadata: dict[str, Any] = {}
    for key in ("topic", "outcome"):
        if key in source:
            metadata[key] = _text(source[key], f"{path}.{key}")
    if "bloomLevel" in source:
        level = source["bloomLevel"]
        if level not in BLOOM_LEVELS:
            raise _invalid(
                f"{path}.bloomLevel", f"{level!r} is not one of {', '.join(BLOOM_LEVELS)}"
            )
        metadata["bloomLevel"] = level
    if "rubricCriteria" in source:
        criteria_path = f"{path}.rubricCriteria"
        if question["type"] != "SHORT_ANSWER":
            raise _invalid(criteria_path, "only a SHORT_ANSWER question has rubric criteria")
        metadata["rubricCriteria"] = _criteria(
            source["rubricCriteria"], question["points"], criteria_path
        )
    return metadata


def _criteria(value: Any, points: float, path: str) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise _invalid(path, "expected an array")
    if not MIN_CRITERIA <= len(value) <= MAX_CRITERIA:
        raise _invalid(path, f"{len(value)} criteria, expected {MIN_CRITERIA}–{MAX_CRITERIA}")
    criteria = []
    for index, raw in enumerate(value):
        item_path = f"{path}[{index}]"
        if not isinstance(raw, Mapping):
            raise _invalid(item_path, "expected an object")
        criterion = _text(raw.get("criterion"), f"{item_path}.criterion")
        item_points = raw.get("points")
        if (
            isinstance(item_points, bool)
            or not isinstance(item_points, int | float)
            or not math.isfinite(item_points)
            or item_points <= 0
        ):
            raise _invalid(f"{item_path}.points", f"{item_points!r} is not a positive number")
        criteria.append({"criterion": criterion, "points": item_points})
    total = sum(c["points"] for c in criteria)
    if abs(total - points) > POINTS_TOLERANCE:
        raise _invalid(path, f"criteria points sum to {total:g}, the question is worth {points:g}")
    return criteria


def _text(value: Any, path: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _invalid(path, "expected a non-empty string")
    text = " ".join(value.split())
    if len(text) > MAX_METADATA_TEXT_LENGTH:
        raise _invalid(path, f"{len(text)} characters, expected at most {MAX_METADATA_TEXT_LENGTH}")
    return text


def _looks_like_criteria(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(
            isinstance(c, Mapping)
            and isinstance(c.get("criterion"), str)
            and isinstance(c.get("points"), int | float)
            and not isinstance(c.get("points"), bool)
            for c in value
        )
    )


def _format_points(points: float) -> str:
    number = f"{points:g}"
    return f"{number} pt" if points == 1 else f"{number} pts"


def _is_document(content: Any) -> bool:
    return isinstance(content, Mapping) and isinstance(content.get("sections"), list)


def _questions(content: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    """(path, question) for every question, paths as the validator writes them."""
    for s_index, section in enumerate(content["sections"]):
        if not isinstance(section, Mapping) or not isinstance(section.get("questions"), list):
            continue
        for q_index, question in enumerate(section["questions"]):
            if isinstance(question, Mapping):
                yield f"sections[{s_index}].questions[{q_index}]", question


def _invalid(path: str, problem: str) -> ContentInvalid:
    return ContentInvalid(f"{path}: {problem}", path=path)
