"""Generation end to end, in-process: trigger → job → the runner (as a worker would call it).

The provider is real: the offline one, or google-genai against a local fake Gemini server.
Delivery through real Celery workers is in test_generation_workers.py.
"""

import pytest

from assessments.candidate_view import ANSWER_KEY_FIELDS
from assessments.content import GenerationOptions
from assessments.content.offline import generate_offline
from assessments.generation import GenerationHandler, combined_text, generation_trigger
from assessments.models import Assessment, AssessmentStatus
from jobs.models import AttemptStatus, JobStatus
from jobs.tests.inline import run_until_finished
from syllabus.factories import make_syllabus

from .gemini_script import IS_GENERATION, agree

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.timeout(120),
    pytest.mark.usefixtures("quick_retries"),
]

SMALL = GenerationOptions(section_count=2, questions_per_section=3)


def valid_answer(syllabus, options=SMALL) -> dict:
    return generate_offline(syllabus_text=syllabus.text, subject=syllabus.subject, options=options)


def test_offline_generation_creates_a_published_assessment():
    syllabus = make_syllabus()
    trigger = generation_trigger(syllabus_id=syllabus.pk, options=SMALL)
    assert trigger.job.status == JobStatus.PENDING and trigger.queued

    job = run_until_finished(trigger.job)

    assert job.status == JobStatus.COMPLETED
    assessment = Assessment.objects.get()
    assert job.result == {"assessmentId": str(assessment.pk), "quality": assessment.quality_report}
    report = assessment.quality_report
    assert report["items"] == 6 and sum(report["byType"].values()) == 6
    assert report["rulesTriggered"] == {} and report["itemsRegenerated"] == 0
    assert assessment.status == AssessmentStatus.PUBLISHED and assessment.published_at
    assert (assessment.section_count, assessment.question_count) == (2, 6)
    assert list(assessment.syllabi.all()) == [syllabus]
    assert assessment.job == job and assessment.dedupe_key == job.dedupe_key
    [attempt] = job.attempts.all()
    assert (attempt.status, attempt.provider, attempt.prompt_version) == (
        AttemptStatus.COMPLETED,
        "offline",
        GenerationHandler.prompt_version,
    )
    assert attempt.duration_ms is not None and attempt.raw_response


def test_review_setting_makes_drafts(settings):
    settings.ASSESSMENT_REQUIRE_REVIEW = True
    job = run_until_finished(generation_trigger(syllabus_id=make_syllabus().pk, options=SMALL).job)

    assessment = Assessment.objects.get(pk=job.result["assessmentId"])
    assert assessment.status == AssessmentStatus.DRAFT and assessment.published_at is None


def test_gemini_valid_answer_completes(gemini):
    syllabus = make_syllabus()
    gemini.respond_json(valid_answer(syllabus))
    agree(gemini, valid_answer(syllabus))

    job = run_until_finished(generation_trigger(syllabus_id=syllabus.pk, options=SMALL).job)

    assert job.status == JobStatus.COMPLETED
    [attempt] = job.attempts.all()
    assert (attempt.provider, attempt.input_tokens is not None) == ("gemini", True)
    [call] = gemini.calls_where(IS_GENERATION)
    sent = str(call.body)
    assert "<syllabus-" in sent and syllabus.text[:200] in sent.replace("\\n", "\n")


def test_500_then_429_then_valid_completes_with_three_attempts(gemini):
    syllabus = make_syllabus()
    gemini.respond_error(500)
    gemini.respond_error(429)
    gemini.respond_json(valid_answer(syllabus))
    agree(gemini, valid_answer(syllabus))

    job = run_until_finished(generation_trigger(syllabus_id=syllabus.pk, options=SMALL).job)

    assert job.status == JobStatus.COMPLETED
    attempts = list(job.attempts.order_by("number"))
    assert [a.status for a in attempts] == ["FAILED", "FAILED", "COMPLETED"]
    assert "500" in attempts[0].error_message and "429" in attempts[1].error_message
    assert job.attempt_count == 3 and len(gemini.calls_where(IS_GENERATION)) == 3
    assert Assessment.objects.count() == 1


def test_always_malformed_fails_after_max_attempts_with_the_error_stored(gemini):
    syllabus = make_syllabus()
    gemini.default = lambda _request: (200, _text_body("{not json"), 0)

    job = run_until_finished(generation_trigger(syllabus_id=syllabus.pk, options=SMALL).job)

    assert job.status == JobStatus.FAILED
    assert job.attempt_count == 3 and job.attempts.filter(status="FAILED").count() == 3
    assert "JSON" in job.error_message
    assert job.attempts.first().raw_response == "{not json"
    assert Assessment.objects.count() == 0


