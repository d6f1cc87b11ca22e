"""Parse untrusted PDFs in a throwaway child process, so that a hang, a memory blow-up or a
segfault in the native parser costs one child and never the caller.

Why `subprocess` running `python -E -s -m syllabus.extraction.child`, and not multiprocessing:

* The callers are gunicorn workers (possibly threaded), Celery workers and management commands.
  Popen's vfork + exec is safe from a threaded process holding database connections; "fork" is
  not. multiprocessing refuses to start children from the daemonic processes of Celery's
  prefork pool (celery/celery#1709), while Popen works there.
* "spawn", and before Python 3.13.8 "forkserver" too, re-run the caller's `__main__` script
  (gunicorn's or celery's, and all it imports) in every child (CPython gh-98552); the
  forkserver is also process-wide state, shared with any other user of multiprocessing.
* A plain child is easy to bound and to clean up: its own session (so one killpg reaches
  anything it started), a JSON reply on a pipe read with a size cap, a wall-clock deadline, and a
  wait() on every path so no zombie is left. No temporary file is ever created.

Its price, an interpreter start per call, is measured by bench/extraction.py.
`child_command` is the one seam tests replace, to run a child that hangs or dies on purpose.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, NamedTuple

from .errors import ParserCrashed, ParserTimeout

CHILD_MODULE = f"{__package__}.child"

# The directory that holds the top-level package, so `-m` finds it whether or not the project
# is installed: syllabus/extraction/isolation.py -> parents[2].
IMPORT_ROOT = str(Path(__file__).resolve().parents[__package__.count(".") + 1])

_READ_CHUNK_BYTES = 64 << 10
_STDERR_TAIL_BYTES = 2 << 10


def child_command() -> list[str]:
    # -E -s: PYTHON* variables and the user's site-packages cannot slip code into the child.
    return [sys.executable, "-E", "-s", "-m", CHILD_MODULE]


def child_environment() -> dict[str, str]:
    """The child's whole environment: nothing inherited. The caller's environment holds the
    database URL, the AI provider key and the Django secret; a parser exploited by a hostile
    PDF must not find them in its own /proc/self/environ. The child needs no variable (its
    interpreter path and module are on the command line); a fixed UTF-8 locale and search path
    keep it deterministic."""
    return {"PATH": os.defpath, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}


class _Output(NamedTuple):
    stdout: bytes
    stderr_tail: bytes
    timed_out: bool
    overflowed: bool


def run_isolated(
    request: dict[str, Any], *, timeout_seconds: float, max_reply_bytes: int
) -> dict[str, Any]:
    """Send `request` to a fresh child and return its JSON reply.

    Raises ParserTimeout when the child is not done within `timeout_seconds` (it is killed), and
    ParserCrashed when it dies by a signal, exits non-zero, replies with something that is not a
    JSON object, or tries to send more than `max_reply_bytes`.
    """
    deadline = time.monotonic() + timeout_seconds
    with subprocess.Popen(  # noqa: S603 - fixed argv: our interpreter and our module
        child_command(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=IMPORT_ROOT,
        env=child_environment(),
        start_new_session=True,
        close_fds=True,
    ) as process:
        try:
            _send_request(process, request)
            output = _collect_output(process, deadline, max_reply_bytes)
            returncode = None
            if not (output.timed_out or output.overflowed):
                returncode = _wait(process, deadline)
        finally:
            _kill_and_reap(process)

    detail = output.stderr_tail.decode("utf-8", "replace")
    if output.overflowed:
        raise ParserCrashed(detail=f"reply larger than {max_reply_bytes} bytes")
    if returncode is None:
        raise ParserTimeout(timeout_seconds, detail=detail)
    if returncode != 0:
        raise ParserCrashed(detail=f"{_describe_exit(returncode)}; stderr: {detail}")
    return _parse_reply(output.stdout, detail)


def _send_request(process: subprocess.Popen[bytes], request: dict[str, Any]) -> None:
    assert process.stdin is not None  # noqa: S101 - Popen(stdin=PIPE)
    try:
        # A few hundred bytes: far below the pipe buffer, so this never blocks.
        process.stdin.write(json.dumps({**request, "parent_pid": os.getpid()}).encode())
        process.stdin.close()
    except BrokenPipeError:
        pass  # the child died at once; its exit status tells why


def _collect_output(
    process: subprocess.Popen[bytes], deadline: float, max_reply_bytes: int
) -> _Output:
    """Read stdout and stderr until both close, the deadline passes, or stdout grows too big.
    Only the tail of stderr is kept: it is diagnostics, and unbounded."""
    assert process.stdout is not None and process.stderr is not None  # noqa: S101
    stdout_chunks: list[bytes] = []
    stdout_size = 0
    stderr_tail = b""
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        selector.register(process.stderr, selectors.EVENT_READ)
        while selector.get_map():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return _Output(b"", stderr_tail, timed_out=True, overflowed=False)
            for key, _ in selector.select(remaining):
                chunk = os.read(key.fd, _READ_CHUNK_BYTES)
                if not chunk:
                    selector.unregister(key.fileobj)
                elif key.fileobj is process.stdout:
                    stdout_size += len(chunk)
                    if stdout_size > max_reply_bytes:
                        return _Output(b"", stderr_tail, timed_out=False, overflowed=True)
                    stdout_chunks.append(chunk)
                else:
                    stderr_tail = (stderr_tail + chunk)[-_STDERR_TAIL_BYTES:]
    return _Output(b"".join(stdout_chunks), stderr_tail, timed_out=False, overflowed=False)


def _wait(process: subprocess.Popen[bytes], deadline: float) -> int | None:
    """The exit status, or None when the child closed its pipes but has not exited by the
    deadline."""
    try:
        return process.wait(timeout=max(deadline - time.monotonic(), 0))
    except subprocess.TimeoutExpired:
        return None


def _kill_and_reap(process: subprocess.Popen[bytes]) -> None:
    # Only signal while the child is unreaped: until then its pid (and so its process group id)
    # cannot have been reused by an unrelated process.
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):  # it exited a moment ago
            os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _describe_exit(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exit status {returncode}"


def _parse_reply(stdout: bytes, detail: str) -> dict[str, Any]:
    try:
        reply = json.loads(stdout)
    except ValueError:
        reply = None
    if not isinstance(reply, dict):
        raise ParserCrashed(detail=f"no valid reply; stderr: {detail}")
    return reply
