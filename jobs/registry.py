"""Domain apps register how to run their job types; `jobs` never imports a domain app."""

from dataclasses import dataclass, field
from typing import Any, Protocol

from .ai.base import AIResponse
from .models import AIJob


@dataclass(frozen=True)
class Execution:
    """What a handler's `execute` produced, to be stored by its `complete`."""

    value: Any
    response: AIResponse | None = None  # the provider call, for the attempt's audit trail
    prompt_version: str = ""
    # Anything else the attempt's audit trail should keep, as JSON: further calls of the same
    # attempt (their prompt versions, tokens, raw answers), a verifier's verdicts. Opaque here.
    provenance: dict[str, Any] = field(default_factory=dict)


class JobHandler(Protocol):
    prompt_version: str  # recorded on every attempt

    def execute(self, job: AIJob) -> Execution:
        """Do the slow part (the AI call) outside any transaction. Raise jobs.errors on failure."""
        ...

    def complete(self, job: AIJob, execution: Execution) -> dict:
        """Store the outcome; runs inside the transaction that marks the job COMPLETED.

        Returns the job's `result` (e.g. {"assessmentId": ...}).
        """
        ...


_handlers: dict[str, JobHandler] = {}


def register_handler(job_type: str, handler: JobHandler) -> None:
    _handlers[job_type] = handler


def handler_for(job_type: str) -> JobHandler:
    try:
        return _handlers[job_type]
    except KeyError:
        raise LookupError(f"No handler registered for {job_type} jobs") from None
