"""Submit-section through a WSGI server against the same transaction as raw SQL in pgbench.

    .venv/bin/python bench/submit_section.py [--throughput-only] [--servers] [--heartbeat]

`--throughput-only`: part 1 alone. `--servers`: part 1 under gunicorn sync, gunicorn gthread
and Granian, with keep-alive and without. `--heartbeat`: the heartbeat instead of the submit,
with and without `Prefer: return=minimal`, against its own statement in pgbench.
`BENCH_GUNICORN_CONF=path` starts gunicorn with another config file. What it measures and how:
docs/BENCHMARKS.md, "Submit-section throughput" and "Second pass".
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

LOAD_CLIENT_FLAG = "--load-client"


def submit_body(index: int) -> dict:
    number = index + 1
    answers = {f"s{number}q1": "B", f"s{number}q2": f"my answer {number}"}
    return {"sectionId": f"s{number}", "sectionIndex": index, "answers": answers}


# --- load client (a child process: standard library only, no Django) ---------------------------


def run_load_client(job_path: str, result_path: str) -> None:
    """Threads that each send the next request on sessions of their own; the requests that
    finish inside the measured window count. Results as JSON."""
    import http.client
    import resource
    import threading
    from concurrent.futures import ThreadPoolExecutor

    job = json.loads(Path(job_path).read_text())
    bodies = [
        None if job["endpoint"] == "heartbeat" else json.dumps(submit_body(index)).encode()
        for index in range(job["repeats"])
    ]
    measure_from = job["start_at"] + job["warm_up_seconds"]
    end = measure_from + job["duration_seconds"]
    lock = threading.Lock()
    result = {"requests": 0, "errors": 0, "exhausted_threads": 0}
    latencies, samples = [], []

    def client(sessions: list[dict]) -> None:
        connection = http.client.HTTPConnection(job["host"], job["port"], timeout=30)
        time.sleep(max(0.0, job["start_at"] - time.monotonic()))
        for session in sessions:
            path = f"/api/v1/sessions/{session['session']}/{job['endpoint']}"
            headers = {"Content-Type": "application/json", **job["headers"]}
            headers["Authorization"] = f"Bearer {session['token']}"
            for body in bodies:
                started = time.monotonic()
                if started >= end:
                    return
                try:
                    connection.request("POST", path, body=body, headers=headers)
                    response = connection.getresponse()
                    status, answer = response.status, response.read()
                except (OSError, http.client.HTTPException) as exc:
                    connection.close()
                    status, answer = 0, repr(exc).encode()
                finished = time.monotonic()
                with lock:
                    result["requests"] += 1
                    if status != job["expect"]:
                        result["errors"] += 1
                        samples.append(f"{status} {answer[:300]!r}")
                    elif measure_from <= finished <= end:
                        latencies.append((finished - started) * 1000)
        with lock:
            result["exhausted_threads"] += 1

    with ThreadPoolExecutor(max_workers=len(job["threads"])) as pool:
        list(pool.map(client, job["threads"]))  # an exception in a thread fails the client
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result.update(latencies_ms=latencies, error_samples=samples[:5])
    result["cpu_seconds"] = usage.ru_utime + usage.ru_stime
    Path(result_path).write_text(json.dumps(result))


if __name__ == "__main__" and sys.argv[1:2] == [LOAD_CLIENT_FLAG]:
    run_load_client(sys.argv[2], sys.argv[3])
    sys.exit(0)


# --- the benchmark -----------------------------------------------------------------------------

import re  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import uuid  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import asdict, dataclass  # noqa: E402
from functools import partial  # noqa: E402

from _harness import (  # noqa: E402
    bench_environment,
    configure_django,
    database_scalar,
    print_header,
    print_table_header,
    server_versions,
    start_run,
    verdict,
)

from harness.measure import cpu_window, percentile  # noqa: E402
from harness.processes import (  # noqa: E402
    ChildProcess,
    HarnessError,
    cpu_seconds,
    free_port,
    process_group,
    run_main,
)
from harness.stack import wait_for_http, web_command  # noqa: E402

configure_django(LOG_LEVEL="WARNING")

import django  # noqa: E402
import gunicorn  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from assessment_engine.accounts.factories import (  # noqa: E402
    bulk_create_tokens,
    bulk_create_users,
)
from assessments.factories import make_assessment  # noqa: E402
from sessions import services as session_services  # noqa: E402
from sessions.factories import bulk_create_active_sessions  # noqa: E402
from sessions.models import CandidateSession, SectionSubmission  # noqa: E402

RUN_TIME_LIMIT_SECONDS = 600
SECTIONS = 40
CLIENTS = 32
WARM_UP_SECONDS = 3.0
MEASURE_SECONDS = 15.0
# Every system runs once per round, rounds one after the other, and each keeps its best round:
# other work on the shared cores comes and goes and shifts a single run.
THROUGHPUT_ROUNDS = 2
# Room for the uneven shares of keep-alive servers, which can serve one connection far more
# often than another.
SESSIONS_PER_CLIENT = 40
RATIO_TARGET = 0.2
HEARTBEAT_RATIO_TARGET = 0.3

PGBENCH_SESSION_PREFIX = "a0000000-0000-4000-8000-"
PGBENCH_USER_PREFIX = "b0000000-0000-4000-8000-"
FILLER_USER_PREFIX = "c0000000-0000-4000-8000-"
FILLER_USERS = 100_000
FILL_CHUNK = 100_000

SCALE_SIZES = (10_000, 1_000_000)
SCALE_ROUNDS = 3  # at each size, rounds of (HTTP from one client, then pgbench -c 1)
SCALE_WARM_UP_SECONDS = 1.0
SCALE_SECONDS = 2.0  # measured per round, HTTP and pgbench alike
SCALE_SESSIONS_PER_ROUND = 30  # 1,200 submits: room for 400 a second
SCALE_PGBENCH_SESSIONS = 150  # 6,000 transactions: room for 3,000 a second
GROWTH_TARGET = 1.2
LOG_DIR = Path()  # the run's scratch directory (main)
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
    """Users `name`-first..last whose ids `deterministic_uuid(id_prefix, number)` computes."""
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


def seed_pgbench_sessions(assessment, count: int) -> int:
    """`count` more ACTIVE sessions (each with its user) whose ids pgbench computes from their
    number; returns the number before the first (pgbench's `offset`)."""
    offset = get_user_model().objects.filter(username__startswith="pgbench-").count()
    first, last = offset + 1, offset + count
    with connection.cursor() as cursor:
        insert_numbered_users(
            cursor, id_prefix=PGBENCH_USER_PREFIX, name="pgbench", first=first, last=last
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
            [assessment.pk, assessment.section_count, first, last],
        )
    return offset


def fill_sessions_to(assessment, total: int) -> float:
    """Bulk-load finished sessions, each with one submission, until the table holds at least
    `total` (docs/BENCHMARKS.md, "2. Scale"). Returns the seconds it took."""
    started = time.perf_counter()
    filled = CandidateSession.objects.filter(user__username__startswith="filler-").count()
    existing = CandidateSession.objects.count()
    missing = max(0, total - existing)  # part 1 may have left more than the first size
    user_id = deterministic_uuid(FILLER_USER_PREFIX, f"1 + n %% {FILLER_USERS}")
    sections = assessment.section_count
    with connection.cursor() as cursor:
        if missing and not filled:
            insert_numbered_users(
                cursor, id_prefix=FILLER_USER_PREFIX, name="filler", first=1, last=FILLER_USERS
            )
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
    """VACUUM (ANALYZE) and CHECKPOINT, as autovacuum and the checkpointer would have done to a
    table that grew over months: without it, a table just seeded is planned with the statistics
    of the table before (sequential scans). Returns the seconds it took."""
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "VACUUM (ANALYZE) accounts_user, knox_authtoken, candidate_sessions_candidatesession,"
            " candidate_sessions_sectionsubmission"
        )
        cursor.execute("CHECKPOINT")
    return time.perf_counter() - started


