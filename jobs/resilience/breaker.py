"""A circuit breaker whose state lives in Redis, shared by every worker process and host.

States (all times are the Redis server's clock, so hosts with skewed clocks still agree):

- CLOSED: calls go through. Consecutive transient failures are counted; a success resets the
  count. At `failure_threshold` consecutive failures the circuit OPENS for `open_seconds`.
- OPEN: `before_call()` raises `CircuitOpen(retry_after)` without calling the provider.
- HALF_OPEN: the open period is over. Exactly one caller, across all processes, gets a probe
  permit; everybody else still gets `CircuitOpen`. The probe's success closes the circuit
  (count reset); its failure re-opens it for another `open_seconds`. A prober that crashes
  and never reports holds the slot only `probe_timeout` seconds; then the next caller probes.

Only transient provider failures (timeouts, 5xx, 429, connection errors) are to be reported
with `record_failure`. Permanent errors (bad request, auth, a deleted syllabus) say nothing
about the provider's health: the caller reports no failure for them, and hands the permit
back with `release(permit)` (which matters for a probe: it frees the half-open slot at once
instead of after `probe_timeout`). Likewise a permit taken but not used (e.g. the rate limit
then said "wait") is released.

Every permit carries the breaker's generation, which moves on at each transition (open,
probe granted, close). A report made with a permit from an earlier generation is ignored: the
slow calls still in flight when the circuit opened cannot extend the open period, and a probe
that timed out cannot close or re-open a circuit another probe now owns.

Why not a library: pybreaker (1.4.x) has a Redis storage, but its transitions are separate
GET/SET commands run from the client: when the open period ends every process that notices
moves the circuit to half-open and calls through, so there is no single probe across
processes, and `opened_at` is stored with one-second resolution from the client's clock. It
also only wraps a call (`breaker.call(fn)`), whereas the job runner needs a permit before the
call and a report after it. The Lua scripts below are the whole state machine; each runs
atomically in Redis, in one round trip.

Keys: one hash `ae:breaker:<name>:state` (fields `gen`, `failures`, `opened_until`,
`probe_until`; times in epoch milliseconds), expiring after a day without a report or probe
(a lost key simply means CLOSED with no failures counted).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any, Literal

import redis

logger = logging.getLogger(__name__)

State = Literal["CLOSED", "OPEN", "HALF_OPEN"]
SuccessOutcome = Literal["counted", "closed", "stale", "unreported"]
FailureOutcome = Literal["counted", "opened", "reopened", "stale", "unreported"]

KEY_TTL_MIN_MS = 24 * 3600 * 1000

# Every script reads the Redis server's clock, in epoch milliseconds.
_NOW_MS = """
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
"""

# ARGV: probe_timeout_ms, ttl_ms.
# Returns {kind, generation, retry_after_ms}: kind 0 = closed permit, 1 = probe permit, 2 = open.
_BEFORE_CALL = (
    _NOW_MS
    + """
local key = KEYS[1]
local f = redis.call('HMGET', key, 'gen', 'opened_until', 'probe_until')
local gen = tonumber(f[1]) or 0
local opened_until = tonumber(f[2])
if not opened_until then
  return {0, gen, 0}
end
if now < opened_until then
  return {2, gen, opened_until - now}
end
local probe_until = tonumber(f[3])
if probe_until and now < probe_until then
  return {2, gen, probe_until - now}
end
gen = gen + 1
redis.call('HSET', key, 'gen', gen, 'probe_until', now + tonumber(ARGV[1]))
redis.call('PEXPIRE', key, tonumber(ARGV[2]))
return {1, gen, 0}
"""
)

# The outcome of a call is recorded only for the permit's generation (ARGV[1]): a report from
# an older generation is stale.
_READ_COUNTS = """
local key = KEYS[1]
local f = redis.call('HMGET', key, 'gen', 'failures', 'opened_until')
local gen = tonumber(f[1]) or 0
"""

# ARGV: permit generation, ttl_ms. Returns 0 = stale, 1 = counted (closed), 2 = closed by probe.
_RECORD_SUCCESS = (
    _NOW_MS
    + _READ_COUNTS
    + """
if tonumber(ARGV[1]) ~= gen then
  return 0
