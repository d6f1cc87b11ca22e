"""AI job pipeline: its overhead against a bare Celery task, and latency-bound AI at scale.

    .venv/bin/python bench/pipeline.py

On the bench database and Redis db, with real `celery worker` children; what it measures and
how: docs/BENCHMARKS.md, "AI job pipeline".
"""

from __future__ import annotations

import itertools
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TypeVar

from _harness import (
    BenchmarkError,
    ChildProcess,
    bench_environment,
    celery_worker,
    configure_django,
    database_connection_count,
    database_sessions,
    group_cpu_seconds,
    print_header,
    print_table_header,
    run_benchmark,
    server_versions,
    start_fake_gemini,
    start_run,
    verdict,
)

# The schema must exist before Django touches the database, and Django must be configured
# before any project module is imported.
configure_django(LOG_LEVEL="WARNING")  # this process only; workers log at INFO as deployed

import celery  # noqa: E402
import django  # noqa: E402
from celery import states  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count, Q  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django_celery_results.models import TaskResult  # noqa: E402

from assessment_engine.celery import app  # noqa: E402
from assessments.content import GenerationOptions, generate_offline, validate_content  # noqa: E402
from assessments.generation import generation_trigger  # noqa: E402
from harness.pdfs import COURSE_TEXT  # noqa: E402
from jobs import runner  # noqa: E402
from jobs.models import AIJob, AIJobAttempt, JobStatus  # noqa: E402
from syllabus.factories import bulk_create_syllabi  # noqa: E402
from syllabus.models import Syllabus  # noqa: E402

RUN_TIME_LIMIT_SECONDS = 170
POLL_SECONDS = 0.05
SUBJECT = "Algorithms"
OPTIONS = GenerationOptions(section_count=2, questions_per_section=3)
QUEUE = "generation"

OVERHEAD_ITEMS = 300
# Other work on a shared host shifts single batches: run every batch in each of
# two rounds and keep each batch's faster round (the figure least disturbed from outside).
OVERHEAD_ROUNDS = 2
OVERHEAD_CONCURRENCY = 8
WARM_UP_ITEMS = 16
BREAKDOWN_REPEATS = 10
RATIO_TARGET = 0.3

FAKE_GEMINI_DELAY_SECONDS = 1.0
LATENCY_JOBS = 100
LATENCY_CONCURRENCY = 50  # + this script's connection: ~52 of PostgreSQL's default 100
PROCFILE_CONCURRENCY = 20  # AI_WORKER_CONCURRENCY's default
CORE_COUNT_CONCURRENCY = 2
CORE_COUNT_JOBS = 20
LATENCY_TARGET_SECONDS = 10.0

T = TypeVar("T")


# --- syllabi ------------------------------------------------------------------------------------


class SyllabusMaker:
    """Syllabi whose texts differ by one sentence each: a job's dedupe key hashes the text, so
    every benchmark job needs a text of its own. The shared base text keeps the offline answer
    (and the fake Gemini's, written from the base text) valid for all of them."""

    def __init__(self, base_text: str) -> None:
        self.base_text = base_text
        self._numbers = itertools.count(1)

    def create(self, count: int) -> list[Syllabus]:
        texts = [
            f"{self.base_text}\nBenchmark cohort {number} meets on day {number} of the term.\n"
            for number in itertools.islice(self._numbers, count)
        ]
        return bulk_create_syllabi(texts, subject=SUBJECT)


# --- waiting for completion ------------------------------------------------------------------


class DatabaseLoad:
    """What a batch asks of PostgreSQL: sessions opened (connection churn) and the most
    connections open at once (sampled at every poll; this script's own one included)."""

    def __init__(self) -> None:
        self._sessions_at_start = database_sessions()
        self.peak_connections = database_connection_count()

    def on_poll(self) -> None:
        self.peak_connections = max(self.peak_connections, database_connection_count())

    def sessions_opened(self) -> int:
        return database_sessions() - self._sessions_at_start


