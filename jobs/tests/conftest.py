from collections.abc import Iterator

import pytest
import redis


@pytest.fixture
def client(settings) -> Iterator[redis.Redis]:
    """A plain client on the test Redis db, for tests of the Redis-backed guards."""
    with redis.Redis.from_url(settings.REDIS_URL) as client:
        yield client
