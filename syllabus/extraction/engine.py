"""Text out of a PDF, page by page. Runs inside the sandboxed child process only.

PDFium (through pypdfium2, the maintained binding pdfplumber itself depends on) reads every
page: on the sample syllabi it is far faster than pdfplumber and its text at least as good
(docs/BENCHMARKS.md, "PDF text extraction"). pdfplumber stays as a fallback for pages on which
PDFium finds no text at all, where pdfminer's independent font and content-stream handling may
recover something; it is imported only when such a page turns up. Only `extract_page_texts`
decides which engine reads a page.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from .errors import CorruptPdf, EncryptedPdf, ParserCrashed, TooManyPages

if TYPE_CHECKING:
    from pdfplumber.pdf import PDF as PlumberDocument

PDFIUM = "pdfium"
PDFIUM_WITH_PDFPLUMBER_FALLBACK = "pdfium+pdfplumber"

# A user password, or a security handler PDFium does not implement: either way, locked.
_LOCKED_ERRORS = {pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY}


class PageTexts:
    __slots__ = ("engine", "page_count", "pages")

    def __init__(self, *, page_count: int, pages: list[str], engine: str) -> None:
        self.page_count = page_count
        self.pages = pages
        self.engine = engine


def extract_page_texts(path: str, *, max_pages: int, max_text_chars: int) -> PageTexts:
    """Raw text of every page of the PDF at `path`, in page order.

    Raises EncryptedPdf, CorruptPdf, TooManyPages (checked before any page is read) or
    ParserCrashed (more than `max_text_chars` characters of text).
    """
    document = _open_with_pdfium(path)
    try:
        page_count = len(document)
        if page_count > max_pages:
            raise TooManyPages(page_count, max_pages)
        fallback = _PdfplumberFallback(path, page_count=page_count)  # opens nothing yet
        try:
            pages = _read_pages(document, page_count, fallback, max_text_chars)
        finally:
            fallback.close()
    finally:
        document.close()
    engine = PDFIUM_WITH_PDFPLUMBER_FALLBACK if fallback.contributed else PDFIUM
    return PageTexts(page_count=page_count, pages=pages, engine=engine)


def _read_pages(
    document: pdfium.PdfDocument,
    page_count: int,
    fallback: _PdfplumberFallback,
    max_text_chars: int,
) -> list[str]:
    pages: list[str] = []
    total_chars = 0
    for index in range(page_count):
        text = _pdfium_page_text(document, index)
        if not text.strip():
            text = fallback.page_text(index)
        total_chars += len(text)
        if total_chars > max_text_chars:  # stop before a flood of text is built up
            raise ParserCrashed(detail=f"more than {max_text_chars} characters of text")
        pages.append(text)
    return pages


def _open_with_pdfium(path: str) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(path)
    except pdfium.PdfiumError as error:
        if error.err_code in _LOCKED_ERRORS:
            raise EncryptedPdf(detail=str(error)) from error
        raise CorruptPdf(detail=str(error)) from error


def _pdfium_page_text(document: pdfium.PdfDocument, index: int) -> str:
    try:
        page = document[index]
        try:
            text_page = page.get_textpage()
            try:
                return text_page.get_text_bounded()
            finally:
                text_page.close()
        finally:
            page.close()
    except pdfium.PdfiumError as error:
        raise CorruptPdf(detail=str(error)) from error


class _PdfplumberFallback:
    """pdfplumber opened lazily, once, for the pages PDFium found empty.

    Only trusted when pdfminer sees as many pages as PDFium: on a damaged page tree the two
    parsers walk different pages, and "page i" of one is not page i of the other. (Fuzzing 300
    damaged copies of a generated PDF, every page the fallback "recovered" was another page's
    text, duplicated; with this check it recovers none, and none wrongly.)
    """

    def __init__(self, path: str, *, page_count: int) -> None:
        self._path = path
        self._page_count = page_count
        self._document: PlumberDocument | None = None
        self._unusable = False
        self.contributed = False

    def page_text(self, index: int) -> str:
        document = self._open()
        if document is None:
            return ""
        try:
            text = document.pages[index].extract_text() or ""
        except Exception:  # noqa: BLE001 - a fallback must never turn PDFium's result into a failure
            return ""
        if text.strip():
            self.contributed = True
        return text

    def _open(self) -> PlumberDocument | None:
        if self._document is None and not self._unusable:
            import pdfplumber  # a heavy import that most documents never need

            try:
                document = pdfplumber.open(self._path)
            except Exception:  # noqa: BLE001 - same: PDFium already opened this file
                self._unusable = True
                return None
            self._document = document
            try:
                same_pages = len(document.pages) == self._page_count
            except Exception:  # noqa: BLE001 - same
                same_pages = False
            if not same_pages:
                self.close()
                self._unusable = True
        return self._document

    def close(self) -> None:
        if self._document is not None:
            # pdfplumber's close() walks every page and trips over the same damage that sent
            # us here; the outcome is already decided, so it must not replace it.
            with contextlib.suppress(Exception):
                self._document.close()
            self._document = None
