"""Admin actions: generate from syllabi, retry failed jobs, publish/unpublish, readable content."""

import pytest

from assessments.generation import generation_trigger
from assessments.models import Assessment, AssessmentStatus
from jobs.models import AIJob, JobStatus
from jobs.tests.inline import run_until_finished
from syllabus.factories import make_syllabus

from .test_generation import SMALL

pytestmark = pytest.mark.django_db

# The options page of "Generate assessment", submitted with the defaults.
GENERATE_WITH_DEFAULTS = {
    "generate": "Generate",
    "section_count": 3,
    "questions_per_section": 4,
    "difficulty": "medium",
}


@pytest.fixture
def admin_client(superuser_client):
    return superuser_client


def test_generate_assessment_action_on_syllabi(admin_client):
    syllabus = make_syllabus()

    response = admin_client.post(
        "/admin/syllabus/syllabus/",
        {
            "action": "generate_assessment",
            "_selected_action": [str(syllabus.pk)],
            **GENERATE_WITH_DEFAULTS,
        },
        follow=True,
    )

    job = AIJob.objects.get()
    assert job.payload["syllabusIds"] == [str(syllabus.pk)]
    assert f"job {job.pk} queued" in response.content.decode()


def test_retry_action_requeues_failed_jobs_and_keeps_attempts(admin_client, gemini):
    gemini.default = lambda _request: (401, {"error": {"code": 401, "message": "bad key"}}, 0)
    job = run_until_finished(generation_trigger(syllabus_id=make_syllabus().pk, options=SMALL).job)
    assert job.status == JobStatus.FAILED

    response = admin_client.post(
        "/admin/jobs/aijob/",
        {"action": "retry_failed", "_selected_action": [str(job.pk)]},
        follow=True,
    )

    job.refresh_from_db()
    assert job.status == JobStatus.PENDING and job.attempts.count() == 1
    assert "Re-queued 1 job(s)." in response.content.decode()


def test_job_admin_lists_and_shows_attempts(admin_client):
    job = run_until_finished(generation_trigger(syllabus_id=make_syllabus().pk, options=SMALL).job)

    listing = admin_client.get(
        "/admin/jobs/aijob/?status__exact=COMPLETED&job_type__exact=GENERATION"
    )
    detail = admin_client.get(f"/admin/jobs/aijob/{job.pk}/change/")

    assert str(job.pk) in listing.content.decode()
    assert detail.status_code == 200 and "offline" in detail.content.decode()


def test_publish_and_unpublish_actions(admin_client):
    job = run_until_finished(generation_trigger(syllabus_id=make_syllabus().pk, options=SMALL).job)
    assessment = Assessment.objects.get(pk=job.result["assessmentId"])

    admin_client.post(
        "/admin/assessments/assessment/",
        {"action": "unpublish", "_selected_action": [str(assessment.pk)]},
    )
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.DRAFT and assessment.version == 2

    admin_client.post(
        "/admin/assessments/assessment/",
        {"action": "publish", "_selected_action": [str(assessment.pk)]},
    )
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.PUBLISHED and assessment.published_at


def test_assessment_admin_shows_content_with_keys(admin_client):
    job = run_until_finished(generation_trigger(syllabus_id=make_syllabus().pk, options=SMALL).job)
    assessment = Assessment.objects.get(pk=job.result["assessmentId"])
    question = assessment.content["sections"][0]["questions"][0]

    page = admin_client.get(f"/admin/assessments/assessment/{assessment.pk}/change/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "Items — content version 1" in html and f'id="item-{question["questionId"]}"' in html
    assert "Quality report" in html and "Topics covered" in html
    assert f"<th>Items</th><td>{assessment.question_count}</td>" in html
