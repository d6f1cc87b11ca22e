"""Staff review of generated items: edit a question, approve it, and write new content versions.

Every change of content goes through `content_write`, under the assessment's row lock and an
optimistic check of its content version: an edit made on version N is refused (409
CONTENT_VERSION_CONFLICT) once someone saved N+1, instead of silently overwriting it. The
database records each content as an immutable `AssessmentVersion` (migration 0005), and
sessions keep the version they started on.

An edited questionnaire passes the same gate as a generated one (`validate_content`, item
rules included) before anything is saved.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from assessment_engine.api.errors import ValidationFailed

from .content import GenerationOptions
from .content.validation import ContentInvalid, validate_content
from .errors import AssessmentNotFound, ContentVersionConflict, QuestionNotFound
from .models import Assessment, ItemApproval
from .syllabus_text import assessment_syllabus_text

# What staff may change per question type (camelCase, as stored). Ids, type and the source
# excerpt stay: grading and the session's answers are by id, and the excerpt is the item's
# grounding in the syllabus.
EDITABLE_FIELDS = {
    "MCQ": ("prompt", "points", "options", "correctOptionId"),
    "SHORT_ANSWER": ("prompt", "points", "referenceAnswer", "rubricCriteria", "rubric"),
}


class ItemInvalid(ValidationFailed):
    """The edited item breaks the content contract. `field` is the path inside the question
    (`correctOptionId`, `options[1].text`, "" for the item as a whole) or None when the problem
    lies elsewhere in the questionnaire; `problem` is the validator's message without its path."""

    def __init__(self, *, field: str | None, problem: str, path: str, rule: str = "") -> None:
        key = (field or "question") if field is not None else (path or "content")
        super().__init__(f"{path}: {problem}" if path else problem, details={key: [problem]})
        self.field, self.problem, self.rule = field, problem, rule


@dataclass(frozen=True)
class QuestionRef:
    section_index: int
    question_index: int
    question: dict[str, Any]

    @property
    def path(self) -> str:
        return f"sections[{self.section_index}].questions[{self.question_index}]"


def find_question_ref(content: dict[str, Any], question_id: str) -> QuestionRef:
    for section_index, section in enumerate(content["sections"]):
        for question_index, question in enumerate(section["questions"]):
            if question["questionId"] == question_id:
                return QuestionRef(section_index, question_index, question)
    raise QuestionNotFound()


