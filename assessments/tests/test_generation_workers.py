"""Generation through real Celery worker processes: delivery, broker outage, SIGKILL."""

import time
from datetime import timedelta

import pytest
from django.conf import settings

from assessment_engine.celery import app
from assessments.content import GenerationOptions
from assessments.generation import generation_trigger
from assessments.models import Assessment
from jobs.models import AIJob, JobStatus
from jobs.services import jobs_sweep
from syllabus.factories import make_syllabus

from .gemini_script import IS_GENERATION, agree
from .test_generation import SMALL, valid_answer

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True), pytest.mark.timeout(180)]


def wait_for(predicate, timeout: float = 60, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")


def job_status(job) -> str:
    job.refresh_from_db()
    return job.status


def test_a_generation_worker_completes_a_triggered_job(start_worker):
    start_worker(["generation"])
    syllabus = make_syllabus()

    job = generation_trigger(syllabus_id=syllabus.pk, options=SMALL).job

    wait_for(lambda: job_status(job) == JobStatus.COMPLETED)
    assert Assessment.objects.filter(job=job).count() == 1
    assert job.attempts.get().worker.startswith("generation@")


def test_retries_travel_through_the_broker(start_worker, gemini):
    syllabus = make_syllabus()
    gemini.respond_error(503)
    gemini.respond_error(429)
    gemini.respond_json(valid_answer(syllabus))
    agree(gemini, valid_answer(syllabus))
    start_worker(
        ["generation"],
        env={
            "GEMINI_API_KEY": "test-key-not-real",
            "GEMINI_API_BASE_URL": gemini.url,
            "AI_RETRY_BACKOFF_SECONDS": "0.2",
        },
    )

    job = generation_trigger(syllabus_id=syllabus.pk, options=SMALL).job

    wait_for(lambda: job_status(job) == JobStatus.COMPLETED)
    assert [a.status for a in job.attempts.order_by("number")] == ["FAILED", "FAILED", "COMPLETED"]
    assert len(gemini.calls_where(IS_GENERATION)) == 3 and Assessment.objects.count() == 1


class BrokerSwitch:
    """Points this process's Celery app at a closed port (a real outage), and back."""

    CLOSED_PORT_URL = "redis://127.0.0.1:1/0"

    def down(self) -> None:
        self._use(self.CLOSED_PORT_URL)

    def up(self) -> None:
        self._use(settings.CELERY_BROKER_URL)

    def _use(self, url: str) -> None:
        # kombu keeps one producer pool per broker URL; drop only the app's cached references.
        app._pool = None
        app.amqp._producer_pool = None
        app.conf.broker_url = url


@pytest.fixture
def broker():
    switch = BrokerSwitch()
    yield switch
    switch.up()


def test_broker_outage_during_the_request_still_answers_202_and_the_sweeper_recovers(
    client_for, staff, start_worker, broker
):
    syllabus = make_syllabus()
    client = client_for(staff)
    broker.down()

    started = time.monotonic()
    response = client.post(
        "/api/v1/assessments/generate", {"syllabusId": str(syllabus.pk)}, format="json"
    )

    assert response.status_code == 202 and time.monotonic() - started < 10
    job = AIJob.objects.get()
    assert job.status == JobStatus.PENDING and job.dispatched_at is None  # never published

    # The broker is back and a worker runs; the job is not stale yet, so nothing happens...
    broker.up()
    start_worker(["generation"])
    assert jobs_sweep().republished == 0
    # ...until it has waited AI_JOB_STALE_PENDING_SECONDS: then the sweeper publishes it once.
    AIJob.objects.filter(pk=job.pk).update(next_attempt_at=job.created_at - timedelta(hours=1))
    assert jobs_sweep().republished == 1
    wait_for(lambda: job_status(job) == JobStatus.COMPLETED)
    assert Assessment.objects.count() == 1 and job.attempts.count() == 1


def test_worker_killed_mid_job_the_job_still_completes_exactly_once(start_worker, gemini):
    syllabus = make_syllabus()
    answer = valid_answer(syllabus)
    gemini.respond_json(answer, delay=4)  # the first worker dies while waiting for this
    gemini.respond_json(answer)
    agree(gemini, answer)
    env = {
        "GEMINI_API_KEY": "test-key-not-real",
        "GEMINI_API_BASE_URL": gemini.url,
        "AI_JOB_LEASE_SECONDS": "2",
    }
    doomed = start_worker(["generation"], name="doomed", env=env)

    job = generation_trigger(syllabus_id=syllabus.pk, options=SMALL).job
    wait_for(lambda: len(gemini.calls_where(IS_GENERATION)) == 1)
    doomed.kill()  # SIGKILL: no cleanup, the message stays unacknowledged
    assert job_status(job) == JobStatus.PROCESSING

    start_worker(["generation"], name="rescuer", env=env)
    wait_for(lambda: job_status(job) != JobStatus.PROCESSING or _lease_over(job), timeout=10)
    assert jobs_sweep().reclaimed == 1

    wait_for(lambda: job_status(job) == JobStatus.COMPLETED)
    assert Assessment.objects.count() == 1
    first, second = job.attempts.order_by("number")
    assert (first.status, first.error_class, first.worker.startswith("doomed@")) == (
        "FAILED",
        "WorkerLost",
        True,
    )
    assert second.status == "COMPLETED" and second.worker.startswith("rescuer@")


def _lease_over(job) -> bool:
    from django.utils import timezone

    job.refresh_from_db()
    return job.lease_expires_at is not None and job.lease_expires_at <= timezone.now()


def test_the_same_job_published_twice_runs_once(start_worker):
    from jobs.dispatch import job_publish

    start_worker(["generation"])
    job = generation_trigger(
        syllabus_id=make_syllabus().pk,
        options=GenerationOptions(section_count=1, questions_per_section=2),
    ).job
    job_publish(job_id=job.pk, job_type=job.job_type)  # a duplicate delivery

    wait_for(lambda: job_status(job) == JobStatus.COMPLETED)
    time.sleep(1)  # let the duplicate be consumed too
    assert Assessment.objects.count() == 1 and job.attempts.count() == 1
