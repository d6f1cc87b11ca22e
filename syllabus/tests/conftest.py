import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from harness import pdfs


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Each test stores files in its own folder, so 'nothing stored' can be checked."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(media_root) -> list:
    return [path for path in media_root.rglob("*") if path.is_file()] if media_root.exists() else []


def pdf_file(content: bytes, name: str = "syllabus.pdf", content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def three_page_pdf() -> bytes:
    return pdfs.text_pdf(3)
