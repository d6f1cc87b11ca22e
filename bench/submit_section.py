"""Submit-section through gunicorn against the same transaction as raw SQL in pgbench.

    .venv/bin/python bench/submit_section.py [--throughput-only] [--servers] [--heartbeat]

`--throughput-only` runs part 1 alone; `BENCH_GUNICORN_CONF=path` starts gunicorn with another
config file (e.g. one whose hooks profile the workers). `--servers` compares, in part 1,
gunicorn's sync workers with its gthread workers and with Granian (WSGI), each with the load
client keeping its connections alive and closing them after every answer. `--heartbeat`
measures the heartbeat instead of the submit, with and without `Prefer: return=minimal`, against
the heartbeat's own statement in pgbench. On the bench database and Redis db; what it measures
and how: docs/BENCHMARKS.md, "Submit-section throughput" and "Second pass".
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

LOAD_CLIENT_FLAG = "--load-client"
THROUGHPUT_ONLY_FLAG = "--throughput-only"


# --- load client (a child process: standard library only, no Django) ---------------------------


def run_load_client(job_path: str, result_path: str) -> None:
    """Threads that each POST the next section of their own sessions; results as JSON.

    Duration mode (`duration_seconds`): requests that finish inside the measured window count.
    Count mode (`requests_per_thread`): the first `warm_up_requests` of a thread do not count.
    """
    import http.client
    import resource
    import threading

    job = json.loads(Path(job_path).read_text())
    sections = job["sections"]
    endpoint, expected = job.get("endpoint", "submit-section"), job.get("expect", 201)
    extra_headers = job.get("headers", {})
    bodies = [
        json.dumps(
            {
                "sectionId": f"s{index + 1}",
                "sectionIndex": index,
                "answers": {f"s{index + 1}q1": "B", f"s{index + 1}q2": f"my answer {index + 1}"},
            }
        ).encode()
        for index in range(sections)
    ]
    if endpoint == "heartbeat":
        bodies = [None] * job["repeats"]
    measure_from = job["start_at"] + job.get("warm_up_seconds", 0.0)
    duration = job.get("duration_seconds")
    end = measure_from + duration if duration else None
    per_thread = job.get("requests_per_thread")
    warm_up_requests = job.get("warm_up_requests", 0)

    lock = threading.Lock()
    latencies: list[float] = []
    error_samples: list[str] = []
    totals = {"requests": 0, "errors": 0, "exhausted_threads": 0, "response_bytes": 0}

    def client(sessions: list[dict]) -> None:
        connection = http.client.HTTPConnection(job["host"], job["port"], timeout=30)
        time.sleep(max(0.0, job["start_at"] - time.monotonic()))
        sent = 0
        for session in sessions:
            path = f"/api/v1/sessions/{session['session']}/{endpoint}"
            headers = {
                "Content-Type": "application/json",
                "Authorization": f"Bearer {session['token']}",
                **extra_headers,
            }
            for index in range(len(bodies)):
                if end is not None and time.monotonic() >= end:
                    return
                if per_thread is not None and sent >= warm_up_requests + per_thread:
                    return
                started = time.monotonic()
                try:
                    connection.request("POST", path, body=bodies[index], headers=headers)
                    response = connection.getresponse()
                    body = response.read()
                    status = response.status
                except (OSError, http.client.HTTPException) as exc:
                    connection.close()
                    status, body = 0, repr(exc).encode()
                finished = time.monotonic()
                sent += 1
                if end is not None:
                    counted = measure_from <= finished <= end
                else:
                    counted = sent > warm_up_requests
                with lock:
                    totals["requests"] += 1
                    totals["response_bytes"] = len(body)
                    if status != expected:
                        totals["errors"] += 1
                        if len(error_samples) < 5:
                            error_samples.append(f"{status} {body[:300]!r}")
                    elif counted:
                        latencies.append((finished - started) * 1000)
        with lock:
            totals["exhausted_threads"] += 1

    threads = [
        threading.Thread(target=client, args=(sessions,), daemon=True)
        for sessions in job["threads"]
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result = {
        **totals,
        "latencies_ms": latencies,
        "error_samples": error_samples,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
    }
    Path(result_path).write_text(json.dumps(result))


if __name__ == "__main__" and sys.argv[1:2] == [LOAD_CLIENT_FLAG]:
    run_load_client(sys.argv[2], sys.argv[3])
    sys.exit(0)


# --- the benchmark -----------------------------------------------------------------------------

import re  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import uuid  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402

from _harness import (  # noqa: E402
    BenchmarkError,
    ChildProcess,
    bench_environment,
    configure_django,
    cpu_seconds,
    free_port,
    print_header,
    print_table_header,
    process_group,
    run_benchmark,
    server_versions,
    start_run,
    verdict,
)

from harness.stack import wait_for_http, web_command  # noqa: E402

configure_django(LOG_LEVEL="WARNING")

import django  # noqa: E402
import gunicorn  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from djangorestframework_camel_case.render import CamelCaseJSONRenderer  # noqa: E402

from assessment_engine.accounts.factories import (  # noqa: E402
    bulk_create_tokens,
    bulk_create_users,
)
from assessments.factories import answers_for, make_assessment  # noqa: E402
from sessions import services as session_services  # noqa: E402
from sessions.factories import bulk_create_active_sessions  # noqa: E402
from sessions.models import CandidateSession, SectionSubmission  # noqa: E402
from sessions.serializers import SessionDetailSerializer  # noqa: E402
from sessions.services import session_submit_section  # noqa: E402

RUN_TIME_LIMIT_SECONDS = 600
SECTIONS = 40
CLIENTS = 32
CLIENT_PROCESSES = 2
WARM_UP_SECONDS = 3.0
MEASURE_SECONDS = 15.0
# Sync gunicorn workers on 2 cores; the default is 2 x cores + 1 = 5.
WEB_CONCURRENCIES = (2, 3, 4)
# Every system runs once per round, rounds one after the other, and each keeps its best round:
# other work on the shared cores comes and goes and shifts a single run.
THROUGHPUT_ROUNDS = 2
# 1,600 submits a client thread per run. Room for ~850 requests/s shared evenly, and for the
# uneven shares of keep-alive servers, which can serve one connection far more than another.
SESSIONS_PER_CLIENT = 40
RATIO_TARGET = 0.2
HEARTBEAT_RATIO_TARGET = 0.3

PGBENCH_SESSIONS_PER_CLIENT = 60  # 2,400 transactions a client a round: room for ~5,000 tps
PGBENCH_SESSION_PREFIX = "a0000000-0000-4000-8000-"
PGBENCH_USER_PREFIX = "b0000000-0000-4000-8000-"
FILLER_USER_PREFIX = "c0000000-0000-4000-8000-"
FILLER_USERS = 100_000
FILL_CHUNK = 100_000

SCALE_SIZES = (10_000, 1_000_000)
# At each size, rounds of (HTTP submits, then pgbench -c 1); the least disturbed round (lowest
# p50) is compared, since other work on the shared cores comes and goes within seconds.
SCALE_ROUNDS = 3
SCALE_REQUESTS = 100  # per round: 300 at each size
SCALE_WARM_UP_REQUESTS = 10  # per round, not counted
SCALE_SESSIONS_PER_ROUND = 3  # 120 sections: 110 needed
SCALE_PGBENCH_SECONDS = 2  # per round
SCALE_PGBENCH_SESSIONS = 150  # per round: 6,000 transactions, room for 3,000 tps on one client
GROWTH_TARGET = 1.2
BREAKDOWN_REPEATS = 40
# Sessions must not expire under the benchmark (the bulk-loaded ones are old on purpose).
INACTIVITY_TIMEOUT_SECONDS = 10 * 365 * 24 * 3600


# --- seeding -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionKey:
    session: str
    user: str
    token: str


def seed_http_sessions(assessment, count: int) -> list[SessionKey]:
    """ACTIVE sessions at section 0, each with a user and a knox token of its own (a user can
    have one ACTIVE session: the partial unique index)."""
    users = bulk_create_users(count)
    tokens = bulk_create_tokens(users)
    sessions = bulk_create_active_sessions(users, assessment, current_section_index=0)
    return [
        SessionKey(str(session.pk), str(user.pk), token)
        for session, user, token in zip(sessions, users, tokens, strict=True)
    ]


def deterministic_uuid(prefix: str, number_sql: str) -> str:
    """SQL for the UUID `prefix` + 12 hex digits of the integer expression `number_sql`."""
    return f"('{prefix}' || lpad(to_hex({number_sql}), 12, '0'))::uuid"


def insert_numbered_users(cursor, *, id_prefix: str, name: str, first: int, last: int) -> None:
    """Users numbered first..last, named `name`-number, with ids computable from the number
    (`deterministic_uuid(id_prefix, number)`), in one statement."""
    cursor.execute(
        f"""
        INSERT INTO accounts_user (id, password, is_superuser, username, first_name,
            last_name, email, is_staff, is_active, date_joined)
        SELECT {deterministic_uuid(id_prefix, "n")}, '!', false, %s || n,
            '', '', '', false, true, now()
        FROM generate_series(%s, %s) AS n
        """,  # noqa: S608 - constants only
        [f"{name}-", first, last],
    )


def seed_pgbench_sessions(assessment, first: int, count: int) -> None:
    """ACTIVE sessions numbered first..first+count-1 (each with its user) whose ids pgbench
    computes from the number."""
    with connection.cursor() as cursor:
        insert_numbered_users(
            cursor,
            id_prefix=PGBENCH_USER_PREFIX,
            name="pgbench",
            first=first,
            last=first + count - 1,
        )
        cursor.execute(
            f"""
            INSERT INTO candidate_sessions_candidatesession (id, user_id, assessment_id, status,
                current_section_index, section_count, opted_in_at, started_at, last_activity_at,
                version)
            SELECT {deterministic_uuid(PGBENCH_SESSION_PREFIX, "n")},
                {deterministic_uuid(PGBENCH_USER_PREFIX, "n")}, %s, 'ACTIVE', 0, %s, now(),
                now(), now(), 1
            FROM generate_series(%s, %s) AS n
            """,  # noqa: S608 - constants only
            [assessment.pk, assessment.section_count, first, first + count - 1],
        )


def ensure_filler_users() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM accounts_user WHERE username = 'filler-1'")
        if cursor.fetchone():
            return
        insert_numbered_users(
            cursor, id_prefix=FILLER_USER_PREFIX, name="filler", first=1, last=FILLER_USERS
        )


def fill_sessions_to(assessment, total: int) -> float:
    """Bulk-load finished sessions (9 in 10 COMPLETED, 1 in 10 EXPIRED; random UUID keys, as the
    application makes them), each with one submission, until the table holds `total` sessions.
    In chunks of 100,000 (one statement each). Returns the seconds it took."""
    started = time.perf_counter()
    ensure_filler_users()
    existing = CandidateSession.objects.count()
    missing = total - existing
    if missing < 0:
        raise BenchmarkError(f"already more than {total} sessions")
    # Numbered on from the filler sessions of an earlier call: (user, attempt) stays unique.
    filled = CandidateSession.objects.filter(user__username__startswith="filler-").count()
    user_id = deterministic_uuid(FILLER_USER_PREFIX, f"1 + n %% {FILLER_USERS}")
    sections = assessment.section_count
    with connection.cursor() as cursor:
        for first in range(filled + 1, filled + missing + 1, FILL_CHUNK):
            last = min(filled + missing, first + FILL_CHUNK - 1)
            cursor.execute(
                f"""
                WITH filler AS (
                    INSERT INTO candidate_sessions_candidatesession (id, user_id, assessment_id,
                        status, current_section_index, section_count, opted_in_at, started_at,
                        last_activity_at, completed_at, expired_at, version, attempt)
                    SELECT gen_random_uuid(), {user_id}, %s,
                        CASE WHEN n %% 10 = 0 THEN 'EXPIRED' ELSE 'COMPLETED' END,
                        CASE WHEN n %% 10 = 0 THEN n %% %s ELSE %s END, %s,
                        t, t, t,
                        CASE WHEN n %% 10 = 0 THEN NULL ELSE t + interval '40 minutes' END,
                        CASE WHEN n %% 10 = 0 THEN t + interval '30 minutes' ELSE NULL END,
                        1 + n %% 40,
                        1 + n / {FILLER_USERS}  -- (user, attempt) unique, as the index wants
                    FROM generate_series(%s, %s) AS n,
                        LATERAL (SELECT now() - make_interval(secs => n * 30) AS t) AS times
                    RETURNING id, started_at
                )
                INSERT INTO candidate_sessions_sectionsubmission (session_id, section_index,
                    section_id, answers, submitted_at)
                SELECT id, 0, 's1', '{{"s1q1": "B", "s1q2": "my answer 1"}}'::jsonb,
                    started_at + interval '1 minute'
                FROM filler
                ORDER BY id  -- the unique index and the foreign key checks, in key order
                """,  # noqa: S608 - constants only
                # Numbered on from the rows already there: (user, attempt) stays unique.
                [assessment.pk, sections, sections, sections, existing + first, existing + last],
            )
    return time.perf_counter() - started


def settle_tables() -> float:
    """What autovacuum and the checkpointer would have done to a table that grew over months:
    VACUUM (ANALYZE) the tables the load wrote, then CHECKPOINT, so the measurement neither
    competes with them nor pays for first-touch hint bits. Returns the seconds it took."""
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "VACUUM (ANALYZE) accounts_user, knox_authtoken, candidate_sessions_candidatesession,"
            " candidate_sessions_sectionsubmission"
        )
        cursor.execute("CHECKPOINT")
    return time.perf_counter() - started


# --- CPU accounting ------------------------------------------------------------------------------


def database_backends(application_name: str | None = None) -> list[int]:
    """PostgreSQL backends connected to the bench database, this process's own excepted."""
    query = (
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
        " AND pid <> pg_backend_pid()"
    )
    params = []
    if application_name is not None:
        query += " AND application_name = %s"
        params.append(application_name)
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return [row[0] for row in cursor.fetchall()]