def database_backends(application_name: str = "%") -> list[int]:
    """PostgreSQL backends connected to the bench database, this process's own excepted."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND application_name LIKE %s",
            [application_name],
        )
        return [row[0] for row in cursor.fetchall()]


# --- what both sides measure ---------------------------------------------------------------------


@dataclass(frozen=True)
class Measurement:
    """One run of ours (a load) or of pgbench, over its measured window."""

    per_second: float
    latencies_ms: list[float]  # the counted requests or transactions
    sent: int  # everything sent, warm-up included
    errors: int  # unexpected answers or failed transactions, warm-up included
    cpu_ms: dict[str, float]  # per counted request: "server" (ours only), "database", "client"
    problems: list[str]  # error samples, or pgbench's output if it aborted

    def percentile(self, p: float) -> float:
        return percentile(self.latencies_ms, p)

    @property
    def compared_cpu_ms(self) -> float:
        """Ours: server + backends, our load client excluded (it stands for remote users).
        pgbench: backends + pgbench itself (it stands for the application)."""
        ours = "server" in self.cpu_ms
        return sum(ms for role, ms in self.cpu_ms.items() if role != "client" or not ours)


def best(rounds: list[Measurement]) -> Measurement:
    return max(rounds, key=lambda run: run.per_second)


# --- the server and the load clients -------------------------------------------------------------


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
                *("--interface=wsgi", "--host=127.0.0.1", f"--port={port}"),
                f"--workers={self.web_concurrency}",
                f"--blocking-threads={self.threads}",
                *("--http=1", "--no-ws", "--log-level=warning"),
                "assessment_engine.wsgi:application",
            ]
        command = web_command(os.environ.get("BENCH_GUNICORN_CONF", "gunicorn.conf.py"))
        if self.kind == "gthread":
            command += ["--worker-class=gthread", f"--threads={self.threads}", "--keep-alive=5"]
        return command


# Sync workers on 2 cores (gunicorn's default 2 x cores + 1 = 5 is more).
SYNC_SETUPS = [ServerSetup("sync", n) for n in (2, 3, 4)]
# --servers: the same two processes (the best sync setting on two cores) under each server.
SERVER_SETUPS = [
    ServerSetup("sync", 2),
    *(
        ServerSetup(kind, 2, threads=4, keep_alive=keep_alive)
        for kind in ("gthread", "granian")
        for keep_alive in (True, False)
    ),
]
HEARTBEAT_SETUPS = [ServerSetup("sync", 2), ServerSetup("gthread", 2, threads=4, keep_alive=True)]


@dataclass(frozen=True)
class Workload:
    """What each load-client request is: the endpoint, the status it must answer, headers."""

    name: str
    endpoint: str
    expect: int
    headers: tuple[tuple[str, str], ...] = ()
    repeats: int = SECTIONS  # requests per session (a submit per section)

    def label(self, setup: ServerSetup) -> str:
        return setup.label if self is SUBMIT else f"{self.name}: {setup.label}"


SUBMIT = Workload("submit", "submit-section", 201)
# The heartbeat does not move the session on, but each user may send at most the candidate
# throttle's 300 a minute, so a client moves on after 20.
HEARTBEATS = [
    Workload("heartbeat, view", "heartbeat", 200, repeats=20),
    Workload("heartbeat, minimal", "heartbeat", 204, (("Prefer", "return=minimal"),), 20),
]


class Server:
    """A server started for a setup, with the CPU sampler of its processes and backends."""

    def __init__(self, setup: ServerSetup):
        self.setup, self.port = setup, free_port()
        env = bench_environment(
            PORT=str(self.port),
            WEB_CONCURRENCY=str(setup.web_concurrency),
            LOG_LEVEL="WARNING",  # INFO writes one line per request
            SESSION_INACTIVITY_TIMEOUT_SECONDS=str(INACTIVITY_TIMEOUT_SECONDS),
        )
        name = re.sub(r"[^a-z0-9]+", "-", setup.label.lower())
        log_path = LOG_DIR / f"{name}.log"
        self.process = ChildProcess(name, setup.command(self.port), env=env, log_path=log_path)
        try:  # workers import the application lazily: the warm-up does the rest
            wait_for_http(f"http://127.0.0.1:{self.port}/healthz", self.process, timeout=30)
        except BaseException:
            self.process.stop()
            raise

    def cpu_sample(self) -> dict[str, dict[int, float]]:
        """CPU of the server's process group and of every backend on the bench database but
        this script's: during a load, the server's connections."""
        return {
            "server": cpu_seconds(process_group(self.process.process.pid)),
            "database": cpu_seconds(database_backends()),
        }

    def load(
        self,
        workload: Workload,
        thread_sessions: list[list[SessionKey]],
        *,
        processes: int,
        warm_up: float,
        seconds: float,
    ) -> Measurement:
        """Load-client children sharing the threads; CPU sampled over the measured window."""
        start_at = time.monotonic() + 0.8  # after every child has started its threads
        connection_header = {} if self.setup.keep_alive else {"Connection": "close"}
        job = {
            **asdict(workload),
            "headers": {**dict(workload.headers), **connection_header},
            **{"host": "127.0.0.1", "port": self.port, "start_at": start_at},
            **{"warm_up_seconds": warm_up, "duration_seconds": seconds},
        }
        children, result_paths = [], []
        for number in range(processes):
            name = f"load-{self.process.name}-{number}"
            threads = [
                [{"session": key.session, "token": key.token} for key in sessions]
                for sessions in thread_sessions[number::processes]
            ]
            job_path, result_path = LOG_DIR / f"{name}.job.json", LOG_DIR / f"{name}.result.json"
            job_path.write_text(json.dumps({**job, "threads": threads}))
            command = [sys.executable, __file__, LOAD_CLIENT_FLAG, str(job_path), str(result_path)]
            log_path = LOG_DIR / f"{name}.log"
            children.append(ChildProcess(name, command, env=bench_environment(), log_path=log_path))
            result_paths.append(result_path)
        try:
            window_start = start_at + warm_up
            cpu_ms = cpu_window(self.cpu_sample, window_start, window_start + seconds)
            for child in children:
                try:
                    child.process.wait(timeout=60)
                except subprocess.TimeoutExpired as exc:
                    raise HarnessError(f"{child.name} did not finish") from exc
                if child.process.returncode != 0:
                    raise HarnessError(f"{child.name} failed:\n{child.log_tail()}")
        finally:
            for child in children:
                child.stop()
        self.process.require_alive()
        parts = [json.loads(path.read_text()) for path in result_paths]
        # Counts add up, lists join: `type(value)()` is 0 or [].
        total = {key: sum((p[key] for p in parts), type(v)()) for key, v in parts[0].items()}
        if total["exhausted_threads"]:
            raise HarnessError(
                f"{self.setup.label}: {total['exhausted_threads']} client(s) ran out of sessions"
            )
        counted = max(1, len(total["latencies_ms"]))
        return Measurement(
            per_second=len(total["latencies_ms"]) / seconds,
            latencies_ms=total["latencies_ms"],
            sent=total["requests"],
            errors=total["errors"],
            cpu_ms={
                **{role: ms / counted for role, ms in cpu_ms.items()},
                "client": total["cpu_seconds"] * 1000 / max(1, total["requests"]),
            },
            problems=total["error_samples"],
        )


# --- pgbench -------------------------------------------------------------------------------------


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


PGBENCH_SESSION = deterministic_uuid(PGBENCH_SESSION_PREFIX, ":n")
PGBENCH_USER = deterministic_uuid(PGBENCH_USER_PREFIX, ":n")


def submit_script(sessions_per_client: int) -> str:
    """The service's transaction as raw SQL; client c walks the sessions numbered
    offset + c*P + 1 .. offset + c*P + P section after section (pgbench keeps its counter k)."""
    sql, params = lock_query_sql(str(uuid.UUID(int=1)), str(uuid.UUID(int=2)))
    if len(params) != 2:
        raise HarnessError(f"unexpected lock query parameters: {params!r}")
    lock = sql.replace("%s", PGBENCH_SESSION, 1).replace("%s", PGBENCH_USER, 1)
    answers = """('{"s' || :num || 'q1": "B", "s' || :num || 'q2": "my answer ' || :num || '"}')"""
    return f"""\\set k :k + 1
