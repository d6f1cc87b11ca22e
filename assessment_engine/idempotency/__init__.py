"""Idempotency-Key support for every POST of the API (one middleware, one table)."""
