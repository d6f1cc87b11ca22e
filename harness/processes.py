"""Child processes in a process group of their own, their output in a log file."""

from __future__ import annotations

import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
STOP_TIMEOUT_SECONDS = 20
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class HarnessError(Exception):
    """A child died, or something it was waited for did not happen in time."""


def free_port() -> int:
    """A port nobody listens on right now: the kernel's choice for a bind to port 0."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(
    predicate: Callable[[], object], *, timeout: float, what: str, interval: float = 0.1
) -> float:
    """Poll `predicate` until it holds and return how long that took (seconds)."""
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"{what}: not within {timeout:.0f} s")
        time.sleep(interval)
    return time.monotonic() - started


def seconds_until(
    predicate: Callable[[], object], *, timeout: float, interval: float = 0.1
) -> float | None:
    """Like `wait_until`, but None on timeout: a caller may record figures before asserting."""
    try:
        return wait_until(predicate, timeout=timeout, what="", interval=interval)
    except TimeoutError:
        return None


def median_seconds(call: Callable[[], object], repeats: int, *, warm_up: bool = True) -> float:
    """Median wall time of `repeats` calls (after one untimed call: page cache, lazy imports)."""
    if warm_up:
        call()
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


class ChildProcess:
    """A child started in a session of its own: Ctrl-C in the terminal reaches only the parent,
    which stops the child deliberately, and stopping it also ends whatever it forked."""

    def __init__(self, name: str, command: list[str], *, env: dict[str, str], log_path: Path):
        self.name, self.command, self.log_path = name, command, log_path
        with log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command,
                cwd=REPO_ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def alive(self) -> bool:
        return self.process.poll() is None

    def log(self, since: int = 0) -> str:
        """The output from character `since` on (`len(log())` is a bookmark)."""
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return text[since:]

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log().splitlines()[-lines:])

    def require_alive(self) -> None:
        if not self.alive():
            raise HarnessError(f"{self.name} exited:\n{self.log_tail()}")

    def wait_for_log(self, marker: str, timeout: float = 60) -> None:
        """Wait until `marker` appears in the output; fail at once if the child exits first."""

        def logged() -> bool:
            self.require_alive()
            return marker in self.log()

        try:
            wait_until(logged, timeout=timeout, what="", interval=0.05)
        except TimeoutError:
            raise HarnessError(
                f"{self.name}: no {marker!r} after {timeout} s:\n{self.log_tail()}"
            ) from None

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.alive():
            os.killpg(self.process.pid, sig)
        self.process.wait(timeout=30)

    def stop(self, timeout: float = STOP_TIMEOUT_SECONDS) -> None:
        """SIGTERM the group (Celery: warm shutdown), SIGKILL it if that takes too long."""
        if not self.alive():
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU time of each live process, from /proc (Linux)."""
    result = {}
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue  # gone
        fields = stat.rsplit(")", 1)[1].split()  # after "pid (comm)": state is fields[0]
        result[pid] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return result


def process_group(pgid: int) -> list[int]:
    """The live processes of a process group (a child and whatever it started), from /proc."""
    pids = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and _stat_field(entry, 2) == pgid:
                pids.append(int(entry.name))
        except OSError:
            continue
    return pids


def _stat_field(proc_entry: Path, index: int) -> int:
    return int((proc_entry / "stat").read_text().rsplit(")", 1)[1].split()[index])


def group_cpu_seconds(pgid: int) -> float:
    """User + system CPU of every process in a process group: unlike wall time, it does not
    depend on what else shares the cores."""
    return sum(cpu_seconds(process_group(pgid)).values())


def install_stop_signals(time_limit_seconds: int) -> None:
    """Turn Ctrl-C, SIGTERM and a hard run-time limit into exceptions, so `finally` blocks stop
    every child on those paths too."""

    def raise_exit(signum: int, _frame: object) -> None:
        if signum == signal.SIGALRM:
            raise HarnessError(f"run-time limit of {time_limit_seconds} s reached")
        raise SystemExit(128 + signum)

    # Ctrl-C raises KeyboardInterrupt even when started with SIGINT ignored (a background job).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, raise_exit)
    signal.signal(signal.SIGALRM, raise_exit)
    signal.alarm(time_limit_seconds)


def run_main(main: Callable[[], object], *, what: str) -> None:
    """Run a script's main() and exit with its code: HarnessError exits 1 with its reason,
    Ctrl-C 130 (the `finally` blocks have stopped every child by then)."""
    try:
        sys.exit(main() or 0)
    except HarnessError as error:
        print(f"{what} failed: {error}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("interrupted; every child process was stopped", file=sys.stderr)
        sys.exit(130)


def stop_all(children: list[ChildProcess]) -> None:
    """Stop every child, the last started first, even if stopping one fails."""
    errors = []
    for child in reversed(children):
        try:
            child.stop()
        except Exception as exc:  # noqa: BLE001 - keep stopping the others
            errors.append(f"{child.name}: {exc!r}")
    if errors:
        raise HarnessError(f"could not stop {', '.join(errors)}")
