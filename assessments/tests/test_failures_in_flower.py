"""Ops see AI failures in Flower: a job that ends FAILED is a failed task there (state FAILURE,
the error class and message, counted in the worker's Failed column), and Flower lists every
worker and its queue without anyone opening a worker's page."""

import socket

import pytest

from assessments.generation import generation_trigger
from jobs.models import JobStatus
from syllabus.factories import make_syllabus

from .test_generation import SMALL
from .test_generation_workers import job_status, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True), pytest.mark.timeout(180)]


def test_a_failed_job_is_a_failed_task_in_flower(flower, start_worker, gemini):
    syllabus = make_syllabus()
    gemini.respond_error(400, "the request is malformed")  # permanent: one attempt, FAILED
    worker = start_worker(
        ["generation"],
        env={"GEMINI_API_KEY": "test-key-not-real", "GEMINI_API_BASE_URL": gemini.url},
    )

    # Flower started first: it learns of the worker and its queue from the worker's events.
    wait_for(lambda: worker_names(flower) == {f"generation@{socket.gethostname()}"})
    queues = {q["name"] for q in flower.get("/api/queues/length")["active_queues"]}
    assert queues == {"generation"}

    job = generation_trigger(syllabus_id=syllabus.pk, options=SMALL).job
    wait_for(lambda: job_status(job) == JobStatus.FAILED)

    failed = wait_for_failed_tasks(flower)
    [task] = failed.values()
    assert (task["name"], task["state"], task["args"]) == (
        "generation.run_job",
        "FAILURE",
        f"['{job.pk}']",
    )
    assert task["exception"] == (
        "JobFailed('PermanentAIError: Gemini HTTP 400 INVALID_ARGUMENT: the request is malformed')"
    )
    assert task["retries"] == 0 and job.attempts.count() == 1
    [row] = flower.get("/workers?json=1")["data"]
    assert (row["task-failed"], row.get("task-retried", 0)) == (1, 0)
    log = worker.log()
    assert f"GENERATION job {job.pk} FAILED after 1 attempt(s): PermanentAIError" in log
    assert "Traceback" not in log


def worker_names(flower) -> set[str]:
    workers = flower.get("/api/workers")
    return {name for name, info in workers.items() if info.get("active_queues")}


def wait_for_failed_tasks(flower) -> dict:
    found = {}

    def any_failed() -> bool:
        found.update(flower.get("/api/tasks?state=FAILURE"))
        return bool(found)

    wait_for(any_failed, timeout=30)
    return found
