"""Assessment generation: the trigger (web side) and the job handler (worker side)."""

import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass, replace
from typing import Any

from django.conf import settings
from django.utils import timezone

from jobs.ai.base import AIRequest, AIResponse
from jobs.ai.factory import call_ai
from jobs.ai.offline import OfflineProvider
from jobs.errors import InvalidAIOutput, PermanentJobError
from jobs.models import AIJob, AIJobAttempt, AttemptStatus, JobStatus, JobType
from jobs.registry import Execution
from jobs.services import job_create_or_get, job_requeue
from syllabus.models import Syllabus

from .content import GenerationOptions
from .content.offline import InsufficientSyllabusText, generate_offline
from .content.quality import quality_report
from .content.schema import RESPONSE_SCHEMA_V2
from .content.subject import subject_matter
from .content.validation import ContentInvalid, validate_content
from .errors import SyllabusNotFound
from .models import Assessment, AssessmentStatus
from .prompts import (
    GENERATION_PROMPT_VERSION,
    VERIFICATION_PROMPT_VERSION,
    generation_contents,
    generation_system_instruction,
)
from .syllabus_text import combined_text
from .verification import Review, review_questionnaire

RULE_NAME = re.compile(r"\[([A-Z][A-Z_]+)\]")


@dataclass(frozen=True)
class GenerationTrigger:
    job: AIJob
    deduplicated: bool  # the key already had a job
    queued: bool  # the job was created or put back to PENDING by this trigger


def generation_trigger(
    *, syllabus_id=None, subject: str | None = None, options: GenerationOptions | None = None
) -> GenerationTrigger:
    """Find or create the generation job for this syllabus text and these options.

    A FAILED job with the same key goes back to PENDING (keeping its attempts).
    """
    syllabi = _syllabi_for(syllabus_id=syllabus_id, subject=subject)
    canonical_options = (options or GenerationOptions()).canonical()
    text_hash = hashlib.sha256(combined_text(syllabi).encode()).hexdigest()
    key_material = json.dumps({"text": text_hash, "options": canonical_options}, sort_keys=True)
    dedupe_key = "generation:" + hashlib.sha256(key_material.encode()).hexdigest()
    return generation_job_for(
        dedupe_key=dedupe_key,
        payload={
            "syllabusIds": [str(s.pk) for s in syllabi],
            "subject": syllabi[0].subject,
            "options": canonical_options,
            "syllabusHash": text_hash,
        },
    )


def generation_job_for(*, dedupe_key: str, payload: dict[str, Any]) -> GenerationTrigger:
    """The GENERATION job of this key: created, found, or (FAILED) put back to PENDING."""
    ref = job_create_or_get(job_type=JobType.GENERATION, dedupe_key=dedupe_key, payload=payload)
    if ref.created:
        return GenerationTrigger(ref.job, deduplicated=False, queued=True)
    requeued = ref.job.status == JobStatus.FAILED and job_requeue(
        job_id=ref.job.pk, reason="re-triggered by staff"
    )
    job = AIJob.objects.get(pk=ref.job.pk) if requeued else ref.job
    return GenerationTrigger(job, deduplicated=True, queued=requeued)


def _syllabi_for(*, syllabus_id, subject: str | None) -> list[Syllabus]:
    if syllabus_id:
        found = list(Syllabus.objects.filter(pk=syllabus_id))
        if not found:
            raise SyllabusNotFound()
        return found
    # Every syllabus of the subject, oldest first, so the combined text is stable.
    found = list(
        Syllabus.objects.filter(subject__iexact=" ".join((subject or "").split())).order_by(
            "created_at", "id"
        )
    )
    if not found:
        raise SyllabusNotFound(f"No syllabus for subject {subject!r}.")
    return found


@dataclass(frozen=True)
class GeneratedQuestionnaire:
    content: dict[str, Any]
    review: Review | None  # None: not verified (the offline provider)
    topics_found: tuple[str, ...] = ()  # the syllabus's topics, for the quality report


