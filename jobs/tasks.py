"""Celery tasks of the jobs infrastructure. Thin: take ids, call a service or the runner."""

from celery import current_task, shared_task
from django.conf import settings

from . import runner, services


def _make_ping(queue: str):
    @shared_task(name=f"{queue}.ping")
    def ping() -> dict:
        """Round-trip check of a queue's workers (`manage.py ping_queues`)."""
        return {"queue": queue, "worker": current_task.request.hostname}

    return ping


pings = {queue: _make_ping(queue) for queue in settings.TASK_QUEUES}


# The job row holds the outcome; the result backend would only duplicate it.
@shared_task(name="generation.run_job", bind=True, ignore_result=True)
def run_generation_job(self, job_id: str) -> str:
    return runner.job_run(job_id=job_id, worker=self.request.hostname or "")


@shared_task(name="evaluation.run_job", bind=True, ignore_result=True)
def run_evaluation_job(self, job_id: str) -> str:
    return runner.job_run(job_id=job_id, worker=self.request.hostname or "")


@shared_task(name="maintenance.sweep_jobs", ignore_result=True)
def sweep_jobs() -> dict:
    report = services.jobs_sweep()
    return {
        "republished": report.republished,
        "reclaimed": report.reclaimed,
        "failed": report.failed,
    }
