"""Running jobs in the test process, as a worker would on each delivery."""

from jobs.models import AIJob
from jobs.runner import job_run


def run_until_finished(job: AIJob, max_runs: int = 10) -> AIJob:
    """Deliver the job again and again (retries are redelivered at once) until it finishes."""
    for _ in range(max_runs):
        job.refresh_from_db()
        if job.is_finished:
            break
        job_run(job_id=job.pk, worker="test@inline")
    job.refresh_from_db()
    return job
