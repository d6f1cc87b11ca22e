"""The session rules' errors, each with its contract status and code."""

from assessment_engine.api.errors import DomainError, NotFound


class SessionNotFound(NotFound):
    default_message = "No such session."


class AssessmentNotFound(NotFound):
    default_message = "No such assessment."


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


class AssessmentNotAvailable(DomainError):
    status_code = 409
    code = "ASSESSMENT_NOT_AVAILABLE"
    default_message = "This assessment is not published."
