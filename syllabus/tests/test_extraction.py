"""The PDF text extraction engine: results, refusals, and the isolation of the parser.

Plain pytest: no database. PDFs are made on the fly (harness/pdfs.py); the real sample
syllabi are read in place from ../shared/data/syllabi/ when present.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from harness import pdfs
from syllabus.extraction import (
    ExtractedPdf,
    ExtractionLimits,
    extract_pdf,
    isolation,  # its child_command is the seam for fake children
    looks_like_pdf,
    normalize_text,
)
from syllabus.extraction.errors import (
    CorruptPdf,
    EncryptedPdf,
    NoExtractableText,
    NotAPdf,
    ParserCrashed,
    ParserTimeout,
    PdfError,
    TooManyPages,
)

pytestmark = pytest.mark.timeout(60)


def write(tmp_path: Path, content: bytes, name: str = "upload.pdf") -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def vm_rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS in /proc/self/status")


def open_fd_count() -> int:
    return len(os.listdir("/proc/self/fd"))


def is_alive(pid: int) -> bool:
    """A process that exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def fake_child(monkeypatch: pytest.MonkeyPatch, code: str) -> None:
    """Run `code` instead of the real extraction child, to make it hang or die on purpose."""
    monkeypatch.setattr(isolation, "child_command", lambda: [sys.executable, "-c", code])


# --- extraction results -------------------------------------------------------------------


def test_multi_page_text_is_extracted_in_page_order(tmp_path: Path) -> None:
    result = extract_pdf(write(tmp_path, pdfs.text_pdf(7)), ExtractionLimits())

    assert isinstance(result, ExtractedPdf)
    assert result.page_count == 7
    assert result.engine == "pdfium"
    positions = [result.text.index(pdfs.page_heading(page)) for page in range(1, 8)]
    assert positions == sorted(positions)
    first_sentence_of_page_3 = pdfs.page_body(3).split(". ")[0]
    assert first_sentence_of_page_3 in " ".join(result.text.split())


def test_extracted_text_is_normalized(tmp_path: Path) -> None:
    words = "Weekly  reading   gives infor-\nmation about Pre-\nRequisites and the exam."
    result = extract_pdf(write(tmp_path, pdfs.text_pdf(1, words=words)))

    assert result.text == normalize_text(result.text)
    assert "information about Pre-\nRequisites and the exam." in result.text
    assert "  " not in result.text


def test_same_bytes_give_the_same_text(tmp_path: Path) -> None:
    first = extract_pdf(write(tmp_path, pdfs.text_pdf(3), "a.pdf"))
    second = extract_pdf(write(tmp_path, pdfs.text_pdf(3), "b.pdf"))

    assert first == second


def test_concurrent_calls_from_threads_do_not_interfere(tmp_path: Path) -> None:
    # gunicorn's gthread workers and Celery's thread pool call this from several threads at once.
    paths = [write(tmp_path, pdfs.text_pdf(pages), f"{pages}.pdf") for pages in range(1, 7)]

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(extract_pdf, paths))

    assert [result.page_count for result in results] == list(range(1, 7))


def test_relative_and_pathlike_paths_are_accepted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, pdfs.text_pdf(2))
    monkeypatch.chdir(tmp_path)

    assert extract_pdf("upload.pdf").page_count == 2
    assert extract_pdf(Path("upload.pdf")).page_count == 2


# --- refusals -----------------------------------------------------------------------------


def test_encrypted_pdf_is_refused(tmp_path: Path) -> None:
    with pytest.raises(EncryptedPdf) as raised:
        extract_pdf(write(tmp_path, pdfs.encrypted_pdf()))

    assert raised.value.reason == "encrypted"
    assert str(raised.value) == (
        "The PDF is encrypted or password-protected; upload an unprotected copy."
    )


def test_truncated_pdf_is_corrupt(tmp_path: Path) -> None:
    with pytest.raises(CorruptPdf) as raised:
        extract_pdf(write(tmp_path, pdfs.truncated_pdf()))

    assert raised.value.reason == "corrupt"


def test_image_only_pdf_has_no_extractable_text(tmp_path: Path) -> None:
    with pytest.raises(NoExtractableText) as raised:
        extract_pdf(write(tmp_path, pdfs.image_only_pdf(pages=3)))

    assert raised.value.reason == "no_text"
    assert "OCR is not supported" in str(raised.value)


