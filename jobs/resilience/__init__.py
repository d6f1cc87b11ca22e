"""Protection for the AI provider shared by every worker process and host, with state in Redis.

- `CircuitBreaker`: stop calling a provider that keeps failing; let one probe through later.
- `GlobalRateLimit` (the platform's, `assessment_engine.ratelimit`): never more than N provider
  calls in any window, across all workers.

Both keep their state in Redis and change it only inside Lua scripts (atomic, one round trip,
timed by the Redis server's clock), so processes on different hosts agree without locks.
"""

from assessment_engine.ratelimit import Acquired, GlobalRateLimit

from .breaker import CircuitBreaker, CircuitOpen, Permit

__all__ = [
    "Acquired",
    "CircuitBreaker",
    "CircuitOpen",
    "GlobalRateLimit",
    "Permit",
]