end
if f[3] then
  -- Only the probe holds the current generation while the circuit is not closed.
  redis.call('HSET', key, 'gen', gen + 1, 'failures', 0)
  redis.call('HDEL', key, 'opened_until', 'probe_until')
  redis.call('PEXPIRE', key, tonumber(ARGV[2]))
  return 2
end
if (tonumber(f[2]) or 0) > 0 then
  redis.call('HSET', key, 'failures', 0)
  redis.call('PEXPIRE', key, tonumber(ARGV[2]))
end
return 1
"""
)

# ARGV: permit generation, failure_threshold, open_ms, ttl_ms.
# Returns {outcome, failures, opened_until_ms}: outcome 0 = stale, 1 = counted, 2 = opened,
# 3 = re-opened after a failed probe.
_RECORD_FAILURE = (
    _NOW_MS
    + _READ_COUNTS
    + """
if tonumber(ARGV[1]) ~= gen then
  return {0, tonumber(f[2]) or 0, 0}
end
local failures = (tonumber(f[2]) or 0) + 1
local ttl = tonumber(ARGV[4])
if f[3] or failures >= tonumber(ARGV[2]) then
  local opened_until = now + tonumber(ARGV[3])
  redis.call('HSET', key, 'gen', gen + 1, 'failures', failures, 'opened_until', opened_until)
  redis.call('HDEL', key, 'probe_until')
  redis.call('PEXPIRE', key, ttl)
  if f[3] then
    return {3, failures, opened_until}
  end
  return {2, failures, opened_until}
end
redis.call('HSET', key, 'failures', failures)
redis.call('PEXPIRE', key, ttl)
return {1, failures, 0}
"""
)

# ARGV: permit generation. Returns 1 if a probe slot was freed, else 0.
_RELEASE = """
local f = redis.call('HMGET', KEYS[1], 'gen', 'opened_until', 'probe_until')
if tonumber(ARGV[1]) ~= (tonumber(f[1]) or 0) or not f[2] or not f[3] then
  return 0
end
redis.call('HDEL', KEYS[1], 'probe_until')
return 1
"""

# Returns {now_ms, failures, opened_until_ms or -1, probe_until_ms or -1}.
_STATE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local f = redis.call('HMGET', KEYS[1], 'failures', 'opened_until', 'probe_until')
return {now, tonumber(f[1]) or 0, tonumber(f[2]) or -1, tonumber(f[3]) or -1}
"""


class CircuitOpen(Exception):
    """The circuit is open (or its single half-open probe is taken): do not call the provider.

    `retry_after` is when, in seconds from now, a call may next be let through: the end of the
    open period, or of the current probe's slot (the probe may report sooner).
    """

    def __init__(self, retry_after: float, *, name: str = "") -> None:
        self.retry_after = retry_after
        self.name = name
        super().__init__(f"circuit {name or '?'} is open; retry in {retry_after:.1f} s")


@dataclass(frozen=True)
class Permit:
    """Leave to make one call; hand it back to `record_success` or `record_failure`."""

    breaker: str
    generation: int
    probe: bool  # the single half-open trial call


