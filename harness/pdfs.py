"""PDFs made on the fly for tests, benchmarks and drills, so no binary fixture is committed.

Every maker is deterministic: the same arguments give the same bytes (the creation date is pinned,
and fpdf2 derives the file /ID from the content and that date).
"""

from __future__ import annotations

import io
import random
import zlib
from datetime import UTC, datetime
from pathlib import Path

from fpdf import FPDF

# The real syllabi live beside the repository, in ../shared/data/syllabi/; they are read in place
# and never copied into the project.
SAMPLE_SYLLABI_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "syllabi"

_PINNED_DATE = datetime(2024, 1, 1, tzinfo=UTC)

# A syllabus with enough distinct material for the default 3 x 4 questions.
COURSE_TEXT = """\
Course Overview. This course introduces the design and analysis of algorithms for real problems.
Students learn to reason about correctness, running time and memory use of programs.
Asymptotic notation describes how the running time of an algorithm grows with the input size.
Divide and conquer algorithms split a problem into smaller subproblems and combine their solutions.
Merge sort is a divide and conquer algorithm that sorts a list in O(n log n) time.
Quicksort chooses a pivot element and partitions the array around it before recursing.
Binary search finds an element in a sorted array by repeatedly halving the search interval.
Hash tables store key value pairs and support expected constant time lookups.
A binary heap is a complete binary tree that supports priority queue operations efficiently.
Breadth first search explores a graph level by level from a chosen source vertex.
Depth first search follows each branch as far as possible before backtracking.
Dijkstra's algorithm computes shortest paths from a source when edge weights are nonnegative.
The Bellman-Ford algorithm handles negative edge weights and detects negative cycles.
Minimum spanning trees connect all vertices of a weighted graph with the least total weight.
Kruskal's algorithm builds a minimum spanning tree by adding edges in order of increasing weight.
Dynamic programming solves problems by combining solutions to overlapping subproblems.
Memoization stores the results of expensive function calls to avoid repeated computation.
Greedy algorithms make the locally optimal choice at each step of the computation.
Amortized analysis averages the cost of operations over a worst case sequence.
NP-complete problems have no known polynomial time algorithms for solving them exactly.
Weekly problem sets are due every Friday at noon and are graded within one week.
The midterm examination covers sorting, searching, graphs and dynamic programming.
The final project asks each team to build and evaluate a small information system.
Academic integrity is expected: discuss ideas freely but write your own solutions.
"""


SYLLABUS_SENTENCES = (
    "This course introduces the design and analysis of algorithms for practical problems.",
    "Students learn to reason about correctness, running time and memory use.",
    "Weekly problem sets are due every Friday at noon and are graded within one week.",
    "The midterm examination covers sorting, searching, graphs and dynamic programming.",
    "Office hours are held on Tuesdays and Thursdays in the computer science building.",
    "Late submissions lose ten percent of their value for each day past the deadline.",
    "Academic integrity is expected: discuss ideas freely but write your own solutions.",
    "The final project asks each team to build and evaluate a small information system.",
    "Readings are drawn from the textbook and from research papers posted on the website.",
    "Attendance at the laboratory sessions is required and counts toward participation.",
)


def _new_document() -> FPDF:
    pdf = FPDF(format="A4")
    pdf.set_creation_date(_PINNED_DATE)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_font("Helvetica", size=11)
    return pdf


def page_body(page_number: int) -> str:
    """The default body text of page `page_number` (1-based) of `text_pdf`: six sentences,
    rotated by page so that every page differs and order can be checked."""
    start = (page_number - 1) % len(SYLLABUS_SENTENCES)
    rotated = SYLLABUS_SENTENCES[start:] + SYLLABUS_SENTENCES[:start]
    return " ".join(rotated[:6])


def page_heading(page_number: int) -> str:
    return f"Section {page_number} heading marker"


def text_pdf(pages: int, *, words: str | None = None, headings: bool = True) -> bytes:
    """A text PDF of `pages` pages. Each page starts with `page_heading(n)` (unless `headings` is
    false) and carries `words` (when given) or `page_body(n)`, wrapped by fpdf2 into lines."""
    bodies = [words if words is not None else page_body(n) for n in range(1, pages + 1)]
    return paged_pdf(bodies, headings=headings)


