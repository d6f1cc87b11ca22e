"""A scripted job handler: each run takes the next step of its script, so the runner's and the
sweeper's tests are deterministic and need no provider and no worker."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from django.utils import timezone

from jobs.models import AIJob, JobType
from jobs.registry import Execution, handler_for, register_handler
from jobs.runner import _claim
from jobs.services import job_create_or_get

STUB_PROMPT_VERSION = "stub-v1"


class StubHandler:
    """`steps`: a value (the run succeeds with it), an exception (raised), or a callable taking
    the job (called; its return value is the run's value)."""

    prompt_version = STUB_PROMPT_VERSION

    def __init__(self) -> None:
        self.steps: list[Any] = []
        self.executed: list[str] = []

    def script(self, *steps: Any) -> None:
        self.steps.extend(steps)

    def execute(self, job: AIJob) -> Execution:
        self.executed.append(str(job.pk))
        step = self.steps.pop(0)
        if isinstance(step, BaseException):
            raise step
        value = step(job) if isinstance(step, Callable) else step
        return Execution(value=value, prompt_version=STUB_PROMPT_VERSION)

    def complete(self, job: AIJob, execution: Execution) -> dict:
        return {"value": execution.value}


@contextmanager
def stub_handler_for(job_type: str = JobType.GENERATION) -> Iterator[StubHandler]:
    """Run `job_type` jobs through a `StubHandler` for the duration (the real one after)."""
    original = handler_for(job_type)
    stub = StubHandler()
    register_handler(job_type, stub)
    try:
        yield stub
    finally:
        register_handler(job_type, original)


def new_job(key: str = "stub-job", job_type: str = JobType.GENERATION) -> AIJob:
    return job_create_or_get(job_type=job_type, dedupe_key=key, payload={}).job


def claimed(job: AIJob, *, lease_left: timedelta, worker: str = "worker@test") -> AIJob:
    """`job` with its next attempt taken by `worker`, whose lease has `lease_left` (negative:
    expired, as when the worker was lost)."""
    _claim(job.pk, worker)
    AIJob.objects.filter(pk=job.pk).update(lease_expires_at=timezone.now() + lease_left)
    job.refresh_from_db()
    return job
