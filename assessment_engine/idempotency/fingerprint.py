"""What an Idempotency-Key is bound to: the method, the path and the body's content.

A JSON body is small and read anyway. A multipart upload may be hundreds of MiB, so it is
copied to a spooled temporary file (memory up to `SPOOL_MEMORY_BYTES`, disk beyond) while it
is hashed, and the view then reads that copy instead of the socket: constant memory, one pass.
Its boundary is random per request, so a retry of the same upload has another one: the hash
replaces it with a fixed token, and two uploads are "the same" when their fields, file names
and file bytes are.
"""

import hashlib
import tempfile

from django.conf import settings
from django.http import HttpRequest

CHUNK_BYTES = 64 * 1024
SPOOL_MEMORY_BYTES = 1024 * 1024
# Never in a boundary (RFC 2046 allows only printable characters there).
BOUNDARY_TOKEN = b"\x00boundary\x00"
MULTIPART_OVERHEAD_BYTES = 1024 * 1024


def fingerprint(request: HttpRequest) -> str:
    content_type = request.content_type or ""
    digest = hashlib.sha256(f"{request.method} {request.path}\n{content_type}\n".encode())
    if content_type.startswith("multipart/"):
        _hash_multipart(request, digest)
    else:
        digest.update(request.body)
    return digest.hexdigest()


def _hash_multipart(request: HttpRequest, digest) -> None:
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    boundary = request.content_params.get("boundary", "").encode("latin-1", "replace")
    if not boundary or not 0 < length <= _largest_spooled_body():
        # Malformed, or larger than any acceptable upload: the view refuses it without reading
        # it, and its length is all there is to tell two such requests apart.
        digest.update(f"length {length}".encode())
        return
    needle, keep = b"--" + boundary, len(boundary) + 1
    spooled = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES)  # noqa: SIM115
    pending, remaining = b"", length
    while remaining > 0:
        chunk = request._stream.read(min(CHUNK_BYTES, remaining))
        if not chunk:
            break
        remaining -= len(chunk)
        spooled.write(chunk)
        # Replace whole boundaries; keep back a tail that may be the start of one.
        pending = (pending + chunk).replace(needle, BOUNDARY_TOKEN)
        digest.update(pending[:-keep])
        pending = pending[-keep:]
    digest.update(pending)
    spooled.seek(0)
    request._stream = spooled  # the view parses the copy; the socket is spent


def _largest_spooled_body() -> int:
    return (
        settings.SYLLABUS_MAX_FILES * settings.SYLLABUS_MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD_BYTES
    )
