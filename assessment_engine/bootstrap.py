"""`make run` / `make test` preflight: PostgreSQL and Redis answer, and the database exists.

Runs before Django is set up (the database may not exist yet), so it talks to psycopg and
redis directly. Exits non-zero with a message that says what to start.
"""

import argparse
import sys
import time

import environ
import psycopg
import redis
from psycopg import sql

from assessment_engine.settings.base import BASE_DIR

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/assessment_engine"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def wait_for_postgres(url: str, timeout: float) -> dict:
    settings = environ.Env.db_url_config(url)
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
    env = environ.Env()
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
    database_url = env("DATABASE_URL", default=DEFAULT_DATABASE_URL)
    redis_url = env("REDIS_URL", default=DEFAULT_REDIS_URL)
    if args.test:
        redis_url = env("TEST_REDIS_URL", default="redis://127.0.0.1:6379/15")
    dsn = wait_for_postgres(database_url, args.timeout)
    wait_for_redis(redis_url, args.timeout)
    if not args.test and ensure_database(dsn, dsn["target"]):
        print(f"Created database {dsn['target']!r}.")
    print("PostgreSQL and Redis are reachable.")


if __name__ == "__main__":
    main()
