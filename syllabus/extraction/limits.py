"""Ceilings on what one extraction may cost. Parent side: the child receives them in its request
and enforces them from there."""

from __future__ import annotations

from dataclasses import dataclass

# A dense page of prose holds 3-5k characters; more than 5 million over a document means something
# is generating text (or a hostile file is trying to flood the parent), not a syllabus.
MAX_TEXT_CHARS = 5_000_000

# What the parent agrees to read back from the child: the text at its worst (4 UTF-8 bytes a
# character) plus room for the JSON envelope. Anything larger is an error, never buffered.
MAX_REPLY_BYTES = 4 * MAX_TEXT_CHARS + (64 << 10)

# Below this many non-space characters in the whole document there is nothing to build a
# syllabus from: the PDF is a scan, or only page numbers and stray marks came out.
MIN_VISIBLE_CHARS = 20


@dataclass(frozen=True, slots=True)
class ExtractionLimits:
    """Per-call limits. Defaults suit the upload API; a batch job may allow more time.

    memory_bytes caps the child's whole address space, not only its heap: the interpreter and
    PDFium take about 25 MB of it before parsing starts, 55 MB once the pdfplumber fallback has
    been loaded.
    """

    max_pages: int = 500
    timeout_seconds: float = 30.0
    memory_bytes: int = 1 << 30

    def __post_init__(self) -> None:
        if self.max_pages < 1:
            raise ValueError("max_pages must be at least 1")
        if self.timeout_seconds <= 0:
            raise ValueError("timeout_seconds must be positive")
        if self.memory_bytes <= 0:
            raise ValueError("memory_bytes must be positive")


DEFAULT_LIMITS = ExtractionLimits()
