"""Evaluation exactly once, through real worker processes on the `evaluation` queue."""

import time

import pytest

from assessments.factories import make_assessment
from harness.client import SessionFlow
from jobs.dispatch import job_publish
from jobs.models import JobStatus
from jobs.services import jobs_sweep
from sessions.models import CandidateSession, Evaluation

from .test_concurrency import race

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True), pytest.mark.timeout(180)]


def wait_for(predicate, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"condition not met within {timeout}s")


def ready_to_complete(flow: SessionFlow, answers=None) -> str:
    session_id = flow.active_session(make_assessment())
    for index in range(3):
        flow.submit(
            session_id,
            index,
            answers=(answers or {}).get(index, {"s1q1": "B"} if index == 0 else {}),
        )
    return session_id


def job_of(session_id):
    return (
        CandidateSession.objects.select_related("evaluation_job").get(pk=session_id).evaluation_job
    )


def test_30_simultaneous_completes_grade_once(client_for, candidate, start_worker):
    start_worker(["evaluation"])
    flows = [SessionFlow(client_for(candidate)) for _ in range(30)]
    session_id = ready_to_complete(flows[0])

    responses = race(30, lambda i: flows[i].complete(session_id))

    assert sorted(r.status_code for r in responses) == [200] * 29 + [202]
    wait_for(lambda: Evaluation.objects.filter(session_id=session_id).exists())
    job = job_of(session_id)
    wait_for(lambda: job_of(session_id).status == JobStatus.COMPLETED)
    assert Evaluation.objects.count() == 1 and job.attempts.count() == 1


def test_a_duplicate_delivery_grades_once(flow, start_worker):
    start_worker(["evaluation"])
    session_id = ready_to_complete(flow)
    flow.complete(session_id)
    job = job_of(session_id)

    job_publish(job_id=job.pk, job_type=job.job_type)  # the same job published twice

    wait_for(lambda: job_of(session_id).status == JobStatus.COMPLETED)
    time.sleep(1)  # let the duplicate be consumed
    assert Evaluation.objects.count() == 1 and job.attempts.count() == 1


def test_a_worker_killed_mid_evaluation_still_grades_once(flow, start_worker, gemini):
    criterion = {"criterion": "rubric", "evidence": "", "decision": "met", "points": 4}
    grades = {
        "grades": [{"questionId": "s1q2", "criteria": [criterion], "score": 4, "feedback": "Good."}]
    }
    gemini.respond_json(grades, delay=4)  # the first worker dies waiting for this
    gemini.respond_json(grades)
    env = {
        "GEMINI_API_KEY": "test-key-not-real",
        "GEMINI_API_BASE_URL": gemini.url,
        "AI_JOB_LEASE_SECONDS": "2",
    }
    doomed = start_worker(["evaluation"], name="doomed", env=env)
    session_id = ready_to_complete(flow, answers={0: {"s1q2": "my explanation"}})

    flow.complete(session_id)
    wait_for(lambda: len(gemini.calls) == 1)
    doomed.kill()
    start_worker(["evaluation"], name="rescuer", env=env)
    time.sleep(2.5)  # the lease runs out
    assert jobs_sweep().reclaimed == 1

    wait_for(lambda: job_of(session_id).status == JobStatus.COMPLETED)
    assert Evaluation.objects.count() == 1
    assert Evaluation.objects.get().total_score == 4
    first, second = job_of(session_id).attempts.order_by("number")
    assert (first.error_class, second.status) == ("WorkerLost", "COMPLETED")
