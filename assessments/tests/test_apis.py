"""Generation trigger, jobs and assessments over HTTP, exactly per the contract."""

import pytest

from assessments.candidate_view import ANSWER_KEY_FIELDS
from assessments.models import Assessment, AssessmentStatus
from jobs.models import AIJob, JobStatus
from jobs.tests.inline import run_until_finished
from syllabus.factories import make_syllabus

from .test_generation import SMALL, _keys
from .test_policy import DEFAULT_POLICY

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(120)]

GENERATE = "/api/v1/assessments/generate"
SMALL_BODY = {"sectionCount": 2, "questionsPerSection": 3, "difficulty": "medium"}


def generate(client, **body):
    return client.post(GENERATE, body, format="json")


def test_generate_returns_the_job_at_once(staff_client):
    syllabus = make_syllabus()

    response = generate(staff_client, syllabusId=str(syllabus.pk), options=SMALL_BODY)

    assert response.status_code == 202
    body = response.json()
    job = AIJob.objects.get()
    assert body == {
        "jobId": str(job.pk),
        "status": "PENDING",
        "type": "GENERATION",
        "dedupeKey": job.dedupe_key,
        "deduplicated": False,
    }
    assert body["dedupeKey"].startswith("generation:")
    assert job.attempts.count() == 0  # no AI call in the request


def test_generate_again_is_deduplicated_and_names_the_assessment(staff_client):
    syllabus = make_syllabus()
    first = generate(staff_client, syllabusId=str(syllabus.pk), options=SMALL_BODY).json()
    run_until_finished(AIJob.objects.get(pk=first["jobId"]))

    again = generate(staff_client, syllabusId=str(syllabus.pk), options=SMALL_BODY)

    assert again.status_code == 200
    body = again.json()
    assert body["jobId"] == first["jobId"] and body["deduplicated"] is True
    assert body["status"] == "COMPLETED"
    assert body["assessmentId"] == str(Assessment.objects.get().pk)


def test_defaults_and_explicit_defaults_share_one_job(staff_client):
    syllabus = make_syllabus()
    implicit = generate(staff_client, syllabusId=str(syllabus.pk)).json()
    explicit = generate(
        staff_client,
        syllabusId=str(syllabus.pk),
        options={"sectionCount": 3, "questionsPerSection": 4},
    ).json()
    assert implicit["jobId"] == explicit["jobId"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "nonFieldErrors"),
        ({"syllabusId": "00000000-0000-0000-0000-000000000000", "subject": "x"}, "nonFieldErrors"),
        ({"syllabusId": "not-a-uuid"}, "syllabusId"),
        ({"subject": "x", "options": {"sectionCount": 0}}, "options"),
        ({"subject": "x", "options": {"sectionCount": "three"}}, "options"),
        ({"subject": "x", "options": {"questionsPerSection": 21}}, "options"),
        ({"subject": "x", "options": {"difficulty": "impossible"}}, "options"),
        ({"subject": "x", "options": "lots"}, "options"),
    ],
)
def test_generate_validation_errors(staff_client, body, field):
    response = generate(staff_client, **body)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"
    assert field in response.json()["error"]["details"]
    assert AIJob.objects.count() == 0


@pytest.mark.parametrize("field", ["section_count", "questions_per_section"])
def test_the_options_serializer_accepts_exactly_what_generation_options_accept(field):
    from assessments.content import GenerationOptions
    from assessments.serializers import GenerationOptionsSerializer

    for value in range(-1, 23):
        try:
            GenerationOptions(**{field: value})
            valid = True
        except ValueError:
            valid = False
        assert GenerationOptionsSerializer(data={field: value}).is_valid() == valid, value
    defaults = GenerationOptionsSerializer(data={})
    assert defaults.is_valid()
    assert GenerationOptions(**defaults.validated_data) == GenerationOptions()


@pytest.mark.parametrize(
    "body", [{"syllabusId": "00000000-0000-0000-0000-000000000000"}, {"subject": "Nope"}]
)
def test_generate_for_unknown_syllabus_or_subject_is_404(staff_client, body):
    response = generate(staff_client, **body)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NOT_FOUND"
    assert AIJob.objects.count() == 0


