"""Creating, re-queueing and sweeping jobs. Each function owns its transaction."""

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from assessment_engine.request_context import current_request_id

from .dispatch import publish_on_commit
from .models import AIJob, JobStatus
from .transitions import abandon_attempt, job_can, move_job

logger = logging.getLogger(__name__)

SWEEP_BATCH = 500


@dataclass(frozen=True)
class JobRef:
    job: AIJob
    created: bool


def job_create_or_get(*, job_type: str, dedupe_key: str, payload: dict[str, Any]) -> JobRef:
    """One job per dedupe key, decided by the unique index even under a race.

    The task is published after the caller's transaction commits (or at once in autocommit).
    """
    try:
        with transaction.atomic():  # savepoint: losing the race must not break the caller's tx
            job = AIJob.objects.create(
                job_type=job_type,
                dedupe_key=dedupe_key,
                payload=payload,
                max_attempts=settings.AI_MAX_ATTEMPTS,
                request_id=current_request_id() or "",
                next_attempt_at=timezone.now(),
            )
    except IntegrityError:
        return JobRef(AIJob.objects.get(dedupe_key=dedupe_key), created=False)
    publish_on_commit(job)
    return JobRef(job, created=True)


def job_requeue(*, job_id: UUID, reason: str = "re-queued") -> bool:
    """Put a FAILED job back to PENDING, keeping its attempts, with a fresh attempt budget."""
    with transaction.atomic():
        job = AIJob.objects.select_for_update().get(pk=job_id)
        if not job_can("requeue", job.status):
            return False
        now = timezone.now()
        move_job(
            job,
            "requeue",
            now=now,
            max_attempts=job.attempt_count + settings.AI_MAX_ATTEMPTS,
            next_attempt_at=now,
            waiting_reason=reason,
        )
        publish_on_commit(job)
    return True


@dataclass(frozen=True)
class SweepReport:
    republished: int
    reclaimed: int
    failed: int


def jobs_sweep() -> SweepReport:
    """Re-publish PENDING jobs nobody picked up, and take back PROCESSING jobs whose lease ran out.

    Rows are locked with SKIP LOCKED so concurrent sweeps (or a running worker) never block or
    double-handle a job. Cost is proportional to the jobs found, through partial indexes.
    """
    now = timezone.now()
    stale_before = now - timedelta(seconds=settings.AI_JOB_STALE_PENDING_SECONDS)
    with transaction.atomic():
        stale = list(
            AIJob.objects.select_for_update(skip_locked=True)
            .filter(status=JobStatus.PENDING, next_attempt_at__lte=stale_before)
            .order_by("next_attempt_at")[:SWEEP_BATCH]
        )
        for job in stale:
            job.next_attempt_at = now  # not stale again for another STALE period
            publish_on_commit(job)
        AIJob.objects.bulk_update(stale, ["next_attempt_at"])

        expired = list(
            AIJob.objects.select_for_update(skip_locked=True)
            .filter(status=JobStatus.PROCESSING, lease_expires_at__lte=now)
            .order_by("lease_expires_at")[:SWEEP_BATCH]
        )
        failed = 0
        for job in expired:
            failed += _reclaim_abandoned(job, now)
    if stale or expired:
        logger.info("Job sweep: republished %d, reclaimed %d", len(stale), len(expired))
    return SweepReport(republished=len(stale), reclaimed=len(expired) - failed, failed=failed)


def _reclaim_abandoned(job: AIJob, now) -> int:
    """The worker holding `job` vanished: close its attempt, and retry or fail the job."""
    abandon_attempt(job, now)
    if job.attempt_count >= job.max_attempts:
        message = "The worker running the last attempt was lost."
        move_job(job, "lose", now=now, error_message=message, cause=f"WorkerLost: {message}")
        return 1
    move_job(
        job,
        "reclaim",
        now=now,
        next_attempt_at=now,
        waiting_reason="re-queued after its worker was lost",
    )
    publish_on_commit(job)
    return 0
