"""Every admin action and custom admin page checks the add/change permission it acts with: a
staff user who may only view is refused and changes nothing; a superuser gets the job done.

Lives in sessions, the app that may import every other one.
"""

import pytest
from django.utils import timezone

from assessments.factories import make_assessment
from assessments.generation import generation_trigger
from assessments.models import Assessment, AssessmentStatus
from assessments.tests.test_admin import GENERATE_WITH_DEFAULTS
from harness import pdfs
from jobs.models import AIJob, JobStatus
from sessions.models import Evaluation
from syllabus.factories import make_syllabus
from syllabus.models import Syllabus
from syllabus.tests.conftest import pdf_file

from .test_evaluation import complete_session, evaluation_job, finish

pytestmark = pytest.mark.django_db

ASSESSMENTS = "/admin/assessments/assessment/"
SYLLABI = "/admin/syllabus/syllabus/"
JOBS = "/admin/jobs/aijob/"
SESSIONS = "/admin/candidate_sessions/candidatesession/"
EVALUATIONS = "/admin/candidate_sessions/evaluation/"


@pytest.fixture
def evaluation(flow, assessment):
    session_id = complete_session(flow, assessment, [{"s1q1": "A"}, {}, {}])
    finish(evaluation_job(session_id))
    return Evaluation.objects.get()


def act(client, changelist: str, action: str, *pks, **extra):
    selected = [str(pk) for pk in pks]
    return client.post(changelist, {"action": action, "_selected_action": selected, **extra})


def offered_actions(client, changelist: str) -> str:
    return client.get(changelist).content.decode()


def test_publish_and_unpublish(viewer_client, superuser_client):
    draft = make_assessment(status=AssessmentStatus.DRAFT, title="Draft")
    published = make_assessment(title="Published")

    act(viewer_client, ASSESSMENTS, "publish", draft.pk)
    act(viewer_client, ASSESSMENTS, "unpublish", published.pk)

    assert Assessment.objects.get(pk=draft.pk).status == AssessmentStatus.DRAFT
    assert Assessment.objects.get(pk=published.pk).status == AssessmentStatus.PUBLISHED
    assert 'value="publish"' not in offered_actions(viewer_client, ASSESSMENTS)

    act(superuser_client, ASSESSMENTS, "publish", draft.pk)
    act(superuser_client, ASSESSMENTS, "unpublish", published.pk)

    assert Assessment.objects.get(pk=draft.pk).status == AssessmentStatus.PUBLISHED
    assert Assessment.objects.get(pk=published.pk).status == AssessmentStatus.DRAFT


def test_generate_assessment(viewer_client, superuser_client):
    syllabus = make_syllabus()

    act(viewer_client, SYLLABI, "generate_assessment", syllabus.pk, **GENERATE_WITH_DEFAULTS)

    assert not AIJob.objects.exists()
    assert 'value="generate_assessment"' not in offered_actions(viewer_client, SYLLABI)

    act(superuser_client, SYLLABI, "generate_assessment", syllabus.pk, **GENERATE_WITH_DEFAULTS)

    assert AIJob.objects.count() == 1


def test_upload_page(viewer_client, superuser_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path

    def upload(client):
        file = pdf_file(pdfs.text_pdf(2), "viewer.pdf")
        return client.post(f"{SYLLABI}upload/", {"subject": "Algorithms", "files": [file]})

    assert viewer_client.get(f"{SYLLABI}upload/").status_code == 403
    assert upload(viewer_client).status_code == 403
    assert not Syllabus.objects.exists()
    assert "upload/" not in viewer_client.get(SYLLABI).content.decode()

    assert superuser_client.get(f"{SYLLABI}upload/").status_code == 200
    assert upload(superuser_client).status_code == 200
    assert Syllabus.objects.count() == 1


def test_retry_failed_jobs(viewer_client, superuser_client):
    job = generation_trigger(syllabus_id=make_syllabus().pk).job
    AIJob.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, finished_at=timezone.now())

    act(viewer_client, JOBS, "retry_failed", job.pk)

    assert AIJob.objects.get(pk=job.pk).status == JobStatus.FAILED
    assert 'value="retry_failed"' not in offered_actions(viewer_client, JOBS)

    act(superuser_client, JOBS, "retry_failed", job.pk)

    assert AIJob.objects.get(pk=job.pk).status == JobStatus.PENDING


@pytest.mark.parametrize(
    ("changelist", "action", "extra"),
    [
        (SESSIONS, "regrade", {}),
        (EVALUATIONS, "regrade", {}),
        (EVALUATIONS, "regrade_discarding_manual_grades", {"confirm": "yes"}),
    ],
)
def test_regrade_actions(viewer_client, superuser_client, evaluation, changelist, action, extra):
    pk = evaluation.session_id if changelist == SESSIONS else evaluation.pk
    first_job = evaluation_job(evaluation.session_id).pk

    act(viewer_client, changelist, action, pk, **extra)

    assert evaluation_job(evaluation.session_id).pk == first_job
    assert f'value="{action}"' not in offered_actions(viewer_client, changelist)

    act(superuser_client, changelist, action, pk, **extra)

    assert evaluation_job(evaluation.session_id).pk != first_job


def test_override_and_grading_pages(viewer_client, superuser_client, evaluation):
    override = f"{EVALUATIONS}{evaluation.pk}/override/"
    body = {"question_id": "s1q1", "score": "1", "reason": "A is acceptable"}

    viewer_client.post(override, body)

    assert not evaluation.overrides.exists()

    superuser_client.post(override, body)

    assert evaluation.overrides.count() == 1