def test_job_detail_shows_attempts(staff_client, settings):
    syllabus = make_syllabus()
    job_id = generate(staff_client, syllabusId=str(syllabus.pk), options=SMALL_BODY).json()["jobId"]
    run_until_finished(AIJob.objects.get(pk=job_id))

    response = staff_client.get(f"/api/v1/jobs/{job_id}")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "COMPLETED" and body["attemptCount"] == 1
    assert body["maxAttempts"] == settings.AI_MAX_ATTEMPTS and body["errorMessage"] is None
    assessment = Assessment.objects.get()
    assert body["result"] == {
        "assessmentId": str(assessment.pk),
        "quality": assessment.quality_report,  # keys camelCase already
    }
    for field in ("createdAt", "startedAt", "finishedAt", "updatedAt"):
        assert body[field]
    [attempt] = body["attempts"]
    assert attempt["number"] == 1 and attempt["status"] == "COMPLETED"
    assert attempt["error"] is None and attempt["durationMs"] >= 0
    assert staff_client.get(f"/api/v1/jobs/{job_id}/").status_code == 200


def test_unknown_job_is_404(staff_client):
    response = staff_client.get("/api/v1/jobs/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404
    assert response.json()["error"] == {
        "code": "NOT_FOUND",
        "message": "No such job.",
        "details": {},
    }


def test_generate_and_jobs_are_staff_only(api_client, candidate_client):
    syllabus = make_syllabus()
    job_url = "/api/v1/jobs/00000000-0000-0000-0000-000000000000"
    body = {"syllabusId": str(syllabus.pk)}

    assert api_client.post(GENERATE, body, format="json").status_code == 401
    assert candidate_client.post(GENERATE, body, format="json").status_code == 403
    assert api_client.get(job_url).status_code == 401
    assert candidate_client.get(job_url).status_code == 403
    assert AIJob.objects.count() == 0


@pytest.fixture
def published_assessment():
    from assessments.generation import generation_trigger

    job = run_until_finished(generation_trigger(syllabus_id=make_syllabus().pk, options=SMALL).job)
    return Assessment.objects.get(pk=job.result["assessmentId"])


def test_candidates_list_published_assessments(candidate_client, published_assessment):
    Assessment.objects.filter(pk=published_assessment.pk).update(status=AssessmentStatus.PUBLISHED)

    body = candidate_client.get("/api/v1/assessments").json()

    assert body["count"] == 1
    assert body["results"][0] == {
        "assessmentId": str(published_assessment.pk),
        "title": published_assessment.title,
        "subject": published_assessment.subject,
        "sectionCount": 2,
        "questionCount": 6,
        "createdAt": body["results"][0]["createdAt"],
        "policy": DEFAULT_POLICY,
    }


def test_candidates_get_the_summary_and_policy_never_questions(
    candidate_client, published_assessment
):
    listing = candidate_client.get("/api/v1/assessments").json()
    detail = candidate_client.get(f"/api/v1/assessments/{published_assessment.pk}")

    assert detail.status_code == 200
    body = detail.json()
    assert body == listing["results"][0]
    assert "sections" not in body and body["policy"]["maxAttempts"] == 1
    text = detail.content.decode()
    for question in (q for s in published_assessment.content["sections"] for q in s["questions"]):
        assert question["prompt"] not in text


def test_staff_preview_the_candidate_view_without_answer_keys(staff_client, published_assessment):
    listing = staff_client.get("/api/v1/assessments").json()
    detail = staff_client.get(f"/api/v1/assessments/{published_assessment.pk}")

    assert detail.status_code == 200
    body = detail.json()
    assert body["assessmentId"] == str(published_assessment.pk)
    assert body["policy"]["reviewPolicy"] == "SCORES"
    assert len(body["sections"]) == 2
    assert all(len(section["questions"]) == 3 for section in body["sections"])
    assert not (_keys(body) | _keys(listing)) & ANSWER_KEY_FIELDS
    text = detail.content.decode()
    for question in (q for s in published_assessment.content["sections"] for q in s["questions"]):
        assert question["sourceExcerpt"] not in text
        if "referenceAnswer" in question:
            assert question["referenceAnswer"] not in text


def test_drafts_are_hidden_from_candidates(candidate_client, staff_client, published_assessment):
    published_assessment.status, published_assessment.published_at = AssessmentStatus.DRAFT, None
    published_assessment.save()

    assert candidate_client.get("/api/v1/assessments").json()["count"] == 0
    hidden = candidate_client.get(f"/api/v1/assessments/{published_assessment.pk}")
    assert hidden.status_code == 404
    assert staff_client.get(f"/api/v1/assessments/{published_assessment.pk}").status_code == 200


def test_job_status_never_shows_pending_attempts_as_finished(staff_client):
    syllabus = make_syllabus()
    job_id = generate(staff_client, syllabusId=str(syllabus.pk)).json()["jobId"]

    body = staff_client.get(f"/api/v1/jobs/{job_id}").json()

    assert body["status"] == JobStatus.PENDING and body["attempts"] == []
    assert body["startedAt"] is None and body["finishedAt"] is None and body["result"] is None
