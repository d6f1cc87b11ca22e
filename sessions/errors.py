"""The session rules' errors, each with its contract status and code."""

from assessment_engine.api.errors import DomainError, NotFound
from assessments.errors import (  # noqa: F401  (re-exported: the session rules raise them too)
    AssessmentClosed,
    AssessmentNotAvailable,
    AssessmentNotFound,
    AssessmentNotOpen,
)


class SessionNotFound(NotFound):
    default_message = "No such session."


class ActiveSessionExists(DomainError):
    status_code = 409
    code = "ACTIVE_SESSION_EXISTS"
    default_message = "You already have an active session; complete it first."


class InvalidTransition(DomainError):
    status_code = 409
    code = "INVALID_TRANSITION"
    default_message = "The session's state does not allow this action."


class SessionExpired(DomainError):
    status_code = 409
    code = "SESSION_EXPIRED"
    default_message = "The session has been inactive too long and is now expired."


class SectionOutOfOrder(DomainError):
    status_code = 409
    code = "SECTION_OUT_OF_ORDER"


class SectionAlreadySubmitted(DomainError):
    status_code = 409
    code = "SECTION_ALREADY_SUBMITTED"


class SectionsIncomplete(DomainError):
    status_code = 409
    code = "SECTIONS_INCOMPLETE"


class NoAttemptsLeft(DomainError):
    status_code = 409
    code = "NO_ATTEMPTS_LEFT"
    default_message = "You have used every attempt this assessment allows."


class TimeLimitExceeded(DomainError):
    status_code = 409
    code = "TIME_LIMIT_EXCEEDED"
    default_message = "The session's time is up; it was completed with what was submitted."
