"""CircuitBreaker against the real test Redis, raced by threads and by other processes."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from jobs.resilience import CircuitBreaker, CircuitOpen, Permit

REPO_ROOT = Path(__file__).resolve().parents[2]
OPEN_SECONDS = 0.25

MakeBreaker = Callable[..., CircuitBreaker]


@pytest.fixture
def make_breaker(client: redis.Redis) -> Iterator[MakeBreaker]:
    """Breakers with unique names; their keys are deleted afterwards."""
    made: list[CircuitBreaker] = []

    def make(**options) -> CircuitBreaker:
        options.setdefault("failure_threshold", 3)
        options.setdefault("open_seconds", OPEN_SECONDS)
        breaker = CircuitBreaker(f"test-{uuid.uuid4().hex}", redis_client=client, **options)
        made.append(breaker)
        return breaker

    yield make
    for breaker in made:
        client.delete(breaker.key)


def fail(breaker: CircuitBreaker, times: int = 1) -> str:
    outcome = ""
    for _ in range(times):
        outcome = breaker.record_failure(breaker.before_call())
    return outcome


def wait_for_half_open(breaker: CircuitBreaker, timeout: float = 5.0) -> None:
    """Poll (Redis server clock) until the open period is over."""
    deadline = time.monotonic() + timeout
    while breaker.state()["state"] == "OPEN":
        assert time.monotonic() < deadline, "the circuit never left OPEN"
        time.sleep(0.01)


def open_error(breaker: CircuitBreaker) -> CircuitOpen:
    with pytest.raises(CircuitOpen) as caught:
        breaker.before_call()
    return caught.value


def server_time(client: redis.Redis) -> float:
    seconds, micros = client.time()
    return seconds + micros / 1_000_000


def test_a_fresh_breaker_is_closed(make_breaker):
    breaker = make_breaker()

    assert breaker.state() == {
        "name": breaker.name,
        "state": "CLOSED",
        "consecutive_failures": 0,
        "opened_until": None,
        "probe_in_flight": False,
    }
    assert breaker.before_call() == Permit(breaker=breaker.name, generation=0, probe=False)


def test_opens_at_the_threshold_of_consecutive_failures_and_not_before(make_breaker, client):
    breaker = make_breaker(failure_threshold=3)

    assert fail(breaker, 2) == "counted"
    assert breaker.state()["state"] == "CLOSED"
    assert breaker.state()["consecutive_failures"] == 2
    breaker.before_call()  # still let through

    before = server_time(client)
    assert fail(breaker) == "opened"
    after = server_time(client)

    state = breaker.state()
    assert state["state"] == "OPEN"
    assert state["consecutive_failures"] == 3
    assert before + OPEN_SECONDS - 0.002 <= state["opened_until"] <= after + OPEN_SECONDS + 0.002
    assert state["probe_in_flight"] is False


def test_a_success_resets_the_consecutive_count(make_breaker):
    breaker = make_breaker(failure_threshold=3)

    fail(breaker, 2)
    assert breaker.record_success(breaker.before_call()) == "counted"
    assert breaker.state()["consecutive_failures"] == 0
    fail(breaker, 2)

    assert breaker.state()["state"] == "CLOSED"
    assert fail(breaker) == "opened"


def test_rejects_while_open_with_retry_after(make_breaker):
    breaker = make_breaker(failure_threshold=1)
    fail(breaker)

    first = open_error(breaker)
    time.sleep(0.05)
    second = open_error(breaker)

    assert 0 < second.retry_after < first.retry_after <= OPEN_SECONDS
    assert first.name == breaker.name
    assert breaker.state()["state"] == "OPEN"


def race(breaker: CircuitBreaker, contenders: int) -> tuple[list[Permit], list[CircuitOpen]]:
    """`contenders` threads released at once each call before_call once."""
    start = threading.Barrier(contenders)
    permits: list[Permit] = []
    rejections: list[CircuitOpen] = []

    def contend() -> None:
        start.wait()
        try:
            permits.append(breaker.before_call())
        except CircuitOpen as exc:
            rejections.append(exc)

    threads = [threading.Thread(target=contend) for _ in range(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return permits, rejections


def test_exactly_one_probe_when_twenty_threads_race(make_breaker):
    breaker = make_breaker(failure_threshold=1, probe_timeout=30)
    fail(breaker)

    for _round in range(3):
        wait_for_half_open(breaker)
        permits, rejections = race(breaker, 20)

        assert len(permits) == 1
        assert permits[0].probe
        assert len(rejections) == 19
        assert all(0 < exc.retry_after <= 30 for exc in rejections)
        assert breaker.state()["state"] == "HALF_OPEN"
        assert breaker.state()["probe_in_flight"] is True
        assert breaker.record_failure(permits[0]) == "reopened"  # and race again


def child_main() -> None:
    """Run in another process: hammer before_call until the deadline; print probes granted."""
    url, name, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
    breaker = CircuitBreaker(
        name,
        failure_threshold=1,
        open_seconds=OPEN_SECONDS,
        probe_timeout=30,
        redis_client=redis.Redis.from_url(url),
    )
    print("ready", flush=True)
    deadline = float(sys.stdin.readline())
    probes, ordinary = hammer(breaker, deadline, threads)
    print(probes, ordinary, flush=True)


def hammer(breaker: CircuitBreaker, deadline: float, threads: int) -> tuple[int, int]:
    """Call before_call in a loop until the deadline: (probe permits, ordinary permits)."""
    permits: list[Permit] = []

    def contend() -> None:
        while time.time() < deadline:
            try:
                permits.append(breaker.before_call())
            except CircuitOpen:
                time.sleep(0.001)

    workers = [threading.Thread(target=contend) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    probes = sum(permit.probe for permit in permits)
    return probes, len(permits) - probes


def start_children(settings, name: str, count: int, threads: int) -> list[subprocess.Popen]:
    code = "from jobs.tests.test_breaker import child_main; child_main()"
    children = [
        subprocess.Popen(
            [sys.executable, "-c", code, settings.REDIS_URL, name, str(threads)],
            cwd=REPO_ROOT,
            env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]
    for child in children:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
    return children


def test_exactly_one_probe_across_processes(make_breaker, settings):
    """8 threads here and 2 processes x 4 threads hammer through the end of the open period."""
    breaker = make_breaker(failure_threshold=1, probe_timeout=30)
    children = start_children(settings, breaker.name, count=2, threads=4)
    try:
        fail(breaker)
        deadline = time.time() + OPEN_SECONDS + 1.0
        for child in children:
            assert child.stdin is not None
            child.stdin.write(f"{deadline}\n")
            child.stdin.flush()
        counts = [hammer(breaker, deadline, threads=8)]
        for child in children:
            output = child.communicate(timeout=30)[0]
            probes, ordinary = output.split()
            counts.append((int(probes), int(ordinary)))
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()

    assert sum(probes for probes, _ in counts) == 1
    assert sum(ordinary for _, ordinary in counts) == 0
    assert breaker.state()["state"] == "HALF_OPEN"
    assert breaker.state()["probe_in_flight"] is True


def test_a_successful_probe_closes_the_circuit(make_breaker):
    breaker = make_breaker(failure_threshold=2)
    fail(breaker, 2)
    wait_for_half_open(breaker)

    probe = breaker.before_call()
    assert probe.probe
    assert breaker.record_success(probe) == "closed"

    assert breaker.state() == {
        "name": breaker.name,
        "state": "CLOSED",
        "consecutive_failures": 0,
        "opened_until": None,
        "probe_in_flight": False,
    }
    assert breaker.before_call().probe is False
    assert fail(breaker) == "counted"  # the count starts again from zero
    assert fail(breaker) == "opened"


def test_a_failed_probe_reopens_for_another_open_period(make_breaker, client):
    breaker = make_breaker(failure_threshold=2)
    fail(breaker, 2)
    wait_for_half_open(breaker)
    probe = breaker.before_call()

    before = server_time(client)
    assert breaker.record_failure(probe) == "reopened"

    state = breaker.state()
    assert state["state"] == "OPEN"
    assert state["consecutive_failures"] == 3
    assert state["opened_until"] >= before + OPEN_SECONDS - 0.002
    assert 0 < open_error(breaker).retry_after <= OPEN_SECONDS
    wait_for_half_open(breaker)
    assert breaker.before_call().probe


def test_a_crashed_probe_frees_the_slot_after_probe_timeout(make_breaker):
    breaker = make_breaker(failure_threshold=1, probe_timeout=0.4)
    fail(breaker)
    wait_for_half_open(breaker)

    crashed = breaker.before_call()  # and never reports
    assert crashed.probe
    rejected = open_error(breaker)
    assert 0.3 < rejected.retry_after <= 0.4
    time.sleep(0.2)
    assert open_error(breaker).retry_after <= 0.2

    time.sleep(rejected.retry_after - 0.2 + 0.01)
    second = breaker.before_call()
    assert second.probe
    # The crashed probe's late report no longer counts: the slot belongs to the second probe.
    assert breaker.record_success(crashed) == "stale"
    assert breaker.record_failure(crashed) == "stale"
    assert breaker.state()["state"] == "HALF_OPEN"
    assert breaker.record_success(second) == "closed"


def test_releasing_a_probe_frees_the_slot_at_once_and_counts_nothing(make_breaker):
    breaker = make_breaker(failure_threshold=1, probe_timeout=30)
    fail(breaker)
    wait_for_half_open(breaker)
    unused = breaker.before_call()
    assert open_error(breaker).retry_after > 25

    assert breaker.release(unused) is True
    assert breaker.state()["probe_in_flight"] is False
    assert breaker.state()["consecutive_failures"] == 1
    second = breaker.before_call()
    assert second.probe
    assert breaker.release(unused) is False  # stale: the slot is the second probe's now
    assert breaker.state()["probe_in_flight"] is True
    assert breaker.record_success(second) == "closed"

    ordinary = breaker.before_call()
    assert breaker.release(ordinary) is False  # nothing to free while closed
    assert breaker.state()["state"] == "CLOSED"


def test_late_reports_from_calls_started_before_opening_are_ignored(make_breaker):
    breaker = make_breaker(failure_threshold=2)
    in_flight = [breaker.before_call() for _ in range(4)]

    assert breaker.record_failure(in_flight[0]) == "counted"
    assert breaker.record_failure(in_flight[1]) == "opened"
    opened_until = breaker.state()["opened_until"]

    assert breaker.record_failure(in_flight[2]) == "stale"  # does not extend the open period
    assert breaker.record_success(in_flight[3]) == "stale"  # does not close it either
    assert breaker.state()["state"] == "OPEN"
    assert breaker.state()["opened_until"] == opened_until


def test_keys_are_namespaced_and_expire(make_breaker, client):
    breaker = make_breaker()
    fail(breaker)

    assert breaker.key == f"ae:breaker:{breaker.name}:state"
    assert client.exists(breaker.key)
    assert 0 < client.pttl(breaker.key) <= 24 * 3600 * 1000


def test_reports_survive_an_unreachable_redis_but_before_call_raises():
    unreachable = redis.Redis(
        host="127.0.0.1", port=1, socket_connect_timeout=0.5, retry=Retry(NoBackoff(), 0)
    )
    breaker = CircuitBreaker(
        "unreachable", failure_threshold=1, open_seconds=1, redis_client=unreachable
    )
    permit = Permit(breaker="unreachable", generation=0, probe=False)

    assert breaker.record_success(permit) == "unreported"
    assert breaker.record_failure(permit) == "unreported"
    assert breaker.release(Permit(breaker="unreachable", generation=0, probe=True)) is False
    with pytest.raises(redis.ConnectionError):
        breaker.before_call()


def test_rejects_another_breakers_permit_and_bad_settings(make_breaker, client):
    breaker = make_breaker()
    with pytest.raises(ValueError, match="permit of circuit"):
        breaker.record_failure(Permit(breaker="other", generation=0, probe=False))
    for bad in (
        {"failure_threshold": 0, "open_seconds": 1},
        {"failure_threshold": 1, "open_seconds": 0},
        {"failure_threshold": 1, "open_seconds": 1, "probe_timeout": 0},
    ):
        with pytest.raises(ValueError):
            CircuitBreaker("bad", redis_client=client, **bad)
