"""Regenerating one question or one section of an assessment, keeping the rest.

A regeneration is a GENERATION job of its own (payload `target`), deduplicated by
`regeneration:` + a hash of the syllabus text's hash, the options, and the target (assessment,
the content version it starts from, and the section or question). The same request on the same
content is one job; once its result is saved the content version moves on, so asking again is
a new job.

The worker asks the provider for replacements of exactly the target's question ids (same ids,
types and points; Gemini with `item-regeneration-v1`, the offline provider from other
questionnaires it can write from the syllabus), merges them and validates the whole
questionnaire with the generation validator. The result becomes the next content version only
if nobody changed the content meanwhile (under the assessment's row lock), and, when review is
required, the assessment was not published meanwhile; otherwise the job completes with
`applied: false` and a reason, and staff ask again. Regenerated items are not approved.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model

from jobs.ai.base import AIRequest
from jobs.ai.factory import call_ai
from jobs.errors import InvalidAIOutput, PermanentJobError
from jobs.models import AIJob
from jobs.registry import Execution

from .content import GenerationOptions
from .content.offline import InsufficientSyllabusText, generate_offline
from .content.schema import REGENERATION_SCHEMA, content_questions
from .content.text import are_near_duplicates, normalize_prompt
from .content.validation import ContentInvalid, validate_content
from .errors import AssessmentNotFound, QuestionNotFound, RegenerationRefused
from .generation import GenerationTrigger, generation_job_for, job_syllabi, validated_questionnaire
from .items import content_write, find_question_ref, locked_assessment
from .models import Assessment, AssessmentVersion
from .prompts import (
    ITEM_REGENERATION_PROMPT_VERSION,
    item_regeneration_system_instruction,
    regeneration_contents,
)
from .syllabus_text import combined_text
from .verification import merge_replacements

STAFF_REQUEST = "staff asked for a different item in its place"
# Questionnaire shapes the offline provider writes to find items other than the current ones:
# each shape seeds it differently, so between them they cover most of what the syllabus offers.
OFFLINE_POOL_SHAPES = ((1, 4), (2, 4), (3, 5), (2, 6), (1, 8), (2, 8), (3, 6), (4, 4))


def regeneration_trigger(
    *, assessment_id, section_id: str | None = None, question_id: str | None = None, user=None
) -> GenerationTrigger:
    """The job regenerating one section or one question of the assessment's current content."""
    if (section_id is None) == (question_id is None):
        raise ValueError("Give exactly one of section_id or question_id.")
    assessment = Assessment.objects.filter(pk=assessment_id).first()
    if assessment is None:
        raise AssessmentNotFound()
    if settings.ASSESSMENT_REQUIRE_REVIEW and assessment.is_published:
        raise RegenerationRefused(
            "Unpublish the assessment first: regenerated items must be approved before "
            "candidates see them."
        )
    target = {"sectionId": section_id} if section_id else {"questionId": question_id}
    _target_question_ids(assessment.content, target)  # 404 for an unknown target
    key_material = json.dumps(
        {
            "text": assessment.syllabus_hash,
            "options": assessment.options,
            "target": {
                "assessmentId": str(assessment.pk),
                "contentVersion": assessment.content_version,
                **target,
            },
        },
        sort_keys=True,
    )
    return generation_job_for(
        dedupe_key="regeneration:" + hashlib.sha256(key_material.encode()).hexdigest(),
        payload={
            "assessmentId": str(assessment.pk),
            "baseVersion": assessment.content_version,
            "target": target,
            "syllabusIds": [
                str(pk)
                for pk in assessment.syllabi.order_by("created_at", "id").values_list(
                    "pk", flat=True
                )
            ],
            "subject": assessment.subject,
            "options": assessment.options,
            "syllabusHash": assessment.syllabus_hash,
            "requestedBy": str(user.pk) if user is not None else None,
        },
    )


def is_regeneration(job: AIJob) -> bool:
    return "target" in job.payload


@dataclass(frozen=True)
class RegeneratedContent:
    content: dict[str, Any]
    question_ids: list[str]


