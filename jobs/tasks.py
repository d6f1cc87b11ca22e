"""Celery tasks of the jobs infrastructure. Thin: take ids, call a service or the runner."""

from celery import current_task, shared_task
from django.conf import settings

from . import runner, selectors, services
from .dispatch import TASK_FOR_TYPE


def _make_ping(queue: str):
    @shared_task(name=f"{queue}.ping")
    def ping() -> dict:
        """Round-trip check of a queue's workers (`manage.py ping_queues`)."""
        return {"queue": queue, "worker": current_task.request.hostname}

    return ping


pings = {queue: _make_ping(queue) for queue in settings.TASK_QUEUES}


class JobFailed(Exception):
    """A job ended FAILED in this run. Raised so Celery marks the task FAILURE (Flower counts
    it, with the error class and message); expected (`throws`), so Celery logs no traceback
    (the job module logged the failure) and never retries it: the job module owns attempts."""


def _make_run_job(task_name: str):
    # The job row holds the outcome; the result backend would only duplicate it.
    @shared_task(name=task_name, bind=True, ignore_result=True, throws=(JobFailed,))
    def run_job(self, job_id: str) -> str:
        outcome = runner.job_run(job_id=job_id, worker=self.request.hostname or "")
        if outcome == "failed":
            raise JobFailed(selectors.job_failure(job_id=job_id))
        return outcome

    return run_job


run_job_tasks = {name: _make_run_job(name) for name in TASK_FOR_TYPE.values()}


@shared_task(name="maintenance.sweep_jobs", ignore_result=True)
def sweep_jobs() -> dict:
    report = services.jobs_sweep()
    return {
        "republished": report.republished,
        "reclaimed": report.reclaimed,
        "failed": report.failed,
    }
