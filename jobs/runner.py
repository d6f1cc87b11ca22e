"""Running one job: claim under a row lock, call the handler outside any transaction, record.

Every path is safe against duplicate deliveries and lost workers:
- a finished job, or one held by a live worker (unexpired lease), is left alone;
- the outcome is written only if this attempt still owns the job (a lease that ran out may
  have handed it to another worker, whose attempt then wins).
"""

import logging
import random
import time
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .ai.factory import get_provider
from .dispatch import publish_on_commit
from .errors import FINAL_ERRORS, RETRYABLE_ERRORS, AIError, ProviderDeferred
from .models import AIJob, AIJobAttempt, AttemptStatus, JobStatus
from .registry import Execution, handler_for
from .transitions import abandon_attempt, attempt_target, move_job

logger = logging.getLogger(__name__)

# A retry published with a countdown may be delivered a little early; still run it.
EARLY_DELIVERY_TOLERANCE = timedelta(seconds=1)


@dataclass(frozen=True)
class Claim:
    job: AIJob
    attempt: AIJobAttempt
    started: float  # monotonic clock, for the attempt's duration


def job_run(*, job_id: UUID | str, worker: str = "") -> str:
    """Run the job if it is due and free. Returns what happened, for logs and tests."""
    claim = _claim(job_id, worker)
    if not isinstance(claim, Claim):
        return claim
    handler = handler_for(claim.job.job_type)
    try:
        execution = handler.execute(claim.job)
    except ProviderDeferred as exc:
        return _defer(claim, exc)
    except RETRYABLE_ERRORS as exc:
        return _record_failure(claim, exc, retryable=True)
    except FINAL_ERRORS as exc:
        return _record_failure(claim, exc, retryable=False)
    except Exception as exc:
        # A bug, not a provider failure: retrying would repeat it. Fail the job (staff can
        # re-queue it once fixed) and keep the traceback in the logs.
        logger.exception("Job %s crashed in its handler", claim.job.pk)
        return _record_failure(claim, exc, retryable=False)
    return _record_success(claim, execution)


def _claim(job_id, worker: str) -> Claim | str:
    """The claim of the job's next attempt, or why there is none ("skipped", "failed")."""
    now = timezone.now()
    with transaction.atomic():
        job = AIJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.is_finished:
            return "skipped"
        if job.status == JobStatus.PROCESSING:
            if job.lease_expires_at > now:
                return "skipped"  # a live worker has it
            abandon_attempt(job, now)  # its worker was lost; the sweeper may not have run yet
        elif job.next_attempt_at and job.next_attempt_at > now + EARLY_DELIVERY_TOLERANCE:
            return "skipped"  # an early duplicate: the scheduled delivery will come
        if job.attempt_count >= job.max_attempts:
            move_job(job, "exhaust", now=now, error_message="No attempts left.")
            return "failed"
        move_job(
            job,
            "claim",
            now=now,
            attempt_count=job.attempt_count + 1,
            started_at=job.started_at or now,
            lease_expires_at=now + timedelta(seconds=settings.AI_JOB_LEASE_SECONDS),
        )
        provider = get_provider()
        attempt = AIJobAttempt.objects.create(
            job=job,
            number=job.attempt_count,
            status=AttemptStatus.PROCESSING,
            started_at=now,
            worker=worker[:200],
            provider=provider.name,
            model=provider.model,
            prompt_version=handler_for(job.job_type).prompt_version,
        )
    return Claim(job=job, attempt=attempt, started=time.monotonic())


def _lock_if_still_owned(claim: Claim) -> AIJob | None:
    job = AIJob.objects.select_for_update().get(pk=claim.job.pk)
    owned = job.status == JobStatus.PROCESSING and job.attempt_count == claim.attempt.number
    return job if owned else None


def _record_success(claim: Claim, execution: Execution) -> str:
    now = timezone.now()
    with transaction.atomic():
        job = _lock_if_still_owned(claim)
        if job is None:
            superseded = ("Superseded", "A later attempt owns the job; this result was dropped.")
            _close_attempt(claim, execution, now, error=superseded)
            return "superseded"
        result = handler_for(job.job_type).complete(job, execution)
        move_job(job, "complete", now=now, result=result, error_message="")
        _close_attempt(claim, execution, now)
    return "completed"


def _record_failure(claim: Claim, exc: Exception, *, retryable: bool) -> str:
    now = timezone.now()
    message = str(exc) or type(exc).__name__
    with transaction.atomic():
        _close_attempt(claim, None, now, error=(type(exc).__name__, message), raw=_raw_of(exc))
        job = _lock_if_still_owned(claim)
        if job is None:
            return "superseded"
        if retryable and job.attempt_count < job.max_attempts:
            delay = retry_delay(job.attempt_count)
            move_job(
                job,
                "retry",
                now=now,
                next_attempt_at=now + timedelta(seconds=delay),
                error_message=message,
                waiting_reason=f"retrying in {delay:.1f} s after: {message}"[:300],
            )
            publish_on_commit(job, countdown=delay)
            return "retrying"
        move_job(
            job, "fail", now=now, error_message=message, cause=f"{type(exc).__name__}: {message}"
        )
    return "failed"


def _defer(claim: Claim, deferred: ProviderDeferred) -> str:
    """Not now, and not a failure: give the attempt back and come again after the countdown."""
    now = timezone.now()
    with transaction.atomic():
        job = _lock_if_still_owned(claim)
        if job is None:
            return "superseded"
        claim.attempt.delete()
        move_job(
            job,
            "defer",
            now=now,
            attempt_count=job.attempt_count - 1,
            next_attempt_at=now + timedelta(seconds=deferred.countdown),
            waiting_reason=f"{deferred.reason}; retrying in {deferred.countdown:.0f} s"[:300],
        )
        publish_on_commit(job, countdown=deferred.countdown)
    return "deferred"


def retry_delay(attempt_number: int) -> float:
    """Exponential backoff with jitter, so failed jobs do not come back in lockstep."""
    base = settings.AI_RETRY_BACKOFF_SECONDS * 2 ** (attempt_number - 1)
    capped = min(base, settings.AI_RETRY_BACKOFF_MAX_SECONDS)
    return capped * random.uniform(0.5, 1.0)  # noqa: S311 - jitter, not cryptography


def _close_attempt(claim: Claim, execution: Execution | None, now, *, error=None, raw="") -> None:
    attempt = claim.attempt
    attempt.finished_at = now
    attempt.duration_ms = int((time.monotonic() - claim.started) * 1000)
    attempt.status = attempt_target("fail" if error else "succeed", attempt.status)
    if error:
        attempt.error_class, attempt.error_message = error[0][:200], error[1]
    response = execution.response if execution else None
    if response is not None:
        attempt.provider, attempt.model = response.provider, response.model
        attempt.input_tokens, attempt.output_tokens = response.input_tokens, response.output_tokens
        raw = response.raw_text
    if execution is not None:
        attempt.prompt_version = execution.prompt_version
        attempt.provenance = execution.provenance
    attempt.raw_response = (raw or "")[: AIJobAttempt.RAW_RESPONSE_LIMIT]
    attempt.save()


def _raw_of(exc: Exception) -> str:
    return exc.raw_text if isinstance(exc, AIError) else ""