class GenerationHandler:
    """Runs GENERATION jobs on the worker (registered with `jobs` by this app's config).

    One attempt: the generation call, validation, and with a real model the verifier pass
    (`verification.review_questionnaire`), which may regenerate rejected items. Every call is a
    `call_ai`; any failure fails the whole attempt, which is retried from the start.
    """

    prompt_version = GENERATION_PROMPT_VERSION

    def execute(self, job: AIJob) -> Execution:
        text = combined_text(job_syllabi(job))
        subject = job.payload["subject"]
        options = GenerationOptions.from_dict(job.payload["options"])
        request = AIRequest(
            purpose="generation",
            prompt_version=GENERATION_PROMPT_VERSION,
            system_instruction=generation_system_instruction(options),
            contents=generation_contents(subject=subject, syllabus_text=text),
            response_schema=RESPONSE_SCHEMA_V2,
            offline_answer=lambda: generate_offline(
                syllabus_text=text, subject=subject, options=options
            ),
        )
        try:
            response = call_ai(request)
        except InsufficientSyllabusText as exc:
            raise PermanentJobError(str(exc)) from exc

        def validate(data: Any, raw_text: str) -> dict[str, Any]:
            return validated_questionnaire(
                data, syllabus_text=text, options=options, raw_text=raw_text
            )

        content = validate(response.data, response.raw_text)
        topics = tuple(topic.name for topic in subject_matter(text).topics)
        if response.provider == OfflineProvider.name:
            # Deterministic and written from the syllabus itself: nothing for a verifier to add.
            return Execution(
                value=GeneratedQuestionnaire(content, review=None, topics_found=topics),
                response=response,
                prompt_version=GENERATION_PROMPT_VERSION,
            )
        review = review_questionnaire(
            content, subject=subject, syllabus_text=text, options=options, validate=validate
        )
        return Execution(
            value=GeneratedQuestionnaire(review.content, review=review, topics_found=topics),
            response=_with_total_tokens(response, [r for _, _, r in review.calls]),
            prompt_version=GENERATION_PROMPT_VERSION,
            provenance=_provenance(response, review),
        )

    def complete(self, job: AIJob, execution: Execution) -> dict:
        generated: GeneratedQuestionnaire = execution.value
        content = generated.content
        report = quality_report(
            content,
            topics_found=generated.topics_found,
            rules_triggered=_rules_triggered(job),
            items_regenerated=generated.review.items_regenerated if generated.review else 0,
        )
        status = (
            AssessmentStatus.DRAFT
            if settings.ASSESSMENT_REQUIRE_REVIEW
            else AssessmentStatus.PUBLISHED
        )
        response = execution.response
        assessment = Assessment.objects.create(
            title=distinguishable_title(content["title"], job.payload["options"]),
            subject=job.payload["subject"],
            content=content,
            options=job.payload["options"],
            dedupe_key=job.dedupe_key,
            syllabus_hash=job.payload["syllabusHash"],
            status=status,
            published_at=timezone.now() if status == AssessmentStatus.PUBLISHED else None,
            provider=response.provider,
            model=response.model,
            prompt_version=execution.prompt_version,
            job=job,
            section_count=len(content["sections"]),
            question_count=sum(len(s["questions"]) for s in content["sections"]),
            quality_report=report,
        )
        assessment.syllabi.set(job.payload["syllabusIds"])
        result: dict[str, Any] = {"assessmentId": str(assessment.pk), "quality": report}
        if generated.review is not None:
            result["itemsRegenerated"] = generated.review.items_regenerated
        return result


def job_syllabi(job: AIJob) -> list[Syllabus]:
    """The job's syllabi in the order it names them (the order their text was combined in)."""
    ids = job.payload["syllabusIds"]
    by_id = {str(s.pk): s for s in Syllabus.objects.filter(pk__in=ids)}
    missing = [i for i in ids if i not in by_id]
    if missing:
        raise PermanentJobError(f"Syllabus {missing[0]} no longer exists.")
    return [by_id[i] for i in ids]


def distinguishable_title(title: str, options: dict[str, Any]) -> str:
    """The questionnaire's title with what it was asked for ("… (medium, 3 x 4)"), and a number
    when an assessment already has that title ("… #2"): two generations of one subject (other
    options, or other syllabi of it) are told apart in every list."""
    described = (
        f"{title[:250]} ({options['difficulty']}, "
        f"{options['sectionCount']} x {options['questionsPerSection']})"
    )
    same = Assessment.objects.filter(title__startswith=described).count()
    return described if same == 0 else f"{described} #{same + 1}"


def _rules_triggered(job: AIJob) -> dict[str, int]:
    """How often each item-writing rule failed an earlier attempt of this job (the validator
    names the rule in the attempt's error: "… [KEY_IN_STEM] …")."""
    errors = AIJobAttempt.objects.filter(job=job, status=AttemptStatus.FAILED).values_list(
        "error_message", flat=True
    )
    return dict(Counter(rule for error in errors for rule in RULE_NAME.findall(error or "")))


def validated_questionnaire(
    data: Any, *, syllabus_text: str, options: GenerationOptions, raw_text: str
) -> dict[str, Any]:
    """The model's questionnaire as stored content, or InvalidAIOutput: a failed attempt."""
    try:
        return validate_content(data, syllabus_text=syllabus_text, options=options)
    except ContentInvalid as exc:
        raise InvalidAIOutput(f"invalid assessment: {exc}", raw_text=raw_text) from exc


def _with_total_tokens(response: AIResponse, further: list[AIResponse]) -> AIResponse:
    """The generation response, its token counts summed over every call of the attempt (the
    attempt row's tokens are what the attempt cost)."""

    def total(counts: list[int | None]) -> int | None:
        known = [count for count in counts if count is not None]
        return sum(known) if known else None

    responses = [response, *further]
    return replace(
        response,
        input_tokens=total([r.input_tokens for r in responses]),
        output_tokens=total([r.output_tokens for r in responses]),
    )


def _provenance(response: AIResponse, review: Review) -> dict[str, Any]:
    calls = [_call_record("generation", GENERATION_PROMPT_VERSION, response, raw=False)]
    calls += [_call_record(purpose, version, r, raw=True) for purpose, version, r in review.calls]
    return {
        "calls": calls,
        "verification": {
            "promptVersion": VERIFICATION_PROMPT_VERSION,
            "items": [verdict.as_dict() for verdict in review.verdicts],
            "itemsRegenerated": review.items_regenerated,
        },
    }


def _call_record(purpose: str, prompt_version: str, response: AIResponse, *, raw: bool) -> dict:
    record = {
        "purpose": purpose,
        "promptVersion": prompt_version,
        "provider": response.provider,
        "model": response.model,
        "inputTokens": response.input_tokens,
        "outputTokens": response.output_tokens,
    }
    if raw:  # the generation call's raw answer is the attempt's own raw_response already
        record["rawResponse"] = response.raw_text[: AIJobAttempt.RAW_RESPONSE_LIMIT]
    return record
