"""Scripting the fake Gemini for a generation attempt: generation, verification, regeneration.

Each call is recognised by the response schema it asks for, so a script holds whatever the order
of the calls and however often an attempt is retried.
"""

import copy
from typing import Any

from assessments.content import GenerationOptions
from assessments.content.offline import generate_offline
from harness.fake_gemini import asks_for, json_reply

IS_GENERATION = asks_for("sections")
IS_VERIFICATION = asks_for("verdicts")
IS_REGENERATION = asks_for("replacements")


def offline_answer(syllabus, options: GenerationOptions) -> dict:
    return generate_offline(syllabus_text=syllabus.text, subject=syllabus.subject, options=options)


def v2_answer(syllabus, options: GenerationOptions) -> dict:
    """A valid questionnaire in the v2 shape: topics first, each item's topic, Bloom level and
    outcome, and scored rubric criteria for short answers."""
    answer = offline_answer(syllabus, options)
    topics = []
    for section in answer["sections"]:
        for question in section["questions"]:
            topic = f"Topic of {question['questionId']}"
            outcome = f"Explain the idea behind {question['questionId']}"
            topics.append({"topic": topic, "outcomes": [outcome]})
            question.update(topic=topic, bloomLevel="UNDERSTAND", outcome=outcome)
            if question["type"] == "SHORT_ANSWER":
                question.pop("rubric")
                first = question["points"] // 2  # offline short answers are worth 3 or more
                question["rubricCriteria"] = [
                    {"criterion": "Names the key term", "points": first},
                    {
                        "criterion": "Explains it as the syllabus does",
                        "points": question["points"] - first,
                    },
                ]
    return {"topics": topics, **answer}


def mcq_keys(answer: dict) -> dict[str, str]:
    return {
        question["questionId"]: question["correctOptionId"]
        for section in answer["sections"]
        for question in section["questions"]
        if question["type"] == "MCQ"
    }


def verdicts(answer: dict, *, disagree: dict[str, str] | None = None, ambiguous=()) -> dict:
    """The verifier's answer: agreeing with every key, except the options given in `disagree`
    ({questionId: option chosen instead}) and the ids in `ambiguous`."""
    disagree = disagree or {}
    return {
        "verdicts": [
            {
                "questionId": question_id,
                "reasoning": "The syllabus states it in one sentence.",
                "supportedOptionId": disagree.get(question_id, key),
                "ambiguous": question_id in ambiguous,
            }
            for question_id, key in mcq_keys(answer).items()
        ]
    }


def agree(gemini, answer: dict) -> None:
    """Every verification call agrees with every key of `answer`."""
    gemini.route(IS_VERIFICATION, json_reply(verdicts(answer)))


def replacement_for(answer: dict, question_id: str, *, prompt: str, key_text: str) -> dict:
    """A rewritten MCQ for the slot of `question_id`: same id, type, topic and points, its key
    option's text replaced by `key_text` (still grounded by the original excerpt)."""
    original = next(
        q for s in answer["sections"] for q in s["questions"] if q["questionId"] == question_id
    )
    replacement = copy.deepcopy(original)
    replacement["prompt"] = prompt
    for option in replacement["options"]:
        if option["id"] == replacement["correctOptionId"]:
            option["text"] = key_text
    return replacement


def questions_by_id(content: dict[str, Any]) -> dict[str, dict]:
    return {q["questionId"]: q for s in content["sections"] for q in s["questions"]}
