"""The real sample syllabi in ../shared/data/syllabi/: read from there, never copied here."""

from pathlib import Path

SAMPLE_SYLLABI_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "syllabi"
SAMPLE_SYLLABI = (
    "computational-linguistics-lin7076",
    "programming-paradigms-cs231",
    "probability-statistics-csc217",
)