\\set n :offset + :client_id * {sessions_per_client} + (:k - 1) / {SECTIONS} + 1
\\set idx (:k - 1) % {SECTIONS}
\\set num :idx + 1
BEGIN;
{lock};
INSERT INTO "candidate_sessions_sectionsubmission" ("session_id", "section_index", "section_id", "answers", "submitted_at") VALUES ({PGBENCH_SESSION}, :idx, 's' || :num, {answers}::jsonb, now()) RETURNING "id";
UPDATE "candidate_sessions_candidatesession" SET "current_section_index" = :num, "last_activity_at" = now(), "version" = "version" + 1 WHERE "id" = {PGBENCH_SESSION};
COMMIT;
"""  # noqa: E501, S608 - a pgbench script, not a query


def heartbeat_script(sessions_per_client: int) -> str:
    """The heartbeat's one statement (`sessions.services._TOUCH_SQL`, autocommit as in the
    application), each client going round its own sessions."""
    grace = settings.SESSION_DEADLINE_GRACE_SECONDS
    values = {
        "now": "now()",
        "id": PGBENCH_SESSION,
        "user": PGBENCH_USER,
        "active": "'ACTIVE'",
        "inactive_before": f"now() - interval '{INACTIVITY_TIMEOUT_SECONDS} seconds'",
        "overdue_before": f"now() - interval '{grace} seconds'",
    }
    statement = " ".join(session_services._TOUCH_SQL.split()) % values
    return f"""\\set k :k + 1
