"""The real sample syllabi in ../shared/data/syllabi/: read from there, never copied here.

`SAMPLE_SYLLABI_DIR` in the environment points elsewhere (a git worktree sits one level deeper
than the main checkout, so ../shared is not beside it).
"""

import os
from pathlib import Path

SAMPLE_SYLLABI_DIR = Path(
    os.environ.get("SAMPLE_SYLLABI_DIR")
    or Path(__file__).resolve().parents[2].parent / "shared" / "data" / "syllabi"
)
SAMPLE_SYLLABI = (
    "computational-linguistics-lin7076",
    "programming-paradigms-cs231",
    "probability-statistics-csc217",
)
