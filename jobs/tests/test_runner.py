"""The runner, driven by a scripted handler in the test process: every outcome of a delivery."""

import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from jobs.errors import PermanentAIError, ProviderDeferred, TransientAIError
from jobs.models import AIJob, AttemptStatus, JobStatus
from jobs.runner import job_run
from jobs.tests.stub import STUB_PROMPT_VERSION, claimed, new_job

pytestmark = pytest.mark.django_db


def run(job: AIJob) -> str:
    outcome = job_run(job_id=job.pk, worker="stub@test")
    job.refresh_from_db()
    return outcome


def attempts(job: AIJob) -> list[tuple[int, str, str]]:
    rows = job.attempts.order_by("number")
    return [(a.number, a.status, a.error_class) for a in rows]


def test_a_successful_run_completes_the_job_with_the_handlers_result(stub):
    stub.script(42)
    job = new_job()

    assert run(job) == "completed"

    assert (job.status, job.result, job.attempt_count) == (JobStatus.COMPLETED, {"value": 42}, 1)
    assert job.finished_at is not None and job.lease_expires_at is None
    attempt = job.attempts.get()
    assert (attempt.status, attempt.worker, attempt.prompt_version, attempt.provider) == (
        AttemptStatus.COMPLETED,
        "stub@test",
        STUB_PROMPT_VERSION,
        "offline",
    )


def test_a_transient_failure_retries_later_and_publishes_the_retry(
    stub, quick_retries, django_capture_on_commit_callbacks
):
    stub.script(TransientAIError("provider timed out"), "fine")
    job = new_job()

    with django_capture_on_commit_callbacks() as published:
        assert run(job) == "retrying"

    assert len(published) == 1
    assert (job.status, job.attempt_count, job.error_message) == (
        JobStatus.PENDING,
        1,
        "provider timed out",
    )
    assert job.waiting_reason.startswith("retrying in ")
    assert job.next_attempt_at is not None and job.lease_expires_at is None
    assert attempts(job) == [(1, AttemptStatus.FAILED, "TransientAIError")]

    assert run(job) == "completed"
    assert job.status == JobStatus.COMPLETED and job.result == {"value": "fine"}
    assert attempts(job) == [
        (1, AttemptStatus.FAILED, "TransientAIError"),
        (2, AttemptStatus.COMPLETED, ""),
    ]


def test_the_last_transient_failure_fails_the_job_with_an_error_log(stub, quick_retries, caplog):
    stub.script(*(TransientAIError(f"timeout {n}") for n in (1, 2, 3)))
    job = new_job()

    with caplog.at_level(logging.ERROR, logger="jobs"):
        outcomes = [run(job) for _ in range(3)]

    assert outcomes == ["retrying", "retrying", "failed"]
    assert (job.status, job.attempt_count, job.error_message) == (JobStatus.FAILED, 3, "timeout 3")
    assert job.finished_at is not None and job.lease_expires_at is None
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert errors == [
        f"GENERATION job {job.pk} FAILED after 3 attempt(s): TransientAIError: timeout 3"
    ]


@pytest.mark.parametrize(
    ("error", "error_class"),
    [(PermanentAIError("bad request"), "PermanentAIError"), (ValueError("a bug"), "ValueError")],
)
def test_a_permanent_failure_or_a_crash_fails_at_once(stub, error, error_class):
    stub.script(error)
    job = new_job()

    assert run(job) == "failed"

    assert (job.status, job.attempt_count, job.error_message) == (
        JobStatus.FAILED,
        1,
        str(error),
    )
    assert attempts(job) == [(1, AttemptStatus.FAILED, error_class)]


def test_a_deferred_run_gives_its_attempt_back(stub, django_capture_on_commit_callbacks):
    stub.script(ProviderDeferred(30, "AI rate limit reached"))
    job = new_job()
    before = timezone.now()

    with django_capture_on_commit_callbacks() as published:
        assert run(job) == "deferred"

    assert len(published) == 1
    assert (job.status, job.attempt_count, job.attempts.count()) == (JobStatus.PENDING, 0, 0)
    assert job.waiting_reason == "AI rate limit reached; retrying in 30 s"
    assert job.next_attempt_at >= before + timedelta(seconds=30)


def test_a_finished_job_is_left_alone(stub):
    stub.script("once")
    job = new_job()
    run(job)
    updated_at = job.updated_at

    assert run(job) == "skipped"
    assert job.updated_at == updated_at and job.attempts.count() == 1
    assert stub.executed == [str(job.pk)]


def test_a_job_held_by_a_live_worker_is_left_alone(stub):
    job = new_job()
    lease = timezone.now() + timedelta(minutes=5)
    AIJob.objects.filter(pk=job.pk).update(status=JobStatus.PROCESSING, lease_expires_at=lease)

    assert run(job) == "skipped"
    assert (job.status, job.attempt_count, stub.executed) == (JobStatus.PROCESSING, 0, [])


def test_an_early_duplicate_of_a_scheduled_retry_is_skipped(stub):
    job = new_job()
    AIJob.objects.filter(pk=job.pk).update(next_attempt_at=timezone.now() + timedelta(minutes=1))

    assert run(job) == "skipped"
    assert (job.status, job.attempt_count, stub.executed) == (JobStatus.PENDING, 0, [])


def test_an_expired_lease_is_taken_over_and_the_lost_attempt_closed(stub):
    stub.script("second worker")
    job = new_job()
    claimed(job, lease_left=-timedelta(seconds=1))

    assert run(job) == "completed"

    lost, second = job.attempts.order_by("number")
    assert (lost.status, lost.error_class) == (AttemptStatus.FAILED, "WorkerLost")
    assert (second.number, second.status) == (2, AttemptStatus.COMPLETED)


def test_a_delivery_with_no_attempt_left_fails_the_job(stub):
    job = new_job()
    claimed(job, lease_left=-timedelta(seconds=1))
    AIJob.objects.filter(pk=job.pk).update(max_attempts=1)

    assert run(job) == "failed"

    assert (job.status, job.error_message) == (JobStatus.FAILED, "No attempts left.")
    assert attempts(job) == [(1, AttemptStatus.FAILED, "WorkerLost")]
    assert stub.executed == []


def test_a_result_of_a_superseded_attempt_is_dropped(stub):
    def lose_the_lease_to_another_worker(job: AIJob) -> str:
        AIJob.objects.filter(pk=job.pk).update(lease_expires_at=timezone.now())
        assert job_run(job_id=job.pk, worker="other@test") == "completed"
        return "too late"

    stub.script(lose_the_lease_to_another_worker, "in time")
    job = new_job()

    assert run(job) == "superseded"

    assert job.status == JobStatus.COMPLETED and job.result == {"value": "in time"}
    assert attempts(job) == [
        (1, AttemptStatus.FAILED, "Superseded"),
        (2, AttemptStatus.COMPLETED, ""),
    ]
