"""The PostgreSQL database and Redis db a run works on, never the development or test data."""

from __future__ import annotations

import psycopg
import redis


def ensure_database(url: str, *, recreate: bool = False) -> None:
    """Create the database of `url` if it is missing (dropped first with `recreate`)."""
    server, name = url.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        if recreate:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            admin.execute(f'CREATE DATABASE "{name}"')


def connections_to(url: str) -> int:
    """Open connections to the database of `url`, from every process."""
    server, name = url.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        query = "SELECT count(*) FROM pg_stat_activity WHERE datname = %s"
        return admin.execute(query, [name]).fetchone()[0]


def flush_redis(url: str) -> None:
    with redis.Redis.from_url(url) as client:
        client.flushdb()
