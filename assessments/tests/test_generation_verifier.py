"""The verifier pass of a Gemini generation attempt, with the real google-genai client against the
local fake Gemini: verification without keys, regeneration of exactly the rejected items, the
verdicts in the attempt's provenance, outages as transient failures, and no verifier offline."""

import json
import re

import pytest

from assessments.content import GenerationOptions
from assessments.generation import generation_trigger
from assessments.models import Assessment
from assessments.prompts import (
    GENERATION_PROMPT_VERSION,
    REGENERATION_PROMPT_VERSION,
    VERIFICATION_PROMPT_VERSION,
)
from harness.fake_gemini import error_reply, json_reply, request_text
from jobs.models import AttemptStatus, JobStatus
from jobs.tests.inline import run_until_finished
from syllabus.factories import make_syllabus

from .gemini_script import (
    IS_GENERATION,
    IS_REGENERATION,
    IS_VERIFICATION,
    agree,
    mcq_keys,
    questions_by_id,
    replacement_for,
    v2_answer,
    verdicts,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.timeout(120),
    pytest.mark.usefixtures("quick_retries"),
]

OPTIONS = GenerationOptions(section_count=2, questions_per_section=3)


@pytest.fixture
def syllabus():
    return make_syllabus()


@pytest.fixture
def answer(syllabus) -> dict:
    return v2_answer(syllabus, OPTIONS)


def generate(syllabus):
    return run_until_finished(generation_trigger(syllabus_id=syllabus.pk, options=OPTIONS).job)


def stored_content(job) -> dict:
    return Assessment.objects.get(pk=job.result["assessmentId"]).content


def test_verifier_agrees_no_regeneration_and_verdicts_stored(gemini, syllabus, answer):
    gemini.route(IS_GENERATION, json_reply(answer))
    agree(gemini, answer)

    job = generate(syllabus)

    assert job.status == JobStatus.COMPLETED
    assert job.result["itemsRegenerated"] == 0
    assert len(gemini.calls_where(IS_GENERATION)) == 1
    assert len(gemini.calls_where(IS_VERIFICATION)) == 1
    assert gemini.calls_where(IS_REGENERATION) == []
    [attempt] = job.attempts.all()
    assert attempt.prompt_version == GENERATION_PROMPT_VERSION
    verification = attempt.provenance["verification"]
    assert verification["promptVersion"] == VERIFICATION_PROMPT_VERSION
    assert verification["itemsRegenerated"] == 0
    assert [v["questionId"] for v in verification["items"]] == list(mcq_keys(answer))
    assert all(
        (v["chosenOptionId"], v["agreed"], v["ambiguous"], v["regenerated"])
        == (mcq_keys(answer)[v["questionId"]], True, False, False)
        for v in verification["items"]
    )
    # Each call of the attempt is on record, and the attempt's tokens are their sum.
    purposes = [call["purpose"] for call in attempt.provenance["calls"]]
    assert purposes == ["generation", "verification"]
    assert json.loads(attempt.provenance["calls"][1]["rawResponse"]) == verdicts(answer)
    assert attempt.input_tokens == sum(c["inputTokens"] for c in attempt.provenance["calls"])


def test_the_verifier_sees_no_key(gemini, syllabus, answer):
    gemini.route(IS_GENERATION, json_reply(answer))
    agree(gemini, answer)

    generate(syllabus)

    [call] = gemini.calls_where(IS_VERIFICATION)
    text = request_text(call.body)
    [contents] = call.body["contents"]
    data = contents["parts"][0]["text"]
    block = re.search(r"<items-(\w+)>\n(.*)\n</items-\1>", data, re.DOTALL)
    items = json.loads(block.group(2))
    assert [item["questionId"] for item in items] == list(mcq_keys(answer))
    assert all(set(item) == {"questionId", "prompt", "options"} for item in items)
    assert "correctOptionId" not in text and "sourceExcerpt" not in text
    assert call.body["generationConfig"]["temperature"] == 0.0


def test_v2_item_fields_are_stored_and_criteria_render_the_rubric(gemini, syllabus, answer):
    gemini.route(IS_GENERATION, json_reply(answer))
    agree(gemini, answer)

    content = stored_content(generate(syllabus))

    sent = questions_by_id(answer)
    for question_id, question in questions_by_id(content).items():
        assert question["topic"] == sent[question_id]["topic"]
        assert (question["bloomLevel"], question["outcome"]) == (
            "UNDERSTAND",
            sent[question_id]["outcome"],
        )
        if question["type"] == "SHORT_ANSWER":
            criteria = sent[question_id]["rubricCriteria"]
            assert question["rubricCriteria"] == criteria
            assert question["rubric"] == "\n".join(
                f"- ({c['points']} pt{'' if c['points'] == 1 else 's'}) {c['criterion']}"
                for c in criteria
            )
    assert "topics" not in content  # the model's plan stays in the attempt's raw answer


