"""Content sniffing: a file is judged a PDF by its bytes, never by its name or declared type."""

from __future__ import annotations

PDF_MAGIC = b"%PDF-"

# PDF readers (PDFium included) accept junk before the header within the first kilobyte, as some
# producers and mail gateways prepend bytes; sniffing accepts the same.
SNIFF_WINDOW_BYTES = 1024


def looks_like_pdf(first_bytes: bytes) -> bool:
    """True when `%PDF-` starts within the first 1024 bytes of `first_bytes`."""
    return PDF_MAGIC in first_bytes[: SNIFF_WINDOW_BYTES + len(PDF_MAGIC) - 1]
