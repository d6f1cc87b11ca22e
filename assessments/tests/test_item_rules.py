"""Item-writing rules: one crafted example of each broken rule, and a clean assessment passes.

Plain pytest, no database: the rules are pure functions of the questionnaire.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from assessments.content import ContentInvalid
from assessments.content.item_rules import RuleBroken, check_item_rules

from .test_content_validation import valid_document, validate


def mcq(document: dict[str, Any]) -> dict[str, Any]:
    return document["sections"][0]["questions"][0]


def short_answer(document: dict[str, Any]) -> dict[str, Any]:
    return document["sections"][0]["questions"][1]


def set_options(*texts: str, key: int = 0) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        question = mcq(document)
        question["options"] = [{"id": "ABCDEF"[i], "text": t} for i, t in enumerate(texts)]
        question["correctOptionId"] = "ABCDEF"[key]

    return change


def set_prompt(prompt: str) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        mcq(document)["prompt"] = prompt

    return change


def set_section_title(index: int, title: str) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        document["sections"][index]["title"] = title

    return change


def set_other_prompt(prompt: str) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        document["sections"][1]["questions"][1]["prompt"] = prompt

    return change


def duplicate_key(document: dict[str, Any]) -> None:
    other = document["sections"][1]["questions"][0]
    other["options"][1]["text"] = "A return address"


def rubric_criteria(*points: float) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        short_answer(document)["rubricCriteria"] = [
            {"criterion": f"criterion {i}", "points": p} for i, p in enumerate(points)
        ]

    return change


BROKEN = {
    "TOO_FEW_OPTIONS": set_options("A return address", "The compiler"),
    "ALL_OR_NONE_OF_THE_ABOVE": set_options(
        "A return address", "The compiler", "None of the above"
    ),
    "KEY_IN_STEM": set_prompt("A buffer overflow can overwrite a return address: what can it do?"),
    "ARTICLE_CUE": lambda document: (
        set_prompt("A buffer overflow can overwrite an _____.")(document),
        set_options("address on the stack", "compiler", "network cable")(document),
    ),
    "KEY_MUCH_LONGER": set_options(
        "A return address stored on the stack of the current function", "The heap", "A file"
    ),
    "DUPLICATE_KEY": duplicate_key,
    "KEY_GIVEN_AWAY": set_section_title(1, "Return address and injection attacks"),
    "RUBRIC_POINTS": rubric_criteria(2, 2),
}


@pytest.mark.parametrize("rule", list(BROKEN))
def test_each_rule_rejects_its_crafted_example(rule: str) -> None:
    document = valid_document()
    BROKEN[rule](document)

    with pytest.raises(ContentInvalid) as raised:
        validate(document)

    assert raised.value.rule == rule
    assert f"[{rule}]" in str(raised.value)
    assert str(raised.value).startswith(raised.value.path + ": ")


def test_a_key_named_in_another_items_stem_gives_it_away() -> None:
    document = valid_document()
    set_other_prompt("Why does a return address matter when queries are parameterized?")(document)

    with pytest.raises(ContentInvalid) as raised:
        validate(document)

    assert raised.value.rule == "KEY_GIVEN_AWAY" and "stem of" in str(raised.value)


def test_a_clean_assessment_passes_every_rule() -> None:
    document = valid_document()
    rubric_criteria(3, 2)(document)

    cleaned = validate(document)

    assert cleaned["sections"][0]["questions"][1]["rubricCriteria"][0]["points"] == 3


def test_an_article_that_fits_every_option_is_no_cue() -> None:
    document = valid_document()
    set_prompt("A buffer overflow can overwrite an _____.")(document)
    set_options("address on the stack", "integer", "object file")(document)

    validate(document)  # every option starts with a vowel sound


def test_a_distractor_listed_with_the_key_in_the_syllabus_is_also_true() -> None:
    document = valid_document()
    group = frozenset({"a return address", "the compiler"})

    with pytest.raises(RuleBroken) as raised:
        check_item_rules(document["sections"], sibling_groups=[group])

    assert raised.value.rule == "DISTRACTOR_ALSO_TRUE"


def test_logistics_items_are_refused_when_a_classifier_is_given() -> None:
    document = valid_document()
    mcq(document)["prompt"] = "Where are the instructor's office hours held?"

    with pytest.raises(RuleBroken) as raised:
        check_item_rules(document["sections"], is_logistics=lambda text: "office hours" in text)

    assert raised.value.rule == "LOGISTICS"


def test_the_quality_report_counts_items_levels_topics_and_rules() -> None:
    from assessments.content.quality import quality_report

    document = validate(valid_document())
    document["sections"][0]["questions"][0].update(topic="Memory safety", bloomLevel="REMEMBER")
    document["sections"][1]["questions"][0].update(topic="SQL injection", bloomLevel="APPLY")

    report = quality_report(
        document,
        topics_found=["Memory safety", "SQL injection", "Cross-site scripting", "Fuzzing"],
        rules_triggered={"KEY_IN_STEM": 2},
        items_regenerated=1,
    )

    assert report["items"] == 4
    assert report["byType"] == {"MCQ": 2, "SHORT_ANSWER": 2}
    assert report["byBloomLevel"] == {"APPLY": 1, "REMEMBER": 1, "UNSPECIFIED": 2}
    assert (report["topicsFound"], report["topicsCovered"], report["topicCoverage"]) == (4, 2, 0.5)
    assert report["coveredTopics"] == ["Memory safety", "SQL injection"]
    assert report["rulesTriggered"] == {"KEY_IN_STEM": 2} and report["itemsRegenerated"] == 1
