"""The breaker and the global rate limit around real provider calls (fake Gemini server)."""

import time

import pytest

from assessments.generation import generation_trigger
from jobs.ai.guard import guards_for
from jobs.models import AIJob, JobStatus
from jobs.runner import job_run
from syllabus.factories import make_syllabus

from .gemini_script import IS_GENERATION, agree
from .test_generation import SMALL, valid_answer

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.timeout(60),
    pytest.mark.usefixtures("quick_retries"),
]


@pytest.fixture
def breaker(settings):
    settings.AI_BREAKER_FAILURE_THRESHOLD = 2
    settings.AI_BREAKER_OPEN_SECONDS = 1


def run(job: AIJob) -> str:
    outcome = job_run(job_id=job.pk, worker="test@inline")
    job.refresh_from_db()
    return outcome


def test_the_breaker_opens_defers_without_burning_attempts_and_recovers(
    gemini, breaker, api_client
):
    syllabus = make_syllabus()
    gemini.default = lambda _request: (503, {"error": {"code": 503, "message": "down"}}, 0)
    job = generation_trigger(syllabus_id=syllabus.pk, options=SMALL).job

    assert [run(job), run(job)] == ["retrying", "retrying"]  # two transient failures: open
    assert run(job) == "deferred"
    assert (job.status, job.attempt_count, job.attempts.count()) == (JobStatus.PENDING, 2, 2)
    assert "circuit open" in job.waiting_reason
    assert len(gemini.calls) == 2  # no call while open: no attempt storm
    readiness = api_client.get("/readyz").json()["details"]["aiProvider"]
    assert readiness["state"] == "OPEN" and readiness["consecutive_failures"] == 2

    gemini.default = None
    gemini.respond_json(valid_answer(syllabus))
    agree(gemini, valid_answer(syllabus))
    time.sleep(1.1)  # the open period ends: one probe goes through and closes the breaker
    AIJob.objects.filter(pk=job.pk).update(next_attempt_at=job.next_attempt_at.replace(year=2020))
    assert run(job) == "completed"  # the probe (generation) closed it: the verifier call went out
    assert job.attempt_count == 3 and len(gemini.calls_where(IS_GENERATION)) == 3
    assert len(gemini.calls) == 4
    assert api_client.get("/readyz").json()["details"]["aiProvider"]["state"] == "CLOSED"


def test_permanent_errors_do_not_trip_the_breaker(gemini, breaker):
    gemini.default = lambda _request: (401, {"error": {"code": 401, "message": "bad key"}}, 0)
    jobs = [
        generation_trigger(
            syllabus_id=make_syllabus(name=f"{n}.pdf", pages=n + 2).pk, options=SMALL
        ).job
        for n in range(3)
    ]

    assert [run(job) for job in jobs] == ["failed"] * 3
    assert len(gemini.calls) == 3


def test_the_global_rate_limit_defers_calls_over_the_limit(gemini, settings):
    settings.AI_REQUESTS_PER_MINUTE = 2  # a Gemini generation attempt is two calls (verifier)
    syllabus = make_syllabus()
    gemini.default = lambda _request: (200, _answer(valid_answer(syllabus)), 0)
    agree(gemini, valid_answer(syllabus))
    first = generation_trigger(syllabus_id=syllabus.pk, options=SMALL).job
    second = generation_trigger(
        syllabus_id=syllabus.pk, options=SMALL.__class__(section_count=1, questions_per_section=3)
    ).job

    assert run(first) == "completed"
    assert run(second) == "deferred"
    assert second.attempt_count == 0 and "rate limit" in second.waiting_reason
    assert len(gemini.calls) == 2


def _answer(content) -> dict:
    import json

    return {
        "candidates": [
            {
                "content": {"role": "model", "parts": [{"text": json.dumps(content)}]},
                "finishReason": "STOP",
                "index": 0,
            }
        ]
    }


@pytest.mark.slow
@pytest.mark.timeout(120)
@pytest.mark.django_db(transaction=True)
def test_four_worker_processes_never_exceed_the_global_rate(start_worker, gemini):
    per_minute = 5
    syllabus = make_syllabus()
    # Three sections: no job asks for that, so every attempt is one call, failed by validation,
    # and calls and attempts can be compared one to one.
    three_sections = SMALL.__class__(section_count=3, questions_per_section=3)
    answer = valid_answer(syllabus, three_sections)
    gemini.default = lambda _request: (200, _answer(answer), 0.3)
    env = {
        "GEMINI_API_KEY": "test-key-not-real",
        "GEMINI_API_BASE_URL": gemini.url,
        "AI_REQUESTS_PER_MINUTE": str(per_minute),
    }
    for n in range(4):
        start_worker(["generation"], name=f"limited{n}", env=env)
    options = [
        SMALL.__class__(section_count=s, questions_per_section=q)
        for s in (1, 2)
        for q in (2, 3, 4, 5, 6, 7)
    ]

    jobs = [generation_trigger(syllabus_id=syllabus.pk, options=o).job for o in options]
    ours = AIJob.objects.filter(pk__in=[j.pk for j in jobs])

    def settled() -> bool:
        # Every job has either finished or been sent back by the limiter; the window is full.
        waiting = ours.filter(status=JobStatus.PENDING, waiting_reason__contains="rate limit")
        finished = ours.filter(status__in=[JobStatus.COMPLETED, JobStatus.FAILED])
        return len(gemini.calls) >= per_minute and waiting.count() + finished.count() == len(jobs)

    deadline = time.monotonic() + 45
    while time.monotonic() < deadline and not settled():
        time.sleep(0.2)
    time.sleep(2)  # anything still about to slip through would arrive now

    assert settled()
    assert len(gemini.calls) == per_minute  # measured at the provider, across 4 processes
    attempts = sum(job.attempt_count for job in ours)
    assert attempts == per_minute  # a deferral never uses up an attempt


def test_the_ai_guards_use_the_shared_redis_client():
    from django.core.cache import cache

    from assessment_engine.redis_client import redis_client

    breaker, _ = guards_for("gemini")

    assert breaker._redis is redis_client() is cache.redis_client()


def test_readyz_and_the_admin_name_the_provider_in_use(api_client, superuser_client, settings):
    assert api_client.get("/readyz").json()["details"]["aiProvider"] == {"name": "offline"}
    assert "AI provider: offline" in superuser_client.get("/admin/").content.decode()

    settings.AI_PROVIDER, settings.GEMINI_API_KEY = "gemini", "test-key-not-real"
    breaker, _ = guards_for("gemini")
    breaker._redis.delete(breaker.key)  # as no call failed yet

    assert api_client.get("/readyz").json()["details"]["aiProvider"] == {
        "name": "gemini",
        "state": "CLOSED",
        "consecutive_failures": 0,
        "opened_until": None,
        "probe_in_flight": False,
    }
    assert "AI provider: gemini" in superuser_client.get("/admin/").content.decode()
