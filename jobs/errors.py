"""How a job's work can fail, as far as the runner cares: retry, or give up."""

from .ai.base import AIError, PermanentAIError, TransientAIError


class InvalidAIOutput(TransientAIError):
    """The provider answered, but not with what the contract asks for (a failed attempt)."""


class PermanentJobError(Exception):
    """The job cannot succeed however often it runs (e.g. its syllabus was deleted)."""


RETRYABLE_ERRORS = (TransientAIError,)
FINAL_ERRORS = (PermanentAIError, PermanentJobError)

__all__ = [
    "FINAL_ERRORS",
    "RETRYABLE_ERRORS",
    "AIError",
    "InvalidAIOutput",
    "PermanentAIError",
    "PermanentJobError",
    "TransientAIError",
]
