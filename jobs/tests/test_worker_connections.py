"""A real worker keeps its database connection from task to task (CONN_MAX_AGE), where Celery's
Django fix-up would open a new PostgreSQL session for every task."""

import time

import pytest
from django.db import connection

from jobs.tasks import pings

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]

TASKS = 30


def other_backends() -> set[tuple[int, object]]:
    """(pid, backend start) of every other connection to the test database: the worker's."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, backend_start FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return set(cursor.fetchall())


def sessions_opened() -> int:
    """Connections PostgreSQL has accepted to the test database so far. Backends report their
    statistics when idle, at most once a second: wait for that first."""
    time.sleep(1.5)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


def run_pings(count: int) -> None:
    """Pings with their results stored (the django-db backend: STARTED and SUCCESS rows), so
    each task writes to the database twice."""
    results = [pings["generation"].delay() for _ in range(count)]
    for result in results:
        assert result.get(timeout=30)["queue"] == "generation"


@pytest.mark.parametrize("threads", [1, 3])
def test_a_worker_runs_many_tasks_on_the_connections_it_opened_once(start_worker, threads):
    start_worker(["generation"], concurrency=threads)
    run_pings(threads * 4)  # every thread has run a task and opened its connection
    backends, opened = other_backends(), sessions_opened()

    run_pings(TASKS)

    assert sessions_opened() == opened  # not one new PostgreSQL session for 30 tasks
    assert other_backends() == backends
    assert 1 <= len(backends) <= threads  # at most one per worker thread


def test_a_connection_older_than_conn_max_age_is_replaced_between_tasks(start_worker):
    start_worker(["generation"], concurrency=1, env={"DATABASE_CONN_MAX_AGE": "1"})
    run_pings(2)
    [first] = other_backends()

    time.sleep(1.5)
    run_pings(1)

    [second] = other_backends()
    assert second != first  # closed after the task that found it too old, a new one opened