@dataclass(frozen=True)
class CpuSample:
    by_role: dict[str, dict[int, float]]


def cpu_used(before: CpuSample, after: CpuSample) -> dict[str, float]:
    """CPU seconds per role between two samples (a process that appeared in between counts
    whole; one that ended in between is lost, which the short windows make rare)."""
    return {
        role: sum(cpu - before.by_role[role].get(pid, 0.0) for pid, cpu in processes.items())
        for role, processes in after.by_role.items()
    }


# --- gunicorn and the load clients ------------------------------------------------------------


@dataclass(frozen=True)
class ServerSetup:
    """A WSGI server serving the application, and whether the load client keeps connections
    alive (gunicorn's sync workers close them after every answer whatever the client asks)."""

    kind: str  # "sync" or "gthread" (gunicorn), "granian"
    web_concurrency: int  # processes
    threads: int = 1  # per process
    keep_alive: bool = False

    @property
    def label(self) -> str:
        if self.kind == "sync":
            return f"gunicorn sync WEB_CONCURRENCY={self.web_concurrency}"
        name = "gunicorn gthread" if self.kind == "gthread" else "granian wsgi"
        connections = "keep-alive" if self.keep_alive else "close"
        return f"{name} {self.web_concurrency}x{self.threads}, {connections}"

    def command(self, port: int) -> list[str]:
        if self.kind == "granian":
            return [
                str(Path(sys.executable).with_name("granian")),
                "--interface=wsgi",
                "--host=127.0.0.1",
                f"--port={port}",
                f"--workers={self.web_concurrency}",
                f"--blocking-threads={self.threads}",
                "--http=1",
                "--no-ws",
                "--log-level=warning",
                "assessment_engine.wsgi:application",
            ]
        command = web_command(os.environ.get("BENCH_GUNICORN_CONF", "gunicorn.conf.py"))
        if self.kind == "gthread":
            command += ["--worker-class=gthread", f"--threads={self.threads}", "--keep-alive=5"]
        return command


