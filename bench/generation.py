"""Offline generation time per assessment, against the syllabus analysis alone, in one run.

    .venv/bin/python bench/generation.py

On the sample syllabi (../shared/data/syllabi/, when present), alone, together and doubled;
what it measures and how: docs/BENCHMARKS.md, "Offline generation".
"""

from __future__ import annotations

import statistics
import sys
import time

from _harness import print_header, print_table_header, verdict

from harness.pdfs import SAMPLE_SYLLABI_DIR, sample_syllabi

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
    texts = {}
    pages = {}
    for path in sample_syllabi():
        extracted = extract_pdf(path, ExtractionLimits())
        texts[path.stem] = extracted.text
        pages[path.stem] = extracted.page_count
    combined = "\n\n".join(texts.values())
    texts[f"all three ({sum(pages.values())} pages)"] = combined
    texts[f"all three twice ({2 * sum(pages.values())} pages)"] = combined + "\n\n" + combined

    started = time.perf_counter()
    subject_matter("Warm-up. Hypothesis testing compares a null and an alternative hypothesis.")
    print_header("Offline generation benchmark", [])
    print(f"one-off load of wordfreq and simplemma data: {time.perf_counter() - started:.2f} s")
    print()
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

        generate_s = _median(generate)
        analyse_s = _median(lambda text=text: subject_matter(text))
        worst = max(worst, generate_s)
        items = options.section_count * options.questions_per_section
        print(f"{name:<42} {len(text):>7} {items:>5} {generate_s:>10.3f} {analyse_s:>9.3f}")
    print()
    met = verdict(worst < TARGET_SECONDS)
    print(f"Slowest assessment: {worst:.3f} s (target < {TARGET_SECONDS:.0f} s: {met})")
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