@dataclass(frozen=True)
class Timed:
    """One measured batch: `publish_s` is the publishing (or triggering) loop alone, `total_s`
    runs from the first publish to the moment every item was seen done."""

    label: str
    items: int
    publish_s: float
    total_s: float
    sessions: int
    peak_connections: int
    worker_cpu_ms: float  # per item, the worker's whole process group (/proc)

    @property
    def per_second(self) -> float:
        return self.items / self.total_s

    @property
    def ms_per_item(self) -> float:
        return self.total_s * 1000 / self.items

    @property
    def sessions_per_item(self) -> float:
        return self.sessions / self.items


def wait_until_done(
    progress: Callable[[], tuple[int, int]],
    expected: int,
    *,
    timeout: float,
    children: Iterable[ChildProcess],
    on_poll: Callable[[], None] = lambda: None,
) -> float:
    """Poll `progress()` -> (done, failed) every 50 ms; return perf_counter() when all are done."""
    deadline = time.perf_counter() + timeout
    while True:
        on_poll()
        done, failed = progress()
        if failed:
            raise BenchmarkError(f"{failed} item(s) failed; a benchmark needs every one to pass")
        if done >= expected:
            return time.perf_counter()
        for child in children:
            child.require_alive()
        if time.perf_counter() > deadline:
            raise BenchmarkError(f"only {done} of {expected} done after {timeout:.0f} s")
        time.sleep(POLL_SECONDS)


def status_progress(rows, *, done: str, failed: str) -> Callable[[], tuple[int, int]]:
    """(done, failed) among `rows` (a queryset: aggregate() queries afresh at every call)."""

    def progress() -> tuple[int, int]:
        counts = rows.aggregate(
            done=Count("pk", filter=Q(status=done)),
            failed=Count("pk", filter=Q(status=failed)),
        )
        return counts["done"], counts["failed"]

    return progress


def job_progress(job_ids: list) -> Callable[[], tuple[int, int]]:
    return status_progress(
        AIJob.objects.filter(pk__in=job_ids), done=JobStatus.COMPLETED, failed=JobStatus.FAILED
    )


def ping_result_progress(task_ids: list[str]) -> Callable[[], tuple[int, int]]:
    return status_progress(
        TaskResult.objects.filter(task_id__in=task_ids),
        done=states.SUCCESS,
        failed=states.FAILURE,
    )


def timed_batch(
    label: str,
    publish: Callable[[], list],
    progress_of: Callable[[list], Callable[[], tuple[int, int]]],
    *,
    timeout: float,
    worker: ChildProcess,
) -> tuple[Timed, list]:
    """Time `publish()` (which returns the ids of what it sent) and the wait until
    `progress_of(ids)` sees every item done; returns the figures and the ids."""
    load = DatabaseLoad()
    cpu_before = group_cpu_seconds(worker.process.pid)
    started = time.perf_counter()
    ids = publish()
    published = time.perf_counter()
    done = wait_until_done(
        progress_of(ids), len(ids), timeout=timeout, children=[worker], on_poll=load.on_poll
    )
    timed = Timed(
        label,
        len(ids),
        publish_s=published - started,
        total_s=done - started,
        sessions=load.sessions_opened(),
        peak_connections=load.peak_connections,
        worker_cpu_ms=(group_cpu_seconds(worker.process.pid) - cpu_before) * 1000 / len(ids),
    )
    return timed, ids


