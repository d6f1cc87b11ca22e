"""Shared plumbing for benchmarks that need the real stack: a database, Redis, child processes.

Benchmarks never touch the development data (`assessment_engine`, Redis db 0) nor the test
suite's (`test_assessment_engine`, Redis db 15): they run against a database and a Redis db of
their own, created and migrated here, and every child process they start is stopped again, also
on errors, Ctrl-C and SIGTERM.

Import order matters: call `configure_django()` before importing any project module.
"""

from __future__ import annotations

import json
import os
import platform
import random
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

POSTGRES_SERVER = "postgres://postgres@127.0.0.1:5432"
BENCH_DATABASE = "assessment_engine_bench"
BENCH_DATABASE_URL = f"{POSTGRES_SERVER}/{BENCH_DATABASE}"
BENCH_REDIS_URL = "redis://127.0.0.1:6379/14"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class BenchmarkError(Exception):
    """A benchmark could not produce a trustworthy figure (a child died, a job failed...)."""


def bench_environment(**overrides: str) -> dict[str, str]:
    """Environment for this process and its children: the bench database and Redis db only.

    The Gemini key is blanked (not removed: a value in .env would otherwise apply), so the
    offline provider answers unless a benchmark passes a key explicitly.
    """
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "assessment_engine.settings.local",
        "DJANGO_DEBUG": "false",  # DEBUG keeps every SQL statement in memory
        "DATABASE_URL": BENCH_DATABASE_URL,
        "REDIS_URL": BENCH_REDIS_URL,
        "CELERY_BROKER_URL": BENCH_REDIS_URL,
        "GEMINI_API_KEY": "",
        "GEMINI_API_BASE_URL": "",
        "PYTHONUNBUFFERED": "1",
    }
    env.update(overrides)
    return env


def configure_django(**overrides: str) -> None:
    """Point this process at the bench database and Redis db, then set Django up."""
    os.environ.update(bench_environment(**overrides))
    import django

    django.setup()


def ensure_database() -> None:
    """Create the bench database if missing and bring its schema up to date."""
    import psycopg

    with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as admin:
        exists = admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DATABASE]
        ).fetchone()
        if not exists:
            admin.execute(f'CREATE DATABASE "{BENCH_DATABASE}"')
    # In a child process, as an operator would run it: migrate must not share this process's
    # connection state or settings overrides.
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=REPO_ROOT,
        env=bench_environment(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        raise BenchmarkError(f"migrate failed:\n{result.stdout}{result.stderr}")


def reset_state() -> None:
    """Empty every table of the bench database and the bench Redis db (broker and cache)."""
    import redis
    from django.core.management import call_command

    call_command("flush", interactive=False, verbosity=0)
    with redis.Redis.from_url(BENCH_REDIS_URL) as client:
        client.flushdb()


def refuse_if_bench_database_busy() -> None:
    """Another benchmark using the bench database and Redis db would be emptied under its feet."""
    import psycopg
    from django.db import connection

    with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as admin:
        busy = admin.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s",
            [connection.settings_dict["NAME"]],
        ).fetchone()[0]
    if busy:
        raise BenchmarkError(
            f"{busy} connection(s) to the bench database already: another benchmark running?"
        )


def start_run(time_limit_seconds: int) -> float:
    """A benchmark run's start: Ctrl-C, SIGTERM and the time limit turned into exceptions, no
    other benchmark on the bench database, its schema up to date and every table and the Redis
    db emptied. Returns perf_counter() at the start, for the whole run's time."""
    install_stop_signals(time_limit_seconds)
    started = time.perf_counter()
    refuse_if_bench_database_busy()
    ensure_database()
    reset_state()
    return started


def server_versions() -> str:
    """'PostgreSQL x, Redis y' of the servers the benchmark talks to."""
    import redis
    from django.db import connection

    with redis.Redis.from_url(BENCH_REDIS_URL) as client:
        redis_version = client.info("server")["redis_version"]
    pg_version = connection.cursor().connection.info.server_version  # e.g. 160004
    return f"PostgreSQL {pg_version // 10000}.{pg_version % 10000}, Redis {redis_version}"


def database_connection_count() -> int:
    """Open connections to the bench database, from every process (this one included)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
        return cursor.fetchone()[0]


def database_sessions() -> int:
    """Sessions ever opened to the bench database (PostgreSQL >= 14 counts them as they start)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU time of each live process, from /proc (Linux)."""
    result = {}
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue  # gone
        fields = stat.rsplit(")", 1)[1].split()  # after "pid (comm)": state is fields[0]
        result[pid] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return result


def process_group(pgid: int) -> list[int]:
    """The live processes of a process group (a child and whatever it started), from /proc."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[2]) == pgid:
            pids.append(int(entry.name))
    return pids


def group_cpu_seconds(pgid: int) -> float:
    """User + system CPU of every process in a process group. CPU per item does not depend on
    what else shares the cores, wall time does."""
    return sum(cpu_seconds(process_group(pgid)).values())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ChildProcess:
    """A child in a process group of its own, its output in a log file.

    Its own group (session) means Ctrl-C in the terminal reaches only this script, which then
    stops the child deliberately, and stopping it also ends any processes it started.
    """

    def __init__(self, name: str, command: list[str], *, env: dict[str, str], log_dir: Path):
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log().splitlines()[-lines:])

    def wait_for_log(self, marker: str, timeout: float) -> None:
        """Wait until `marker` appears in the output; fail if the child exits first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if marker in self.log():
                return
            if self.process.poll() is not None:
                raise BenchmarkError(f"{self.name} exited early:\n{self.log_tail()}")
            time.sleep(0.05)
        raise BenchmarkError(f"{self.name}: no {marker!r} after {timeout} s:\n{self.log_tail()}")

    def require_alive(self) -> None:
        if self.process.poll() is not None:
            raise BenchmarkError(f"{self.name} died:\n{self.log_tail()}")

    def stop(self, timeout: float = 20) -> None:
        """SIGTERM the child's group (Celery: warm shutdown), SIGKILL it if that takes too long."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self._log.close()