def test_a_few_characters_are_not_enough_text(tmp_path: Path) -> None:
    with pytest.raises(NoExtractableText):
        extract_pdf(write(tmp_path, pdfs.text_pdf(3, words="p. 1", headings=False)))


def test_other_formats_are_refused_without_starting_a_parser(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_child(monkeypatch, "raise SystemExit('the parser must not run')")

    with pytest.raises(NotAPdf) as raised:
        extract_pdf(write(tmp_path, pdfs.not_a_pdf(), "syllabus.pdf"))

    assert raised.value.reason == "not_pdf"


def test_page_cap_is_enforced_before_extraction(tmp_path: Path) -> None:
    with pytest.raises(TooManyPages) as raised:
        extract_pdf(write(tmp_path, pdfs.text_pdf(6)), ExtractionLimits(max_pages=5))

    assert raised.value.reason == "too_many_pages"
    assert (raised.value.page_count, raised.value.max_pages) == (6, 5)
    assert str(raised.value) == "The PDF has 6 pages; the limit is 5."


def test_messages_do_not_reveal_server_paths(tmp_path: Path) -> None:
    for content in (pdfs.encrypted_pdf(), pdfs.truncated_pdf(), pdfs.image_only_pdf()):
        with pytest.raises(PdfError) as raised:
            extract_pdf(write(tmp_path, content))
        assert str(tmp_path) not in str(raised.value)
        assert "/" not in str(raised.value)


def test_limits_are_validated() -> None:
    with pytest.raises(ValueError):
        ExtractionLimits(max_pages=0)
    with pytest.raises(ValueError):
        ExtractionLimits(timeout_seconds=0)


# --- isolation: hostile files and misbehaving parsers --------------------------------------


def test_decompression_bomb_fails_fast_without_growing_the_parent(tmp_path: Path) -> None:
    bomb = write(tmp_path, pdfs.bomb_pdf(inflated_bytes=4 << 30), "bomb.pdf")
    extract_pdf(write(tmp_path, pdfs.text_pdf(1), "warm-up.pdf"))  # first-call allocations
    limits = ExtractionLimits(timeout_seconds=10, memory_bytes=1 << 30)
    rss_before = vm_rss_bytes()
    started = time.monotonic()

    with pytest.raises((ParserCrashed, ParserTimeout)):
        extract_pdf(bomb, limits)

    assert time.monotonic() - started < limits.timeout_seconds + 1
    assert vm_rss_bytes() - rss_before < 50 << 20


def test_hanging_parser_is_killed_and_reaped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pids_file = tmp_path / "pids"
    fake_child(
        monkeypatch,
        "import os, subprocess, sys, time\n"
        "grandchild = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        f"open({str(pids_file)!r}, 'w').write(f'{{os.getpid()}} {{grandchild.pid}}')\n"
        "time.sleep(60)\n",
    )
    pdf = write(tmp_path, pdfs.text_pdf(1))
    started = time.monotonic()

    with pytest.raises(ParserTimeout) as raised:
        extract_pdf(pdf, ExtractionLimits(timeout_seconds=1.5))

    assert time.monotonic() - started < 3
    assert raised.value.reason == "timeout"
    assert str(raised.value) == "The PDF took longer than 1.5 s to parse and was abandoned."
    child_pid, grandchild_pid = map(int, pids_file.read_text().split())
    with pytest.raises(ProcessLookupError):  # reaped: not even a zombie is left
        os.kill(child_pid, 0)
    deadline = time.monotonic() + 5  # the grandchild is reaped by init, in its own time
    while is_alive(grandchild_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not is_alive(grandchild_pid)


def test_damaged_files_are_read_or_refused_never_crash_the_engine(tmp_path: Path) -> None:
    outcomes = []
    for number, content in enumerate(pdfs.damaged_pdfs(24)):
        try:
            outcomes.append(extract_pdf(write(tmp_path, content, f"{number}.pdf")).engine)
        except PdfError as error:
            assert error.reason != "crashed", f"damaged copy {number}: {error.detail}"
            outcomes.append(error.reason)

    assert {"pdfium", "corrupt"} <= set(outcomes)  # the corpus exercises both outcomes


@pytest.mark.parametrize(
    "code",
    [
        pytest.param("import ctypes; ctypes.string_at(0)", id="segfault"),
        pytest.param("import os, signal; os.kill(os.getpid(), signal.SIGKILL)", id="sigkill"),
        pytest.param("raise MemoryError", id="exit-status"),
        pytest.param("print('not json')", id="garbage-reply"),
        pytest.param("print('[1, 2]')", id="reply-not-an-object"),
    ],
)
def test_dying_or_babbling_parser_is_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: str
) -> None:
    fake_child(monkeypatch, code)
    fds_before = open_fd_count()

    with pytest.raises(ParserCrashed) as raised:
        extract_pdf(write(tmp_path, pdfs.text_pdf(1)))

    assert raised.value.reason == "crashed"
    assert open_fd_count() == fds_before


def test_flood_of_output_is_cut_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_child(monkeypatch, "import sys\nwhile True: sys.stdout.buffer.write(b'x' * 65536)")
    rss_before = vm_rss_bytes()

    with pytest.raises(ParserCrashed):
        extract_pdf(write(tmp_path, pdfs.text_pdf(1)))

    assert vm_rss_bytes() - rss_before < 50 << 20


def test_child_inherits_no_secret_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # given: the caller's environment holds the secrets a web or Celery process has
    secrets = {
        "DATABASE_URL": "postgres://app:hunter2@db:5432/app",
        "GEMINI_API_KEY": "gemini-key",
        "DJANGO_SECRET_KEY": "django-secret",
        "CELERY_BROKER_URL": "redis://:pw@redis:6379/0",
    }
    for name, value in secrets.items():
        monkeypatch.setenv(name, value)
    # when: the child reports the environment it was given
    fake_child(
        monkeypatch,
        "import json, os, sys\nsys.stdin.read()\nprint(json.dumps(dict(os.environ)))",
    )
    seen = isolation.run_isolated({}, timeout_seconds=10, max_reply_bytes=1 << 20)

    # then: none of them, and nothing else inherited either
    assert not set(secrets) & set(seen)
    assert set(seen) <= set(isolation.child_environment()) | {"LC_CTYPE"}


def test_real_child_still_extracts_with_its_empty_environment(tmp_path: Path) -> None:
    result = extract_pdf(write(tmp_path, pdfs.text_pdf(2)))

    assert result.page_count == 2


def test_child_imports_no_django_and_stays_lean() -> None:
    # Django: the engine must run anywhere. pdfplumber, a heavy import, loads only for the fallback.
    unwanted = ["django", "pdfplumber"]
    code = (
        "import sys, syllabus.extraction.child\n"
        f"loaded = [m for m in {unwanted!r} if m in sys.modules]\n"
        "assert not loaded, f'the child imported {loaded}'"
    )
    subprocess.run([sys.executable, "-E", "-s", "-c", code], cwd=isolation.IMPORT_ROOT, check=True)


# --- engine choice ------------------------------------------------------------------------


def test_pdfplumber_reads_pages_pdfium_finds_empty(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from syllabus.extraction import engine

    pdf = write(tmp_path, pdfs.text_pdf(2))
    monkeypatch.setattr(engine, "_pdfium_page_text", lambda document, index: "")

    pages = engine.extract_page_texts(str(pdf), max_pages=10, max_text_chars=10_000)

    assert pages.engine == engine.PDFIUM_WITH_PDFPLUMBER_FALLBACK
    assert [pdfs.page_heading(n) in text for n, text in enumerate(pages.pages, 1)] == [True] * 2


def test_fallback_finding_nothing_leaves_pdfium_as_the_engine(tmp_path: Path) -> None:
    from syllabus.extraction import engine

    pdf = write(tmp_path, pdfs.image_only_pdf())

    pages = engine.extract_page_texts(str(pdf), max_pages=10, max_text_chars=10_000)

    assert (pages.engine, pages.pages) == (engine.PDFIUM, [""])


def test_fallback_is_not_trusted_when_the_parsers_disagree_on_pages(tmp_path: Path) -> None:
    from syllabus.extraction import engine

    pdf = write(tmp_path, pdfs.text_pdf(2))
    # As on a damaged page tree: pdfminer's "page 1" would not be PDFium's page 1.
    fallback = engine._PdfplumberFallback(str(pdf), page_count=3)

    assert (fallback.page_text(0), fallback.contributed) == ("", False)
    fallback.close()


def test_text_beyond_the_cap_is_refused(tmp_path: Path) -> None:
    from syllabus.extraction import engine

    pdf = write(tmp_path, pdfs.text_pdf(3))

    with pytest.raises(ParserCrashed):
        engine.extract_page_texts(str(pdf), max_pages=10, max_text_chars=1000)


# --- the real sample syllabi ----------------------------------------------------------------

SAMPLE_PAGE_COUNTS = {
    "computational-linguistics-lin7076.pdf": 2,
    "programming-paradigms-cs231.pdf": 4,
    "probability-statistics-csc217.pdf": 5,
}


@pytest.mark.parametrize("name", sorted(SAMPLE_PAGE_COUNTS))
def test_sample_syllabus_is_extracted(name: str) -> None:
    path = pdfs.SAMPLE_SYLLABI_DIR / name
    if not path.is_file():
        pytest.skip(f"sample syllabi not present in {pdfs.SAMPLE_SYLLABI_DIR}")

    first, second = extract_pdf(path), extract_pdf(path)

    assert first.page_count == SAMPLE_PAGE_COUNTS[name]
    assert len(first.text) > 1000
    assert first == second


def test_sample_syllabi_helper_lists_only_pdfs() -> None:
    assert all(path.suffix == ".pdf" for path in pdfs.sample_syllabi())


# --- normalize_text and looks_like_pdf --------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("Cafe\u0301 re\u0301sume\u0301", "Café résumé", id="nfc"),
        pytest.param("infor-\nmation", "information", id="line-end-hyphen-joined"),
        pytest.param("infor-  \n  mation", "information", id="hyphen-with-spaces"),
        pytest.param("a well-known term", "a well-known term", id="mid-line-hyphen-kept"),
        pytest.param("Pre-\nRequisites", "Pre-\nRequisites", id="hyphen-before-capital-kept"),
        pytest.param("page 12-\n13", "page 12-\n13", id="hyphen-between-digits-kept"),
        pytest.param("hy\u00adphen\u00ad\nation", "hyphenation", id="soft-hyphens"),
        pytest.param("infor\x02mation", "information", id="pdfium-bounded-marker"),
        pytest.param("Pre\ufffeRequisites", "Pre-\nRequisites", id="pdfium-range-marker"),
        pytest.param("a\x00b\x07c\x1bd\x7fe\x9ff", "abcdef", id="control-characters"),
        pytest.param("zero\u200bwidth\ufeff", "zerowidth", id="invisible-characters"),
        pytest.param("one\n\ntwo", "one\n\ntwo", id="newlines-kept"),
        pytest.param("a \t b\u00a0\u2003c", "a b c", id="spaces-collapsed"),
        pytest.param("line one   \n   line two", "line one\nline two", id="lines-trimmed"),
        pytest.param("p1\n\n\n\n\np2", "p1\n\np2", id="blank-lines-collapsed"),
        pytest.param("a\n \n\t\n \nb", "a\n\nb", id="whitespace-lines-are-blank"),
        pytest.param("a\r\nb\rc\fd\u2028e", "a\nb\nc\nd\ne", id="line-breaks-unified"),
        pytest.param("  \n text \n\n ", "text", id="stripped"),
        pytest.param("", "", id="empty"),
    ],
)
def test_normalize_text(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


def test_normalize_text_is_idempotent() -> None:
    raw = "Intro-\nduction\u00a0 to  Algo-\nrithms\r\n\r\n\r\nWeek 1:\tsort-\nING e\u0301\x00"
    once = normalize_text(raw)

    assert normalize_text(once) == once
    assert once == "Introduction to Algorithms\n\nWeek 1: sort-\nING é"


@pytest.mark.parametrize(
    ("first_bytes", "expected"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", True),
        (b"\xef\xbb\xbf" + b"x" * 1000 + b"%PDF-1.4", True),
        (b"x" * 1024 + b"%PDF-1.4", False),
        (b"%PDF", False),
        (b"\x89PNG\r\n\x1a\n", False),
        (b"", False),
    ],
)
def test_looks_like_pdf(first_bytes: bytes, expected: bool) -> None:
    assert looks_like_pdf(first_bytes) is expected


def test_test_pdfs_are_what_they_claim() -> None:
    assert pdfs.text_pdf(2) == pdfs.text_pdf(2)
    assert looks_like_pdf(pdfs.bomb_pdf(inflated_bytes=1 << 20))
    assert not looks_like_pdf(pdfs.not_a_pdf())
    assert len(pdfs.bomb_pdf()) < 8 << 20  # 4 GiB of zeros in a few MB