class SucceededEvents:
    """Collects the ids of task-succeeded events from the workers' event stream, in a thread.

    The only way to see a task with ignore_result finish without adding work to the task."""

    def __init__(self, queue: str) -> None:
        self.queue = queue
        self._lock = threading.Lock()
        self._seen: set[str] = set()
        self._receiver = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._consume, name="bench-events", daemon=True)

    def start(self, worker: ChildProcess) -> None:
        self._thread.start()
        self._wait_until_subscribed(worker)

    def progress(self, task_ids: list[str]) -> Callable[[], tuple[int, int]]:
        wanted = set(task_ids)

        def count() -> tuple[int, int]:
            if self._error is not None:
                raise BenchmarkError(f"event receiver failed: {self._error!r}")
            with self._lock:
                return len(self._seen & wanted), 0

        return count

    def stop(self) -> None:
        if self._receiver is not None:
            self._receiver.should_stop = True  # checked every second by the consume loop
        self._thread.join(timeout=3)

    def _consume(self) -> None:
        try:
            with app.connection_for_read() as broker:
                self._receiver = app.events.Receiver(
                    broker, handlers={"task-succeeded": self._on_succeeded}
                )
                self._receiver.capture(limit=None, timeout=None, wakeup=False)
        except BaseException as exc:  # noqa: BLE001 - reported by progress() in the main thread
            self._error = exc

    def _on_succeeded(self, event: dict) -> None:
        with self._lock:
            self._seen.add(event["uuid"])

    def _wait_until_subscribed(self, worker: ChildProcess) -> None:
        # Events are Redis pub/sub: one sent before the receiver subscribed is lost, so probe
        # until one arrives.
        for _ in range(20):
            worker.require_alive()  # a dead worker is an error, not a reason to probe again
            probe = send_pings(self.queue, 1, store_result=False)
            try:
                wait_until_done(self.progress(probe), 1, timeout=0.5, children=[worker])
                return
            except BenchmarkError:
                continue
        raise BenchmarkError("no task-succeeded event received from the worker")


# --- the jobs of a benchmark ----------------------------------------------------------------


@dataclass(frozen=True)
class JobBench:
    """What a job benchmark brings: its queue, its items (a syllabus, a completed session...)
    and how the jobs of a list of items are started (returning their ids)."""

    name: str
    queue: str
    create: Callable[[int], list]
    start_jobs: Callable[[list], list]
    job_label: str  # the job batch's label in the overhead table
    ignored_ping_label: str
    check: Callable[[list], None] = lambda items: None  # after a batch: what else must hold


def send_pings(queue: str, count: int, *, store_result: bool) -> list[str]:
    task_ids = [str(uuid.uuid4()) for _ in range(count)]
    for task_id in task_ids:
        app.send_task(f"{queue}.ping", task_id=task_id, ignore_result=not store_result)
    return task_ids


def timed_pings(
    label: str, count: int, *, store_result: bool, events: SucceededEvents, worker: ChildProcess
) -> Timed:
    # A stored result shows in the database; an ignored one only as a task-succeeded event.
    progress_of = ping_result_progress if store_result else events.progress
    timed, _ = timed_batch(
        label,
        lambda: send_pings(events.queue, count, store_result=store_result),
        progress_of,
        timeout=30 + count * 0.1,
        worker=worker,
    )
    return timed


def timed_jobs(
    bench: JobBench, label: str, items: list, *, timeout: float, worker: ChildProcess
) -> tuple[Timed, list]:
    start = partial(bench.start_jobs, items)
    timed, job_ids = timed_batch(label, start, job_progress, timeout=timeout, worker=worker)
    bench.check(items)
    return timed, job_ids


def trigger_jobs(syllabi: list[Syllabus]) -> list:
    job_ids = []
    for syllabus in syllabi:
        trigger = generation_trigger(syllabus_id=syllabus.pk, options=OPTIONS)
        if not trigger.queued:
            raise BenchmarkError(f"syllabus {syllabus.pk} was deduplicated: texts must differ")
        job_ids.append(trigger.job.pk)
    return job_ids


# --- where a job's time goes -------------------------------------------------------------------


