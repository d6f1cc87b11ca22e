"""The job and attempt state machines as data, and the one function that writes a job's status.

The runner, the services and the sweeper name an action; the tables say which state it leads
to from which, and `move_job` writes the change together with the fields every state implies
(a lease only while PROCESSING, a finish time once COMPLETED or FAILED), so the database's
check constraints hold by construction.
"""

import logging

from .models import AIJob, AIJobAttempt, AttemptStatus, JobStatus

logger = logging.getLogger(__name__)

PENDING, PROCESSING = JobStatus.PENDING, JobStatus.PROCESSING
COMPLETED, FAILED = JobStatus.COMPLETED, JobStatus.FAILED

JOB_TRANSITIONS: dict[str, dict[str, str]] = {
    # A worker takes the job; a PROCESSING job is taken again only once its lease ran out.
    "claim": {PENDING: PROCESSING, PROCESSING: PROCESSING},
    "complete": {PROCESSING: COMPLETED},
    "retry": {PROCESSING: PENDING},  # a transient failure with attempts left
    "defer": {PROCESSING: PENDING},  # the provider may not be called now: no attempt used
    "fail": {PROCESSING: FAILED},
    "exhaust": {PENDING: FAILED, PROCESSING: FAILED},  # delivered with no attempt left
    "reclaim": {PROCESSING: PENDING},  # its worker was lost, attempts remain
    "lose": {PROCESSING: FAILED},  # its worker was lost on the last attempt
    "requeue": {FAILED: PENDING},  # staff retry, with a fresh attempt budget
}

ATTEMPT_TRANSITIONS: dict[str, dict[str, str]] = {
    "succeed": {AttemptStatus.PROCESSING: AttemptStatus.COMPLETED},
    "fail": {AttemptStatus.PROCESSING: AttemptStatus.FAILED},
    "abandon": {AttemptStatus.PROCESSING: AttemptStatus.FAILED},  # its worker was lost
}


class InvalidJobTransition(Exception):
    """A code path asked for a move the table does not allow (a bug, never a user error)."""


def job_target(action: str, current: str) -> str:
    return _target(JOB_TRANSITIONS, "a job", action, current)


def job_can(action: str, current: str) -> bool:
    return current in JOB_TRANSITIONS[action]


def attempt_target(action: str, current: str) -> str:
    return _target(ATTEMPT_TRANSITIONS, "an attempt", action, current)


def _target(table: dict[str, dict[str, str]], kind: str, action: str, current: str) -> str:
    try:
        return table[action][current]
    except KeyError:
        raise InvalidJobTransition(f"Cannot {action} {kind} that is {current}.") from None


def move_job(job: AIJob, action: str, *, now, cause: str = "", **changes) -> None:
    """Apply `action` to `job` (locked by the caller) and save the changed fields only.

    `changes` are the action's own fields (e.g. the lease of a claim, the result of a
    completion). `cause` names what made a job fail, for the log line ops alert on.
    """
    status = job_target(action, job.status)
    fields = {"status": status, **_implied_by(status, now), **changes}
    for name, value in fields.items():
        setattr(job, name, value)
    job.save(update_fields=[*fields, "updated_at"])
    if status == FAILED:
        logger.error(
            "%s job %s FAILED after %d attempt(s): %s",
            job.job_type,
            job.pk,
            job.attempt_count,
            cause or job.error_message,
        )


def _implied_by(status: str, now) -> dict:
    if status == PENDING:
        return {"lease_expires_at": None, "finished_at": None}
    if status == PROCESSING:
        return {"waiting_reason": ""}
    return {"lease_expires_at": None, "finished_at": now}


def abandon_attempt(job: AIJob, now) -> None:
    """Close the job's current attempt if it is still PROCESSING: its worker was lost."""
    sources = list(ATTEMPT_TRANSITIONS["abandon"])
    AIJobAttempt.objects.filter(job=job, number=job.attempt_count, status__in=sources).update(
        status=attempt_target("abandon", sources[0]),
        error_class="WorkerLost",
        error_message="The worker stopped renewing its lease (killed or stuck).",
        finished_at=now,
    )
