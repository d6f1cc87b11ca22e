"""What a benchmark measures of a run: nearest-rank percentiles, CPU over a window."""

from __future__ import annotations

import time
from collections.abc import Callable


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100): a value that was measured, never an interpolation."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, -(-p * len(ordered) // 100))  # ceil(p/100 * n)
    return ordered[min(int(rank), len(ordered)) - 1]


def cpu_window(
    sample: Callable[[], dict[str, dict[int, float]]], start: float, end: float
) -> dict[str, float]:
    """CPU ms per role between the instants `start` and `end` (time.monotonic()), from a
    `sample()` of {role: {pid: CPU seconds}} (`processes.cpu_seconds`) taken at each: a process
    that appeared in between counts whole, one that ended in between is lost."""
    time.sleep(max(0.0, start - time.monotonic()))
    before = sample()
    time.sleep(max(0.0, end - time.monotonic()))
    return {
        role: sum(cpu - before[role].get(pid, 0.0) for pid, cpu in pids.items()) * 1000
        for role, pids in sample().items()
    }
