"""Safe, fast text extraction from untrusted PDF syllabi.

Plain Python with no Django imports, so a web request, a Celery task and a management command all
use it the same way:

    from syllabus.extraction import extract_pdf, ExtractionLimits
    result = extract_pdf(path, ExtractionLimits(max_pages=500))
    result.text, result.page_count, result.engine

The PDF is parsed by PDFium in a child process with wall-time, address-space and page limits;
every refusal is a `syllabus.extraction.errors.PdfError` with a stable `reason`.
"""

from .api import ExtractedPdf, extract_pdf
from .limits import ExtractionLimits
from .normalize import normalize_text
from .sniff import looks_like_pdf

__all__ = ["ExtractedPdf", "ExtractionLimits", "extract_pdf", "looks_like_pdf", "normalize_text"]