SYNC_SETUPS = [ServerSetup("sync", n) for n in WEB_CONCURRENCIES]
# --servers: the same two processes (the best sync setting on two cores) under each server.
SERVER_SETUPS = [
    ServerSetup("sync", 2),
    *(
        ServerSetup(kind, 2, threads=4, keep_alive=keep_alive)
        for kind in ("gthread", "granian")
        for keep_alive in (True, False)
    ),
]

# --heartbeat: today's server and gthread with keep-alive.
HEARTBEAT_SETUPS = [ServerSetup("sync", 2), ServerSetup("gthread", 2, threads=4, keep_alive=True)]


def start_server(setup: ServerSetup, log_dir: Path) -> tuple[ChildProcess, int]:
    port = free_port()
    env = bench_environment(
        PORT=str(port),
        BIND_HOST="127.0.0.1",
        WEB_CONCURRENCY=str(setup.web_concurrency),
        LOG_LEVEL="WARNING",  # INFO writes one request line per request
        SESSION_INACTIVITY_TIMEOUT_SECONDS=str(INACTIVITY_TIMEOUT_SECONDS),
    )
    name = re.sub(r"[^a-z0-9]+", "-", setup.label.lower())
    server = ChildProcess(name, setup.command(port), env=env, log_path=log_dir / f"{name}.log")
    # Workers import the application lazily: the warm-up does the rest.
    wait_for_http(f"http://127.0.0.1:{port}/healthz", server, timeout=30)
    return server, port


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, -(-p * len(ordered) // 100))  # ceil(p/100 * n)
    return ordered[min(int(rank), len(ordered)) - 1]


@dataclass(frozen=True)
class LoadResult:
    requests: int  # every request sent, warm-up included
    errors: int  # answers other than 201, warm-up included
    error_samples: list[str]
    latencies_ms: list[float]  # the counted ones
    client_cpu_seconds: float
    exhausted_threads: int
    response_bytes: int
    window_seconds: float | None
    cpu_in_window: dict[str, float] = field(default_factory=dict)

    @property
    def per_second(self) -> float:
        return len(self.latencies_ms) / self.window_seconds if self.window_seconds else 0.0

    def percentile(self, p: float) -> float:
        return percentile(self.latencies_ms, p)

    def cpu_ms_per_request(self, role: str) -> float:
        """Duration mode: CPU over the measured window / requests counted in it. Count mode:
        CPU over the whole run / every request sent (warm-up included)."""
        requests = len(self.latencies_ms) if self.window_seconds else self.requests
        return self.cpu_in_window[role] * 1000 / requests


def run_load(
    port: int,
    thread_sessions: list[list[SessionKey]],
    log_dir: Path,
    *,
    label: str,
    processes: int,
    duration_seconds: float | None = None,
    requests_per_thread: int | None = None,
    cpu_sample: Callable[[], CpuSample] | None = None,
    request: dict | None = None,
) -> LoadResult:
    """Start `processes` load-client children sharing the threads, wait, merge their results.

    With `duration_seconds`, `cpu_sample` is taken at the start and the end of the measured
    window (this process sleeps in between; the clients run on their own); in count mode,
    before the clients start and after they have finished."""
    start_at = time.monotonic() + 0.8  # after every child has started its threads
    children, result_paths = [], []
    for number in range(processes):
        job = {
            "host": "127.0.0.1",
            "port": port,
            "sections": SECTIONS,
            "start_at": start_at,
            "threads": [
                [{"session": key.session, "token": key.token} for key in sessions]
                for sessions in thread_sessions[number::processes]
            ],
            **(request or {}),
        }
        if duration_seconds is not None:
            job.update(warm_up_seconds=WARM_UP_SECONDS, duration_seconds=duration_seconds)
        else:
            job.update(
                requests_per_thread=requests_per_thread, warm_up_requests=SCALE_WARM_UP_REQUESTS
            )
        job_path = log_dir / f"{label}-{number}.job.json"
        job_path.write_text(json.dumps(job))
        result_path = log_dir / f"{label}-{number}.result.json"
        result_paths.append(result_path)
        command = [sys.executable, __file__, LOAD_CLIENT_FLAG, str(job_path), str(result_path)]
        name = f"{label}-{number}"
        log_path = log_dir / f"{name}.log"
        children.append(ChildProcess(name, command, env=bench_environment(), log_path=log_path))
    cpu_in_window, before = {}, None
    try:
        if cpu_sample is not None and duration_seconds is not None:
            window_start = start_at + WARM_UP_SECONDS
            time.sleep(max(0.0, window_start - time.monotonic()))
            before = cpu_sample()
            time.sleep(max(0.0, window_start + duration_seconds - time.monotonic()))
            cpu_in_window = cpu_used(before, cpu_sample())
        elif cpu_sample is not None:
            before = cpu_sample()  # the clients start at start_at, 0.8 s from now
        limit = (duration_seconds or 0) + WARM_UP_SECONDS + 120
        for child in children:
            try:
                child.process.wait(timeout=max(1.0, start_at + limit - time.monotonic()))
            except subprocess.TimeoutExpired as exc:
                raise BenchmarkError(f"{child.name} did not finish") from exc
            if child.process.returncode != 0:
                raise BenchmarkError(f"{child.name} failed:\n{child.log_tail()}")
        if before is not None and not cpu_in_window:
            cpu_in_window = cpu_used(before, cpu_sample())
    finally:
        for child in children:
            child.stop()
    parts = [json.loads(path.read_text()) for path in result_paths]
    return LoadResult(
        requests=sum(part["requests"] for part in parts),
        errors=sum(part["errors"] for part in parts),
        error_samples=[sample for part in parts for sample in part["error_samples"]],
        latencies_ms=[latency for part in parts for latency in part["latencies_ms"]],
        client_cpu_seconds=sum(part["cpu_seconds"] for part in parts),
        exhausted_threads=sum(part["exhausted_threads"] for part in parts),
        response_bytes=max(part["response_bytes"] for part in parts),
        window_seconds=duration_seconds,
        cpu_in_window=cpu_in_window,
    )


def server_cpu_sampler(server: ChildProcess) -> Callable[[], CpuSample]:
    """CPU of the gunicorn processes (their own process group) and of every PostgreSQL backend
    on the bench database but this script's: during a load run, gunicorn's connections."""

    def sample() -> CpuSample:
        return CpuSample(
            {
                "server": cpu_seconds(process_group(server.process.pid)),
                "database": cpu_seconds(database_backends()),
            }
        )

    return sample


@dataclass(frozen=True)
class Workload:
    """What each load-client request is: the endpoint, the status it must answer, headers."""

    name: str
    endpoint: str
    expect: int
    headers: tuple[tuple[str, str], ...] = ()
    repeats: int = SECTIONS  # requests per session (a submit per section)

    def request(self, setup: ServerSetup) -> dict:
        headers = dict(self.headers)
        if not setup.keep_alive:
            headers["Connection"] = "close"
        return {
            "endpoint": self.endpoint,
            "expect": self.expect,
            "headers": headers,
            "repeats": self.repeats,
        }


SUBMIT = Workload("submit", "submit-section", 201)
# The heartbeat does not move the session on: each session takes any number of them, but
# each user at most the candidate throttle's 300 a minute, so a client moves on after 20.
HEARTBEATS = [
    Workload("heartbeat, view", "heartbeat", 200, repeats=20),
    Workload("heartbeat, minimal", "heartbeat", 204, (("Prefer", "return=minimal"),), 20),
]


@dataclass(frozen=True)
class ThroughputRun:
    setup: ServerSetup
    workload: Workload
    load: LoadResult

    @property
    def label(self) -> str:
        return (
            self.setup.label
            if self.workload is SUBMIT
            else f"{self.workload.name}: {self.setup.label}"
        )


def run_throughput(
    assessment, setup: ServerSetup, log_dir: Path, workload: Workload = SUBMIT
) -> ThroughputRun:
    keys = seed_http_sessions(assessment, CLIENTS * SESSIONS_PER_CLIENT)
    thread_sessions = [keys[i::CLIENTS] for i in range(CLIENTS)]
    server, port = start_server(setup, log_dir)
    try:
        load = run_load(
            port,
            thread_sessions,
            log_dir,
            label=f"load-{server.name}",
            processes=CLIENT_PROCESSES,
            duration_seconds=MEASURE_SECONDS,
            cpu_sample=server_cpu_sampler(server),
            request=workload.request(setup),
        )
        server.require_alive()
    finally:
        server.stop()
    if load.exhausted_threads:
        raise BenchmarkError(
            f"{setup.label}: {load.exhausted_threads} client(s) ran out of sessions"
            f" ({load.requests} requests, {load.errors} errors: {load.error_samples[:2]})"
        )
    return ThroughputRun(setup, workload, load)


# --- pgbench -----------------------------------------------------------------------------------


def lock_query_sql(session_id: str, user_id: str) -> tuple[str, list]:
    """The SQL and parameters `_locked_session` sends, compiled by Django rather than copied:
    `.get()` drops the default ordering and adds LIMIT 21."""
    queryset = (
        session_services._sessions()
        .select_for_update(of=("self",))
        .filter(pk=session_id, user_id=user_id)
        .order_by()[:21]
    )
    with transaction.atomic():  # the compiler refuses FOR UPDATE outside a transaction
        return queryset.query.get_compiler(using="default").as_sql()


def pgbench_script(sessions_per_client: int) -> str:
    """The service's transaction as raw SQL. Client c uses the sessions numbered
    offset + c*P + 1 .. offset + c*P + P, section after section (a per-client counter k, which
    pgbench keeps from one transaction to the next), so no two clients touch the same row."""
    session = deterministic_uuid(PGBENCH_SESSION_PREFIX, ":n")
    user = deterministic_uuid(PGBENCH_USER_PREFIX, ":n")
    sql, params = lock_query_sql(str(uuid.UUID(int=1)), str(uuid.UUID(int=2)))
    if len(params) != 2:
        raise BenchmarkError(f"unexpected lock query parameters: {params!r}")
    lock = sql.replace("%s", session, 1).replace("%s", user, 1)
    answers = """('{"s' || :num || 'q1": "B", "s' || :num || 'q2": "my answer ' || :num || '"}')"""
    return f"""\\set k :k + 1
\\set n :offset + :client_id * {sessions_per_client} + (:k - 1) / {SECTIONS} + 1
\\set idx (:k - 1) % {SECTIONS}
\\set num :idx + 1
BEGIN;
{lock};
INSERT INTO "candidate_sessions_sectionsubmission" ("session_id", "section_index", "section_id", "answers", "submitted_at") VALUES ({session}, :idx, 's' || :num, {answers}::jsonb, now()) RETURNING "id";
UPDATE "candidate_sessions_candidatesession" SET "current_section_index" = :num, "last_activity_at" = now(), "version" = "version" + 1 WHERE "id" = {session};
COMMIT;
"""  # noqa: E501, S608 - a pgbench script, not a query


@dataclass(frozen=True)
class PgbenchResult:
    clients: int
    transactions: int
    failed: int
    tps: float
    latency_average_ms: float
    latencies_ms: list[float]
    aborted: bool
    output: str
    database_cpu_ms_per_tx: float
    client_cpu_ms_per_tx: float

    def percentile(self, p: float) -> float:
        return percentile(self.latencies_ms, p)


def heartbeat_pgbench_script(sessions_per_client: int) -> str:
    """The heartbeat's one statement (`sessions.services._TOUCH_SQL`, autocommit as in the
    application), each client going round its own sessions."""
    session = deterministic_uuid(PGBENCH_SESSION_PREFIX, ":n")
    user = deterministic_uuid(PGBENCH_USER_PREFIX, ":n")
    timeout, grace = INACTIVITY_TIMEOUT_SECONDS, settings.SESSION_DEADLINE_GRACE_SECONDS
    values = {
        "now": "now()",
        "id": session,
        "user": user,
        "active": "'ACTIVE'",
        "inactive_before": f"now() - interval '{timeout} seconds'",
        "overdue_before": f"now() - interval '{grace} seconds'",
    }
    statement = " ".join(session_services._TOUCH_SQL.split()) % values
    return f"""\\set k :k + 1
\\set n :offset + :client_id * {sessions_per_client} + (:k - 1) % {sessions_per_client} + 1
{statement};
"""


def run_pgbench(
    log_dir: Path,
    *,
    label: str,
    clients: int,
    seconds: float,
    offset: int,
    per_client: int,
    script_for: Callable[[int], str] = pgbench_script,
) -> PgbenchResult:
    """pgbench on the bench database; latencies from its per-transaction log; CPU of its
    PostgreSQL backends over the middle of the run (from connected to one second before the
    end) and of pgbench itself over the whole run."""
    script = log_dir / f"{label}.pgbench.sql"
    script.write_text(script_for(per_client))
    work_dir = log_dir / label
    work_dir.mkdir()
    command = [
        "pgbench",
        "--no-vacuum",
        "--host=127.0.0.1",
        "--username=postgres",
        f"--client={clients}",
        f"--jobs={min(clients, 2)}",
        f"--time={seconds:.0f}",
        "--protocol=simple",
        "--define=k=0",
        f"--define=offset={offset}",
        "--log",
        "--log-prefix=tx",
        f"--file={script}",
        connection.settings_dict["NAME"],
    ]
    children_cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    process = subprocess.Popen(
        command, cwd=work_dir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        backends: list[int] = []
        while len(backends) < clients and time.monotonic() - started < 10:
            time.sleep(0.05)
            backends = database_backends("pgbench")
        window_start, before = time.time(), cpu_seconds(backends)
        time.sleep(max(0.0, started + seconds - 1 - time.monotonic()))
        window_end, after = time.time(), cpu_seconds(backends)
        output, _ = process.communicate(timeout=seconds + 60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    client_cpu = (children_after.ru_utime + children_after.ru_stime) - (
        children_cpu.ru_utime + children_cpu.ru_stime
    )

    latencies, in_window, failed_in_log = [], 0, 0
    for log in work_dir.glob("tx.*"):
        for line in log.read_text().splitlines():
            # client_id transaction_no time script_no time_epoch time_us
            fields = line.split()
            if not fields[2].isdigit():
                failed_in_log += 1
                continue
            latencies.append(int(fields[2]) / 1000)
            if window_start <= int(fields[4]) + int(fields[5]) / 1e6 <= window_end:
                in_window += 1

    def number(pattern: str) -> float:
        match = re.search(pattern, output)
        return float(match.group(1)) if match else float("nan")

    failed = re.search(r"number of failed transactions: (\d+)", output)
    transactions = int(number(r"number of transactions actually processed: (\d+)"))
    database_cpu = sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())
    return PgbenchResult(
        clients=clients,
        transactions=transactions,
        failed=(int(failed.group(1)) if failed else 0) + failed_in_log,
        tps=number(r"tps = ([\d.]+)"),
        latency_average_ms=number(r"latency average = ([\d.]+) ms"),
        latencies_ms=latencies,
        aborted=process.returncode != 0 or "aborted" in output,
        output=output,
        database_cpu_ms_per_tx=database_cpu * 1000 / max(1, in_window),
        client_cpu_ms_per_tx=client_cpu * 1000 / max(1, transactions),
    )


# --- in-process breakdown ----------------------------------------------------------------------


@dataclass(frozen=True)
class Breakdown:
    service_ms: float
    service_queries: int
    response_ms: float
    stack_ms: float
    stack_queries: int
    response_bytes: int


def measure_breakdown(assessment) -> Breakdown:
    """This process, one thread, no server: the service call alone; the response (serializer
    and camelCase renderer) alone; the whole Django stack through the test client."""
    [service_key, stack_key] = seed_http_sessions(assessment, 2)
    user = get_user_model().objects.get(pk=service_key.user)
    service, response_times, stack = [], [], []
    service_queries = stack_queries = response_bytes = 0
    renderer = CamelCaseJSONRenderer()
    for index in range(BREAKDOWN_REPEATS):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            outcome = session_submit_section(
                session_id=service_key.session,
                user=user,
                section_index=index,
                section_id=f"s{index + 1}",
                answers=answers_for(index + 1),
            )
            service.append(time.perf_counter() - started)
        service_queries = len(queries)
        started = time.perf_counter()
        renderer.render(SessionDetailSerializer(outcome.session).data)
        response_times.append(time.perf_counter() - started)
    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {stack_key.token}")
    for index in range(BREAKDOWN_REPEATS):
        body = {
            "sectionId": f"s{index + 1}",
            "sectionIndex": index,
            "answers": answers_for(index + 1),
        }
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.post(
                f"/api/v1/sessions/{stack_key.session}/submit-section",
                body,
                content_type="application/json",
            )
            stack.append(time.perf_counter() - started)
        if response.status_code != 201:
            raise BenchmarkError(f"in-process submit answered {response.status_code}")
        stack_queries, response_bytes = len(queries), len(response.content)
    return Breakdown(
        service_ms=statistics.median(service) * 1000,
        service_queries=service_queries,
        response_ms=statistics.median(response_times) * 1000,
        stack_ms=statistics.median(stack) * 1000,
        stack_queries=stack_queries,
        response_bytes=response_bytes,
    )


# --- scale -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScalePoint:
    sessions: int
    submissions: int
    seed_seconds: float
    settle_seconds: float
    index_mb: float  # the sessions table's indexes
    rounds: list[LoadResult]
    pgbench_rounds: list[PgbenchResult]
    plan: list[str]

    @property
    def load(self) -> LoadResult:
        return min(self.rounds, key=lambda load: load.percentile(50))

    @property
    def pgbench(self) -> PgbenchResult:
        return min(self.pgbench_rounds, key=lambda pg: pg.percentile(50))

    def cpu_ms(self, role: str) -> float:
        """CPU per submit over every round (warm-up included)."""
        requests = sum(load.requests for load in self.rounds)
        return sum(load.cpu_in_window[role] for load in self.rounds) * 1000 / requests


def sessions_index_bytes() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_indexes_size('candidate_sessions_candidatesession')")
        return cursor.fetchone()[0]


@dataclass(frozen=True)
class UpdateStats:
    updates: int
    hot_updates: int
    indexes: int


def session_update_stats() -> UpdateStats:
    """Cumulative UPDATE counts of the sessions table (pg_stat_user_tables; TRUNCATE does not
    reset them, so a run reports the difference) and how many indexes it has."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n_tup_upd, n_tup_hot_upd,"
            " (SELECT count(*) FROM pg_index WHERE indrelid = relid)"
            " FROM pg_stat_user_tables WHERE relname = 'candidate_sessions_candidatesession'"
        )
        return UpdateStats(*cursor.fetchone())


def explain_lock_query(key: SessionKey) -> list[str]:
    sql, params = lock_query_sql(key.session, key.user)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        plan = [row[0] for row in cursor.fetchall()]
        transaction.set_rollback(True)  # ANALYZE really took the row lock: let it go
    return plan


def run_scale(assessment, setup: ServerSetup, log_dir: Path, pgbench_next: int) -> list:
    points = []
    server, port = start_server(setup, log_dir)
    try:
        for size in SCALE_SIZES:
            # Everything this size measures is seeded first, so it counts in the `size` rows.
            keys = seed_http_sessions(assessment, SCALE_ROUNDS * SCALE_SESSIONS_PER_ROUND + 1)
            seed_pgbench_sessions(
                assessment, pgbench_next + 1, SCALE_ROUNDS * SCALE_PGBENCH_SESSIONS
            )
            seed_seconds = fill_sessions_to(assessment, size)
            settle_seconds = settle_tables()
            rounds, pgbench_rounds = [], []
            for number in range(SCALE_ROUNDS):
                first = number * SCALE_SESSIONS_PER_ROUND
                load = run_load(
                    port,
                    [keys[first : first + SCALE_SESSIONS_PER_ROUND]],
                    log_dir,
                    label=f"scale-{size}-{number}",
                    processes=1,
                    requests_per_thread=SCALE_REQUESTS,
                    cpu_sample=server_cpu_sampler(server),
                )
                if load.exhausted_threads:
                    raise BenchmarkError("the scale client ran out of sessions")
                server.require_alive()
                rounds.append(load)
                pgbench_rounds.append(
                    run_pgbench(
                        log_dir,
                        label=f"pgbench-scale-{size}-{number}",
                        clients=1,
                        seconds=SCALE_PGBENCH_SECONDS,
                        offset=pgbench_next,
                        per_client=SCALE_PGBENCH_SESSIONS,
                    )
                )
                pgbench_next += SCALE_PGBENCH_SESSIONS
            points.append(
                ScalePoint(
                    sessions=CandidateSession.objects.count(),
                    submissions=SectionSubmission.objects.count(),
                    seed_seconds=seed_seconds,
                    settle_seconds=settle_seconds,
                    index_mb=sessions_index_bytes() / 2**20,
                    rounds=rounds,
                    pgbench_rounds=pgbench_rounds,
                    plan=explain_lock_query(keys[-1]),  # an ACTIVE session nobody submitted to
                )
            )
    finally:
        server.stop()
    return points


# --- report --------------------------------------------------------------------------------------


def pgbench_version() -> str:
    completed = subprocess.run(
        ["pgbench", "--version"], capture_output=True, text=True, check=True, timeout=10
    )
    return completed.stdout.split("(Debian")[0].strip().replace("(PostgreSQL) ", "")


def header_versions() -> list[str]:
    return [
        f"Django {django.get_version()}",
        f"gunicorn {gunicorn.__version__}",
        server_versions(),
        pgbench_version(),
    ]


def latency_columns(values: list[float]) -> str:
    return " ".join(f"{percentile(values, p):>7.1f}" for p in (50, 95, 99, 100))


@dataclass(frozen=True)
class ThroughputRounds:
    ours: dict[str, list[ThroughputRun]]  # run label -> one run per round
    pgbench: list[PgbenchResult]

    def best(self, label: str) -> ThroughputRun:
        return max(self.ours[label], key=lambda run: run.load.per_second)

    def best_pgbench(self) -> PgbenchResult:
        return max(self.pgbench, key=lambda pg: pg.tps)

    def round_ratio(self, number: int) -> float:
        ours = max(runs[number].load.per_second for runs in self.ours.values())
        return ours / self.pgbench[number].tps


def run_throughput_rounds(
    assessment, log_dir: Path, setups: list[ServerSetup], workloads: list[Workload]
) -> ThroughputRounds:
    """Every (workload, setup) once per round, then pgbench, round after round: alternating,
    so a change in the other load on the host falls on every system alike."""
    ours: dict[str, list[ThroughputRun]] = {}
    pgbench = []
    heartbeat = workloads[0] is not SUBMIT
    for number in range(THROUGHPUT_ROUNDS):
        for workload in workloads:
            for setup in setups:
                run = run_throughput(assessment, setup, log_dir, workload)
                ours.setdefault(run.label, []).append(run)
        pgbench.append(
            run_pgbench(
                log_dir,
                label=f"pgbench-{number}",
                clients=CLIENTS,
                seconds=MEASURE_SECONDS,
                offset=number * CLIENTS * PGBENCH_SESSIONS_PER_CLIENT,
                per_client=PGBENCH_SESSIONS_PER_CLIENT,
                script_for=heartbeat_pgbench_script if heartbeat else pgbench_script,
            )
        )
    return ThroughputRounds(ours, pgbench)


def print_throughput(result: ThroughputRounds, b: Breakdown | None) -> ThroughputRun:
    heartbeat = b is None
    what = "heartbeats on" if heartbeat else "each on"
    print()
    print(
        f"1. Throughput: {CLIENTS} concurrent clients, {what} sessions of their own, one"
        f" assessment of {SECTIONS} sections (the session view carries the assessment);"
        f" {WARM_UP_SECONDS:g} s warm-up, {MEASURE_SECONDS:g} s measured; best of"
        f" {THROUGHPUT_ROUNDS} rounds, run alternately"
    )
    header = (
        f"{'system':<56} {'requests':>8} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7}"
        f" {'p99 ms':>7} {'max ms':>7} {'errors':>6} {'rounds req/s':>13}"
        f" {'CPU ms/req: server+PG+client':>29} {'KiB':>5}"
    )
    print_table_header(header)
    for label, runs in result.ours.items():
        load = result.best(label).load
        client_ms = load.client_cpu_seconds * 1000 / max(1, load.requests)
        server_ms, database_ms = (load.cpu_ms_per_request(r) for r in ("server", "database"))
        rounds = " / ".join(f"{run.load.per_second:.0f}" for run in runs)
        print(
            f"{label:<56} {len(load.latencies_ms):>8} {load.per_second:>7.1f}"
            f" {latency_columns(load.latencies_ms)} {sum(r.load.errors for r in runs):>6}"
            f" {rounds:>13} {f'{server_ms:.1f} + {database_ms:.2f} + {client_ms:.2f}':>29}"
            f" {load.response_bytes / 1024:>5.1f}"
        )
    pg = result.best_pgbench()
    rounds = " / ".join(f"{run.tps:.0f}" for run in result.pgbench)
    statement = "the heartbeat's statement" if heartbeat else "same transaction"
    print(
        f"{f'pgbench -c {CLIENTS} -j 2, {statement}':<56} {pg.transactions:>8}"
        f" {pg.tps:>7.1f} {latency_columns(pg.latencies_ms)}"
        f" {sum(run.failed for run in result.pgbench):>6} {rounds:>13}"
        f" {f'- + {pg.database_cpu_ms_per_tx:.2f} + {pg.client_cpu_ms_per_tx:.2f}':>29}"
    )
    pg_cpu = pg.database_cpu_ms_per_tx + pg.client_cpu_ms_per_tx
    target = HEARTBEAT_RATIO_TARGET if heartbeat else RATIO_TARGET
    print(
        f"Per system against pgbench's best round (target >= {target}"
        f"{' CPU-normalised' if heartbeat else ''}); CPU-normalised = pgbench's CPU per"
        " transaction (backends + pgbench) over ours per request (server + backends; our"
        " clients excluded), what the ratio would be if both had the cores to themselves:"
    )
    for label in result.ours:
        best = result.best(label)
        ours_cpu = sum(best.load.cpu_ms_per_request(r) for r in ("server", "database"))
        print(
            f"  {label:<56} ours/pgbench {best.load.per_second / pg.tps:.3f},"
            f" CPU-normalised {pg_cpu / ours_cpu:.3f} ({ours_cpu:.2f} ms against"
            f" {pg_cpu:.2f} ms)"
        )
    best = max((result.best(label) for label in result.ours), key=lambda run: run.load.per_second)
    per_round = " / ".join(
        f"{result.round_ratio(number):.3f}" for number in range(THROUGHPUT_ROUNDS)
    )
    ratio = best.load.per_second / pg.tps
    print(
        f"Best: {best.label}: ours/pgbench {ratio:.3f} (round by round {per_round})"
        f" (target >= {target}: {verdict(ratio >= target)})"
    )
    all_runs = [run for runs in result.ours.values() for run in runs]
    errors = sum(run.load.errors for run in all_runs)
    failed = sum(run.failed for run in result.pgbench)
    aborted = any(run.aborted for run in result.pgbench)
    print(
        f"Errors: {errors} unexpected answers over {sum(run.load.requests for run in all_runs)}"
        f" requests (warm-up included); pgbench {failed} failed{', ABORTED' if aborted else ''}"
        f" (target 0: {verdict(errors == 0)})"
    )
    for run in all_runs:
        for sample in run.load.error_samples:
            print(f"  {run.label}: {sample}")
    for run in result.pgbench:
        if run.aborted:
            print(run.output)
    if b is None:
        return best
    print()
    print(f"Where a request's time goes (this process, one thread, median of {BREAKDOWN_REPEATS}):")
    print(
        f"  session_submit_section service ({b.service_queries} SQL statements)"
        f"{'':19}{b.service_ms:6.1f} ms"
    )
    print(
        f"  its 201 body: SessionDetailSerializer + CamelCaseJSONRenderer{'':7}"
        f"{b.response_ms:6.1f} ms"
    )
    print(
        f"  whole Django stack, test client ({b.stack_queries} SQL statements)"
        f"{'':17}{b.stack_ms:6.1f} ms"
    )
    return best


def print_update_stats(before: UpdateStats, after: UpdateStats, during: str) -> None:
    updates, hot = after.updates - before.updates, after.hot_updates - before.hot_updates
    print()
    print(
        f"Session UPDATEs during {during} (ours and pgbench's): {updates:,}, of which HOT"
        f" (heap-only, no index touched): {hot:,} ({hot / max(1, updates):.0%}). A non-HOT"
        f" UPDATE adds an entry to each of the table's {after.indexes} indexes."
    )


def print_scale(points: list[ScalePoint], setup: ServerSetup) -> None:
    print()
    print(
        f"2. Scale: one client through {setup.label}, then pgbench"
        f" -c 1 (same transaction), in {SCALE_ROUNDS} rounds of {SCALE_REQUESTS} sequential"
        f" submits (after {SCALE_WARM_UP_REQUESTS} not counted) and {SCALE_PGBENCH_SECONDS} s"
        " of pgbench at each table size; the round with the lowest p50 is shown"
    )
    header = (
        f"{'sessions':>9} {'submissions':>11} {'index MB':>8} {'seed s':>6} {'settle s':>8} |"
        f" {'HTTP p50':>8}"
        f" {'p95':>5} {'p99':>5} {'max':>5} {'rounds p50':>16} {'errors':>6} {'CPU ms/req':>10}"
        f" | {'SQL p50':>7} {'p99':>5} {'rounds p50':>16} {'failed':>6}"
    )
    print_table_header(header)
    for point in points:
        load, pg = point.load, point.pgbench
        http_rounds = "/".join(f"{r.percentile(50):.1f}" for r in point.rounds)
        sql_rounds = "/".join(f"{r.percentile(50):.2f}" for r in point.pgbench_rounds)
        errors = sum(r.errors for r in point.rounds)
        failed = sum(r.failed for r in point.pgbench_rounds)
        aborted = any(r.aborted for r in point.pgbench_rounds)
        cpu = f"{point.cpu_ms('server'):.1f}+{point.cpu_ms('database'):.2f}"
        print(
            f"{point.sessions:>9,} {point.submissions:>11,} {point.index_mb:>8.0f}"
            f" {point.seed_seconds:>6.1f} {point.settle_seconds:>8.1f} |"
            f" {load.percentile(50):>8.1f}"
            f" {load.percentile(95):>5.1f} {load.percentile(99):>5.1f}"
            f" {load.percentile(100):>5.1f} {http_rounds:>16} {errors:>6}"
            f" {cpu:>10} |"
            f" {pg.percentile(50):>7.2f} {pg.percentile(99):>5.2f} {sql_rounds:>16}"
            f" {failed:>6}{' ABORTED' if aborted else ''}"
        )
    small, large = points[0], points[-1]
    http_growth = large.load.percentile(50) / small.load.percentile(50)
    cpu_growth = sum(large.cpu_ms(r) for r in ("server", "database")) / sum(
        small.cpu_ms(r) for r in ("server", "database")
    )
    print(
        f"From {small.sessions:,} to {large.sessions:,} sessions: HTTP p50 x{http_growth:.2f},"
        f" p99 x{large.load.percentile(99) / small.load.percentile(99):.2f};"
        f" SQL p50 x{large.pgbench.percentile(50) / small.pgbench.percentile(50):.2f};"
        f" CPU per submit x{cpu_growth:.2f} (target: latency does not grow, HTTP p50"
        f" <= x{GROWTH_TARGET}: {verdict(http_growth <= GROWTH_TARGET)})"
    )
    print(
        "Latencies in ms. CPU ms/req: gunicorn + its PostgreSQL backends per submit, all rounds,"
        " warm-up included. index MB: the sessions table's indexes. Seed s: bulk load to that"
        " size; settle s: VACUUM (ANALYZE) + CHECKPOINT."
    )
    for point in points:
        print()
        print(f"EXPLAIN (ANALYZE, BUFFERS) of the lock query at {point.sessions:,} sessions:")
        for line in point.plan:
            print(f"  {line}")


# --- main ----------------------------------------------------------------------------------------


SERVERS_FLAG = "--servers"
HEARTBEAT_FLAG = "--heartbeat"


def main() -> None:
    started = start_run(RUN_TIME_LIMIT_SECONDS)
    heartbeat = HEARTBEAT_FLAG in sys.argv
    title = "Heartbeat" if heartbeat else "Submit-section"
    print_header(f"{title} benchmark", header_versions())
    assessment = make_assessment(sections=SECTIONS, title="Submit-section benchmark")
    updates_before = session_update_stats()
    pgbench_sessions = THROUGHPUT_ROUNDS * CLIENTS * PGBENCH_SESSIONS_PER_CLIENT
    seed_pgbench_sessions(assessment, 1, pgbench_sessions)
    breakdown = None if heartbeat else measure_breakdown(assessment)
    setups = SERVER_SETUPS if SERVERS_FLAG in sys.argv else SYNC_SETUPS
    setups = HEARTBEAT_SETUPS if heartbeat else setups
    with tempfile.TemporaryDirectory(prefix="bench-submit-") as scratch:
        log_dir = Path(scratch)
        throughput = run_throughput_rounds(
            assessment, log_dir, setups, HEARTBEATS if heartbeat else [SUBMIT]
        )
        best = print_throughput(throughput, breakdown)
        time.sleep(1)  # backends report their statistics when idle, at most once a second
        print_update_stats(updates_before, session_update_stats(), "part 1")
        sys.stdout.flush()
        if THROUGHPUT_ONLY_FLAG in sys.argv or heartbeat:
            return
        points = run_scale(assessment, best.setup, log_dir, pgbench_sessions)
        print_scale(points, best.setup)
    time.sleep(1)
    print_update_stats(updates_before, session_update_stats(), "the run")
    print()
    print(
        f"Peak connections to the bench database: {CLIENTS} (pgbench) + 1 (this script);"
        f" the server holds one per worker thread. Whole run: {time.perf_counter() - started:.0f} s"
    )


if __name__ == "__main__":
    run_benchmark(main)