\\set n :offset + :client_id * {sessions_per_client} + (:k - 1) % {sessions_per_client} + 1
{statement};
"""


def run_pgbench(
    assessment,
    *,
    clients: int,
    seconds: float,
    per_client: int,
    script_for: Callable[[int], str],
) -> Measurement:
    """pgbench on sessions seeded for it; latencies from its per-transaction log; CPU of its
    backends and of pgbench from their connection to one second before the end."""
    offset = seed_pgbench_sessions(assessment, clients * per_client)
    settle_tables()
    work_dir = Path(tempfile.mkdtemp(prefix="pgbench-", dir=LOG_DIR))
    script = work_dir / "script.sql"
    script.write_text(script_for(per_client))
    command = [
        *("pgbench", "--no-vacuum", "--host=127.0.0.1", "--username=postgres"),
        *(f"--client={clients}", f"--jobs={min(clients, 2)}", f"--time={seconds:.0f}"),
        *("--protocol=simple", "--define=k=0", f"--define=offset={offset}"),
        *("--log", "--log-prefix=tx", f"--file={script}", connection.settings_dict["NAME"]),
    ]
    started = time.monotonic()
    process = subprocess.Popen(
        command, cwd=work_dir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        backends: list[int] = []
        while len(backends) < clients and time.monotonic() - started < 10:
            time.sleep(0.05)
            backends = database_backends("pgbench")
        window_start, window_end = time.monotonic(), started + seconds - 1
        cpu = cpu_window(
            lambda: {"database": cpu_seconds(backends), "client": cpu_seconds([process.pid])},
            window_start,
            window_end,
        )
        output, _ = process.communicate(timeout=seconds + 60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    epoch = time.time() - time.monotonic()  # the log's times are wall-clock
    latencies, in_window, failed = [], 0, 0
    for log in work_dir.glob("tx.*"):
        for line in log.read_text().splitlines():
            # client_id transaction_no time script_no time_epoch time_us
            fields = line.split()
            if not fields[2].isdigit():
                failed += 1
                continue
            latencies.append(int(fields[2]) / 1000)
            finished = int(fields[4]) + int(fields[5]) / 1e6 - epoch
            in_window += window_start <= finished <= window_end
    tps = re.search(r"tps = ([\d.]+)", output)
    aborted = process.returncode != 0 or "aborted" in output
    return Measurement(
        per_second=float(tps.group(1)) if tps else float("nan"),
        latencies_ms=latencies,
        sent=len(latencies) + failed,
        errors=failed,
        cpu_ms={role: ms / max(1, in_window) for role, ms in cpu.items()},
        problems=[output] if aborted else [],
    )


# --- report --------------------------------------------------------------------------------------


def print_comparison(
    rows: dict[str, list[Measurement]], pgbench_label: str, target: float
) -> Measurement:
    """The table (each system's best round), each system against pgbench, errors. Returns our
    best measurement; `rows` ends with pgbench's rounds under `pgbench_label`."""
    header = (
        f"{'system':<56} {'requests':>8} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7}"
        f" {'p99 ms':>7} {'max ms':>7} {'errors':>6} {'rounds req/s':>13}"
        f" {'CPU ms/req: server+PG+client':>29}"
    )
    print_table_header(header)
    for label, rounds in rows.items():
        run = best(rounds)
        latencies = " ".join(f"{run.percentile(p):>7.1f}" for p in (50, 95, 99, 100))
        per_round = " / ".join(f"{r.per_second:.0f}" for r in rounds)
        cpu = " + ".join(
            f"{run.cpu_ms[role]:.2f}" if role in run.cpu_ms else "-"
            for role in ("server", "database", "client")
        )
        print(
            f"{label:<56} {len(run.latencies_ms):>8} {run.per_second:>7.1f} {latencies}"
            f" {sum(r.errors for r in rounds):>6} {per_round:>13} {cpu:>29}"
        )
    pg = best(rows[pgbench_label])
    ours = {label: best(rounds) for label, rounds in rows.items() if label != pgbench_label}
    print(
        f"Against pgbench's best round (target >= {target}); CPU-normalised: its CPU per"
        " transaction over ours per request, as if both had the cores to themselves:"
    )
    for label, run in ours.items():
        print(
            f"  {label:<56} ours/pgbench {run.per_second / pg.per_second:.3f}, CPU-normalised"
            f" {pg.compared_cpu_ms / run.compared_cpu_ms:.3f} ({run.compared_cpu_ms:.2f} ms"
            f" against {pg.compared_cpu_ms:.2f} ms)"
        )
    top = max(ours, key=lambda label: ours[label].per_second)
    ratio = ours[top].per_second / pg.per_second
    normalised = pg.compared_cpu_ms / ours[top].compared_cpu_ms
    round_ratios = (
        max(rows[label][n].per_second for label in ours) / run.per_second
        for n, run in enumerate(rows[pgbench_label])
    )
    per_round = " / ".join(f"{ratio:.3f}" for ratio in round_ratios)
    print(
        f"Best: {top}: ours/pgbench {ratio:.3f} (round by round {per_round}), CPU-normalised"
        f" {normalised:.3f} (target >= {target}: {verdict(ratio >= target)} wall-clock,"
        f" {verdict(normalised >= target)} CPU-normalised)"
    )
    runs = [run for rounds in rows.values() for run in rounds]
    errors = sum(run.errors for run in runs)
    print(
        f"Errors: {errors} unexpected answers or failed transactions over"
        f" {sum(run.sent for run in runs)} sent, warm-up included (target 0: {verdict(not errors)})"
    )
    for run in runs:
        for problem in run.problems:
            print(f"  {problem}")
    return ours[top]


def session_updates() -> tuple[int, int]:
    """Cumulative (UPDATEs, HOT UPDATEs) of the sessions table: TRUNCATE does not reset them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables"
            " WHERE relname = 'candidate_sessions_candidatesession'"
        )
        return cursor.fetchone()


def print_update_stats(before: tuple[int, int], during: str) -> None:
    time.sleep(1)  # backends report their statistics when idle, at most once a second
    updates, hot = (after - then for after, then in zip(session_updates(), before, strict=True))
    indexes = database_scalar(
        "SELECT count(*) FROM pg_index"
        " WHERE indrelid = 'candidate_sessions_candidatesession'::regclass"
    )
    print(
        f"Session UPDATEs during {during}: {updates:,}, of which HOT (no index entry written):"
        f" {hot:,} ({hot / max(1, updates):.0%}); the table has {indexes} indexes."
    )


# --- the two parts -------------------------------------------------------------------------------


def alternate(systems: dict[str, Callable[[int], Measurement]], rounds: int) -> dict:
    """Every system once per round, round after round: a change in the other load on the host
    falls on every system alike. Returns each system's rounds."""
    rows: dict[str, list[Measurement]] = {label: [] for label in systems}
    for number in range(rounds):
        for label, measure in systems.items():
            rows[label].append(measure(number))
    return rows


def throughput_load(assessment, setup: ServerSetup, workload: Workload, _round: int):
    """A server of its own, loaded by every client on fresh sessions."""
    # The same room per client thread whatever the requests per session.
    sessions = CLIENTS * SESSIONS_PER_CLIENT * SECTIONS // workload.repeats
    keys = seed_http_sessions(assessment, sessions)
    settle_tables()  # the planner's statistics, not those of the table before the seed
    server = Server(setup)
    try:
        return server.load(
            workload,
            [keys[i::CLIENTS] for i in range(CLIENTS)],
            processes=2,
            warm_up=WARM_UP_SECONDS,
            seconds=MEASURE_SECONDS,
        )
    finally:
        server.process.stop()


def explain_lock_query(key: SessionKey) -> list[str]:
    sql, params = lock_query_sql(key.session, key.user)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        plan = [row[0] for row in cursor.fetchall()]
        transaction.set_rollback(True)  # ANALYZE really took the row lock: let it go
    return plan


def run_scale(assessment, setup: ServerSetup) -> None:
    """At each table size, rounds of one HTTP client then pgbench -c 1; printed as it goes."""
    print(
        f"2. Scale: at each table size, {SCALE_ROUNDS} rounds of one client through"
        f" {setup.label} ({SCALE_WARM_UP_SECONDS:g} s warm-up, {SCALE_SECONDS:g} s measured),"
        f" then {SCALE_SECONDS:g} s of pgbench -c 1 (same transaction); best round of each"
    )
    server, best_at = Server(setup), []
    try:
        for size in SCALE_SIZES:
            keys = seed_http_sessions(assessment, SCALE_ROUNDS * SCALE_SESSIONS_PER_ROUND + 1)
            untouched = keys.pop()  # the EXPLAIN's: an ACTIVE session nobody submitted to
            seed_seconds, settle_seconds = fill_sessions_to(assessment, size), settle_tables()
            sessions = CandidateSession.objects.count()
            ours, pgbench = f"{sessions:,} sessions: HTTP", f"{sessions:,} sessions: pgbench -c 1"
            systems = {
                ours: lambda n, keys=keys: server.load(
                    SUBMIT,
                    [keys[n::SCALE_ROUNDS]],  # sessions of its own each round
                    processes=1,
                    warm_up=SCALE_WARM_UP_SECONDS,
                    seconds=SCALE_SECONDS,
                ),
                pgbench: lambda _round: run_pgbench(
                    assessment,
                    clients=1,
                    seconds=SCALE_SECONDS,
                    per_client=SCALE_PGBENCH_SESSIONS,
                    script_for=submit_script,
                ),
            }
            rows = alternate(systems, SCALE_ROUNDS)
            index_bytes = database_scalar(
                "SELECT pg_indexes_size('candidate_sessions_candidatesession')"
            )
            print(
                f"\nAt {sessions:,} sessions and"
                f" {SectionSubmission.objects.count():,} submissions (the sessions table's indexes"
                f" {index_bytes >> 20} MB; bulk load {seed_seconds:.1f} s, VACUUM + CHECKPOINT"
                f" {settle_seconds:.1f} s)"
            )
            print_comparison(rows, pgbench, RATIO_TARGET)
            best_at.append((sessions, best(rows[ours]), best(rows[pgbench])))
            print("EXPLAIN (ANALYZE, BUFFERS) of the lock query on an ACTIVE session:")
            for line in explain_lock_query(untouched):
                print(f"  {line}")
    finally:
        server.process.stop()
    (fewer, small, small_pg), (more, large, large_pg) = best_at[0], best_at[-1]
    growth = large.percentile(50) / small.percentile(50)
    print(
        f"From {fewer:,} to {more:,} sessions: HTTP p50 x{growth:.2f},"
        f" p99 x{large.percentile(99) / small.percentile(99):.2f};"
        f" SQL p50 x{large_pg.percentile(50) / small_pg.percentile(50):.2f};"
        f" CPU per submit x{large.compared_cpu_ms / small.compared_cpu_ms:.2f}"
        f" (target HTTP p50 <= x{GROWTH_TARGET}: {verdict(growth <= GROWTH_TARGET)})"
    )


# --- main ----------------------------------------------------------------------------------------


def main() -> None:
    started = start_run(RUN_TIME_LIMIT_SECONDS)
    heartbeat = "--heartbeat" in sys.argv
    pgbench_version = subprocess.run(
        ["pgbench", "--version"], capture_output=True, text=True, check=True, timeout=10
    ).stdout
    versions = [
        f"Django {django.get_version()}",
        f"gunicorn {gunicorn.__version__}",
        server_versions(),
        pgbench_version.split("(Debian")[0].strip().replace("(PostgreSQL) ", ""),
    ]
    print_header(f"{'Heartbeat' if heartbeat else 'Submit-section'} benchmark", versions)
    assessment = make_assessment(sections=SECTIONS, title="Submit-section benchmark")
    updates_before = session_updates()
    if heartbeat:
        setups, workloads, script_for = HEARTBEAT_SETUPS, HEARTBEATS, heartbeat_script
        target, statement = HEARTBEAT_RATIO_TARGET, "the heartbeat's statement"
    else:
        setups = SERVER_SETUPS if "--servers" in sys.argv else SYNC_SETUPS
        workloads, script_for, target = [SUBMIT], submit_script, RATIO_TARGET
        statement = "same transaction"
    print(
        f"1. Throughput: {CLIENTS} concurrent clients on sessions of their own, one assessment of"
        f" {SECTIONS} sections; {WARM_UP_SECONDS:g} s warm-up, {MEASURE_SECONDS:g} s measured;"
        f" best of {THROUGHPUT_ROUNDS} rounds, run alternately; pgbench: {statement}"
    )
    systems = {
        workload.label(setup): partial(throughput_load, assessment, setup, workload)
        for workload in workloads
        for setup in setups
    }
    pgbench = f"pgbench -c {CLIENTS} -j 2"
    systems[pgbench] = lambda _round: run_pgbench(
        assessment,
        clients=CLIENTS,
        seconds=MEASURE_SECONDS,
        per_client=60,  # x 40 sections: room for 5,000 transactions a second over 15 s
        script_for=script_for,
    )
    global LOG_DIR
    with tempfile.TemporaryDirectory(prefix="bench-submit-") as scratch:
        LOG_DIR = Path(scratch)
        rows = alternate(systems, THROUGHPUT_ROUNDS)
        ours = print_comparison(rows, pgbench, target)
        print_update_stats(updates_before, "part 1 (ours and pgbench's)")
        sys.stdout.flush()
        if "--throughput-only" in sys.argv or heartbeat:
            return
        print()
        best_setup = next(setup for setup in setups if best(rows[setup.label]) is ours)
        run_scale(assessment, best_setup)
    print_update_stats(updates_before, "the run")
    print(f"Whole run: {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    run_main(main, what="benchmark")
