"""Publishing a job's task. The job row is the outbox: a publish may fail, the row stays.

Publishing happens after the creating transaction commits (`transaction.on_commit`); if the
broker is down the job simply stays PENDING and the sweeper publishes it again later.
"""

import logging
from uuid import UUID

from django.db import transaction
from django.utils import timezone
from kombu.exceptions import KombuError, OperationalError
from redis.exceptions import RedisError

from assessment_engine.celery import app

from .models import AIJob, JobType

logger = logging.getLogger(__name__)

TASK_FOR_TYPE = {
    JobType.GENERATION: "generation.run_job",
    JobType.EVALUATION: "evaluation.run_job",
}
# A broker outage must not hold a web request: try briefly, then leave it to the sweeper.
PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
PUBLISH_ERRORS = (OperationalError, KombuError, RedisError, OSError)


def job_publish(*, job_id: UUID, job_type: str, countdown: float | None = None) -> bool:
    """Send the job's task now. Returns False (and logs) when the broker cannot take it."""
    try:
        app.send_task(
            TASK_FOR_TYPE[job_type],
            args=[str(job_id)],
            countdown=countdown,
            retry=True,
            retry_policy=PUBLISH_RETRY_POLICY,
        )
    except PUBLISH_ERRORS as exc:
        logger.warning("Could not publish job %s (the sweeper will retry): %s", job_id, exc)
        return False
    AIJob.objects.filter(pk=job_id).update(dispatched_at=timezone.now())
    return True


def publish_on_commit(job: AIJob, *, countdown: float | None = None) -> None:
    job_id, job_type = job.pk, job.job_type
    transaction.on_commit(
        lambda: job_publish(job_id=job_id, job_type=job_type, countdown=countdown), robust=True
    )
