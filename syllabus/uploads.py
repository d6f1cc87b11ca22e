"""Streaming upload limits: a file over the size limit is refused while it arrives.

Django's multipart parser hands each chunk to the upload handlers; this handler writes
chunks to a temporary file (never the whole body in memory) and stops the parse as soon as
one file passes `SYLLABUS_MAX_UPLOAD_BYTES` or the request carries too many files, recording
the refusal as the domain error the API raises and the admin shows.
"""

from django.conf import settings
from django.core.files.uploadhandler import StopUpload, TemporaryFileUploadHandler
from django.http import HttpRequest

from assessment_engine.api.errors import DomainError

from .errors import TooManyFiles
from .services import file_too_large

# Multipart framing (boundaries, part headers, the subject field) on top of the files.
MULTIPART_OVERHEAD_BYTES = 64 * 1024


class LimitedTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.max_file_bytes = settings.SYLLABUS_MAX_UPLOAD_BYTES
        self.max_files = settings.SYLLABUS_MAX_FILES
        self.files_seen = 0
        self.current_bytes = 0
        self.refusal: DomainError | None = None

    def new_file(self, field_name, file_name, *args, **kwargs):
        self.files_seen += 1
        self.current_bytes = 0
        if self.files_seen > self.max_files:
            self.refusal = TooManyFiles()
            raise StopUpload(connection_reset=False)
        super().new_file(field_name, file_name, *args, **kwargs)

    def receive_data_chunk(self, raw_data, start):
        self.current_bytes += len(raw_data)
        if self.current_bytes > self.max_file_bytes:
            self.refusal = file_too_large(self.file_name or "upload")
            self.file.close()  # the partial temporary file is deleted on close
            raise StopUpload(connection_reset=False)
        return super().receive_data_chunk(raw_data, start)


def request_body_ceiling() -> int:
    """No acceptable upload request is larger than this: refuse bigger ones before reading."""
    return (
        settings.SYLLABUS_MAX_FILES * settings.SYLLABUS_MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD_BYTES
    )


def install_limited_upload_handler(request: HttpRequest) -> LimitedTemporaryFileUploadHandler:
    """Call before the request body is read (before `request.data` / `request.FILES`)."""
    handler = LimitedTemporaryFileUploadHandler(request)
    request.upload_handlers = [handler]
    return handler
