"""PDF text extraction: our isolated path against raw PDFium and pdfplumber, in one run.

    .venv/bin/python bench/extraction.py

On the sample syllabi (when present) and a generated long PDF, then the per-call cost of
isolation; what it measures and how: docs/BENCHMARKS.md, "PDF text extraction".
"""

from __future__ import annotations

import difflib
import multiprocessing
import sys
import tempfile
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

import pypdfium2 as pdfium

# pdfplumber, _harness (which puts the repository on sys.path), harness and syllabus.* are
# imported inside the functions that use them, all called from main() after _harness: on Python
# < 3.13.8 every forkserver child re-runs this script (CPython gh-98552), and importing them here
# would make the forkserver figure measure their import instead of the isolation it stands for.

GENERATED_PAGES = 200
SPEED_UP_TARGET = 20.0


@dataclass(frozen=True)
class Row:
    name: str
    pages: int
    ours_s: float
    pdfium_s: float
    plumber_s: float
    similarity: float
    jaccard: float


def pdfium_text(path: Path) -> str:
    document = pdfium.PdfDocument(path)
    try:
        pages = []
        for index in range(len(document)):
            page = document[index]
            text_page = page.get_textpage()
            pages.append(text_page.get_text_bounded())
            text_page.close()
            page.close()
        return "\n\n".join(pages)
    finally:
        document.close()


def pdfplumber_text(path: Path) -> str:
    import pdfplumber

    with pdfplumber.open(path) as document:
        return "\n\n".join(page.extract_text() or "" for page in document.pages)


def token_similarity(ours: str, theirs: str) -> tuple[float, float]:
    """(difflib.SequenceMatcher ratio over the whitespace-token sequences, token-set Jaccard),
    both texts first put through normalize_text. The ratio is order-aware: 1.0 means the same
    words in the same order."""
    from syllabus.extraction import normalize_text

    a, b = normalize_text(ours).split(), normalize_text(theirs).split()
    ratio = difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()
    union = set(a) | set(b)
    jaccard = len(set(a) & set(b)) / len(union) if union else 1.0
    return ratio, jaccard


def measure(path: Path, name: str) -> Row:
    from harness.processes import median_seconds
    from syllabus.extraction import extract_pdf

    result = extract_pdf(path)
    plumber_result = pdfplumber_text(path)
    small = result.page_count < 50
    ours_s = median_seconds(lambda: extract_pdf(path), repeats=15 if small else 7)
    pdfium_s = median_seconds(lambda: pdfium_text(path), repeats=15 if small else 7)
    plumber_s = median_seconds(lambda: pdfplumber_text(path), repeats=5 if small else 2)
    similarity, jaccard = token_similarity(result.text, plumber_result)
    return Row(name, result.page_count, ours_s, pdfium_s, plumber_s, similarity, jaccard)


def print_table(rows: list[Row]) -> None:
    from _harness import print_table_header

    print_table_header(
        f"{'document':<40} {'pages':>5} {'ours p/s':>9} {'pdfium p/s':>10} {'plumber p/s':>11}"
        f" {'ours/plumber':>12} {'pdfium/plumber':>14} {'similarity':>10} {'jaccard':>7}"
    )
    total = Row(
        "all documents (total pages / total time)",
        sum(row.pages for row in rows),
        sum(row.ours_s for row in rows),
        sum(row.pdfium_s for row in rows),
        sum(row.plumber_s for row in rows),
        float("nan"),
        float("nan"),
    )
    for row in [*rows, total]:
        similarity = "" if row is total else f"{row.similarity:.3f}"
        jaccard = "" if row is total else f"{row.jaccard:.3f}"
        print(
            f"{row.name:<40} {row.pages:>5} {row.pages / row.ours_s:>9.0f}"
            f" {row.pages / row.pdfium_s:>10.0f} {row.pages / row.plumber_s:>11.1f}"
            f" {row.plumber_s / row.ours_s:>11.1f}x {row.plumber_s / row.pdfium_s:>13.1f}x"
            f" {similarity:>10} {jaccard:>7}"
        )


# --- per-call cost of isolation ---------------------------------------------------------------


def forkserver_child(path: str, reply: Connection) -> None:
    """The cheapest isolated call we could have had: a forkserver child with PDFium already
    loaded, no limits, no normalization."""
    reply.send(pdfium_text(Path(path)))
    reply.close()


def forkserver_call(context: multiprocessing.context.BaseContext, path: Path) -> str:
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=forkserver_child, args=(str(path), sender))
    process.start()
    sender.close()
    text = receiver.recv()
    process.join()
    return text


def print_overhead(one_page: Path) -> None:
    from harness.processes import median_seconds
    from syllabus.extraction import extract_pdf

    context = multiprocessing.get_context("forkserver")
    # The forkserver's best case: it preloads every package this process has imported, so the
    # re-run of this script in each child (CPython gh-98552) finds all its imports cached.
    loaded = {name.partition(".")[0] for name in sys.modules if not name.startswith("_")}
    context.set_forkserver_preload(sorted(loaded))
    in_process = median_seconds(lambda: pdfium_text(one_page), repeats=30)
    ours = median_seconds(lambda: extract_pdf(one_page), repeats=30)
    forkserver = median_seconds(lambda: forkserver_call(context, one_page), repeats=30)
    print("Per-call cost on a one-page PDF (median of 30):")
    print(f"  pypdfium2 in process                          {in_process * 1000:7.1f} ms")
    print(
        f"  extract_pdf (subprocess child, our path)      {ours * 1000:7.1f} ms"
        f"  -> isolation overhead {(ours - in_process) * 1000:.0f} ms"
    )
    print(
        f"  forkserver child, PDFium preloaded (not used) {forkserver * 1000:7.1f} ms"
        f"  -> isolation overhead {(forkserver - in_process) * 1000:.0f} ms"
    )


def main() -> None:
    import pdfplumber
    from _harness import print_header, verdict

    from harness import pdfs

    versions = [f"pypdfium2 {pdfium.PYPDFIUM_INFO} (PDFium {pdfium.PDFIUM_INFO})"]
    print_header(
        "PDF text extraction benchmark", [*versions, f"pdfplumber {pdfplumber.__version__}"]
    )
    samples = pdfs.sample_syllabi()
    if not samples:
        print(f"(sample syllabi not found in {pdfs.SAMPLE_SYLLABI_DIR}; generated PDF only)")
    with tempfile.TemporaryDirectory(prefix="bench-extraction-") as scratch:
        generated = Path(scratch) / f"generated-{GENERATED_PAGES}-pages.pdf"
        generated.write_bytes(pdfs.text_pdf(GENERATED_PAGES))
        one_page = Path(scratch) / "one-page.pdf"
        one_page.write_bytes(pdfs.text_pdf(1))

        rows = [measure(path, path.name) for path in [*samples, generated]]
        print()
        print_table(rows)
        print()
        print(
            "similarity: difflib.SequenceMatcher ratio over whitespace-token sequences of our text"
            " and pdfplumber's, both normalize_text'ed (order-aware, 1.0 = identical words);"
            " jaccard: token-set overlap."
        )
        big = rows[-1]
        speed_up = big.plumber_s / big.ours_s
        print(
            f"Target ours/plumber >= {SPEED_UP_TARGET:.0f}x on the {big.pages}-page PDF:"
            f" {verdict(speed_up >= SPEED_UP_TARGET)} ({speed_up:.1f}x)."
        )
        print()
        print_overhead(one_page)


if __name__ == "__main__":
    main()
