"""Syllabi for tests, made through the real upload service from real (generated) PDFs."""

import tempfile
from pathlib import Path

from harness import pdfs
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