def item_hash(question: dict[str, Any]) -> str:
    """What an approval is of: the item exactly as stored."""
    canonical = json.dumps(question, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def unapproved_question_ids(assessment: Assessment) -> list[str]:
    """The questions of the current content without an approval of exactly their text."""
    approved = dict(
        ItemApproval.objects.filter(assessment=assessment).values_list("question_id", "item_hash")
    )
    return [
        question["questionId"]
        for section in assessment.content["sections"]
        for question in section["questions"]
        if approved.get(question["questionId"]) != item_hash(question)
    ]


def assessment_item_update(
    *, assessment_id, question_id: str, changes: dict[str, Any], expected_version: int, user
) -> Assessment:
    """Change some fields of one question; a new content version, approved by its editor.

    Raises `ItemInvalid` (the validator's first complaint, located), `ContentVersionConflict`
    (someone saved since `expected_version`), `QuestionNotFound`; nothing is saved on error.
    """
    assessment = _assessment(assessment_id)
    _require_version(assessment, expected_version)
    ref = find_question_ref(assessment.content, question_id)
    not_editable = sorted(set(changes) - set(EDITABLE_FIELDS[ref.question["type"]]))
    if not_editable:
        raise ValidationFailed(
            details={
                field: [f"Not editable on a {ref.question['type']}."] for field in not_editable
            }
        )
    edited = copy.deepcopy(assessment.content)
    question = edited["sections"][ref.section_index]["questions"][ref.question_index]
    question.update(copy.deepcopy(changes))
    if "rubricCriteria" in changes:
        question.pop("rubric", None)  # written from the criteria by the validator
    # Validated before the lock (it reads the whole syllabus); the version check under the
    # lock makes sure it is still the content this was validated against.
    cleaned = validated_content(assessment, edited, focus=ref.path)
    with transaction.atomic():
        locked = locked_assessment(assessment_id)
        _require_version(locked, expected_version)
        content_write(locked, cleaned, user_id=user.pk, note=f"edited {question_id}")
        _approve(locked, find_question_ref(cleaned, question_id).question, user)
    return locked


def assessment_item_approve(
    *, assessment_id, question_id: str, expected_version: int, user
) -> ItemApproval:
    """Approve one question as it reads in `expected_version` (what the reviewer saw)."""
    with transaction.atomic():
        assessment = locked_assessment(assessment_id)
        _require_version(assessment, expected_version)
        question = find_question_ref(assessment.content, question_id).question
        return _approve(assessment, question, user)


def validated_content(
    assessment: Assessment, content: dict[str, Any], *, focus: str = ""
) -> dict[str, Any]:
    """`content` cleaned by the generation validator, against the assessment's syllabus text
    and options; `ItemInvalid` located relative to `focus` (a question's path) otherwise."""
    try:
        return validate_content(
            content,
            syllabus_text=assessment_syllabus_text(assessment),
            options=GenerationOptions.from_dict(assessment.options),
        )
    except ContentInvalid as exc:
        raise _located(exc, focus) from None


def content_write(
    assessment: Assessment, content: dict[str, Any], *, user_id: int | None, note: str
) -> None:
    """Store `content` as the next content version of `assessment`, which the caller has locked
    (`locked_assessment`) and checked. The database writes the `AssessmentVersion` row, and
    only for content that changed: an edit that changes nothing makes no version."""
    if content == assessment.content:
        return
    assessment.content = content
    assessment.content_version += 1
    assessment.version += 1  # the candidate-view cache key
    assessment.content_changed_by_id = user_id
    assessment.content_change_note = note[:300]
    assessment.save(
        update_fields=[
            "content",
            "content_version",
            "version",
            "content_changed_by",
            "content_change_note",
            "updated_at",
        ]
    )


def _approve(assessment: Assessment, question: dict[str, Any], user) -> ItemApproval:
    # Under the assessment's lock, so the row for (assessment, question) is never raced; the
    # unique constraint says so too.
    approval, _ = ItemApproval.objects.update_or_create(
        assessment=assessment,
        question_id=question["questionId"],
        defaults={
            "item_hash": item_hash(question),
            "approved_by": user,
            "approved_at": timezone.now(),
        },
    )
    return approval


def _assessment(assessment_id) -> Assessment:
    assessment = Assessment.objects.filter(pk=assessment_id).first()
    if assessment is None:
        raise AssessmentNotFound()
    return assessment


def locked_assessment(assessment_id) -> Assessment:
    """The assessment row, locked for the rest of the caller's transaction."""
    assessment = Assessment.objects.select_for_update().filter(pk=assessment_id).first()
    if assessment is None:
        raise AssessmentNotFound()
    return assessment


def _require_version(assessment: Assessment, expected_version: int) -> None:
    if assessment.content_version != expected_version:
        raise ContentVersionConflict(
            f"The assessment is at content version {assessment.content_version}, not "
            f"{expected_version}: someone saved a change since. Reload it and try again.",
            details={"expected": expected_version, "current": assessment.content_version},
        )


def _located(exc: ContentInvalid, focus: str) -> ItemInvalid:
    path = exc.path
    message = str(exc)
    problem = message[len(path) + 2 :] if path and message.startswith(f"{path}: ") else message
    inside = bool(focus) and (path == focus or path.startswith(f"{focus}."))
    field = path[len(focus) + 1 :] if inside else None
    return ItemInvalid(field=field, problem=problem, path=path, rule=exc.rule)
