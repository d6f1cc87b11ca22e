"""What the bench scripts share: the bench database and Redis db, the run's start and report.

Benchmarks never touch the development or test data: they run against a database and a Redis db
of their own, created and migrated here. Call `configure_django()` before importing any project
module. Everything else they need comes from `harness` itself.
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
from harness.processes import HarnessError, install_stop_signals  # noqa: E402
from harness.stack import prepare_database, stack_environment  # noqa: E402

# Overridable so that two benchmarks can run side by side on databases of their own.
BENCH_DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/assessment_engine_bench"
)
BENCH_REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")


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


def start_run(time_limit_seconds: int) -> float:
    """A benchmark run's start: Ctrl-C, SIGTERM and the time limit turned into exceptions, no
    other benchmark on the bench database (it would be emptied under its feet), its schema up
    to date and every table and the Redis db emptied. Returns perf_counter() at the start."""
    install_stop_signals(time_limit_seconds)
    started = time.perf_counter()
    busy = databases.connections_to(BENCH_DATABASE_URL)
    if busy > 0:
        raise HarnessError(f"{busy} connection(s) to the bench database: another benchmark?")
    prepare_database(bench_environment(), empty=True)
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


def measured_call(call: Callable[[], object]) -> tuple[object, float, int]:
    """`call()`'s result, its wall seconds and the SQL statements it ran."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = call()
        seconds = time.perf_counter() - started
    return result, seconds, len(queries)


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
