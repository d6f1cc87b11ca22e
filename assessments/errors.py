from assessment_engine.api.errors import DomainError, NotFound
from syllabus.errors import SyllabusNotFound  # noqa: F401  (re-exported: generation raises it)


class AssessmentNotFound(NotFound):
    default_message = "No such assessment."


class AssessmentNotAvailable(DomainError):
    status_code = 409
    code = "ASSESSMENT_NOT_AVAILABLE"
    default_message = "This assessment is not published."


class AssessmentNotOpen(DomainError):
    status_code = 409
    code = "ASSESSMENT_NOT_OPEN"
    default_message = "This assessment is not open yet."


class AssessmentClosed(DomainError):
    status_code = 409
    code = "ASSESSMENT_CLOSED"
    default_message = "This assessment has closed."
