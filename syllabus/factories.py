"""Syllabi for tests, made through the real upload service from real (generated) PDFs."""

import hashlib
import tempfile
from pathlib import Path

from harness import pdfs
from syllabus.models import Syllabus
from syllabus.services import PdfUpload, syllabus_upload


def make_syllabus(
    *, subject: str = "Algorithms", pages: int = 4, name: str = "course.pdf", pdf: bytes = b""
):
    """A real PDF (`pdf`, or `pdfs.course_pdf(pages)`), uploaded through `syllabus_upload`
    (extraction included)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(pdf or pdfs.course_pdf(pages))
        [result] = syllabus_upload(
            subject=subject, files=[PdfUpload(name, path, path.stat().st_size)]
        )
    return result.syllabus


def bulk_create_syllabi(texts: list[str], *, subject: str) -> list[Syllabus]:
    """Syllabi with the given texts, bulk-inserted without extraction (their file is never
    read: jobs use the stored text)."""
    rows = []
    for text in texts:
        content_hash = hashlib.sha256(text.encode()).hexdigest()
        rows.append(
            Syllabus(
                subject=subject,
                original_filename=f"{content_hash[:12]}.pdf",
                file=f"bulk/{content_hash[:12]}.pdf",
                file_size=len(text),
                text=text,
                page_count=1,
                text_length=len(text),
                content_hash=content_hash,
                extraction_engine="bulk",
            )
        )
    return Syllabus.objects.bulk_create(rows)
