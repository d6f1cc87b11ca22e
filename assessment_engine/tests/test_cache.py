"""The Redis cache backend keeps one client (one pool) per server for the whole process."""

from django.core.cache import cache


def test_every_cache_call_shares_one_redis_client():
    client = cache.redis_client()
    cache.set("shared-client", {"a": 1}, 30)

    assert cache.get("shared-client") == {"a": 1}
    assert cache._cache.get_client("shared-client") is client  # reads, too
    assert client.connection_pool is cache.redis_client().connection_pool


def test_the_cache_serves_every_call_from_the_shared_client_of_its_server():
    from assessment_engine.redis_client import redis_client

    assert cache.redis_client() is redis_client()  # the throttles' client too
    assert redis_client("redis://127.0.0.1:1/0") is not redis_client()  # one per server
