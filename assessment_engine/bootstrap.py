"""`make run` / `make test` preflight: PostgreSQL and Redis answer, and the database exists.

Runs before Django is set up (the database may not exist yet), so it talks to psycopg and
redis directly; where to find them comes from the settings modules (their defaults, the
environment, .env). Exits non-zero with a message that says what to start.
"""

import argparse
import sys
import time

import psycopg
import redis
from psycopg import sql


def wait_for_postgres(settings: dict, timeout: float) -> dict:
    """`settings`: a DATABASES entry."""
    admin_dsn = {
        "host": settings.get("HOST") or "127.0.0.1",
        "port": settings.get("PORT") or 5432,
        "user": settings.get("USER") or "postgres",
        "password": settings.get("PASSWORD") or None,
        "dbname": "postgres",
        "connect_timeout": 3,
    }
    _retry(lambda: psycopg.connect(**admin_dsn).close(), "PostgreSQL", admin_dsn, timeout)
    return {**admin_dsn, "target": settings["NAME"]}


def ensure_database(dsn: dict, name: str) -> bool:
    conninfo = {key: value for key, value in dsn.items() if key != "target"}
    with psycopg.connect(**conninfo, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists:
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return True


def wait_for_redis(url: str, timeout: float) -> None:
    def ping() -> None:
        with redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3) as client:
            client.ping()

    _retry(ping, "Redis", {"url": url}, timeout)


def _retry(probe, service: str, where: dict, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            probe()
            return
        except (psycopg.OperationalError, redis.RedisError) as exc:
            if time.monotonic() >= deadline:
                location = where.get("url") or f"{where['host']}:{where['port']}"
                sys.exit(
                    f"error: {service} is not reachable at {location} ({exc}).\n"
                    f"Start {service}, or point the environment at it (see .env.example)."
                )
            time.sleep(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--timeout", type=float, default=15.0, help="seconds to wait")
    parser.add_argument("--test", action="store_true", help="check the test Redis db instead")
    args = parser.parse_args()
    if args.test:
        from assessment_engine.settings import test as settings
    else:
        from assessment_engine.settings import base as settings
    dsn = wait_for_postgres(settings.DATABASES["default"], args.timeout)
    wait_for_redis(settings.REDIS_URL, args.timeout)
    if not args.test and ensure_database(dsn, dsn["target"]):
        print(f"Created database {dsn['target']!r}.")
    print("PostgreSQL and Redis are reachable.")


if __name__ == "__main__":
    main()
