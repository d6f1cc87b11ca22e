"""`GET /api/v1/ops/status`: queue depths, failed jobs of the last hour, the provider's breaker."""

from datetime import timedelta

import pytest
from django.utils import timezone

from assessment_engine.celery import app
from assessment_engine.redis_client import redis_client
from jobs.ai.guard import guards_for
from jobs.models import AIJob, JobStatus, JobType
from jobs.ops import ops_status

pytestmark = pytest.mark.django_db

URL = "/api/v1/ops/status"
QUEUES = ("generation", "evaluation", "maintenance")


@pytest.fixture
def empty_queues(settings):
    broker = redis_client(settings.CELERY_BROKER_URL)
    broker.delete(*QUEUES)
    yield broker
    broker.delete(*QUEUES)


def job(status: str, *, finished_minutes_ago: float | None = None) -> AIJob:
    finished = None
    if finished_minutes_ago is not None:
        finished = timezone.now() - timedelta(minutes=finished_minutes_ago)
    return AIJob.objects.create(
        job_type=JobType.EVALUATION,
        status=status,
        dedupe_key=f"ops-{AIJob.objects.count()}",
        max_attempts=5,
        finished_at=finished,
    )


def test_staff_see_queue_depths_recent_failures_and_the_offline_provider(
    staff_client, empty_queues
):
    for _ in range(3):
        app.send_task("generation.ping")
    app.send_task("maintenance.ping")
    job(JobStatus.FAILED, finished_minutes_ago=5)
    job(JobStatus.FAILED, finished_minutes_ago=59)
    job(JobStatus.FAILED, finished_minutes_ago=61)  # before the last hour
    job(JobStatus.COMPLETED, finished_minutes_ago=1)
    job(JobStatus.PENDING)

    response = staff_client.get(URL)

    assert response.status_code == 200
    assert response.json() == {
        "queues": {"generation": 3, "evaluation": 0, "maintenance": 1},
        "failedJobsLastHour": 2,
        "aiProvider": {"name": "offline"},
    }


def test_the_breaker_of_the_provider_in_use_is_reported(staff_client, settings, empty_queues):
    settings.AI_PROVIDER, settings.GEMINI_API_KEY = "gemini", "test-key-not-real"
    breaker, _ = guards_for("gemini")
    breaker._redis.delete(breaker.key)
    for _ in range(settings.AI_BREAKER_FAILURE_THRESHOLD):
        breaker.record_failure(breaker.before_call())
    before = timezone.now().timestamp()

    try:
        body = staff_client.get(URL).json()
    finally:
        breaker._redis.delete(breaker.key)

    opened_until = body["aiProvider"].pop("openedUntil")
    assert body == {
        "queues": {"generation": 0, "evaluation": 0, "maintenance": 0},
        "failedJobsLastHour": 0,
        "aiProvider": {
            "name": "gemini",
            "state": "OPEN",
            "consecutiveFailures": settings.AI_BREAKER_FAILURE_THRESHOLD,
            "probeInFlight": False,
        },
    }
    assert before < opened_until <= before + settings.AI_BREAKER_OPEN_SECONDS + 1


def test_an_unreachable_broker_is_reported_as_unknown_depths(staff_client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # a closed port

    body = staff_client.get(URL).json()

    assert body["queues"] is None
    assert body["failedJobsLastHour"] == 0


def test_candidates_are_refused_and_anonymous_callers_must_log_in(candidate_client, api_client):
    refused = candidate_client.get(URL)
    anonymous = api_client.get(URL)

    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "PERMISSION_DENIED"
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "NOT_AUTHENTICATED"


def test_the_status_costs_one_query(empty_queues, django_assert_num_queries):
    job(JobStatus.FAILED, finished_minutes_ago=1)

    with django_assert_num_queries(1):
        status = ops_status()

    assert status["failed_jobs_last_hour"] == 1
