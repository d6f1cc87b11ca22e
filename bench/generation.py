"""Offline generation time per assessment, against the syllabus analysis alone, in one run.

    .venv/bin/python bench/generation.py

For each sample syllabus (../shared/data/syllabi/, when present), the three concatenated
(11 pages) and that text twice (22 pages: the size of a long syllabus; its second half repeats
the first, which the generator de-duplicates), it times, as medians of repeated runs:
  * generate - assessments.content.generate_offline at 3 x 4 medium (2 x 4 when the text
    has too little subject matter for 12 items), validation included;
  * analyse  - assessments.content.subject.subject_matter alone (blocks, classification,
    topics): the share of the time that reading the syllabus takes.
The first call in a process also loads wordfreq's and simplemma's data; that one-off cost is
reported on its own line. Target: under 1 s per assessment for a 20-page syllabus.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
SAMPLES = REPO_ROOT.parent / "shared" / "data" / "syllabi"
RUNS = 5
TARGET_SECONDS = 1.0


def main() -> int:
    from assessments.content import (
        GenerationOptions,
        InsufficientSyllabusText,
        generate_offline,
        validate_content,
    )
    from assessments.content.subject import subject_matter
    from syllabus.extraction.api import extract_pdf
    from syllabus.extraction.limits import ExtractionLimits

    if not SAMPLES.is_dir():
        print(f"sample syllabi not present at {SAMPLES}: nothing to measure")
        return 0
    texts = {}
    pages = {}
    for path in sorted(SAMPLES.glob("*.pdf")):
        extracted = extract_pdf(path, ExtractionLimits())
        texts[path.stem] = extracted.text
        pages[path.stem] = extracted.page_count
    combined = "\n\n".join(texts.values())
    texts[f"all three ({sum(pages.values())} pages)"] = combined
    texts[f"all three twice ({2 * sum(pages.values())} pages)"] = combined + "\n\n" + combined

    started = time.perf_counter()
    subject_matter("Warm-up. Hypothesis testing compares a null and an alternative hypothesis.")
    print(
        f"Offline generation benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"os.cpu_count()={os.cpu_count()}, Python {platform.python_version()}"
    )
    print(f"one-off load of wordfreq and simplemma data: {time.perf_counter() - started:.2f} s")
    print()
    print(f"{'syllabus':<42} {'chars':>7} {'items':>5} {'generate s':>10} {'analyse s':>9}")
    print("-" * 78)
    worst = 0.0
    for name, text in texts.items():
        options = GenerationOptions(section_count=3, questions_per_section=4)
        try:
            generate_offline(syllabus_text=text, subject="Bench", options=options)
        except InsufficientSyllabusText:
            options = GenerationOptions(section_count=2, questions_per_section=4)

        def generate(options=options, text=text) -> None:
            content = generate_offline(syllabus_text=text, subject="Bench", options=options)
            validate_content(content, syllabus_text=text, options=options)

        generate_s = _median(generate)
        analyse_s = _median(lambda text=text: subject_matter(text))
        worst = max(worst, generate_s)
        items = options.section_count * options.questions_per_section
        print(f"{name:<42} {len(text):>7} {items:>5} {generate_s:>10.3f} {analyse_s:>9.3f}")
    print()
    verdict = "met" if worst < TARGET_SECONDS else "NOT met"
    print(f"Slowest assessment: {worst:.3f} s (target < {TARGET_SECONDS:.0f} s: {verdict})")
    return 0


def _median(call) -> float:
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        call()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


if __name__ == "__main__":
    sys.exit(main())