@dataclass(frozen=True)
class Breakdown:
    content_ms: float  # the job's own work, no database
    start_ms: float  # starting one job (trigger, complete...)
    start_queries: int
    job_run_ms: float
    job_run_queries: int


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def measured_call(call: Callable[[], T]) -> tuple[T, float, int]:
    """`call()`'s result, its wall seconds and the SQL statements it ran."""
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = call()
        seconds = time.perf_counter() - started
    return result, seconds, len(queries)


def measure_breakdown(bench: JobBench, content: Callable[[object], object]) -> Breakdown:
    """Per-job costs in this process, one thread, no worker running (so nothing competes):
    `content(item)`, starting the item's job, and runner.job_run, exactly what the worker's
    task calls. The messages the starts publish stay queued and are skipped (job already
    finished) once the worker starts."""
    contents, starts, job_runs = [], [], []
    start_queries = job_run_queries = 0
    for item in bench.create(BREAKDOWN_REPEATS):
        started = time.perf_counter()
        content(item)
        contents.append(time.perf_counter() - started)
        [job_id], seconds, start_queries = measured_call(partial(bench.start_jobs, [item]))
        starts.append(seconds)
        outcome, seconds, job_run_queries = measured_call(
            partial(runner.job_run, job_id=job_id, worker="bench-in-process")
        )
        if outcome != "completed":
            raise BenchmarkError(f"in-process job_run returned {outcome!r}")
        job_runs.append(seconds)
    return Breakdown(
        content_ms=median_ms(contents),
        start_ms=median_ms(starts),
        start_queries=start_queries,
        job_run_ms=median_ms(job_runs),
        job_run_queries=job_run_queries,
    )


@dataclass(frozen=True)
class AttemptStats:
    median_ms: float
    peak_concurrent: int


def attempt_stats(job_ids: list) -> AttemptStats:
    rows = list(
        AIJobAttempt.objects.filter(job_id__in=job_ids).values_list(
            "started_at", "finished_at", "duration_ms"
        )
    )
    intervals = [(started, finished) for started, finished, _ in rows]
    return AttemptStats(
        median_ms=statistics.median(duration for _, _, duration in rows),
        peak_concurrent=peak_overlap(intervals),
    )


def peak_overlap(intervals: list[tuple[datetime, datetime]]) -> int:
    """The most intervals open at one instant (an end sorts before a start at the same time)."""
    edges = sorted([(start, 1) for start, _ in intervals] + [(end, -1) for _, end in intervals])
    open_now = peak = 0
    for _, step in edges:
        open_now += step
        peak = max(peak, open_now)
    return peak


# --- part 1: overhead against a bare task ----------------------------------------------------


@dataclass(frozen=True)
class OverheadRound:
    ping_stored: Timed
    ping_ignored: Timed
    jobs: Timed
    job_ids: list


@dataclass(frozen=True)
class OverheadResult:
    """Batches run in rounds; each batch's fastest round is the figure least disturbed by other
    work on the host."""

    rounds: list[OverheadRound]
    breakdown: Breakdown
    attempts: AttemptStats  # of the fastest job round

    def best(self, batch: str) -> Timed:
        return min((getattr(r, batch) for r in self.rounds), key=lambda timed: timed.total_s)

    def rates(self, batch: str) -> str:
        return " / ".join(f"{getattr(r, batch).per_second:.0f}" for r in self.rounds)


@contextmanager
def overhead_worker(
    bench: JobBench, log_dir: Path
) -> Iterator[tuple[ChildProcess, SucceededEvents]]:
    """A worker on the bench's queue (offline provider) and the receiver of its task-succeeded
    events, both stopped on leaving. Warmed up with pings; the caller warms up its own kind of
    job too."""
    worker = celery_worker(
        bench.name,
        queue=bench.queue,
        concurrency=OVERHEAD_CONCURRENCY,
        log_dir=log_dir,
        env=bench_environment(),
    )
    events = SucceededEvents(bench.queue)
    try:
        events.start(worker)
        # Warm-up: lazy imports and first-use caches in the worker, and the breakdown's queued
        # messages drained, before anything is timed.
        timed_pings("warm-up", WARM_UP_ITEMS, store_result=True, events=events, worker=worker)
        yield worker, events
    finally:
        events.stop()
        worker.stop()


