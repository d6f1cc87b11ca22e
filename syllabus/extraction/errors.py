"""Why a PDF was refused.

Each error has a stable `reason` code for programs (API responses, metrics, job rows) and a
message written for the person who uploaded the file. Messages never carry paths, stderr or other
internals; those go to `detail`, which is for logs only.
"""

from __future__ import annotations

from typing import ClassVar


class PdfError(Exception):
    """Base class: the file cannot be turned into syllabus text."""

    reason: ClassVar[str] = "unprocessable"
    default_message: ClassVar[str] = "The PDF could not be processed."

    def __init__(self, message: str | None = None, *, detail: str = "") -> None:
        self.message = message or self.default_message
        self.detail = detail
        super().__init__(self.message)


class NotAPdf(PdfError):
    reason = "not_pdf"
    default_message = "The file is not a PDF."


class EncryptedPdf(PdfError):
    reason = "encrypted"
    default_message = "The PDF is encrypted or password-protected; upload an unprotected copy."


class CorruptPdf(PdfError):
    reason = "corrupt"
    default_message = "The PDF is damaged or incomplete and could not be read."


class TooManyPages(PdfError):
    reason = "too_many_pages"

    def __init__(self, page_count: int, max_pages: int, *, detail: str = "") -> None:
        self.page_count = page_count
        self.max_pages = max_pages
        message = f"The PDF has {page_count} pages; the limit is {max_pages}."
        super().__init__(message, detail=detail)


class NoExtractableText(PdfError):
    reason = "no_text"
    default_message = (
        "The PDF has no extractable text (it looks like a scanned image); OCR is not supported."
    )


class ParserTimeout(PdfError):
    reason = "timeout"

    def __init__(self, timeout_seconds: float, *, detail: str = "") -> None:
        self.timeout_seconds = timeout_seconds
        super().__init__(
            f"The PDF took longer than {timeout_seconds:g} s to parse and was abandoned.",
            detail=detail,
        )


class ParserCrashed(PdfError):
    """The parser died, hit its memory ceiling, or produced output beyond the safety caps."""

    reason = "crashed"
    default_message = (
        "The PDF could not be parsed safely (the parser ran out of memory or crashed)."
    )
