"""Entry point of the throwaway process that parses one untrusted PDF:
`python -E -s -m syllabus.extraction.child`, started by `isolation.run_isolated`.

Protocol. The request arrives on stdin as one JSON object:
    {"path": str, "max_pages": int, "max_text_chars": int, "memory_bytes": int,
     "cpu_seconds": int, "parent_pid": int}
The reply leaves on the original stdout as one JSON object, then the process exits 0:
    {"status": "ok", "text": str (normalized), "page_count": int, "engine": str}
    {"status": "error", "reason": <PdfError.reason>, "detail": str,
     "page_count": int, "max_pages": int}      (the last two for too_many_pages only)
Any other exit (a signal, a non-zero status, no or malformed reply) means the parser crashed.
"""

from __future__ import annotations

import contextlib
import ctypes
import faulthandler
import io
import json
import os
import resource
import signal
import sys

# Importing the engine loads PDFium; that happens before the address-space limit is set, so the
# limit measures the parse and not the import.
from .engine import extract_page_texts
from .errors import ParserCrashed, PdfError, TooManyPages
from .normalize import normalize_text

_MAX_REQUEST_BYTES = 64 << 10
_PR_SET_PDEATHSIG = 1


def main() -> int:
    # A native crash inside PDFium then leaves a Python stack on stderr for the parent's logs.
    faulthandler.enable()
    reply_channel = _take_over_stdout()
    request = json.loads(sys.stdin.buffer.read(_MAX_REQUEST_BYTES))
    _die_with_parent(request["parent_pid"])
    _apply_resource_limits(memory_bytes=request["memory_bytes"], cpu_seconds=request["cpu_seconds"])
    reply = _extract(
        request["path"],
        max_pages=request["max_pages"],
        max_text_chars=request["max_text_chars"],
    )
    reply_channel.write(json.dumps(reply, ensure_ascii=False).encode("utf-8", "replace"))
    reply_channel.close()
    return 0


def _take_over_stdout() -> io.BufferedWriter:
    """Keep the real stdout for the reply alone and send fd 1 to stderr, so that whatever a
    native library prints can never corrupt the JSON reply."""
    reply_fd = os.dup(sys.stdout.fileno())
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    return os.fdopen(reply_fd, "wb")


def _die_with_parent(parent_pid: int) -> None:
    """Ask Linux to SIGKILL this process if the parent dies (say a Celery worker hit its hard
    time limit), so no orphan parser is left running. A no-op where prctl does not exist."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)


def _apply_resource_limits(*, memory_bytes: int, cpu_seconds: int) -> None:
    # The address space is what a decompression bomb exhausts: PDFium then aborts or Python raises
    # MemoryError, instead of the host swapping. CPU time backs up the parent's wall clock.
    _lower_limit(resource.RLIMIT_AS, memory_bytes, memory_bytes)
    _lower_limit(resource.RLIMIT_CPU, cpu_seconds, cpu_seconds + 1)
    # No core dump of a 1 GiB crash, and a parser has no business writing files.
    _lower_limit(resource.RLIMIT_CORE, 0, 0)
    _lower_limit(resource.RLIMIT_FSIZE, 0, 0)


def _lower_limit(which: int, soft: int, hard: int) -> None:
    _, current_hard = resource.getrlimit(which)
    if current_hard != resource.RLIM_INFINITY:
        hard = min(hard, current_hard)
        soft = min(soft, hard)
    resource.setrlimit(which, (soft, hard))


def _extract(path: str, *, max_pages: int, max_text_chars: int) -> dict[str, object]:
    try:
        pages = extract_page_texts(path, max_pages=max_pages, max_text_chars=max_text_chars)
        # A blank line between pages keeps a page break a paragraph break after normalization.
        text = normalize_text("\n\n".join(pages.pages))
    except TooManyPages as error:
        return _error_reply(error, page_count=error.page_count, max_pages=error.max_pages)
    except PdfError as error:
        return _error_reply(error)
    except MemoryError:
        return _error_reply(ParserCrashed(detail="MemoryError under the address-space limit"))
    except Exception as error:  # noqa: BLE001 - any other failure of the parser is a crash
        return _error_reply(ParserCrashed(detail=f"{type(error).__name__}: {error}"[:500]))
    return {"status": "ok", "text": text, "page_count": pages.page_count, "engine": pages.engine}


def _error_reply(error: PdfError, **fields: int) -> dict[str, object]:
    return {"status": "error", "reason": error.reason, "detail": error.detail, **fields}


if __name__ == "__main__":
    sys.exit(main())