@pytest.mark.parametrize("problem", ["disagrees", "ambiguous"])
def test_a_rejected_mcq_is_regenerated_alone(gemini, syllabus, answer, problem):
    keys = mcq_keys(answer)
    rejected_id = list(keys)[1]
    wrong = next(
        o["id"]
        for o in questions_by_id(answer)[rejected_id]["options"]
        if o["id"] != keys[rejected_id]
    )
    replacement = replacement_for(
        answer,
        rejected_id,
        prompt="Which statement about this part of the course does the syllabus make?",
        key_text="A rewritten correct option",
    )
    gemini.route(IS_GENERATION, json_reply(answer))
    if problem == "disagrees":
        gemini.route(IS_VERIFICATION, json_reply(verdicts(answer, disagree={rejected_id: wrong})))
    else:
        gemini.route(IS_VERIFICATION, json_reply(verdicts(answer, ambiguous={rejected_id})))
    gemini.route(IS_REGENERATION, json_reply({"replacements": [replacement]}))

    job = generate(syllabus)

    assert job.status == JobStatus.COMPLETED and job.attempt_count == 1
    assert job.result["itemsRegenerated"] == 1
    # The regeneration call asked for exactly that item.
    [call] = gemini.calls_where(IS_REGENERATION)
    asked = request_text(call.body).split("Replace exactly these items:\n", 1)[1]
    assert [line.split(":")[0] for line in asked.splitlines()] == [f"- {rejected_id}"]
    # Exactly that item changed; every other one is as generated.
    stored, sent = questions_by_id(stored_content(job)), questions_by_id(answer)
    assert stored[rejected_id]["prompt"] == replacement["prompt"]
    assert {o["text"] for o in stored[rejected_id]["options"]} >= {"A rewritten correct option"}
    for question_id in sent.keys() - {rejected_id}:
        assert stored[question_id]["prompt"] == sent[question_id]["prompt"]
        assert stored[question_id].get("options") == sent[question_id].get("options")
    # The verdicts say which item was rejected, why, and that it was regenerated.
    attempt = job.attempts.get()
    items = {v["questionId"]: v for v in attempt.provenance["verification"]["items"]}
    assert items[rejected_id]["regenerated"] is True
    if problem == "disagrees":
        assert (items[rejected_id]["agreed"], items[rejected_id]["chosenOptionId"]) == (
            False,
            wrong,
        )
    else:
        assert (items[rejected_id]["agreed"], items[rejected_id]["ambiguous"]) == (True, True)
    assert not any(v["regenerated"] for qid, v in items.items() if qid != rejected_id)
    calls = attempt.provenance["calls"]
    assert [(c["purpose"], c["promptVersion"]) for c in calls][2] == (
        "regeneration",
        REGENERATION_PROMPT_VERSION,
    )


def test_a_replacement_for_another_item_fails_the_attempt(gemini, syllabus, answer):
    keys = list(mcq_keys(answer))
    gemini.route(IS_GENERATION, json_reply(answer))
    gemini.route(IS_VERIFICATION, json_reply(verdicts(answer, ambiguous={keys[0]})), times=1)
    gemini.route(IS_VERIFICATION, json_reply(verdicts(answer)))
    stray = replacement_for(answer, keys[1], prompt="A question nobody asked for?", key_text="x y")
    gemini.route(IS_REGENERATION, json_reply({"replacements": [stray]}))

    job = generate(syllabus)

    first, second = job.attempts.order_by("number")
    assert (first.status, first.error_class) == (AttemptStatus.FAILED, "InvalidAIOutput")
    assert "was not asked for" in first.error_message
    assert second.status == AttemptStatus.COMPLETED and job.result["itemsRegenerated"] == 0


@pytest.mark.parametrize("outage", ["503", "timeout"])
def test_a_verifier_outage_fails_the_attempt_as_transient_and_the_job_retries(
    gemini, syllabus, answer, settings, outage
):
    settings.AI_REQUEST_TIMEOUT_SECONDS = 0.5
    gemini.route(IS_GENERATION, json_reply(answer))
    if outage == "503":
        gemini.route(IS_VERIFICATION, error_reply(503, "overloaded"), times=1)
    else:
        gemini.route(IS_VERIFICATION, json_reply(verdicts(answer), delay=2), times=1)
    agree(gemini, answer)

    job = generate(syllabus)

    assert job.status == JobStatus.COMPLETED
    first, second = job.attempts.order_by("number")
    assert (first.status, first.error_class) == (AttemptStatus.FAILED, "TransientAIError")
    assert first.error_message.startswith("verification call failed:")
    assert ("503" if outage == "503" else "timeout") in first.error_message
    assert second.status == AttemptStatus.COMPLETED
    assert len(gemini.calls_where(IS_GENERATION)) == 2  # the attempt is retried as a whole
    assert Assessment.objects.count() == 1


def test_a_verifier_that_stays_down_fails_the_job_and_stores_nothing(gemini, syllabus, answer):
    gemini.route(IS_GENERATION, json_reply(answer))
    gemini.route(IS_VERIFICATION, error_reply(500))

    job = generate(syllabus)

    assert job.status == JobStatus.FAILED and job.attempt_count == 3
    assert "verification call failed" in job.error_message
    assert Assessment.objects.count() == 0


def test_a_verifier_answer_missing_an_item_is_an_invalid_attempt(gemini, syllabus, answer):
    partial = verdicts(answer)
    partial["verdicts"].pop()
    gemini.route(IS_GENERATION, json_reply(answer))
    gemini.route(IS_VERIFICATION, json_reply(partial), times=1)
    agree(gemini, answer)

    job = generate(syllabus)

    first, second = job.attempts.order_by("number")
    assert first.error_class == "InvalidAIOutput" and "none for" in first.error_message
    assert second.status == AttemptStatus.COMPLETED


def test_the_offline_provider_makes_no_verifier_call(gemini, settings, syllabus):
    settings.AI_PROVIDER, settings.GEMINI_API_KEY = "offline", ""  # the fake still listens

    job = generate(syllabus)

    assert job.status == JobStatus.COMPLETED
    assert gemini.calls == []
    attempt = job.attempts.get()
    assert (attempt.provider, attempt.provenance) == ("offline", {})
    assert "itemsRegenerated" not in job.result
