"""Fixtures of the fault drills: private services, the system on them, and the figures report.

Teardown runs in reverse order (system, then Redis, then PostgreSQL), also when a drill fails,
so no process or cluster outlives its drill.
"""

import json
from collections.abc import Iterator

import pytest

from harness.private_services import PrivatePostgres, PrivateRedis
from harness.stack import Stack, prepare_database, stack_environment

FIGURES_KEY = pytest.StashKey[dict]()
_REPORTS_KEY = pytest.StashKey[dict]()  # each phase's report, to print logs after a failure
LOG_TAIL_CHARS = 3000
AI_WORKER_CONCURRENCY = 4  # the Procfile's default is sized for real AI latency, not 2 cores


@pytest.fixture(scope="session", autouse=True)
def _clean_test_redis() -> None:
    """Overrides the root fixture: drills never touch the shared Redis, not even to flush
    the test db another suite may be using at the same time."""


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    """Overrides the root fixture, for the same reason."""


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    with PrivatePostgres() as postgres:
        postgres.start()
        yield postgres


@pytest.fixture
def private_redis(tmp_path) -> Iterator[PrivateRedis]:
    with PrivateRedis(tmp_path) as redis_server:
        redis_server.start()
        yield redis_server


@pytest.fixture
def system(request, tmp_path, private_postgres, private_redis) -> Iterator[Stack]:
    """Migrated, running, ready: gunicorn, generation/evaluation/maintenance workers, beat."""
    env = stack_environment(
        database_url=private_postgres.url,
        redis_url=private_redis.url,
        MEDIA_ROOT=str(tmp_path / "media"),
        WEB_CONCURRENCY="2",
        # Short, so that recovery is measured in seconds.
        AI_JOB_STALE_PENDING_SECONDS="2",
        MAINTENANCE_INTERVAL_SECONDS="1",
        AI_RETRY_BACKOFF_SECONDS="0.2",
        # The throttles stay in the path (they still count in Redis) but out of the figures.
        THROTTLE_CANDIDATE_RATE="100000/min",
        THROTTLE_GENERATION_RATE="100000/min",
    )
    with Stack(env=env, work_dir=tmp_path) as stack:
        prepare_database(env)
        stack.start(ai_concurrency=AI_WORKER_CONCURRENCY)
        yield stack
        # After a failed drill, the end of every process's log.
        if any(report.failed for report in request.node.stash.get(_REPORTS_KEY, {}).values()):
            for name, process in stack.processes.items():
                print(f"\n----- {name} ({process.log_path}), last lines -----")
                print(process.log()[-LOG_TAIL_CHARS:])


@pytest.fixture
def drill_figures(request, tmp_path) -> Iterator[dict]:
    """The figures a drill measured: printed, saved as JSON, and listed in the run's summary."""
    figures: dict = {}
    yield figures
    if not figures:
        return
    figures_path = tmp_path / "figures.json"
    figures_path.write_text(json.dumps(figures, indent=2))
    print(f"\n{request.node.name} figures ({figures_path}):\n{json.dumps(figures, indent=2)}")
    request.config.stash.setdefault(FIGURES_KEY, {})[request.node.name] = figures


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    item.stash.setdefault(_REPORTS_KEY, {})[report.when] = report
    return report


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    figures = config.stash.get(FIGURES_KEY, {})
    if figures:
        terminalreporter.section("fault drill figures")
        for name, values in figures.items():
            terminalreporter.write_line(f"{name}: {json.dumps(values)}")
