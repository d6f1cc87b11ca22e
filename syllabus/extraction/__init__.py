"""Safe, fast text extraction from untrusted PDF syllabi.

Plain Python with no Django imports, so a web request, a Celery task and a management command all
use it the same way:

    from syllabus.extraction import extract_pdf, ExtractionLimits
    result = extract_pdf(path, ExtractionLimits(max_pages=500))
    result.text, result.page_count, result.engine

The PDF is parsed by PDFium in a child process with wall-time, address-space and page limits;
every refusal is a `syllabus.extraction.errors.PdfError` with a stable `reason`.
"""

from __future__ import annotations

import importlib

TYPE_CHECKING = False  # the typing module's flag, without importing typing
if TYPE_CHECKING:
    from .api import ExtractedPdf, extract_pdf
    from .limits import ExtractionLimits
    from .normalize import normalize_text
    from .sniff import looks_like_pdf

__all__ = ["ExtractedPdf", "ExtractionLimits", "extract_pdf", "looks_like_pdf", "normalize_text"]

# Public name -> submodule. Loaded on first use (PEP 562) because every extraction child imports
# this package on its way to `.child`, and the parent-side modules (subprocess, dataclasses,
# pathlib) would add ~40 ms to each call.
_EXPORTS = {
    "ExtractedPdf": "api",
    "extract_pdf": "api",
    "ExtractionLimits": "limits",
    "normalize_text": "normalize",
    "looks_like_pdf": "sniff",
}


def __getattr__(name: str) -> object:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
