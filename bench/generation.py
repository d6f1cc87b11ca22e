"""Offline generation time per assessment, against the syllabus analysis alone, in one run.

    .venv/bin/python bench/generation.py

On the sample syllabi (../shared/data/syllabi/, when present), alone, together and doubled;
what it measures and how: docs/BENCHMARKS.md, "Offline generation".
"""

from __future__ import annotations

import sys
import time

from _harness import print_header, print_table_header, verdict

from harness.pdfs import SAMPLE_SYLLABI_DIR, sample_syllabi
from harness.processes import median_seconds

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

    if not sample_syllabi():
        print(f"sample syllabi not present at {SAMPLE_SYLLABI_DIR}: nothing to measure")
        return 0
    extracted = {path.stem: extract_pdf(path, ExtractionLimits()) for path in sample_syllabi()}
    texts = {name: result.text for name, result in extracted.items()}
    pages = sum(result.page_count for result in extracted.values())
    combined = "\n\n".join(texts.values())
    texts[f"all three ({pages} pages)"] = combined
    texts[f"all three twice ({2 * pages} pages)"] = combined + "\n\n" + combined

    started = time.perf_counter()
    subject_matter("Warm-up. Hypothesis testing compares a null and an alternative hypothesis.")
    print_header("Offline generation benchmark", [])
    print(f"one-off load of wordfreq and simplemma data: {time.perf_counter() - started:.2f} s\n")
    print_table_header(
        f"{'syllabus':<42} {'chars':>7} {'items':>5} {'generate s':>10} {'analyse s':>9}"
    )
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

        generate_s = median_seconds(generate, RUNS, warm_up=False)
        analyse_s = median_seconds(lambda text=text: subject_matter(text), RUNS, warm_up=False)
        worst = max(worst, generate_s)
        items = options.section_count * options.questions_per_section
        print(f"{name:<42} {len(text):>7} {items:>5} {generate_s:>10.3f} {analyse_s:>9.3f}")
    met = verdict(worst < TARGET_SECONDS)
    print(f"\nSlowest assessment: {worst:.3f} s (target < {TARGET_SECONDS:.0f} s: {met})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
