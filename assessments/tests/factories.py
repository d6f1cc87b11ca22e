"""Syllabi for tests, made through the real upload service from real (generated) PDFs."""

import tempfile
from pathlib import Path

from syllabus.services import PdfUpload, syllabus_upload
from syllabus.tests import pdfs

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


def course_pdf(pages: int = 4) -> bytes:
    """COURSE_TEXT spread over `pages` pages (distinct sentences on every page)."""
    lines = COURSE_TEXT.strip().splitlines()
    per_page = -(-len(lines) // pages)
    chunks = [" ".join(lines[i : i + per_page]) for i in range(0, len(lines), per_page)]
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_font("Helvetica", size=11)
    for chunk in chunks:
        pdf.add_page()
        pdf.multi_cell(0, 6, chunk)
    return bytes(pdf.output())


def make_syllabus(*, subject: str = "Algorithms", pages: int = 4, name: str = "course.pdf"):
    """A real PDF, uploaded through `syllabus_upload` (extraction included)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(course_pdf(pages))
        [result] = syllabus_upload(
            subject=subject, files=[PdfUpload(name, path, path.stat().st_size)]
        )
    return result.syllabus


__all__ = ["COURSE_TEXT", "course_pdf", "make_syllabus", "pdfs"]
