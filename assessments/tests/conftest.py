import pytest

from syllabus.extraction import ExtractionLimits, extract_pdf

from .samples import SAMPLE_SYLLABI, SAMPLE_SYLLABI_DIR


@pytest.fixture(scope="session")
def sample_texts() -> dict[str, str]:
    """The sample syllabi's extracted text by name; the test is skipped without them."""
    if not SAMPLE_SYLLABI_DIR.is_dir():
        pytest.skip(f"sample syllabi not present at {SAMPLE_SYLLABI_DIR}")
    return {
        name: extract_pdf(SAMPLE_SYLLABI_DIR / f"{name}.pdf", ExtractionLimits()).text
        for name in SAMPLE_SYLLABI
    }
