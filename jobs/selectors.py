from datetime import datetime

import redis
from django.conf import settings
from django.db.models import Count, Prefetch
from django.utils import timezone

from assessment_engine.db import replica
from assessment_engine.redis_client import redis_client

from .errors import JobNotFound
from .models import AIJob, AIJobAttempt, JobStatus


def job_with_attempts(*, job_id) -> AIJob:
    """Raises JobNotFound. Two queries whatever the number of attempts."""
    attempts = AIJobAttempt.objects.order_by("number")
    jobs = AIJob.objects.using(replica())  # status polling: the replica's load, not the primary's
    job = jobs.prefetch_related(Prefetch("attempts", queryset=attempts)).filter(pk=job_id).first()
    if job is None:
        raise JobNotFound()
    return job


def job_counts() -> dict[tuple[str, str], int]:
    """{(type, status): count}: one grouped query."""
    rows = AIJob.objects.values_list("job_type", "status").annotate(count=Count("id"))
    return {(job_type, status): count for job_type, status, count in rows.order_by()}


def failed_job_count() -> int:
    return AIJob.objects.filter(status=JobStatus.FAILED).count()


def oldest_pending_age_seconds() -> float | None:
    """Age of the oldest job waiting to run (read through the sweeper's partial index)."""
    oldest = (
        AIJob.objects.filter(status=JobStatus.PENDING)
        .order_by("next_attempt_at")
        .values_list("created_at", flat=True)
        .first()
    )
    return (timezone.now() - oldest).total_seconds() if oldest else None


def job_failure(*, job_id) -> str:
    """What made the job fail, as "ErrorClass: message" (its last attempt's error)."""
    job = AIJob.objects.get(pk=job_id)
    last = job.attempts.exclude(error_class="").order_by("-number").first()
    return f"{last.error_class}: {last.error_message}" if last else job.error_message


def failed_jobs_since(since: datetime) -> int:
    return AIJob.objects.filter(status=JobStatus.FAILED, finished_at__gte=since).count()


def queue_depths() -> dict[str, int] | None:
    """Messages waiting in each queue of the broker (None when it cannot be reached).

    A retry published with a countdown is held by a worker until due, not counted here.
    Tasks carry no priority, so each queue is one Redis list named after it.
    """
    try:
        with redis_client(settings.CELERY_BROKER_URL).pipeline(transaction=False) as pipe:
            for queue in settings.TASK_QUEUES:
                pipe.llen(queue)
            depths = pipe.execute()
    except redis.RedisError:
        return None
    return dict(zip(settings.TASK_QUEUES, depths, strict=True))
