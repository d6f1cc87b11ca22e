from assessment_engine.api.errors import (
    DomainError,
    NotFound,
    PayloadTooLarge,
    UnsupportedMediaType,
)


class SyllabusNotFound(NotFound):
    default_message = "No such syllabus."


class UnprocessablePdf(DomainError):
    status_code = 422
    code = "UNPROCESSABLE_PDF"
    default_message = "The PDF could not be processed."


class NotAPdf(UnsupportedMediaType):
    default_message = "The file is not a PDF (judged by its content, not its name)."


class FileTooLarge(PayloadTooLarge):
    pass


class TooManyFiles(DomainError):
    status_code = 400
    code = "VALIDATION_ERROR"
    default_message = "Too many files in one request."
