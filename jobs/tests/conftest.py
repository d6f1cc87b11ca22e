from collections.abc import Iterator

import pytest
import redis


@pytest.fixture
def client(settings) -> Iterator[redis.Redis]:
    """A plain client on the test Redis db, for tests of the Redis-backed guards."""
    with redis.Redis.from_url(settings.REDIS_URL) as client:
        yield client


@pytest.fixture
def stub():
    """GENERATION jobs run through a scripted handler (jobs.tests.stub)."""
    from jobs.tests.stub import stub_handler_for

    with stub_handler_for() as handler:
        yield handler