def paged_pdf(bodies: list[str], *, headings: bool = False) -> bytes:
    """One page per text of `bodies`, headed by `page_heading(n)` with `headings`."""
    pdf = _new_document()
    for page_number, body in enumerate(bodies, start=1):
        pdf.add_page()
        if headings:
            pdf.set_font("Helvetica", style="B", size=14)
            pdf.cell(0, 10, page_heading(page_number), new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("Helvetica", size=11)
        pdf.multi_cell(0, 6, body)
    return bytes(pdf.output())


def course_pdf(pages: int = 4, *, extra: str = "") -> bytes:
    """COURSE_TEXT (then `extra`) spread over `pages` pages, distinct sentences on each."""
    lines = f"{COURSE_TEXT}{extra}".strip().splitlines()
    per_page = -(-len(lines) // pages)
    return paged_pdf([" ".join(lines[i : i + per_page]) for i in range(0, len(lines), per_page)])


def encrypted_pdf() -> bytes:
    """A text PDF that needs a user password to open."""
    pdf = _new_document()
    pdf.set_encryption(owner_password="owner-secret", user_password="user-secret")
    pdf.add_page()
    pdf.multi_cell(0, 6, page_body(1))
    return bytes(pdf.output())


def _gradient_png(width: int = 64, height: int = 64) -> bytes:
    from PIL import Image  # Pillow comes with fpdf2

    image = Image.new("RGB", (width, height))
    image.putdata([(x * 4 % 256, y * 4 % 256, 128) for y in range(height) for x in range(width)])
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def image_only_pdf(pages: int = 1) -> bytes:
    """What a scanned syllabus looks like to a text extractor: pages holding an image and drawn
    shapes, and not a single text object."""
    pdf = _new_document()
    png = io.BytesIO(_gradient_png())
    for _ in range(pages):
        pdf.add_page()
        pdf.image(png, x=20, y=20, w=120)
        pdf.set_fill_color(200, 200, 200)
        pdf.rect(20, 160, 170, 20, style="F")
        pdf.line(20, 190, 190, 190)
    return bytes(pdf.output())


def truncated_pdf() -> bytes:
    """A valid three-page text PDF cut in half, as an interrupted upload would leave it."""
    whole = text_pdf(3)
    return whole[: len(whole) // 2]


def damaged_pdfs(count: int, *, seed: int = 7) -> list[bytes]:
    """`count` copies of a three-page text PDF with random bytes overwritten and, for some, a
    stretch cut out: the damage a flaky disk, a bad proxy or a fuzzer leaves. Seeded, so the
    same arguments give the same files."""
    original = text_pdf(3)
    rng = random.Random(seed)
    copies = []
    for _ in range(count):
        damaged = bytearray(original)
        for _ in range(rng.randint(1, 20)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        if rng.random() < 0.3:
            cut = rng.randrange(len(damaged))
            del damaged[cut : cut + rng.randrange(200)]
        copies.append(bytes(damaged))
    return copies


def not_a_pdf() -> bytes:
    """A PNG image: real bytes of another format, named .pdf by a careless uploader."""
    return _gradient_png(8, 8)


def _deflate_zeros(inflated_bytes: int) -> bytes:
    """A zlib stream that inflates to `inflated_bytes` zero bytes, made in milliseconds.

    After a Z_FULL_FLUSH a deflate compressor forgets its history and is byte-aligned, so one
    compressed 1 MiB block of zeros can simply be repeated. The Adler-32 of n zero bytes is
    (n mod 65521) << 16 | 1, so the trailer is computed without reading them.
    """
    block_size = 1 << 20
    whole_blocks, remainder = divmod(inflated_bytes, block_size)
    raw_deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = raw_deflate.compress(bytes(block_size)) + raw_deflate.flush(zlib.Z_FULL_FLUSH)
    final = raw_deflate.compress(bytes(remainder)) + raw_deflate.flush(zlib.Z_FINISH)
    zlib_header = b"\x78\xda"  # deflate, 32 KiB window, best compression
    adler32 = ((inflated_bytes % 65521) << 16) | 1
    return zlib_header + block * whole_blocks + final + adler32.to_bytes(4, "big")


def bomb_pdf(inflated_bytes: int = 4 << 30) -> bytes:
    """A one-page PDF whose content stream is FlateDecode data inflating to `inflated_bytes`
    (4 GiB by default) from a file of about a thousandth of that."""
    stream = _deflate_zeros(inflated_bytes)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref_offset = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref_offset
    return bytes(out)


def sample_syllabi() -> list[Path]:
    """The real sample syllabi, sorted by name; empty where ../shared is absent."""
    if not SAMPLE_SYLLABI_DIR.is_dir():
        return []
    return sorted(SAMPLE_SYLLABI_DIR.glob("*.pdf"))
