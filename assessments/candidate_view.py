"""The one place that turns stored content into what a candidate may see.

An allowlist, not a blocklist: a key added to stored content later stays hidden until it is
deliberately listed here.
"""

from typing import Any

ANSWER_KEY_FIELDS = frozenset({"correctOptionId", "referenceAnswer", "rubric", "sourceExcerpt"})
VISIBLE_QUESTION_FIELDS = ("questionId", "type", "prompt", "points")


def candidate_content(content: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": content["title"],
        "subject": content["subject"],
        "sections": [
            {
                "sectionId": section["sectionId"],
                "title": section["title"],
                "questions": [_visible_question(question) for question in section["questions"]],
            }
            for section in content["sections"]
        ],
    }


def _visible_question(question: dict[str, Any]) -> dict[str, Any]:
    visible = {field: question[field] for field in VISIBLE_QUESTION_FIELDS}
    if "options" in question:
        visible["options"] = [{"id": o["id"], "text": o["text"]} for o in question["options"]]
    return visible