def celery_worker(
    name: str,
    *,
    queue: str,
    concurrency: int,
    log_dir: Path,
    env: dict[str, str],
) -> ChildProcess:
    """A worker started as the Procfile starts one (thread pool), without gossip and mingle
    (start-up chatter between workers that a single benchmark worker does not need)."""
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "assessment_engine",
        "worker",
        "--queues",
        queue,
        "--hostname",
        f"{name}@%h",
        "--pool",
        "threads",
        "--concurrency",
        str(concurrency),
        "--loglevel",
        "INFO",
        "--without-gossip",
        "--without-mingle",
    ]
    worker = ChildProcess(name, command, env=env, log_dir=log_dir)
    worker.wait_for_log(" ready.", timeout=30)
    return worker


def start_fake_gemini(
    answer: dict, *, delay_seconds: float, log_dir: Path, answer_name: str
) -> tuple[ChildProcess, str]:
    """The fake Gemini server (jobs.tests.fake_gemini) answering every call with `answer` after
    `delay_seconds`, and its base URL. In its own process, so serving 50 requests at once does
    not take the GIL from the code under test."""
    answer_path = log_dir / answer_name
    answer_path.write_text(json.dumps(answer))
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "jobs.tests.fake_gemini",
        "--port",
        str(port),
        "--delay",
        str(delay_seconds),
        "--answer",
        str(answer_path),
    ]
    fake = ChildProcess("fake-gemini", command, env=bench_environment(), log_dir=log_dir)
    fake.wait_for_log("fake Gemini at", timeout=15)
    return fake, f"http://127.0.0.1:{port}"


def bulk_create_users(count: int) -> list:
    """`count` users that cannot log in, one per session (a user may have one ACTIVE session:
    the partial unique index), bulk-inserted."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX

    user_model = get_user_model()
    return user_model.objects.bulk_create(
        [
            user_model(
                id=uuid.uuid4(),
                username=f"bench-{uuid.uuid4().hex}",
                password=UNUSABLE_PASSWORD_PREFIX,
            )
            for _ in range(count)
        ]
    )


def bulk_create_active_sessions(users: list, assessment, *, current_section_index: int) -> list:
    """One ACTIVE session of `assessment` per user, bulk-inserted, as if just started."""
    from django.utils import timezone

    from sessions.models import CandidateSession, SessionStatus

    now = timezone.now()
    shuffled = assessment.shuffle_questions or assessment.shuffle_options
    return CandidateSession.objects.bulk_create(
        [
            CandidateSession(
                id=uuid.uuid4(),
                user=user,
                assessment=assessment,
                status=SessionStatus.ACTIVE,
                current_section_index=current_section_index,
                section_count=assessment.section_count,
                opted_in_at=now,
                started_at=now,
                last_activity_at=now,
                # As `session_start` leaves them: the policy's order, drawn from a seed.
                shuffle_seed=random.getrandbits(63) if shuffled else None,
                shuffle_questions=assessment.shuffle_questions,
                shuffle_options=assessment.shuffle_options,
            )
            for user in users
        ]
    )


# --- report ----------------------------------------------------------------------------------


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def print_table_header(header: str) -> None:
    """A table's column names, ruled underneath to their full width."""
    print(header)
    print("-" * len(header))


def print_header(title: str, versions: list[str]) -> None:
    """The first line of every report: when, on what host, with which software versions."""
    print(
        f"{title}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC,"
        f" os.cpu_count()={os.cpu_count()}, Python {platform.python_version()},"
        f" {', '.join(versions)}, load average {os.getloadavg()[0]:.1f} at start"
    )


def install_stop_signals(time_limit_seconds: int) -> None:
    """Turn Ctrl-C, SIGTERM and a hard run-time limit into exceptions, so `finally` blocks stop
    every child on those paths too."""

    def raise_exit(signum: int, _frame: object) -> None:
        if signum == signal.SIGALRM:
            raise BenchmarkError(f"run-time limit of {time_limit_seconds} s reached")
        raise SystemExit(128 + signum)

    # Ctrl-C raises KeyboardInterrupt even when started with SIGINT ignored (a background job).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, raise_exit)
    signal.signal(signal.SIGALRM, raise_exit)
    signal.alarm(time_limit_seconds)


def run_benchmark(main: Callable[[], None]) -> None:
    """Run a benchmark's main(): a failed benchmark exits 1 with its reason, Ctrl-C exits 130
    (the `finally` blocks have stopped every child by the time these are caught)."""
    try:
        main()
    except BenchmarkError as error:
        print(f"benchmark failed: {error}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("interrupted; every child process was stopped", file=sys.stderr)
        sys.exit(130)


if __name__ == "__main__":
    # `make bench` runs every bench/*.py file; this one only holds helpers.
    print("bench/_harness.py holds shared helpers; it measures nothing itself.")
