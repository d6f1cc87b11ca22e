"""The real sample syllabi in ../shared/data/syllabi/: read from there, never copied here."""

from harness.pdfs import SAMPLE_SYLLABI_DIR

__all__ = ["SAMPLE_SYLLABI", "SAMPLE_SYLLABI_DIR"]
SAMPLE_SYLLABI = (
    "computational-linguistics-lin7076",
    "programming-paradigms-cs231",
    "probability-statistics-csc217",
)