def run_overhead(bench: JobBench, breakdown: Breakdown, log_dir: Path) -> OverheadResult:
    """The three batches back to back in each round, so each round sees about the same
    background load."""
    warm_up = bench.create(WARM_UP_ITEMS)
    round_items = [bench.create(OVERHEAD_ITEMS) for _ in range(OVERHEAD_ROUNDS)]
    rounds = []
    with overhead_worker(bench, log_dir) as (worker, events):
        timed_jobs(bench, "warm-up", warm_up, timeout=60, worker=worker)
        for items in round_items:
            ping = partial(timed_pings, count=OVERHEAD_ITEMS, events=events, worker=worker)
            stored = ping(f"{bench.queue}.ping, result stored (django-db)", store_result=True)
            ignored = ping(bench.ignored_ping_label, store_result=False)
            jobs, job_ids = timed_jobs(bench, bench.job_label, items, timeout=100, worker=worker)
            rounds.append(OverheadRound(stored, ignored, jobs, job_ids))
    fastest = min(rounds, key=lambda r: r.jobs.total_s)
    return OverheadResult(rounds, breakdown, attempt_stats(fastest.job_ids))


# --- part 2: latency-bound AI ----------------------------------------------------------------


@dataclass(frozen=True)
class LatencyResult:
    concurrency: int
    timed: Timed
    attempts: AttemptStats
    job_ids: list


def run_latency(
    bench: JobBench,
    log_dir: Path,
    *,
    fake: ChildProcess,
    fake_url: str,
    concurrency: int,
    jobs: int,
) -> LatencyResult:
    """`jobs` jobs through a worker of `concurrency` threads whose AI calls go through the real
    google-genai client to the fake Gemini at `fake_url`."""
    warm_up, measured = bench.create(concurrency), bench.create(jobs)
    env = bench_environment(GEMINI_API_KEY="bench-key", GEMINI_API_BASE_URL=fake_url)
    name = f"{bench.name}-{concurrency}"
    worker = celery_worker(
        name, queue=bench.queue, concurrency=concurrency, log_dir=log_dir, env=env
    )
    try:
        # A job per thread first: the SDK is imported and the shared Gemini client built.
        timed_jobs(bench, "warm-up", warm_up, timeout=30, worker=worker)
        fake.require_alive()
        timed, job_ids = timed_jobs(
            bench, f"--concurrency {concurrency}", measured, timeout=60, worker=worker
        )
    finally:
        worker.stop()
    return LatencyResult(concurrency, timed, attempt_stats(job_ids), job_ids)


def run_latencies(
    bench: JobBench,
    answer: dict,
    log_dir: Path,
    runs: list[tuple[int, int]],
    routes: dict[str, dict] | None = None,
) -> list[LatencyResult]:
    """One latency run per (concurrency, jobs), all on one fake Gemini answering `answer`
    (and `routes`, as `start_fake_gemini`)."""
    fake, fake_url = start_fake_gemini(
        answer,
        delay_seconds=FAKE_GEMINI_DELAY_SECONDS,
        log_dir=log_dir,
        answer_name=f"{bench.name}-answer.json",
        routes=routes,
    )
    try:
        return [
            run_latency(
                bench, log_dir, fake=fake, fake_url=fake_url, concurrency=threads, jobs=jobs
            )
            for threads, jobs in runs
        ]
    finally:
        fake.stop()


# --- report ----------------------------------------------------------------------------------


def celery_versions() -> list[str]:
    """The software versions a Celery benchmark's header names."""
    return [f"Celery {celery.__version__}", f"Django {django.get_version()}", server_versions()]


