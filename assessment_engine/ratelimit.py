"""A rate limit shared by every process and host: a sliding-window log in Redis (the API's
throttles, the AI provider's calls).

Guarantee: for every interval of length `window_seconds` (closed at both ends, measured on
the Redis server's clock), at most `limit` calls are granted, however many processes and
threads call `acquire()`. The limit is exact, not approximate, and it is also a burst cap:
up to `limit` calls may be granted at once, after which the next grant waits until the
oldest one in the window has aged out.

Algorithm: a sorted set holds one member per grant, scored by the server time of the grant in
microseconds. One Lua script, run atomically, drops members older than the window, grants
(adds a member) if fewer than the limit remain, and otherwise answers how long until the
oldest one that blocks ages out, without adding anything. Proof of the bound: take any
interval [t - W, t] and the grant g in it that ran last (scripts run one at a time, and the
script never lets its clock go backwards, so later scripts have later or equal times). Every
other grant in the interval ran before g, at a time >= t - W >= t_g - W, so none had been
removed when g ran (removal drops only scores < now - W); g was granted only because fewer
than `limit` members were present, so the interval holds at most `limit` grants.
The clock is the Redis server's (`TIME`), never a worker's, so skew between hosts does not
matter; if the server's clock steps back, the script keeps using the newest grant's time.
If it steps forward by d, up to `limit` extra grants can fall into one real interval.

Why not a library: `limits` (5.x) has a Redis moving-window strategy with the same shape, but
it timestamps entries with the client's `time.time()` (so clock skew between worker hosts
leaks into the limit), takes the window as whole seconds, and its `hit()` answers only yes or
no: the wait needs a second, non-atomic call (`get_window_stats`). The script below is about
twenty lines and answers both in one atomic round trip.

Keys: `ae:ratelimit:<name>:log`, expiring one second after its newest grant ages out; at most
`limit` members.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass

import redis

# ARGV: limit, window_us, member, ttl_ms. Returns {wait_us, now_us}; wait_us 0 = granted.
_ACQUIRE = """
if redis.replicate_commands then redis.replicate_commands() end
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local newest = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
if newest[2] and tonumber(newest[2]) > now then
  now = tonumber(newest[2])
end
redis.call('ZREMRANGEBYSCORE', key, '-inf', string.format('(%.0f', now - window))
local count = redis.call('ZCARD', key)
if count < limit then
  redis.call('ZADD', key, string.format('%.0f', now), ARGV[3])
  redis.call('PEXPIRE', key, tonumber(ARGV[4]))
  return {0, now}
end
local blocking = redis.call('ZRANGE', key, count - limit, count - limit, 'WITHSCORES')
return {tonumber(blocking[2]) + window - now + 1, now}
"""


@dataclass(frozen=True)
class Acquired:
    """The answer to one acquire: `wait` 0 means granted (a slot was consumed)."""

    wait: float  # seconds until a slot frees up; 0 when granted
    server_time: float  # the Redis server's clock at the decision, epoch seconds (0 if unlimited)


class GlobalRateLimit:
    """At most `limit` calls per `window_seconds` (60 by default), across all workers.

    `limit <= 0` means unlimited: `acquire()` returns 0 without touching Redis.
    """

    def __init__(
        self,
        name: str,
        *,
        limit: int,
        redis_client: redis.Redis,
        window_seconds: float = 60.0,
    ) -> None:
        if window_seconds <= 0:
            raise ValueError("window_seconds must be positive")
        self.name = name
        self.limit = limit
        self.window_seconds = window_seconds
        self.key = f"ae:ratelimit:{name}:log"
        self._window_us = max(1, round(window_seconds * 1_000_000))
        self._ttl_ms = math.ceil(self._window_us / 1000) + 1000
        self._acquire = redis_client.register_script(_ACQUIRE)

    @property
    def unlimited(self) -> bool:
        return self.limit <= 0

    def acquire(self) -> float:
        """0 if a call may proceed now (its slot is taken), else seconds to wait (nothing taken).

        Raises `redis.RedisError` if Redis cannot be reached.
        """
        return self.try_acquire().wait

    def try_acquire(self) -> Acquired:
        """`acquire()`, also telling the Redis server time the decision was made at."""
        if self.unlimited:
            return Acquired(wait=0.0, server_time=0.0)
        wait_us, now_us = self._acquire(
            keys=[self.key],
            args=[self.limit, self._window_us, uuid.uuid4().hex, self._ttl_ms],
        )
        return Acquired(wait=int(wait_us) / 1_000_000, server_time=int(now_us) / 1_000_000)
