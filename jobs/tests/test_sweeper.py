"""The sweeper and the lifecycle table, in the test process: exact counts, no worker."""

import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from jobs.models import AIJob, AttemptStatus, JobStatus
from jobs.runner import job_run
from jobs.services import SweepReport, job_requeue, jobs_sweep
from jobs.tests.stub import claimed, new_job
from jobs.transitions import JOB_TRANSITIONS, InvalidJobTransition, move_job

pytestmark = pytest.mark.django_db


def claimed_job(key: str, *, lease_left: timedelta, max_attempts: int = 5) -> AIJob:
    job = new_job(key)
    AIJob.objects.filter(pk=job.pk).update(max_attempts=max_attempts)
    return claimed(job, lease_left=lease_left)


def stale_pending(key: str, settings) -> AIJob:
    job = new_job(key)
    age = timedelta(seconds=settings.AI_JOB_STALE_PENDING_SECONDS + 1)
    AIJob.objects.filter(pk=job.pk).update(next_attempt_at=timezone.now() - age)
    return job


def test_the_sweep_republishes_stale_pending_jobs_only(
    settings, django_capture_on_commit_callbacks
):
    stale = stale_pending("stale", settings)
    fresh = new_job("fresh")
    fresh_due = AIJob.objects.get(pk=fresh.pk).next_attempt_at

    with django_capture_on_commit_callbacks() as published:
        report = jobs_sweep()

    assert report == SweepReport(republished=1, reclaimed=0, failed=0)
    assert len(published) == 1
    stale.refresh_from_db()
    assert stale.status == JobStatus.PENDING
    assert stale.next_attempt_at > timezone.now() - timedelta(seconds=5)  # not stale again
    assert AIJob.objects.get(pk=fresh.pk).next_attempt_at == fresh_due


def test_the_sweep_takes_back_jobs_whose_worker_was_lost(stub, django_capture_on_commit_callbacks):
    lost = claimed_job("lost", lease_left=-timedelta(seconds=1))
    live = claimed_job("live", lease_left=timedelta(minutes=5))

    with django_capture_on_commit_callbacks() as published:
        report = jobs_sweep()

    assert report == SweepReport(republished=0, reclaimed=1, failed=0)
    assert len(published) == 1
    lost.refresh_from_db()
    assert (lost.status, lost.lease_expires_at, lost.waiting_reason) == (
        JobStatus.PENDING,
        None,
        "re-queued after its worker was lost",
    )
    attempt = lost.attempts.get()
    assert (attempt.status, attempt.error_class) == (AttemptStatus.FAILED, "WorkerLost")
    assert AIJob.objects.get(pk=live.pk).status == JobStatus.PROCESSING
    assert live.attempts.get().status == AttemptStatus.PROCESSING

    stub.script("done")
    assert job_run(job_id=lost.pk, worker="w2@test") == "completed"


def test_a_lost_last_attempt_fails_the_job_with_an_error_log(caplog, settings):
    last = claimed_job("last", lease_left=-timedelta(seconds=1), max_attempts=1)
    stale_pending("stale", settings)

    with caplog.at_level(logging.ERROR, logger="jobs"):
        report = jobs_sweep()

    assert report == SweepReport(republished=1, reclaimed=0, failed=1)
    last.refresh_from_db()
    assert (last.status, last.error_message) == (
        JobStatus.FAILED,
        "The worker running the last attempt was lost.",
    )
    assert last.finished_at is not None and last.lease_expires_at is None
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert errors == [
        f"GENERATION job {last.pk} FAILED after 1 attempt(s): "
        "WorkerLost: The worker running the last attempt was lost."
    ]


def test_requeue_gives_a_failed_job_a_fresh_budget(django_capture_on_commit_callbacks):
    job = claimed_job("failed", lease_left=-timedelta(seconds=1), max_attempts=1)
    jobs_sweep()

    with django_capture_on_commit_callbacks() as published:
        assert job_requeue(job_id=job.pk, reason="staff retry") is True

    job.refresh_from_db()
    assert len(published) == 1
    assert (job.status, job.max_attempts, job.finished_at, job.waiting_reason) == (
        JobStatus.PENDING,
        1 + 5,
        None,
        "staff retry",
    )


@pytest.mark.parametrize("status", [JobStatus.PENDING, JobStatus.PROCESSING, JobStatus.COMPLETED])
def test_requeue_refuses_a_job_that_has_not_failed_and_changes_nothing(stub, status):
    job = new_job()
    if status != JobStatus.PENDING:
        stub.script("done", "done")
        if status == JobStatus.COMPLETED:
            job_run(job_id=job.pk)
        else:
            claimed(job, lease_left=timedelta(minutes=5))
    before = AIJob.objects.values().get(pk=job.pk)

    assert job_requeue(job_id=job.pk) is False

    assert AIJob.objects.values().get(pk=job.pk) == before
    assert before["status"] == status


def test_a_move_the_table_does_not_allow_raises_and_writes_nothing():
    job = new_job()
    before = AIJob.objects.values().get(pk=job.pk)

    with pytest.raises(InvalidJobTransition, match="Cannot complete a job that is PENDING"):
        move_job(job, "complete", now=timezone.now(), result={"x": 1})

    assert AIJob.objects.values().get(pk=job.pk) == before


def test_every_transition_leads_between_known_states():
    for action, moves in JOB_TRANSITIONS.items():
        assert set(moves) | set(moves.values()) <= set(JobStatus.values), action
    finishing = {a for a, moves in JOB_TRANSITIONS.items() if JobStatus.FAILED in moves.values()}
    assert finishing == {"fail", "exhaust", "lose"}
    leaving_finished = {
        a for a, moves in JOB_TRANSITIONS.items() if set(moves) & {"COMPLETED", "FAILED"}
    }
    assert leaving_finished == {"requeue"}