def print_overhead(result: OverheadResult) -> None:
    print()
    print(
        f"1. Overhead: one worker, --pool threads --concurrency {OVERHEAD_CONCURRENCY},"
        f" queue {QUEUE}, offline provider, {OPTIONS.section_count} sections x"
        f" {OPTIONS.questions_per_section} questions; faster of {OVERHEAD_ROUNDS} rounds"
    )
    print_overhead_table(result, worker_cpu=False)
    pipeline = result.best("jobs")
    versus_stored = pipeline.per_second / result.best("ping_stored").per_second
    versus_ignored = pipeline.per_second / result.best("ping_ignored").per_second
    print(
        f"pipeline/baseline: {versus_stored:.3f} against the ping with stored result"
        f" (target >= {RATIO_TARGET}: {verdict(versus_stored >= RATIO_TARGET)}),"
        f" {versus_ignored:.3f} against the ignore_result ping"
        f" ({verdict(versus_ignored >= RATIO_TARGET)})"
    )
    print_breakdown(result.breakdown, result.attempts, pipeline)


def print_overhead_table(result: OverheadResult, *, worker_cpu: bool) -> None:
    """The three batches' best rounds, with the worker's CPU per item if `worker_cpu`."""
    cpu_header = f" {'worker CPU ms/item':>18}" if worker_cpu else ""
    print_table_header(
        f"{'batch':<42} {'items':>5} {'publish s':>9} {'total s':>7} {'items/s':>7}"
        f" {'ms/item':>7}{cpu_header} {'DB sessions/item':>16} {'peak DB conns':>13}"
        f" {'rounds items/s':>14}"
    )
    for batch in ("ping_stored", "ping_ignored", "jobs"):
        row = result.best(batch)
        cpu = f" {row.worker_cpu_ms:>18.1f}" if worker_cpu else ""
        print(
            f"{row.label:<42} {row.items:>5} {row.publish_s:>9.2f} {row.total_s:>7.2f}"
            f" {row.per_second:>7.1f} {row.ms_per_item:>7.1f}{cpu} {row.sessions_per_item:>16.2f}"
            f" {row.peak_connections:>13} {result.rates(batch):>14}"
        )


def print_breakdown(b: Breakdown, attempts: AttemptStats, pipeline: Timed) -> None:
    print()
    print(
        "Where a job's time goes (this process, one thread, no worker running,"
        f" median of {BREAKDOWN_REPEATS}):"
    )
    print(f"  generate_offline + validate_content (no database)          {b.content_ms:7.1f} ms")
    print(
        f"  runner.job_run: claim, content, record ({b.job_run_queries} SQL statements)"
        f"  {b.job_run_ms:7.1f} ms  -> job bookkeeping {b.job_run_ms - b.content_ms:.1f} ms"
    )
    print(
        f"  generation_trigger ({b.start_queries} SQL statements, 1 publish)"
        f"             {b.start_ms:7.1f} ms"
    )
    print(
        f"During the batch the trigger loop took {pipeline.publish_s * 1000 / pipeline.items:.1f}"
        " ms per job (sharing the cores with the worker and the servers)."
    )
    print(
        f"In the worker: median attempt duration_ms {attempts.median_ms:.0f} ms"
        f" ({OVERHEAD_CONCURRENCY} threads share one process's GIL; peak"
        f" {attempts.peak_concurrent} attempts at once)."
    )


