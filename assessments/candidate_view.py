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


# A process's memo of built views, by (assessment id, version). Every change to an assessment
# that candidates can see bumps its version (see `Assessment.version`), so an entry never goes
# stale: a changed assessment is a new key. Bounded crudely (emptied when full): a process
# serves a handful of live assessments at a time.
_MEMO_SIZE = 256
_views_by_version: dict[tuple[str, int], dict[str, Any]] = {}


def candidate_view(assessment) -> dict[str, Any]:
    """`{"assessmentId", **candidate_content}` of a loaded assessment, built once per version.

    Callers share the returned dict: serialize it, never change it.
    """
    key = (str(assessment.pk), assessment.version)
    view = _views_by_version.get(key)
    if view is None:
        if len(_views_by_version) >= _MEMO_SIZE:
            _views_by_version.clear()
        view = {"assessmentId": key[0], **candidate_content(assessment.content)}
        _views_by_version[key] = view
    return view
