"""`make loadtest`: the whole stack under a Locust load, then the evaluation backlog and the books.

    .venv/bin/python -m loadtest.run [--users 1000] [--spawn-rate 20] [--run-time 3m] [--steady]

Every option is also LOADTEST_<OPTION> in the environment (--help lists them). On a database
and Redis db of its own, seeded by `loadtest/seed.py`, against the Procfile's processes; the
steps and the books it checks: loadtest/README.md. Exits non-zero on any failure.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import re
import signal
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import psutil

from harness import databases
from harness.processes import (
    ChildProcess,
    HarnessError,
    cpu_seconds,
    install_stop_signals,
    process_group,
    run_main,
    wait_until,
)
from harness.stack import Stack, prepare_database, run_python, stack_environment

LOAD_DATABASE = "assessment_engine_load"
LOAD_DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{LOAD_DATABASE}"
LOAD_REDIS_URL = "redis://127.0.0.1:6379/12"
MEDIA_ROOT = Path(tempfile.gettempdir()) / "assessment-engine-loadtest-media"
SAMPLE_SECONDS = 2.0
LOGIN_PHASE_LIMIT = 1800  # --steady: seconds every user may take to log in
HTTP_TYPES = {"GET", "POST", "PUT", "PATCH", "DELETE"}


# --- configuration -------------------------------------------------------------------------


# option: (type, default, help); each also LOADTEST_<OPTION> in the environment
OPTIONS = {
    "users": (int, "1000", None),
    "spawn-rate": (float, "20", None),
    "run-time": (str, "3m", "e.g. 90s, 3m"),
    "candidates": (int, "1000", "candidates to seed (at least --users)"),
    "web-concurrency": (int, "5", None),
    "worker-concurrency": (int, "10", None),
    "drain-timeout": (float, "600", None),
    "login-concurrency": (int, "40", "logins in flight at once (0 = unlimited)"),
    "password": (str, "load-test-Password-1", None),
    "staff-password": (str, "load-staff-Password-1", None),
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    for name, (kind, default, help_text) in OPTIONS.items():
        env_default = os.environ.get(f"LOADTEST_{name.upper().replace('-', '_')}", default)
        parser.add_argument(f"--{name}", type=kind, default=kind(env_default), help=help_text)
    parser.add_argument(
        "--steady",
        action="store_true",
        default=os.environ.get("LOADTEST_STEADY", "") not in ("", "0", "false"),
        help="measure --run-time from the moment every user has logged in (login phase"
        " reported apart); without it --run-time includes the ramp and the logins, as Locust's -t",
    )
    args = parser.parse_args()
    args.candidates = max(args.candidates, args.users)
    args.run_seconds = duration_seconds(args.run_time)
    return args


def duration_seconds(text: str) -> int:
    """Locust's -t syntax: 90, 90s, 3m, 1h30m."""
    match = re.fullmatch(r"(?:(\d+)h)?\s*(?:(\d+)m)?\s*(?:(\d+)s?)?", text.strip())
    if not match or not any(match.groups()):
        raise SystemExit(f"--run-time {text!r}: expected e.g. 90s, 3m or 1h30m")
    hours, minutes, seconds = (int(group or 0) for group in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def load_environment() -> dict[str, str]:
    """The load database and Redis db only, quiet logs, and throttles out of the way (every
    user comes from one IP; the locustfile paces its logins itself)."""
    return stack_environment(
        database_url=LOAD_DATABASE_URL,
        redis_url=LOAD_REDIS_URL,
        LOG_LEVEL="WARNING",
        THROTTLE_CANDIDATE_RATE="100000/min",
        THROTTLE_LOGIN_RATE="100000/min",
        THROTTLE_LOGIN_CLIENT_RATE="100000/min",
        LOGIN_CONCURRENCY_PER_HOST="64",
        MEDIA_ROOT=str(MEDIA_ROOT),
    )


# --- seeding -------------------------------------------------------------------------------


def seed(args: argparse.Namespace, scratch: Path) -> dict:
    command = ["-m", "loadtest.seed", "--candidates", str(args.candidates)]
    command += ["--password", args.password, "--staff-password", args.staff_password]
    output = run_python(command, env=load_environment(), timeout=900)
    data = json.loads(output.strip().splitlines()[-1])
    seed_file = scratch / "seed.json"
    seed_file.write_text(json.dumps(data, indent=2))
    return {**data, "file": str(seed_file)}


# --- sampling while Locust runs ----------------------------------------------------------------


@dataclass
class Samples:
    """Peak connections to the load database, load averages, and CPU seconds per child's
    process group (gunicorn's workers count for gunicorn), counted from `start_window()`."""

    peak_connections: int = 0
    load_averages: list[float] = field(default_factory=list)
    cpu_by_pid: dict[int, tuple[str, float]] = field(default_factory=dict)
    cpu_at_start: dict[int, float] = field(default_factory=dict)
    machine_busy: float = 0.0  # share of all cores busy, every process on the host included

    def start_window(self) -> None:
        self.cpu_at_start = {pid: cpu for pid, (_, cpu) in self.cpu_by_pid.items()}
        self.load_averages = []
        psutil.cpu_percent()  # starts the machine-wide measurement

    def take(self, children: list[ChildProcess]) -> None:
        connections = databases.connections_to(LOAD_DATABASE_URL)
        self.peak_connections = max(self.peak_connections, connections)
        self.load_averages.append(os.getloadavg()[0])
        for child in children:
            for pid, seconds in cpu_seconds(process_group(child.process.pid)).items():
                self.cpu_by_pid[pid] = (child.name, seconds)

    def cpu_by_child(self) -> Counter:
        totals: Counter = Counter()
        for pid, (name, seconds) in self.cpu_by_pid.items():
            totals[name] += seconds - self.cpu_at_start.get(pid, 0.0)
        return totals


@dataclass
class LocustRun:
    log_dir: Path  # Locust's log and CSV files
    load_at_start: float
    seconds: float  # the Locust process, start to exit
    samples: Samples
    exit_code: int | None  # 1 when Locust saw any failure or exception (in its window)
    login_phase: dict | None = None  # --steady: the figures of the phase before the window
    window_start: float | None = None  # --steady: epoch seconds when every user was in


def run_locust(args: argparse.Namespace, stack: Stack, seed_data: dict, log_dir: Path):
    load_at_start = os.getloadavg()[0]
    marker = log_dir / "steady"
    env = {
        **os.environ,
        "LOADTEST_SEED_FILE": seed_data["file"],
        "LOADTEST_PASSWORD": args.password,
        "LOADTEST_STAFF_PASSWORD": args.staff_password,
        "LOADTEST_CANDIDATES": str(args.candidates),
        "LOADTEST_LOGIN_CONCURRENCY": str(args.login_concurrency),
        "LOADTEST_STEADY_MARKER": str(marker) if args.steady else "",
        "PYTHONUNBUFFERED": "1",
    }
    command = [
        sys.executable,
        "-m",
        "locust",
        *("-f", "loadtest/locustfile.py", "--headless", "--only-summary"),
        *("-u", str(args.users), "-r", str(args.spawn_rate)),
        # --steady: no -t; this script stops Locust (SIGTERM) when its window is over.
        *(() if args.steady else ("-t", args.run_time)),
        *("--host", stack.base_url, "--csv", str(log_dir / "stats")),
    ]
    samples = Samples()
    samples.start_window()
    started = time.perf_counter()
    locust = ChildProcess("locust", command, env=env, log_path=log_dir / "locust.log")
    window_start = None
    try:
        deadline = time.monotonic() + args.run_seconds + (LOGIN_PHASE_LIMIT if args.steady else 0)
        while locust.process.poll() is None:
            if time.monotonic() > deadline + 120:
                raise HarnessError(
                    f"locust still running long after its time:\n{locust.log_tail()}"
                )
            for child in stack.processes.values():
                child.require_alive()
            if args.steady and window_start is None and marker.exists():
                window_start = float(marker.read_text())
                samples.start_window()
                deadline = time.monotonic() + args.run_seconds
                print("loadtest: every user is in; measuring from now", file=sys.stderr, flush=True)
            if args.steady and window_start is not None and time.monotonic() > deadline:
                os.killpg(locust.process.pid, signal.SIGTERM)  # Locust stops, prints, exits
                locust.process.wait(timeout=120)
                break
            samples.take([*stack.processes.values(), locust])
            time.sleep(SAMPLE_SECONDS)
        samples.machine_busy = psutil.cpu_percent() / 100
    finally:
        locust.stop()
    if args.steady and window_start is None:
        raise HarnessError(f"not every user logged in within the limit:\n{locust.log_tail()}")
    if not (log_dir / "stats_stats.csv").exists():
        raise HarnessError(f"locust wrote no statistics:\n{locust.log_tail()}")
    return LocustRun(
        log_dir=log_dir,
        load_at_start=load_at_start,
        seconds=time.perf_counter() - started,
        samples=samples,
        exit_code=locust.process.returncode,
        login_phase=json.loads(Path(f"{marker}.json").read_text()) if args.steady else None,
        window_start=window_start,
    )


# --- after the run -------------------------------------------------------------------------


def wait_for_drain(timeout: float) -> None:
    """Until no EVALUATION job is PENDING or PROCESSING."""
    from jobs.models import AIJob, JobStatus, JobType

    open_jobs = AIJob.objects.filter(
        job_type=JobType.EVALUATION, status__in=[JobStatus.PENDING, JobStatus.PROCESSING]
    )
    what = "the evaluation backlog drained"
    wait_until(lambda: not open_jobs.exists(), timeout=timeout, what=what, interval=0.5)


@dataclass
class Books:
    sessions_by_status: dict[str, int]
    evaluation_jobs: int
    lost: list[str]  # problems that mean a grade went missing
    duplicated: list[str]  # problems that mean something was done twice
    failed_jobs: int
    attempts: int
    jobs_retried: int
    submissions: int


def check_books() -> Books:
    """Every COMPLETED session: exactly one evaluation job keyed evaluation:<id>, COMPLETED, and
    one Evaluation row; no evaluation job without its COMPLETED session; nothing FAILED."""
    from django.db.models import Count

    from jobs.models import AIJob, AIJobAttempt, JobStatus, JobType
    from sessions.models import CandidateSession, Evaluation, SectionSubmission, SessionStatus

    by_status = dict(
        CandidateSession.objects.values_list("status").annotate(n=Count("id")).order_by()
    )
    completed = {
        session_id: (section_count, job_id)
        for session_id, section_count, job_id in CandidateSession.objects.filter(
            status=SessionStatus.COMPLETED
        ).values_list("id", "section_count", "evaluation_job_id")
    }
    jobs = list(
        AIJob.objects.filter(job_type=JobType.EVALUATION).values(
            "id", "dedupe_key", "status", "payload"
        )
    )
    jobs_per_session = Counter(job["payload"].get("sessionId") for job in jobs)
    job_by_id = {job["id"]: job for job in jobs}
    evaluations = Counter(
        Evaluation.objects.filter(session_id__in=completed).values_list("session_id", flat=True)
    )
    submissions = Counter(SectionSubmission.objects.values_list("session_id", flat=True).iterator())
    lost, duplicated = [], []
    for session_id, (section_count, job_id) in completed.items():
        job = job_by_id.get(job_id)
        if job is None:
            lost.append(f"session {session_id}: no evaluation job")
        elif job["dedupe_key"] != f"evaluation:{session_id}":
            lost.append(f"session {session_id}: its job is keyed {job['dedupe_key']!r}")
        elif job["status"] != JobStatus.COMPLETED:
            lost.append(f"session {session_id}: evaluation job {job['status']}")
        if evaluations[session_id] != 1:
            lost.append(f"session {session_id}: {evaluations[session_id]} Evaluation rows")
        if jobs_per_session[str(session_id)] > 1:
            duplicated.append(f"session {session_id}: {jobs_per_session[str(session_id)]} jobs")
        if submissions[session_id] != section_count:
            lost.append(f"session {session_id}: {submissions[session_id]} section submissions")
    completed_ids = {str(session_id) for session_id in completed}
    orphans = [s for s in jobs_per_session if s not in completed_ids]
    duplicated += [f"evaluation job for a session not COMPLETED: {s}" for s in orphans]
    attempts = AIJobAttempt.objects.filter(job__job_type=JobType.EVALUATION)
    return Books(
        sessions_by_status=by_status,
        evaluation_jobs=len(jobs),
        lost=lost,
        duplicated=duplicated,
        failed_jobs=AIJob.objects.filter(status=JobStatus.FAILED).count(),
        attempts=attempts.count(),
        jobs_retried=attempts.filter(number__gt=1).values("job").distinct().count(),
        submissions=sum(submissions.values()),
    )


def read_csv(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


# --- report ----------------------------------------------------------------------------------


def completed_since(epoch: float | None) -> int:
    """Sessions COMPLETED from this moment on (all of them without one)."""
    from sessions.models import CandidateSession, SessionStatus

    completed = CandidateSession.objects.filter(status=SessionStatus.COMPLETED)
    if epoch is not None:
        completed = completed.filter(completed_at__gte=datetime.fromtimestamp(epoch, UTC))
    return completed.count()


def print_report(args, seed_data: dict, run: LocustRun, drain: float, books: Books) -> int:
    import django

    rows = read_csv(run.log_dir / "stats_stats.csv")
    http = [row for row in rows if row["Type"] in HTTP_TYPES]
    other = [row for row in rows if row["Type"] not in HTTP_TYPES and row["Name"] != "Aggregated"]
    total = sum(int(row["Request Count"]) for row in http)
    failed = sum(int(row["Failure Count"]) for row in http + other)
    window = "measured after every user had logged in" if args.steady else "including the ramp"
    window += "" if args.steady else " and the logins"
    print(
        f"Load test, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, os.cpu_count()={os.cpu_count()},"
        f" Python {platform.python_version()}, Django {django.get_version()},"
        f" Locust {metadata.version('locust')}; load average {run.load_at_start:.1f} before the run"
    )
    print(
        f"{args.users} users (ramp {args.spawn_rate:g}/s, logins in flight at most"
        f" {args.login_concurrency or 'unlimited'}), {args.run_time} {window}; gunicorn"
        f" {args.web_concurrency} sync workers, generation and evaluation workers --pool threads"
        f" --concurrency {args.worker_concurrency}, maintenance worker, beat; offline provider;"
        f" seeded {args.candidates} candidates + assessment ({seed_data['sectionCount']} sections,"
        f" {seed_data['questionCount']} questions) in {seed_data['seedSeconds']:.1f} s"
    )
    errors = [
        f"{row['Occurrences']:>6} x {row['Method']} {row['Name']}: {row['Error']}"
        for row in read_csv(run.log_dir / "stats_failures.csv")
    ]
    if run.login_phase:
        phase, login_errors = run.login_phase, run.login_phase["errors"]
        failed += phase["failures"]
        print(
            f"Login phase: {phase['users']} users logged in within {phase['seconds']:.0f} s"
            f" ({phase['users'] / phase['seconds']:.1f}/s); {phase['requests']} requests,"
            f" {phase['failures']} failures; POST /api/v1/auth/login p50/p95/p99"
            f" {phase['login_percentiles']} ms"
        )
        print("".join(f"  failure {line}\n" for line in login_errors[:15]), end="")
    header = (
        f"{'endpoint':<66} {'reqs':>7} {'fails':>5} {'req/s':>6} {'p50 ms':>7} {'p95 ms':>7}"
        f" {'p99 ms':>7} {'max ms':>7}"
    )
    print(f"\n{header}\n{'-' * len(header)}")
    for row in sorted(http, key=lambda r: r["Name"]) + other:
        if row["Request Count"] != "0" or row["Failure Count"] != "0":
            print(
                f"{row['Type'] + ' ' + row['Name']:<66} {row['Request Count']:>7}"
                f" {row['Failure Count']:>5} {float(row['Requests/s']):>6.1f} {row['50%']:>7}"
                f" {row['95%']:>7} {row['99%']:>7} {float(row['Max Response Time']):>7.0f}"
            )
    throughput = total / args.run_seconds if args.run_seconds else 0.0
    statuses = ", ".join(f"{k} {v}" for k, v in sorted(books.sessions_by_status.items()))
    in_window = completed_since(run.window_start)
    samples, loads = run.samples, run.samples.load_averages or [0.0]
    cpu = ", ".join(f"{name} {sec:.0f}" for name, sec in samples.cpu_by_child().most_common())
    print(
        f"\nHTTP requests: {total}, failures: {failed} (all kinds); throughput"
        f" {throughput:.1f} req/s over the {args.run_seconds} s window (Locust process"
        f" {run.seconds:.0f} s)\n"
        + "".join(f"  failure {line}\n" for line in errors[:15])
        + f"Sessions: {statuses}; flows completed in the window: {in_window}"
        f" ({in_window / args.run_seconds:.1f}/s); section submissions: {books.submissions}\n"
        f"Evaluation backlog drained {drain:.1f} s after the run ended; evaluation jobs:"
        f" {books.evaluation_jobs}, attempts {books.attempts}, jobs retried {books.jobs_retried}\n"
        f"Books: lost {len(books.lost)}, duplicated {len(books.duplicated)},"
        f" FAILED jobs {books.failed_jobs}"
    )
    print("".join(f"  {problem}\n" for problem in (books.lost + books.duplicated)[:15]), end="")
    print(
        f"During the window: peak {samples.peak_connections} PostgreSQL connections to"
        f" {LOAD_DATABASE}; load average {min(loads):.1f}-{max(loads):.1f};"
        f" all cores {samples.machine_busy:.0%} busy (every process on the host)\n"
        f"CPU seconds by process group: {cpu}"
    )
    if run.exit_code != 0:
        print(f"Locust exited with code {run.exit_code} (1: failures or exceptions)")
    problems = failed or books.lost or books.duplicated or books.failed_jobs
    ok = run.exit_code == 0 and not problems
    print(f"Result: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


# --- main ------------------------------------------------------------------------------------


def main() -> int:
    args = parse_args()
    limit = args.run_seconds + int(args.drain_timeout) + 900
    install_stop_signals(limit + (LOGIN_PHASE_LIMIT if args.steady else 0))
    scratch = Path(tempfile.mkdtemp(prefix="loadtest-"))
    print(f"loadtest: logs and CSV files in {scratch}", file=sys.stderr, flush=True)
    prepare_database(load_environment(), empty=True)  # the load database and Redis db only
    seed_data = seed(args, scratch)
    os.environ.update(load_environment())
    import django

    django.setup()
    env = {**load_environment(), "WEB_CONCURRENCY": str(args.web_concurrency)}
    with Stack(env=env, work_dir=scratch) as stack:
        stack.start(ai_concurrency=args.worker_concurrency)
        print(
            f"loadtest: stack up at {stack.base_url}; locust {args.users} users,"
            f" {args.run_time}{' after the logins' if args.steady else ''}",
            file=sys.stderr,
            flush=True,
        )
        run = run_locust(args, stack, seed_data, scratch)
        ended = time.perf_counter()
        # gunicorn still works through requests Locust sent and no longer waits for: stop it
        # (in-flight requests finish) so that no session completes after the books are read.
        stack.processes["web"].stop()
        wait_for_drain(args.drain_timeout)
        drain = time.perf_counter() - ended
        books = check_books()
    return print_report(args, seed_data, run, drain, books)


if __name__ == "__main__":
    run_main(main, what="load test")
