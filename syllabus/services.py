"""Syllabus upload: one service for the API, the admin and `manage.py import_syllabi`.

All-or-nothing per request: every file is checked (size, content type, extraction) before
anything is stored, and a failure while storing removes the files already written.
"""

import hashlib
import logging
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction

from assessment_engine.api.errors import DomainError, ValidationFailed

from .errors import FileTooLarge, NotAPdf, TooManyFiles, UnprocessablePdf
from .extraction import ExtractedPdf, ExtractionLimits, extract_pdf, looks_like_pdf
from .extraction.errors import PdfError
from .models import Syllabus

logger = logging.getLogger(__name__)

SNIFF_BYTES = 1024
# Extraction runs in child processes; a couple at a time keeps a 2-core host responsive.
PARALLEL_EXTRACTIONS = 2


@dataclass(frozen=True)
class PdfUpload:
    """A file on local disk (an upload's temporary file, or a file given to the command)."""

    filename: str
    path: Path
    size: int


@dataclass(frozen=True)
class UploadResult:
    syllabus: Syllabus
    created: bool


@dataclass(frozen=True)
class _Rejection:
    filename: str
    error: DomainError


@dataclass(frozen=True)
class _Accepted:
    upload: PdfUpload
    pdf: ExtractedPdf
    content_hash: str


def syllabus_upload(
    *, subject: str, files: Sequence[PdfUpload], uploaded_by=None
) -> list[UploadResult]:
    subject = clean_subject(subject)
    if not files:
        raise ValidationFailed(details={"files": ["At least one PDF file is required."]})
    if len(files) > settings.SYLLABUS_MAX_FILES:
        raise TooManyFiles(
            f"{len(files)} files sent; at most {settings.SYLLABUS_MAX_FILES} per request.",
            details={"files": [f"At most {settings.SYLLABUS_MAX_FILES} files per request."]},
        )
    accepted = _extract_all(files)
    return _store(subject, accepted, uploaded_by)


def clean_subject(subject: str) -> str:
    cleaned = " ".join((subject or "").split())
    if not cleaned:
        raise ValidationFailed(details={"subject": ["This field is required."]})
    if len(cleaned) > Syllabus._meta.get_field("subject").max_length:
        raise ValidationFailed(details={"subject": ["At most 200 characters."]})
    return cleaned


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def extraction_limits() -> ExtractionLimits:
    return ExtractionLimits(
        max_pages=settings.SYLLABUS_MAX_PAGES,
        timeout_seconds=settings.SYLLABUS_PARSE_TIMEOUT_SECONDS,
        memory_bytes=settings.SYLLABUS_PARSE_MEMORY_BYTES,
    )


def _extract_all(files: Sequence[PdfUpload]) -> list[_Accepted]:
    """Check every file; raise one error naming every rejected file, or return them all."""
    limits = extraction_limits()
    with ThreadPoolExecutor(max_workers=PARALLEL_EXTRACTIONS) as pool:
        outcomes = list(pool.map(lambda upload: _extract_one(upload, limits), files))
    rejections = [outcome for outcome in outcomes if isinstance(outcome, _Rejection)]
    if rejections:
        raise _combined(rejections)
    return outcomes


def _extract_one(upload: PdfUpload, limits: ExtractionLimits) -> "_Accepted | _Rejection":
    if upload.size > settings.SYLLABUS_MAX_UPLOAD_BYTES:
        return _Rejection(upload.filename, file_too_large(upload.filename))
    with upload.path.open("rb") as handle:
        if not looks_like_pdf(handle.read(SNIFF_BYTES)):
            return _Rejection(upload.filename, NotAPdf(details={"filename": upload.filename}))
    try:
        pdf = extract_pdf(upload.path, limits)
    except PdfError as exc:
        logger.info("Rejected %s: %s (%s)", upload.filename, exc.reason, exc.detail)
        error = UnprocessablePdf(
            f"{upload.filename}: {exc.message}",
            details={"filename": upload.filename, "reason": exc.reason},
        )
        return _Rejection(upload.filename, error)
    return _Accepted(upload, pdf, content_hash(pdf.text))


def file_too_large(filename: str) -> FileTooLarge:
    limit = settings.SYLLABUS_MAX_UPLOAD_BYTES
    return FileTooLarge(
        f"{filename} is larger than the {limit} byte limit.",
        details={"filename": filename, "maxBytes": limit},
    )


def _combined(rejections: list[_Rejection]) -> DomainError:
    """The first rejection decides the status; `details.files` lists every rejected file."""
    first = rejections[0].error
    first.details = {
        **first.details,
        "files": [
            {"filename": r.filename, "code": r.error.code, "message": r.error.message}
            for r in rejections
        ],
    }
    return first


def _store(subject: str, accepted: list[_Accepted], uploaded_by) -> list[UploadResult]:
    hashes = {item.content_hash for item in accepted}
    known = {
        row.content_hash: row
        for row in Syllabus.objects.filter(subject=subject, content_hash__in=hashes)
    }
    # Files are written before the transaction (storage may be remote) and removed again if
    # the rows are not created, so a failed or lost-race request leaves nothing behind.
    to_create = {item.content_hash: item for item in accepted if item.content_hash not in known}
    stored_names: dict[str, str] = {}
    created: dict[str, Syllabus] = {}
    try:
        for digest, item in to_create.items():
            stored_names[digest] = _save_file(item.upload)
        with transaction.atomic():
            for digest, item in to_create.items():
                row, is_new = _insert_or_get(subject, item, stored_names[digest], uploaded_by)
                (created if is_new else known)[digest] = row
    except BaseException:
        _delete_files(stored_names.values())
        raise
    _delete_files(name for digest, name in stored_names.items() if digest not in created)
    return _results_in_request_order(accepted, created, known)


def _insert_or_get(subject: str, item: _Accepted, stored_name: str, uploaded_by):
    try:
        with transaction.atomic():  # savepoint: a lost race must not abort the request's tx
            row = Syllabus.objects.create(
                subject=subject,
                original_filename=item.upload.filename[:255],
                file=stored_name,
                file_size=item.upload.size,
                text=item.pdf.text,
                page_count=item.pdf.page_count,
                text_length=len(item.pdf.text),
                content_hash=item.content_hash,
                extraction_engine=item.pdf.engine,
                uploaded_by=uploaded_by,
            )
            return row, True
    except IntegrityError:
        # A concurrent upload of the same content committed first: report its row.
        return Syllabus.objects.get(subject=subject, content_hash=item.content_hash), False


def _results_in_request_order(accepted, created, known) -> list[UploadResult]:
    results, seen = [], set()
    for item in accepted:
        digest = item.content_hash
        is_new = digest in created and digest not in seen
        seen.add(digest)
        results.append(UploadResult(created.get(digest) or known[digest], is_new))
    return results


def _save_file(upload: PdfUpload) -> str:
    # The model field's upload_to decides the dated folder. The name on disk is ours, never
    # the client's: a filename of only symbols or of control characters has no storage-safe
    # form (Django raises), and the original name is kept in `original_filename` anyway.
    name = Syllabus._meta.get_field("file").generate_filename(None, f"{uuid.uuid4().hex}.pdf")
    with upload.path.open("rb") as handle:
        return default_storage.save(name, File(handle, name=name))


def _delete_files(names) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            logger.warning("Could not delete stored syllabus file %s", name)
