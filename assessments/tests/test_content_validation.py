"""The content contract: validation rules, generation options, and the response schema.

Plain pytest, no database. One focused test per rule; each asserts that the error names the JSON
path of the offending value.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from assessments.content import RESPONSE_SCHEMA, ContentInvalid, GenerationOptions, validate_content
from assessments.content.text import SearchableText

SYLLABUS = """Software Security (CS 4460)
Memory safety
A buffer overflow writes past the end of an allocated region and can overwrite a return address.
Stack canaries detect the corruption of a return address before the function returns.
Injection attacks
SQL injection occurs when untrusted input is concatenated into a database query string.
Parameterized queries keep query structure and user data separate at the driver level.
"""

OPTIONS = GenerationOptions(section_count=2, questions_per_section=2)


def valid_document() -> dict[str, Any]:
    return {
        "title": "Software Security — core concepts",
        "subject": "Software Security",
        "sections": [
            {
                "sectionId": "s1",
                "title": "Memory safety",
                "questions": [
                    {
                        "questionId": "s1q1",
                        "type": "MCQ",
                        "prompt": "What can a buffer overflow overwrite?",
                        "points": 1,
                        "options": [
                            {"id": "A", "text": "A return address"},
                            {"id": "B", "text": "The compiler"},
                            {"id": "C", "text": "The network cable"},
                        ],
                        "correctOptionId": "A",
                        "sourceExcerpt": "can overwrite a return address",
                    },
                    {
                        "questionId": "s1q2",
                        "type": "SHORT_ANSWER",
                        "prompt": "Explain what stack canaries detect and when.",
                        "points": 5,
                        "referenceAnswer": "The corruption of a return address, before returning.",
                        "rubric": "Full marks for: corruption, return address, before return.",
                        "sourceExcerpt": "Stack canaries detect the corruption of a return address",
                    },
                ],
            },
            {
                "sectionId": "s2",
                "title": "Injection attacks",
                "questions": [
                    {
                        "questionId": "s2q1",
                        "type": "MCQ",
                        "prompt": "When does SQL injection occur?",
                        "points": 1.5,
                        "options": [
                            {"id": "A", "text": "When the database server is under heavy load"},
                            {
                                "id": "B",
                                "text": "When untrusted input is concatenated into a query",
                            },
                            {"id": "C", "text": "When a query returns more rows than expected"},
                        ],
                        "correctOptionId": "B",
                        "sourceExcerpt": "SQL injection occurs when untrusted input",
                    },
                    {
                        "questionId": "s2q2",
                        "type": "SHORT_ANSWER",
                        "prompt": "Why do parameterized queries prevent injection?",
                        "points": 5,
                        "referenceAnswer": "They keep query structure and user data separate.",
                        "rubric": "Full marks for: structure and data kept separate.",
                        "sourceExcerpt": "Parameterized queries keep query structure and user data",
                    },
                ],
            },
        ],
    }


def validate(document: Any, options: GenerationOptions = OPTIONS) -> dict[str, Any]:
    return validate_content(document, syllabus_text=SYLLABUS, options=options)


def assert_invalid(
    change: Callable[[dict[str, Any]], Any], path: str, problem: str = ""
) -> ContentInvalid:
    """Apply `change` to a valid document and check the error names `path` (and `problem`)."""
    document = valid_document()
    change(document)
    with pytest.raises(ContentInvalid) as raised:
        validate(document)
    error = raised.value
    assert error.path == path, str(error)
    assert str(error).startswith(f"{path}: "), str(error)
    assert problem in str(error)
    return error


def q(document: dict[str, Any], section: int, question: int) -> dict[str, Any]:
    return document["sections"][section]["questions"][question]


# --- The happy path -------------------------------------------------------------------------


def test_a_valid_document_passes_and_comes_back_unchanged() -> None:
    document = valid_document()

    assert validate(document) == valid_document()


def test_the_cleaned_copy_drops_unknown_keys_at_every_level() -> None:
    document = valid_document()
    document["model"] = "gemini"
    document["sections"][0]["notes"] = "x"
    q(document, 0, 0)["explanation"] = "because"
    q(document, 0, 0)["options"][0]["isCorrect"] = True
    q(document, 0, 0)["rubric"] = "an MCQ has no rubric"  # a key of the other question type
    q(document, 0, 1)["options"] = []  # likewise

    cleaned = validate(document)

    assert cleaned == valid_document()
    assert "model" in document  # the input is not modified


def test_strings_are_stripped_in_the_cleaned_copy() -> None:
    document = valid_document()
    document["title"] = "  Software Security — core concepts \n"
    q(document, 0, 0)["options"][1]["text"] = "\tThe compiler "
    q(document, 0, 0)["correctOptionId"] = " A "

    cleaned = validate(document)

    assert cleaned["title"] == "Software Security — core concepts"
    assert q(cleaned, 0, 0)["options"][1]["text"] == "The compiler"
    assert q(cleaned, 0, 0)["correctOptionId"] == "A"


def test_a_single_question_assessment_may_have_one_type_only() -> None:
    document = valid_document()
    document["sections"] = [{**document["sections"][0], "questions": [q(document, 0, 0)]}]

    validate(document, GenerationOptions(section_count=1, questions_per_section=1))


def test_a_section_may_have_a_single_type_when_the_assessment_mixes_them() -> None:
    document = valid_document()
    document["sections"][1]["questions"][1], document["sections"][0]["questions"][0] = (
        q(document, 0, 0),
        q(document, 1, 1),
    )
    q(document, 0, 0)["questionId"], q(document, 1, 1)["questionId"] = "s1q1", "s2q2"

    validate(document)


# --- Top-level shape ------------------------------------------------------------------------


@pytest.mark.parametrize("content", [None, [], "text", 3])
def test_content_must_be_an_object(content: Any) -> None:
    with pytest.raises(ContentInvalid, match=r"^content: expected an object") as raised:
        validate(content)
    assert raised.value.path == "content"


def test_title_is_required() -> None:
    assert_invalid(lambda d: d.pop("title"), "title", "missing")


def test_title_must_be_a_non_blank_string() -> None:
    assert_invalid(lambda d: d.update(title="   "), "title", "empty")
    assert_invalid(lambda d: d.update(title=7), "title", "expected a string, got int")


def test_title_is_capped() -> None:
    assert_invalid(lambda d: d.update(title="x" * 301), "title", "301 characters, expected at")


def test_subject_must_be_a_string() -> None:
    assert_invalid(lambda d: d.update(subject=None), "subject", "expected a string, got null")


def test_sections_must_be_a_list() -> None:
    assert_invalid(lambda d: d.update(sections={"s1": {}}), "sections", "expected an array")


def test_section_count_must_match_the_options() -> None:
    assert_invalid(lambda d: d["sections"].pop(), "sections", "1 sections, expected 2")


def test_question_count_must_match_the_options_in_every_section() -> None:
    assert_invalid(
        lambda d: d["sections"][1]["questions"].pop(),
        "sections[1].questions",
        "1 questions, expected 2",
    )


def test_section_must_be_an_object() -> None:
    assert_invalid(lambda d: d["sections"].__setitem__(1, "s2"), "sections[1]", "expected an")


def test_section_title_is_required() -> None:
    assert_invalid(lambda d: d["sections"][0].pop("title"), "sections[0].title", "missing")


# --- Uniqueness -----------------------------------------------------------------------------


def test_section_ids_are_unique() -> None:
    error = assert_invalid(
        lambda d: d["sections"][1].update(sectionId="s1"), "sections[1].sectionId", "duplicate"
    )
    assert "sections[0].sectionId" in str(error)


def test_question_ids_are_unique_across_the_document() -> None:
    error = assert_invalid(
        lambda d: q(d, 1, 0).update(questionId="s1q2"), "sections[1].questions[0].questionId"
    )
    assert "duplicate of sections[0].questions[1].questionId" in str(error)


# --- Every question -------------------------------------------------------------------------


def test_question_type_is_mcq_or_short_answer() -> None:
    assert_invalid(
        lambda d: q(d, 0, 0).update(type="TRUE_FALSE"),
        "sections[0].questions[0].type",
        "'TRUE_FALSE' is not one of MCQ, SHORT_ANSWER",
    )


def test_prompt_is_required_and_capped() -> None:
    assert_invalid(lambda d: q(d, 0, 1).pop("prompt"), "sections[0].questions[1].prompt")
    assert_invalid(
        lambda d: q(d, 0, 1).update(prompt="why " * 501),
        "sections[0].questions[1].prompt",
        "2003 characters, expected at most 2000",
    )


@pytest.mark.parametrize(
    ("points", "problem"),
    [
        (True, "expected a number, got bool"),
        ("5", "expected a number, got str"),
        (None, "expected a number, got null"),
        (0, "0 is not a positive number"),
        (-2, "-2 is not a positive number"),
        (float("nan"), "nan is not a positive number"),
        (100.5, "100.5 exceeds the maximum of 100"),
    ],
)
def test_points_must_be_a_positive_number_up_to_100(points: Any, problem: str) -> None:
    assert_invalid(
        lambda d: q(d, 1, 1).update(points=points), "sections[1].questions[1].points", problem
    )


def test_points_may_be_int_or_float() -> None:
    document = valid_document()
    q(document, 0, 0)["points"] = 100

    assert q(validate(document), 1, 0)["points"] == 1.5


def test_points_are_required() -> None:
    assert_invalid(lambda d: q(d, 0, 0).pop("points"), "sections[0].questions[0].points", "missing")


# --- MCQ ------------------------------------------------------------------------------------


def options_of(count: int) -> list[dict[str, str]]:
    return [{"id": chr(ord("A") + i), "text": f"option {i}"} for i in range(count)]


@pytest.mark.parametrize("count", [0, 1, 7])
def test_mcq_has_two_to_six_options(count: int) -> None:
    assert_invalid(
        lambda d: q(d, 1, 0).update(options=options_of(count), correctOptionId="A"),
        "sections[1].questions[0].options",
        f"{count} options, expected 2\u20136",  # an en dash
    )


def test_mcq_options_are_required() -> None:
    assert_invalid(lambda d: q(d, 0, 0).pop("options"), "sections[0].questions[0].options")


def test_mcq_option_ids_are_non_empty() -> None:
    assert_invalid(
        lambda d: q(d, 0, 0)["options"][2].update(id=" "),
        "sections[0].questions[0].options[2].id",
        "empty",
    )


def test_mcq_option_ids_are_unique() -> None:
    assert_invalid(
        lambda d: q(d, 0, 0)["options"][2].update(id="B"),
        "sections[0].questions[0].options[2].id",
        "duplicate of sections[0].questions[0].options[1].id",
    )


def test_mcq_option_texts_are_distinct_ignoring_case_and_spacing() -> None:
    assert_invalid(
        lambda d: q(d, 0, 0)["options"][1].update(text=" a  RETURN\naddress "),
        "sections[0].questions[0].options[1].text",
        "duplicate of sections[0].questions[0].options[0].text",
    )


def test_mcq_option_text_is_capped() -> None:
    assert_invalid(
        lambda d: q(d, 0, 0)["options"][0].update(text="x" * 501),
        "sections[0].questions[0].options[0].text",
        "501 characters",
    )


def test_mcq_option_must_be_an_object() -> None:
    assert_invalid(
        lambda d: q(d, 0, 0)["options"].__setitem__(0, "A return address"),
        "sections[0].questions[0].options[0]",
        "expected an object, got str",
    )


def test_mcq_correct_option_is_one_of_the_options() -> None:
    assert_invalid(
        lambda d: q(d, 0, 0).update(correctOptionId="D"),
        "sections[0].questions[0].correctOptionId",
        "'D' is not one of the option ids A, B, C",
    )


def test_mcq_correct_option_is_required() -> None:
    assert_invalid(
        lambda d: q(d, 0, 0).pop("correctOptionId"), "sections[0].questions[0].correctOptionId"
    )


# --- Short answer ---------------------------------------------------------------------------


def test_short_answer_needs_a_reference_answer() -> None:
    assert_invalid(
        lambda d: q(d, 0, 1).pop("referenceAnswer"),
        "sections[0].questions[1].referenceAnswer",
        "missing",
    )


def test_short_answer_needs_a_non_blank_rubric() -> None:
    assert_invalid(
        lambda d: q(d, 1, 1).update(rubric=""), "sections[1].questions[1].rubric", "empty"
    )


def test_short_answer_texts_are_capped() -> None:
    assert_invalid(
        lambda d: q(d, 1, 1).update(referenceAnswer="x" * 4001),
        "sections[1].questions[1].referenceAnswer",
        "4001 characters",
    )
    assert_invalid(
        lambda d: q(d, 1, 1).update(rubric="x" * 4001),
        "sections[1].questions[1].rubric",
        "4001 characters",
    )


# --- The assessment as a whole --------------------------------------------------------------


def make_all(question_type: str) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        for section in document["sections"]:
            for question in section["questions"]:
                question["type"] = question_type
                question["options"] = options_of(2)
                question["correctOptionId"] = "A"
                question["referenceAnswer"] = "a model answer"
                question["rubric"] = "a rubric"

    return change


def test_the_assessment_needs_at_least_one_short_answer() -> None:
    assert_invalid(make_all("MCQ"), "sections", "no SHORT_ANSWER question")


def test_the_assessment_needs_at_least_one_mcq() -> None:
    assert_invalid(make_all("SHORT_ANSWER"), "sections", "no MCQ question")


def test_prompts_identical_after_normalization_are_refused() -> None:
    assert_invalid(
        lambda d: q(d, 1, 1).update(prompt="  what can a BUFFER overflow, overwrite!? "),
        "sections[1].questions[1].prompt",
        "near-duplicate of sections[0].questions[0].prompt",
    )


def test_near_duplicate_prompts_are_refused() -> None:
    def change(document: dict[str, Any]) -> None:
        q(document, 0, 1)["prompt"] = "Explain what stack canaries detect in a running program."
        q(document, 1, 1)["prompt"] = "Explain what stack canaries detect in a running programs."

    assert_invalid(
        change, "sections[1].questions[1].prompt", "near-duplicate of sections[0].questions[1]"
    )


def test_similar_but_distinct_prompts_are_accepted() -> None:
    document = valid_document()
    q(document, 0, 1)["prompt"] = "Explain what stack canaries detect."
    q(document, 1, 1)["prompt"] = "Explain what parameterized queries prevent."

    validate(document)


# --- Grounding ------------------------------------------------------------------------------


def test_source_excerpt_is_required() -> None:
    assert_invalid(
        lambda d: q(d, 0, 0).pop("sourceExcerpt"), "sections[0].questions[0].sourceExcerpt"
    )


def test_source_excerpt_has_at_least_20_characters() -> None:
    assert_invalid(
        lambda d: q(d, 0, 0).update(sourceExcerpt="buffer overflow"),
        "sections[0].questions[0].sourceExcerpt",
        "15 characters, expected at least 20",
    )


def test_source_excerpt_must_be_in_the_syllabus() -> None:
    assert_invalid(
        lambda d: q(d, 1, 0).update(sourceExcerpt="SQL injection is always harmless in practice"),
        "sections[1].questions[0].sourceExcerpt",
        "not found in the syllabus text",
    )


@pytest.mark.parametrize(
    ("syllabus", "excerpt"),
    [
        # case and line wrapping
        (
            "A buffer overflow writes past\nthe end of a region.",
            "BUFFER OVERFLOW writes past the end",
        ),
        # typographic quotes and dashes against ASCII, both ways
        (
            "The so-called “canary” \u2013 a guard value \u2013 is checked.",
            'so-called "canary" - a guard value',
        ),
        ('The so-called "canary" - a guard value', "so\u2010called “canary” — a guard value"),
        # a word hyphenated across a line break, joined in one and not the other
        (
            "Return-oriented program-\nming chains gadgets together.",
            "Return-oriented programming chains",
        ),
        ("Return-oriented programming chains gadgets.", "Return-oriented program- ming chains"),
        # compatibility characters (the "fi" ligature, a non-breaking space)
        ("Stack canaries are ﬁxed\u00a0values placed on the stack.", "are fixed values placed on"),
    ],
)
def test_source_excerpt_matching_tolerates_layout_and_typography(syllabus: str, excerpt: str):
    assert SearchableText.of(syllabus).contains(excerpt)


def test_source_excerpt_matching_still_requires_the_words_in_order() -> None:
    searchable = SearchableText.of(SYLLABUS)

    assert not searchable.contains("overflow buffer writes past the end")
    assert not searchable.contains("")


# --- GenerationOptions ----------------------------------------------------------------------


def test_options_have_defaults() -> None:
    assert (
        GenerationOptions() == GenerationOptions.from_dict({}) == GenerationOptions.from_dict(None)
    )
    assert GenerationOptions().canonical() == {
        "difficulty": "medium",
        "questionsPerSection": 4,
        "sectionCount": 3,
    }


def test_options_parse_camel_case_and_canonicalize_with_sorted_keys() -> None:
    options = GenerationOptions.from_dict(
        {"difficulty": "hard", "sectionCount": 2, "questionsPerSection": 7}
    )

    assert options == GenerationOptions(section_count=2, questions_per_section=7, difficulty="hard")
    assert list(options.canonical()) == ["difficulty", "questionsPerSection", "sectionCount"]
    assert json.dumps(options.canonical()) == json.dumps(options.canonical(), sort_keys=True)
    assert options.total_questions == 14


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"sectionCount": 0}, "sectionCount: 0 is out of range 1\u201310"),
        ({"sectionCount": 11}, "sectionCount: 11 is out of range 1\u201310"),
        ({"questionsPerSection": 21}, "questionsPerSection: 21 is out of range 1\u201320"),
        ({"questionsPerSection": 2.0}, "questionsPerSection: expected an integer, got float"),
        ({"sectionCount": True}, "sectionCount: expected an integer, got bool"),
        ({"sectionCount": "3"}, "sectionCount: expected an integer, got str"),
        ({"difficulty": "extreme"}, "difficulty: 'extreme' is not one of easy, medium, hard"),
        ({"difficulty": "Hard"}, "difficulty: 'Hard' is not one of"),
        ({"sections": 3}, "unknown key(s) sections"),
        ([("sectionCount", 3)], "options: expected an object"),
    ],
)
def test_bad_options_raise_value_error(data: Any, problem: str) -> None:
    with pytest.raises(ValueError) as raised:
        GenerationOptions.from_dict(data)
    assert problem in str(raised.value)


def test_options_are_immutable() -> None:
    options = GenerationOptions()
    with pytest.raises(AttributeError):
        options.section_count = 5  # type: ignore[misc]


# --- The response schema --------------------------------------------------------------------

ALLOWED_SCHEMA_KEYS = {"type", "properties", "required", "items", "enum", "description"}
ALLOWED_TYPES = {"object", "array", "string", "integer", "number"}


def schema_nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("properties", {}).values():
        yield from schema_nodes(child)
    if "items" in node:
        yield from schema_nodes(node["items"])


def test_schema_uses_only_the_gemini_openapi_subset() -> None:
    for node in schema_nodes(RESPONSE_SCHEMA):
        assert set(node) <= ALLOWED_SCHEMA_KEYS, node
        assert node["type"] in ALLOWED_TYPES
        if node["type"] == "object":
            assert set(node["required"]) <= set(node["properties"])
    assert "$ref" not in json.dumps(RESPONSE_SCHEMA)


def test_schema_requires_only_the_fields_common_to_both_question_types() -> None:
    question = RESPONSE_SCHEMA["properties"]["sections"]["items"]["properties"]["questions"][
        "items"
    ]

    assert set(question["required"]) == {"questionId", "type", "prompt", "points", "sourceExcerpt"}
    assert {"options", "correctOptionId", "referenceAnswer", "rubric"} <= set(
        question["properties"]
    )
    assert question["properties"]["type"]["enum"] == ["MCQ", "SHORT_ANSWER"]


def test_a_valid_document_has_every_required_schema_field() -> None:
    document = valid_document()
    schema_required = RESPONSE_SCHEMA["required"]
    assert all(key in document for key in schema_required)
    assert validate(copy.deepcopy(document)) == document
