"""What the bench scripts share: the bench database and Redis db, the run's start and report.

Benchmarks never touch the development or test data: they run against a database and a Redis db
of their own, created and migrated here. Call `configure_django()` before importing any project
module.
"""

from __future__ import annotations

import os
import platform
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from harness import databases  # noqa: E402
from harness.fake_gemini import start_fake_gemini  # noqa: E402, F401 - re-exported
from harness.processes import (  # noqa: E402, F401 - re-exported for the bench scripts
    ChildProcess,
    HarnessError,
    cpu_seconds,
    free_port,
    group_cpu_seconds,
    install_stop_signals,
    median_seconds,
    process_group,
    run_main,
)
from harness.stack import (  # noqa: E402 - re-exported for the bench scripts
    prepare_database,
    stack_environment,
    start_worker,
)

# Overridable so that two benchmarks can run side by side on databases of their own.
BENCH_DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/assessment_engine_bench"
)
BENCH_REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
BenchmarkError = HarnessError


def bench_environment(**overrides: str) -> dict[str, str]:
    """Environment for this process and its children: the bench database and Redis db only."""
    return stack_environment(
        database_url=BENCH_DATABASE_URL, redis_url=BENCH_REDIS_URL, **overrides
    )


def configure_django(*, environment: dict[str, str] | None = None, **overrides: str) -> None:
    """Point this process at the bench database and Redis db (or `environment`), then set
    Django up."""
    os.environ.update(environment or bench_environment(**overrides))
    import django

    django.setup()


def ensure_database() -> None:
    """Create the bench database if missing and bring its schema up to date."""
    prepare_database(bench_environment())


def reset_state() -> None:
    """Empty every table of the bench database and the bench Redis db (broker and cache)."""
    from django.core.management import call_command

    call_command("flush", interactive=False, verbosity=0)
    databases.flush_redis(BENCH_REDIS_URL)


def start_run(time_limit_seconds: int) -> float:
    """A benchmark run's start: Ctrl-C, SIGTERM and the time limit turned into exceptions, no
    other benchmark on the bench database (it would be emptied under its feet), its schema up
    to date and every table and the Redis db emptied. Returns perf_counter() at the start."""
    install_stop_signals(time_limit_seconds)
    started = time.perf_counter()
    busy = databases.connections_to(BENCH_DATABASE_URL)
    if busy > 0:
        raise BenchmarkError(f"{busy} connection(s) to the bench database: another benchmark?")
    ensure_database()
    reset_state()
    return started


def server_versions() -> str:
    """'PostgreSQL x, Redis y' of the servers the benchmark talks to."""
    import redis
    from django.db import connection

    with redis.Redis.from_url(BENCH_REDIS_URL) as client:
        redis_version = client.info("server")["redis_version"]
    pg_version = connection.cursor().connection.info.server_version  # e.g. 160004
    return f"PostgreSQL {pg_version // 10000}.{pg_version % 10000}, Redis {redis_version}"


def database_scalar(sql: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def database_connection_count() -> int:
    """Open connections to the bench database, from every process (this one included)."""
    return database_scalar(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
    )


def database_sessions() -> int:
    """Sessions ever opened to the bench database (PostgreSQL >= 14 counts them as they start)."""
    return database_scalar(
        "SELECT sessions FROM pg_stat_database WHERE datname = current_database()"
    )


def celery_worker(
    name: str, *, queue: str, concurrency: int, log_dir: Path, env: dict[str, str]
) -> ChildProcess:
    """A worker started as the Procfile starts one (thread pool), ready to consume."""
    log_path = log_dir / f"{name}.log"
    return start_worker(name, queue, env=env, log_path=log_path, concurrency=concurrency)


# --- report ----------------------------------------------------------------------------------


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def print_table_header(header: str) -> None:
    """A table's column names, ruled underneath to their full width."""
    print(header)
    print("-" * len(header))


def print_header(title: str, versions: list[str]) -> None:
    """The first line of every report: when, on what host, with which software versions."""
    print(
        f"{title}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC,"
        f" os.cpu_count()={os.cpu_count()}, Python {platform.python_version()},"
        f"{''.join(f' {version},' for version in versions)}"
        f" load average {os.getloadavg()[0]:.1f} at start"
    )


def run_benchmark(main: Callable[[], object]) -> None:
    run_main(main, what="benchmark")


if __name__ == "__main__":
    print("bench/_harness.py holds shared helpers; it measures nothing itself.")
