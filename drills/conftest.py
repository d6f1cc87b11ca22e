"""Fixtures of the fault drills: private services, the system on them, and the figures report.

Teardown runs in reverse order (system, then Redis, then PostgreSQL), also when a drill fails,
so no process or cluster outlives its drill.
"""

import json
from collections.abc import Iterator

import pytest

from .services import PrivatePostgres, PrivateRedis, SystemUnderTest

FIGURES_KEY = pytest.StashKey[dict]()
_REPORTS_KEY = pytest.StashKey[dict]()  # each phase's report, to print logs after a failure
LOG_TAIL_CHARS = 3000


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
        postgres.create_database()
        yield postgres


@pytest.fixture
def private_redis(tmp_path) -> Iterator[PrivateRedis]:
    with PrivateRedis(tmp_path) as redis_server:
        redis_server.start()
        yield redis_server


@pytest.fixture
def system(request, tmp_path, private_postgres, private_redis) -> Iterator[SystemUnderTest]:
    """Migrated, running, ready: gunicorn, generation/evaluation/maintenance workers, beat."""
    with SystemUnderTest(
        work_dir=tmp_path, database_url=private_postgres.url, redis_url=private_redis.url
    ) as sut:
        sut.migrate()
        sut.start()
        yield sut
        if _failed(request.node):
            _print_log_tails(sut)


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


def _failed(item) -> bool:
    reports = item.stash.get(_REPORTS_KEY, {})
    return any(report.failed for report in reports.values())


def _print_log_tails(sut: SystemUnderTest) -> None:
    for name, process in sut.processes.items():
        print(f"\n----- {name} ({process.log_path}), last lines -----")
        print(process.log()[-LOG_TAIL_CHARS:])
