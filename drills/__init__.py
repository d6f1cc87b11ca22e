"""Fault drills: the whole system on private PostgreSQL and Redis instances, broken on purpose.

See docs/RELIABILITY.md for what each drill does and the figures it measured.
"""
