"""How a job's work can fail, as far as the runner cares: retry, or give up."""

from assessment_engine.api.errors import NotFound

from .ai.base import AIError, PermanentAIError, TransientAIError


class JobNotFound(NotFound):
    default_message = "No such job."


class InvalidAIOutput(TransientAIError):
    """The provider answered, but not with what the contract asks for (a failed attempt)."""


class PermanentJobError(Exception):
    """The job cannot succeed however often it runs (e.g. its syllabus was deleted)."""


class ProviderDeferred(Exception):
    """The provider may not be called now (circuit open, rate limit): try again in `countdown`
    seconds. Not a failure: no attempt is used up."""

    def __init__(self, countdown: float, reason: str):
        super().__init__(reason)
        self.countdown = countdown
        self.reason = reason


RETRYABLE_ERRORS = (TransientAIError,)
FINAL_ERRORS = (PermanentAIError, PermanentJobError)

__all__ = [
    "FINAL_ERRORS",
    "RETRYABLE_ERRORS",
    "AIError",
    "InvalidAIOutput",
    "JobNotFound",
    "PermanentAIError",
    "PermanentJobError",
    "ProviderDeferred",
    "TransientAIError",
]