class RegenerationHandler:
    """The worker side of a regeneration job (routed to by `handlers.GenerationJobHandler`)."""

    prompt_version = ITEM_REGENERATION_PROMPT_VERSION

    def execute(self, job: AIJob) -> Execution:
        payload = job.payload
        base = AssessmentVersion.objects.filter(
            assessment_id=payload["assessmentId"], number=payload["baseVersion"]
        ).first()
        if base is None:
            raise PermanentJobError(f"Assessment {payload['assessmentId']} no longer exists.")
        content = base.content
        text = combined_text(job_syllabi(job))
        options = GenerationOptions.from_dict(payload["options"])
        question_ids = _target_question_ids(content, payload["target"])
        request = AIRequest(
            purpose="regeneration",
            prompt_version=ITEM_REGENERATION_PROMPT_VERSION,
            system_instruction=item_regeneration_system_instruction(options),
            contents=regeneration_contents(
                subject=payload["subject"],
                syllabus_text=text,
                content=content,
                rejected=[{"questionId": qid, "problem": STAFF_REQUEST} for qid in question_ids],
            ),
            response_schema=REGENERATION_SCHEMA,
            offline_answer=lambda: offline_replacements(
                content, question_ids, syllabus_text=text, options=options
            ),
        )
        response = call_ai(request)
        try:
            merged = merge_replacements(content, response.data, set(question_ids), keep_topic=False)
        except ValueError as exc:
            raise InvalidAIOutput(f"regeneration: {exc}", raw_text=response.raw_text) from exc
        cleaned = validated_questionnaire(
            merged, syllabus_text=text, options=options, raw_text=response.raw_text
        )
        return Execution(
            value=RegeneratedContent(cleaned, question_ids),
            response=response,
            prompt_version=ITEM_REGENERATION_PROMPT_VERSION,
        )

    def complete(self, job: AIJob, execution: Execution) -> dict:
        regenerated: RegeneratedContent = execution.value
        payload = job.payload
        result: dict[str, Any] = {
            "assessmentId": payload["assessmentId"],
            "questionIds": regenerated.question_ids,
        }
        try:
            assessment = locked_assessment(payload["assessmentId"])
        except AssessmentNotFound:
            return {**result, "applied": False, "reason": "The assessment was deleted."}
        if assessment.content_version != payload["baseVersion"]:
            return {
                **result,
                "applied": False,
                "reason": (
                    f"The assessment changed while regenerating (content version "
                    f"{payload['baseVersion']} → {assessment.content_version}); ask again."
                ),
            }
        if settings.ASSESSMENT_REQUIRE_REVIEW and assessment.is_published:
            # Published while this ran: unreviewed items must not reach candidates.
            return {
                **result,
                "applied": False,
                "reason": "The assessment was published while regenerating; unpublish it and "
                "ask again.",
            }
        target = payload["target"]
        requested_by = payload.get("requestedBy")
        if requested_by and not get_user_model().objects.filter(pk=requested_by).exists():
            requested_by = None  # the account was deleted meanwhile
        content_write(
            assessment,
            regenerated.content,
            user_id=requested_by,
            note=f"regenerated {target.get('sectionId') or target.get('questionId')}",
        )
        return {**result, "applied": True, "contentVersion": assessment.content_version}


def offline_replacements(
    content: dict[str, Any],
    question_ids: list[str],
    *,
    syllabus_text: str,
    options: GenerationOptions,
) -> dict[str, Any]:
    """New items for `question_ids` from what the offline generator can write: for each, the
    first item of the same type and points, unlike every current item, with which the whole
    questionnaire still passes the validator. Raises PermanentJobError when there is none (the
    same syllabus will never give more)."""
    pool = _offline_pool(content, syllabus_text=syllabus_text, options=options)
    working = json.loads(json.dumps(content))
    replacements = []
    for question_id in question_ids:
        ref = find_question_ref(working, question_id)
        replacement = _first_fitting(working, ref, pool, syllabus_text, options)
        if replacement is None:
            raise PermanentJobError(
                f"The offline generator has no other {ref.question['type']} item for "
                f"{question_id} in this syllabus."
            )
        pool.remove(replacement)
        fitted = {**replacement, "questionId": question_id}
        working["sections"][ref.section_index]["questions"][ref.question_index] = fitted
        replacements.append(fitted)
    return {"replacements": replacements}


def _offline_pool(
    content: dict[str, Any], *, syllabus_text: str, options: GenerationOptions
) -> list[dict[str, Any]]:
    current = [normalize_prompt(q["prompt"]) for q in content_questions(content)]
    pool: list[dict[str, Any]] = []
    for section_count, questions_per_section in OFFLINE_POOL_SHAPES:
        shape = GenerationOptions(
            section_count=section_count,
            questions_per_section=questions_per_section,
            difficulty=options.difficulty,
        )
        try:
            written = generate_offline(
                syllabus_text=syllabus_text, subject=content["subject"], options=shape
            )
        except InsufficientSyllabusText:
            continue
        for question in content_questions(written):
            prompt = normalize_prompt(question["prompt"])
            seen = current + [normalize_prompt(q["prompt"]) for q in pool]
            if not any(are_near_duplicates(prompt, other) for other in seen):
                pool.append(question)
    return pool


def _first_fitting(working, ref, pool, syllabus_text, options) -> dict[str, Any] | None:
    original = ref.question
    for candidate in pool:
        if candidate["type"] != original["type"] or candidate["points"] != original["points"]:
            continue
        trial = json.loads(json.dumps(working))
        trial["sections"][ref.section_index]["questions"][ref.question_index] = {
            **candidate,
            "questionId": original["questionId"],
        }
        try:
            validate_content(trial, syllabus_text=syllabus_text, options=options)
        except ContentInvalid:
            continue
        return candidate
    return None


def _target_question_ids(content: dict[str, Any], target: dict[str, str]) -> list[str]:
    if "questionId" in target:
        return [find_question_ref(content, target["questionId"]).question["questionId"]]
    for section in content["sections"]:
        if section["sectionId"] == target["sectionId"]:
            return [question["questionId"] for question in section["questions"]]
    raise QuestionNotFound("No such section in this assessment.")
