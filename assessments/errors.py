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


class ItemsNotApproved(DomainError):
    status_code = 409
    code = "ITEMS_NOT_APPROVED"
    default_message = "Every question must be approved before the assessment is published."


class ContentVersionConflict(DomainError):
    """An edit or approval of content version N when the assessment is already at N+k: someone
    saved in between, and silently overwriting their change is not an option."""

    status_code = 409
    code = "CONTENT_VERSION_CONFLICT"
    default_message = "The assessment was changed by someone else; reload it and try again."


class QuestionNotFound(NotFound):
    default_message = "No such question in this assessment."


class RegenerationRefused(DomainError):
    status_code = 409
    code = "REGENERATION_REFUSED"
    default_message = "This assessment cannot be regenerated now."
