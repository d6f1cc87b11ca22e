"""`extract_pdf`: from a file on disk to normalized syllabus text, or a PdfError saying why not."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Any

from . import isolation
from .errors import (
    CorruptPdf,
    EncryptedPdf,
    NoExtractableText,
    NotAPdf,
    ParserCrashed,
    PdfError,
    TooManyPages,
)
from .limits import (
    DEFAULT_LIMITS,
    MAX_REPLY_BYTES,
    MAX_TEXT_CHARS,
    MIN_VISIBLE_CHARS,
    ExtractionLimits,
)
from .normalize import count_visible_characters
from .sniff import PDF_MAGIC, SNIFF_WINDOW_BYTES, looks_like_pdf

# Reasons the child reports without extra fields (too_many_pages carries its numbers).
_CHILD_ERRORS: dict[str, type[PdfError]] = {
    error.reason: error for error in (EncryptedPdf, CorruptPdf, ParserCrashed)
}


@dataclass(frozen=True, slots=True)
class ExtractedPdf:
    text: str  # normalize_text() applied
    page_count: int
    engine: str  # "pdfium", or "pdfium+pdfplumber" when the fallback supplied some page


def extract_pdf(
    path: str | os.PathLike[str], limits: ExtractionLimits = DEFAULT_LIMITS
) -> ExtractedPdf:
    """Extract and normalize the text of the PDF at `path`, parsing it in an isolated child.

    Raises a PdfError subclass for every way an uploaded file can be unusable: NotAPdf,
    EncryptedPdf, CorruptPdf, TooManyPages, NoExtractableText, ParserTimeout, ParserCrashed.
    OSError (a missing or unreadable path, or no process could be started) is not the file's
    fault and propagates as is.
    """
    absolute_path = os.path.abspath(os.fspath(path))  # the child runs in another directory
    with open(absolute_path, "rb") as file:
        head = file.read(SNIFF_WINDOW_BYTES + len(PDF_MAGIC))
    if not looks_like_pdf(head):
        raise NotAPdf()

    reply = isolation.run_isolated(
        {
            "path": absolute_path,
            "max_pages": limits.max_pages,
            "max_text_chars": MAX_TEXT_CHARS,
            "memory_bytes": limits.memory_bytes,
            # Backs up the wall clock should the parent vanish; the wall clock fires first.
            "cpu_seconds": math.ceil(limits.timeout_seconds) + 1,
        },
        timeout_seconds=limits.timeout_seconds,
        max_reply_bytes=MAX_REPLY_BYTES,
    )
    return _result_from_reply(reply)


def _result_from_reply(reply: dict[str, Any]) -> ExtractedPdf:
    if reply.get("status") == "error":
        raise _error_from_reply(reply)
    text, page_count, engine = reply.get("text"), reply.get("page_count"), reply.get("engine")
    if not (isinstance(text, str) and isinstance(page_count, int) and isinstance(engine, str)):
        raise ParserCrashed(detail="malformed reply from the extraction child")
    if count_visible_characters(text) < MIN_VISIBLE_CHARS:
        raise NoExtractableText(detail=f"{page_count} pages, {len(text)} characters")
    return ExtractedPdf(text=text, page_count=page_count, engine=engine)


def _error_from_reply(reply: dict[str, Any]) -> PdfError:
    reason, detail = reply.get("reason"), str(reply.get("detail", ""))
    if reason == TooManyPages.reason:
        return TooManyPages(int(reply["page_count"]), int(reply["max_pages"]), detail=detail)
    error_class = _CHILD_ERRORS.get(str(reason), ParserCrashed)
    return error_class(detail=detail)