def test_answer_that_fails_validation_is_a_failed_attempt(gemini):
    syllabus = make_syllabus()
    wrong_counts = valid_answer(
        syllabus, GenerationOptions(section_count=1, questions_per_section=3)
    )
    gemini.respond_json(wrong_counts)
    gemini.respond_json(valid_answer(syllabus))
    agree(gemini, valid_answer(syllabus))

    job = run_until_finished(generation_trigger(syllabus_id=syllabus.pk, options=SMALL).job)

    first, second = job.attempts.order_by("number")
    assert first.error_class == "InvalidAIOutput" and "section" in first.error_message
    assert second.status == "COMPLETED" and job.status == JobStatus.COMPLETED


def test_timeout_is_retried(gemini, settings):
    settings.AI_REQUEST_TIMEOUT_SECONDS = 0.5
    syllabus = make_syllabus()
    gemini.respond_json(valid_answer(syllabus), delay=2)
    gemini.respond_json(valid_answer(syllabus))
    agree(gemini, valid_answer(syllabus))

    job = run_until_finished(generation_trigger(syllabus_id=syllabus.pk, options=SMALL).job)

    first, second = job.attempts.order_by("number")
    assert first.status == "FAILED" and "timeout" in first.error_message.lower()
    assert second.status == "COMPLETED" and job.status == JobStatus.COMPLETED


@pytest.mark.parametrize("status", [401, 403])
def test_bad_credentials_fail_at_once(gemini, status):
    gemini.default = lambda _request: (status, {"error": {"code": status, "message": "no"}}, 0)

    job = run_until_finished(generation_trigger(syllabus_id=make_syllabus().pk, options=SMALL).job)

    assert job.status == JobStatus.FAILED and job.attempt_count == 1
    assert len(gemini.calls) == 1
    assert "test-key-not-real" not in job.error_message


def test_a_deleted_syllabus_fails_the_job_permanently():
    syllabus = make_syllabus()
    trigger = generation_trigger(syllabus_id=syllabus.pk, options=SMALL)
    syllabus.delete()

    job = run_until_finished(trigger.job)

    assert job.status == JobStatus.FAILED and job.attempt_count == 1
    assert "no longer exists" in job.error_message


def test_trigger_dedupes_and_reports_the_assessment_once_completed():
    syllabus = make_syllabus()
    first = generation_trigger(syllabus_id=syllabus.pk, options=SMALL)
    run_until_finished(first.job)

    again = generation_trigger(syllabus_id=syllabus.pk, options=SMALL)

    assert again.job.pk == first.job.pk and again.deduplicated and not again.queued
    assert again.job.result["assessmentId"] == str(Assessment.objects.get().pk)
    other_options = generation_trigger(syllabus_id=syllabus.pk, options=GenerationOptions())
    assert other_options.job.pk != first.job.pk


def test_trigger_after_failure_puts_the_same_job_back_to_pending(gemini):
    syllabus = make_syllabus()
    gemini.default = lambda _request: (401, {"error": {"code": 401, "message": "no"}}, 0)
    failed = run_until_finished(generation_trigger(syllabus_id=syllabus.pk, options=SMALL).job)
    assert failed.status == JobStatus.FAILED

    again = generation_trigger(syllabus_id=syllabus.pk, options=SMALL)

    assert again.job.pk == failed.pk and again.queued and again.deduplicated
    assert again.job.status == JobStatus.PENDING
    assert again.job.attempts.count() == 1  # history kept
    gemini.default = lambda _request: (200, _text_body(_json(valid_answer(syllabus))), 0)
    agree(gemini, valid_answer(syllabus))
    assert run_until_finished(again.job).status == JobStatus.COMPLETED


def test_subject_combines_every_syllabus_of_the_subject():
    first = make_syllabus(subject="Algorithms", pages=3, name="a.pdf")
    second = make_syllabus(subject="algorithms ", pages=5, name="b.pdf")

    job = run_until_finished(generation_trigger(subject="ALGORITHMS", options=SMALL).job)

    assessment = Assessment.objects.get(pk=job.result["assessmentId"])
    assert set(assessment.syllabi.all()) == {first, second}
    assert job.payload["syllabusIds"] == [str(first.pk), str(second.pk)]
    assert combined_text([first, second]).startswith(first.text)


def test_candidate_content_has_no_answer_keys():
    from assessments.candidate_view import candidate_content

    job = run_until_finished(generation_trigger(syllabus_id=make_syllabus().pk).job)
    content = Assessment.objects.get(pk=job.result["assessmentId"]).content

    assert not _keys(candidate_content(content)) & ANSWER_KEY_FIELDS
    assert _keys(content) & ANSWER_KEY_FIELDS == ANSWER_KEY_FIELDS


def _keys(value) -> set:
    if isinstance(value, dict):
        return set(value) | {k for item in value.values() for k in _keys(item)}
    if isinstance(value, list):
        return {k for item in value for k in _keys(item)}
    return set()


def _json(value) -> str:
    import json

    return json.dumps(value)


def _text_body(text: str) -> dict:
    return {
        "candidates": [
            {
                "content": {"role": "model", "parts": [{"text": text}]},
                "finishReason": "STOP",
                "index": 0,
            }
        ]
    }
