"""GlobalRateLimit against the real test Redis, hammered by threads and by other processes.

Grants are timed by the Redis server's clock (`Acquired.server_time`), the clock the guarantee
is stated in: a worker's own clock would add its network and scheduling jitter to each grant.
"""

from __future__ import annotations

import json
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

from assessment_engine.ratelimit import GlobalRateLimit
from assessment_engine.redis_client import redis_client

REPO_ROOT = Path(__file__).resolve().parents[2]

MakeLimit = Callable[..., GlobalRateLimit]


@pytest.fixture
def client() -> redis.Redis:
    return redis_client()


@pytest.fixture
def make_limit(client: redis.Redis) -> Iterator[MakeLimit]:
    """Rate limits with unique names; their keys are deleted afterwards."""
    made: list[GlobalRateLimit] = []

    def make(**options) -> GlobalRateLimit:
        limit = GlobalRateLimit(f"test-{uuid.uuid4().hex}", redis_client=client, **options)
        made.append(limit)
        return limit

    yield make
    for limit in made:
        client.delete(limit.key)


def hammer(limit: GlobalRateLimit, deadline: float, threads: int) -> list[float]:
    """Acquire in a loop until the deadline (sleeping as told); the server times of grants."""
    grants: list[float] = []

    def contend() -> None:
        while (left := deadline - time.time()) > 0:
            acquired = limit.try_acquire()
            if acquired.wait == 0:
                grants.append(acquired.server_time)
            else:
                time.sleep(min(acquired.wait, left))

    workers = [threading.Thread(target=contend) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return grants


def child_main() -> None:
    """Run in another process: hammer until the deadline read from stdin; print grants."""
    url, name, per_window, window, threads = sys.argv[1:6]
    limit = GlobalRateLimit(
        name,
        limit=int(per_window),
        window_seconds=float(window),
        redis_client=redis.Redis.from_url(url),
    )
    print("ready", flush=True)
    deadline = float(sys.stdin.readline())
    print(json.dumps(hammer(limit, deadline, int(threads))), flush=True)


def flushdb_calls(client: redis.Redis) -> int:
    """How many FLUSHDB the server ran so far: a concurrent test session would reset us."""
    stats = client.info("commandstats")
    return int(stats.get("cmdstat_flushdb", {}).get("calls", 0))


def most_in_any_window(times: list[float], window: float) -> int:
    """The most grants in any closed interval of length `window` (one starting at a grant)."""
    times = sorted(times)
    most, end = 0, 0
    for start, at in enumerate(times):
        while end < len(times) and times[end] <= at + window:
            end += 1
        most = max(most, end - start)
    return most


def test_never_more_than_the_limit_in_any_window_across_processes(make_limit, client, settings):
    """8 threads here and 2 processes x 4 threads for 5 s: 20 per 2 s window, and no fewer."""
    per_window, window, duration = 20, 2.0, 5.0
    limit = make_limit(limit=per_window, window_seconds=window)
    code = "from assessment_engine.tests.test_ratelimit import child_main; child_main()"
    args = [settings.REDIS_URL, limit.name, str(per_window), str(window), "4"]
    children = [
        subprocess.Popen(
            [sys.executable, "-c", code, *args],
            cwd=REPO_ROOT,
            env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    flushes_before = flushdb_calls(client)
    try:
        for child in children:
            assert child.stdout is not None
            assert child.stdout.readline().strip() == "ready"
        deadline = time.time() + duration
        for child in children:
            assert child.stdin is not None
            child.stdin.write(f"{deadline}\n")
            child.stdin.flush()
        here = hammer(limit, deadline, threads=8)
        there = [json.loads(child.communicate(timeout=30)[0]) for child in children]
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
    grants = here + [at for grants in there for at in grants]
    flushes = flushdb_calls(client) - flushes_before

    assert most_in_any_window(grants, window) <= per_window, (
        f"{flushes} FLUSHDB ran on this Redis during the test (another test session "
        "sharing it wipes the limiter's key)"
        if flushes
        else "the limit was exceeded"
    )
    # Not starved: windows starting at ~0 s, ~2 s and ~4 s were all filled...
    assert len(grants) >= 3 * per_window - 3
    # ...and every process had its share.
    assert here
    assert all(there)


def test_a_full_window_answers_the_wait_without_consuming(make_limit, client):
    limit = make_limit(limit=3, window_seconds=1.0)
    granted = [limit.try_acquire() for _ in range(3)]
    assert [acquired.wait for acquired in granted] == [0, 0, 0]

    refused = limit.try_acquire()
    # The oldest grant ages out one window after it was made (plus one microsecond).
    expected = granted[0].server_time + 1.0 - refused.server_time + 1e-6
    assert 0 < refused.wait <= 1.0
    assert refused.wait == pytest.approx(expected, abs=2e-6)

    assert all(limit.acquire() > 0 for _ in range(50))
    assert client.zcard(limit.key) == 3  # refusals took nothing

    time.sleep(refused.wait)
    assert limit.acquire() == 0


def test_a_slot_frees_exactly_when_the_oldest_grant_ages_out(make_limit):
    limit = make_limit(limit=2, window_seconds=0.5)
    first = limit.try_acquire()
    time.sleep(0.2)
    second = limit.try_acquire()
    assert (first.wait, second.wait) == (0, 0)

    refused = limit.try_acquire()  # the first grant, 0.2 s older, frees first
    assert refused.wait == pytest.approx(
        first.server_time + 0.5 - refused.server_time + 1e-6, abs=2e-6
    )
    time.sleep(refused.wait)
    assert limit.acquire() == 0
    blocked = limit.try_acquire()  # now the second grant blocks
    assert blocked.wait == pytest.approx(
        second.server_time + 0.5 - blocked.server_time + 1e-6, abs=2e-6
    )


def test_refusals_do_not_consume_a_whole_window(make_limit):
    limit = make_limit(limit=3, window_seconds=0.5)
    assert [limit.acquire() for _ in range(3)] == [0, 0, 0]
    for _ in range(20):
        assert limit.acquire() > 0
    time.sleep(0.51)
    assert [limit.acquire() for _ in range(3)] == [0, 0, 0]
    assert limit.acquire() > 0


@pytest.mark.parametrize("count", [0, -1])
def test_zero_or_negative_means_unlimited(make_limit, client, count):
    limit = make_limit(limit=count)

    assert limit.unlimited
    assert all(limit.acquire() == 0 for _ in range(1000))
    assert not client.exists(limit.key)


def test_key_is_namespaced_and_expires_after_the_window(make_limit, client):
    limit = make_limit(limit=5, window_seconds=2.0)
    limit.acquire()

    assert limit.key == f"ae:ratelimit:{limit.name}:log"
    assert 2000 < client.pttl(limit.key) <= 3000


def test_instances_sharing_a_name_share_the_limit(make_limit, settings):
    first = make_limit(limit=2, window_seconds=5.0)
    with redis.Redis.from_url(settings.REDIS_URL) as other_client:
        second = GlobalRateLimit(first.name, limit=2, window_seconds=5.0, redis_client=other_client)
        assert first.acquire() == 0
        assert second.acquire() == 0
        assert first.acquire() > 0
        assert second.acquire() > 0


def test_window_must_be_positive(client):
    with pytest.raises(ValueError):
        GlobalRateLimit("bad", limit=1, window_seconds=0, redis_client=client)
