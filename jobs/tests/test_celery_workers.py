"""Real worker processes, one per queue: tasks round-trip through Redis (never eager)."""

import pytest

from assessment_engine.accounts.tasks import purge_expired_auth_tokens
from assessment_engine.request_context import request_id_var
from jobs.tasks import pings

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]

QUEUES = ("generation", "evaluation", "maintenance")


def test_a_task_round_trips_through_a_worker_on_each_queue(start_worker):
    workers = {queue: start_worker([queue]) for queue in QUEUES}

    for queue in QUEUES:
        result = pings[queue].delay().get(timeout=30)
        assert result["queue"] == queue
        assert result["worker"].startswith(f"{queue}@")  # served by that queue's own worker

    for worker in workers.values():
        assert "Traceback" not in worker.log()


def test_the_request_id_travels_into_the_task_and_its_log_lines(start_worker):
    worker = start_worker(["maintenance"])
    token = request_id_var.set("req-into-celery-42")
    try:
        deleted = purge_expired_auth_tokens.delay().get(timeout=30)
    finally:
        request_id_var.reset(token)

    assert deleted == 0
    purge_lines = [line for line in worker.log().splitlines() if "Purged" in line]
    assert purge_lines and "[req-into-celery-42]" in purge_lines[0]


def test_ping_queues_command_reports_each_queue(start_worker, capsys):
    from django.core.management import call_command

    start_worker(list(QUEUES), name="all")

    call_command("ping_queues", "--timeout", "20")

    out = capsys.readouterr().out
    for queue in QUEUES:
        assert f"{queue}" in out and "all@" in out


def test_ping_queues_fails_when_a_queue_has_no_worker(start_worker):
    from django.core.management import CommandError, call_command

    start_worker(["generation", "maintenance"], name="partial")

    with pytest.raises(CommandError, match="No worker on: evaluation"):
        call_command("ping_queues", "--timeout", "2")
