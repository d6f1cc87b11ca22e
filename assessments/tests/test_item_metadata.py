"""The v2 item fields in the validator: rubrics rendered from criteria, fields checked and
kept, v1 content unchanged. Pure functions: no database."""

import copy

import pytest

from assessments.content import GenerationOptions, validate_content
from assessments.content.offline import generate_offline
from assessments.content.rubric import render_rubric
from assessments.content.validation import ContentInvalid
from harness.pdfs import COURSE_TEXT

OPTIONS = GenerationOptions(section_count=1, questions_per_section=4)


def v1_content() -> dict:
    return generate_offline(syllabus_text=COURSE_TEXT, subject="Algorithms", options=OPTIONS)


def first(content: dict, question_type: str) -> dict:
    return next(q for q in content["sections"][0]["questions"] if q["type"] == question_type)


def checked(raw: dict) -> dict:
    return validate_content(raw, syllabus_text=COURSE_TEXT, options=OPTIONS)


def test_rubric_lines():
    criteria = [{"criterion": "Names  it", "points": 1}, {"criterion": "Why", "points": 2.5}]
    assert render_rubric(criteria) == "- (1 pt) Names it\n- (2.5 pts) Why"


def test_content_without_v2_fields_passes():
    raw = v1_content()
    for question in raw["sections"][0]["questions"]:
        for field in ("topic", "bloomLevel", "outcome", "rubricCriteria"):
            question.pop(field, None)
    assert "rubricCriteria" not in first(checked(raw), "SHORT_ANSWER")


def test_v2_fields_are_carried_over_and_the_rubric_rendered():
    raw = v1_content()
    short = first(raw, "SHORT_ANSWER")
    short.pop("rubric")
    short.update(
        topic="Sorting",
        bloomLevel="APPLY",
        outcome="Apply merge sort",
        rubricCriteria=[
            {"criterion": "Splits the list", "points": short["points"] - 1},
            {"criterion": "Merges the halves", "points": 1},
        ],
    )

    cleaned = first(checked(raw), "SHORT_ANSWER")

    assert (cleaned["topic"], cleaned["bloomLevel"], cleaned["outcome"]) == (
        "Sorting",
        "APPLY",
        "Apply merge sort",
    )
    assert cleaned["rubricCriteria"] == short["rubricCriteria"]
    assert cleaned["rubric"].splitlines() == [
        f"- ({short['points'] - 1:g} pts) Splits the list",
        "- (1 pt) Merges the halves",
    ]


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"bloomLevel": "EVALUATE"}, "bloomLevel: 'EVALUATE' is not one of"),
        ({"topic": "  "}, "topic: empty"),
        ({"rubricCriteria": [{"criterion": "All", "points": 1}]}, "1 criteria, expected 2"),
        (
            {"rubricCriteria": [{"criterion": "A", "points": 1}, {"criterion": "B", "points": 1}]},
            "criteria sum to 2 points",
        ),
    ],
)
def test_malformed_v2_fields_are_invalid(change, problem):
    raw = copy.deepcopy(v1_content())
    first(raw, "SHORT_ANSWER").update(change)

    with pytest.raises(ContentInvalid, match=problem):
        checked(raw)