def print_latency(results: list[LatencyResult]) -> None:
    wide, default, narrow = results
    print()
    print(
        f"2. Latency-bound AI: fake Gemini in its own process answering after"
        f" {FAKE_GEMINI_DELAY_SECONDS:g} s, one worker --pool threads"
    )
    header = (
        f"{'worker':<33} {'jobs':>4} {'wall s':>6} {'jobs/s':>6} {'median attempt ms':>17}"
        f" {'peak attempts':>13} {'peak DB conns':>13} {'DB sessions/job':>15}"
    )
    print_table_header(header)
    for result in results:
        row = result.timed
        print(
            f"{row.label:<33} {row.items:>4} {row.total_s:>6.2f} {row.per_second:>6.2f}"
            f" {result.attempts.median_ms:>17.0f} {result.attempts.peak_concurrent:>13}"
            f" {row.peak_connections:>13} {row.sessions_per_item:>15.2f}"
        )
    extrapolated = LATENCY_JOBS / narrow.timed.per_second
    print(f"{narrow.timed.label + ', extrapolated':<33} {LATENCY_JOBS:>4} {extrapolated:>6.1f}")
    print(
        f"Target {LATENCY_JOBS} jobs <= {LATENCY_TARGET_SECONDS:g} s with --concurrency"
        f" {wide.concurrency}: {verdict(wide.timed.total_s <= LATENCY_TARGET_SECONDS)}"
        f" ({wide.timed.total_s:.1f} s); with the Procfile default {default.concurrency}:"
        f" {verdict(default.timed.total_s <= LATENCY_TARGET_SECONDS)}"
        f" ({default.timed.total_s:.1f} s). With --concurrency {narrow.concurrency}"
        f" ({narrow.concurrency} calls in flight, as a default prefork worker on this host)"
        f" they would take ~{extrapolated:.0f} s, {extrapolated / wide.timed.total_s:.0f}x longer."
    )


def print_database_notes() -> None:
    print()
    print(
        "peak DB conns: connections to the bench database, sampled every 50 ms, this script's"
        " one included. DB sessions/item: sessions PostgreSQL opened during the batch, per item."
    )


# --- main ------------------------------------------------------------------------------------


def main() -> None:
    started = start_run(RUN_TIME_LIMIT_SECONDS)
    print_header("AI job pipeline benchmark", celery_versions())
    maker = SyllabusMaker(COURSE_TEXT)
    bench = JobBench(
        name="bench-generation",
        queue=QUEUE,
        create=maker.create,
        start_jobs=trigger_jobs,
        job_label="generation job, trigger -> COMPLETED",
        ignored_ping_label=f"{QUEUE}.ping, ignore_result (no DB)",
    )
    breakdown = measure_breakdown(bench, content=write_questionnaire)
    # The fake Gemini's one answer is written from the base text, so its excerpts occur in
    # every benchmark syllabus.
    answer = generate_offline(syllabus_text=maker.base_text, subject=SUBJECT, options=OPTIONS)
    with tempfile.TemporaryDirectory(prefix="bench-pipeline-") as scratch:
        log_dir = Path(scratch)
        print_overhead(run_overhead(bench, breakdown, log_dir))
        runs = [
            (LATENCY_CONCURRENCY, LATENCY_JOBS),
            (PROCFILE_CONCURRENCY, LATENCY_JOBS),
            (CORE_COUNT_CONCURRENCY, CORE_COUNT_JOBS),
        ]
        print_latency(run_latencies(bench, answer, log_dir, runs, {"verdicts": agreement(answer)}))
    print_database_notes()
    print()
    print(f"Whole run: {time.perf_counter() - started:.0f} s")


def agreement(answer: dict) -> dict:
    """The verifier's answer agreeing with every MCQ key of `answer`."""
    return {
        "verdicts": [
            {
                "questionId": question["questionId"],
                "reasoning": "The syllabus states it.",
                "supportedOptionId": question["correctOptionId"],
                "ambiguous": False,
            }
            for section in answer["sections"]
            for question in section["questions"]
            if question["type"] == "MCQ"
        ]
    }


def write_questionnaire(syllabus: Syllabus) -> None:
    answer = generate_offline(syllabus_text=syllabus.text, subject=SUBJECT, options=OPTIONS)
    validate_content(answer, syllabus_text=syllabus.text, options=OPTIONS)


if __name__ == "__main__":
    run_benchmark(main)