class CircuitBreaker:
    """A consecutive-failure circuit breaker shared through Redis. See the module docstring."""

    def __init__(
        self,
        name: str,
        *,
        failure_threshold: int,
        open_seconds: float,
        redis_client: redis.Redis,
        probe_timeout: float | None = None,
    ) -> None:
        if failure_threshold < 1:
            raise ValueError("failure_threshold must be at least 1")
        if open_seconds <= 0:
            raise ValueError("open_seconds must be positive")
        probe_timeout = open_seconds if probe_timeout is None else probe_timeout
        if probe_timeout <= 0:
            raise ValueError("probe_timeout must be positive")
        self.name = name
        self.failure_threshold = failure_threshold
        self.open_seconds = open_seconds
        self.probe_timeout = probe_timeout
        self.key = f"ae:breaker:{name}:state"
        self._open_ms = max(1, math.ceil(open_seconds * 1000))
        self._probe_ms = max(1, math.ceil(probe_timeout * 1000))
        self._ttl_ms = max(KEY_TTL_MIN_MS, 2 * (self._open_ms + self._probe_ms))
        self._redis = redis_client
        self._before_call = redis_client.register_script(_BEFORE_CALL)
        self._record_success = redis_client.register_script(_RECORD_SUCCESS)
        self._record_failure = redis_client.register_script(_RECORD_FAILURE)
        self._release = redis_client.register_script(_RELEASE)
        self._state = redis_client.register_script(_STATE)

    def before_call(self) -> Permit:
        """A permit to call the provider now, or `CircuitOpen` if the circuit forbids it.

        Raises `redis.RedisError` if Redis cannot be reached: the caller decides whether that
        means "wait" or "call anyway".
        """
        kind, generation, retry_after_ms = self._before_call(
            keys=[self.key], args=[self._probe_ms, self._ttl_ms]
        )
        if kind == 2:
            raise CircuitOpen(retry_after_ms / 1000, name=self.name)
        if kind == 1:
            logger.info("Circuit %s half-open: this call is the probe", self.name)
        return Permit(breaker=self.name, generation=int(generation), probe=kind == 1)

    def record_success(self, permit: Permit) -> SuccessOutcome:
        """The permitted call succeeded: reset the failure count; a probe's success closes.

        Never raises on Redis errors (they are logged, outcome "unreported"): the call itself
        succeeded, and one lost report is harmless.
        """
        self._check(permit)
        try:
            outcome = self._record_success(keys=[self.key], args=[permit.generation, self._ttl_ms])
        except redis.RedisError:
            logger.warning("Circuit %s: could not record a success", self.name, exc_info=True)
            return "unreported"
        if outcome == 2:
            logger.warning("Circuit %s closed: the probe succeeded", self.name)
            return "closed"
        return "counted" if outcome == 1 else "stale"

    def record_failure(self, permit: Permit) -> FailureOutcome:
        """The permitted call failed transiently: count it, and open the circuit at the threshold.

        A failed probe re-opens the circuit for another `open_seconds`. Never raises on Redis
        errors (logged, outcome "unreported").
        """
        self._check(permit)
        try:
            outcome, failures, _ = self._record_failure(
                keys=[self.key],
                args=[permit.generation, self.failure_threshold, self._open_ms, self._ttl_ms],
            )
        except redis.RedisError:
            logger.warning("Circuit %s: could not record a failure", self.name, exc_info=True)
            return "unreported"
        if outcome in (2, 3):
            logger.warning(
                "Circuit %s %s for %.1f s after %d consecutive failures",
                self.name,
                "opened" if outcome == 2 else "re-opened (the probe failed)",
                self.open_seconds,
                failures,
            )
        return ("stale", "counted", "opened", "reopened")[outcome]

    def release(self, permit: Permit) -> bool:
        """Give a permit back unused: the provider was not called, or failed permanently.

        Nothing is counted. A probe permit frees the half-open slot at once, so the next
        caller probes instead of waiting `probe_timeout`; an ordinary permit needs no release
        (doing so is a no-op). True if a probe slot was freed. Never raises on Redis errors.
        """
        self._check(permit)
        if not permit.probe:
            return False
        try:
            return bool(self._release(keys=[self.key], args=[permit.generation]))
        except redis.RedisError:
            logger.warning("Circuit %s: could not release a probe", self.name, exc_info=True)
            return False

    def state(self) -> dict[str, Any]:
        """A snapshot for health checks and the admin.

        `opened_until` is an epoch timestamp (seconds) while OPEN or HALF_OPEN, else None;
        `probe_in_flight` tells whether a HALF_OPEN circuit's probe slot is taken.
        """
        now, failures, opened_until, probe_until = self._state(keys=[self.key])
        if opened_until < 0:
            state: State = "CLOSED"
        elif now < opened_until:
            state = "OPEN"
        else:
            state = "HALF_OPEN"
        return {
            "name": self.name,
            "state": state,
            "consecutive_failures": int(failures),
            "opened_until": opened_until / 1000 if opened_until >= 0 else None,
            "probe_in_flight": state == "HALF_OPEN" and now < probe_until,
        }

    def _check(self, permit: Permit) -> None:
        if permit.breaker != self.name:
            raise ValueError(f"permit of circuit {permit.breaker!r} reported to {self.name!r}")
