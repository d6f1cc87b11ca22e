"""AI job pipeline: its overhead against a bare Celery task, and latency-bound AI at scale.

    .venv/bin/python bench/pipeline.py

Runs against its own database (assessment_engine_bench, created and migrated if needed) and
Redis db 14, both emptied first, with real `celery worker` child processes started as the
Procfile starts them (thread pool); every child is stopped at the end, also on errors.

1. Overhead. One worker, `--pool threads --concurrency 8`, queue `generation`, offline provider:
   * generation.ping with its result stored (django-db result backend, as configured: the worker
     writes STARTED and SUCCESS rows); done = all SUCCESS rows seen;
   * generation.ping published with ignore_result=True: no database at all, the closest thing to
     a no-op task that exists without adding one to production code; done = all task-succeeded
     events seen (the worker sends them anyway: CELERY_WORKER_SEND_TASK_EVENTS);
   * generation jobs: generation_trigger (job row, publish on commit) -> worker claims the row,
     writes the questionnaire offline, validates it, stores the Assessment -> COMPLETED;
     done = all jobs COMPLETED.
   Each is timed from the first publish (or trigger) to done, polled with one COUNT every 50 ms.
   Where a job's time goes is measured in this process, single-threaded, before the worker starts.
2. Latency-bound AI. A fake Gemini server in a separate process answers every call after 1 s
   with a questionnaire valid for every benchmark syllabus; 100 jobs go through a worker with 50
   threads, 100 through one with 20 (the Procfile's default AI_WORKER_CONCURRENCY), then 20
   through one with 2 threads (the core count: what a default prefork worker would run at
   once), extrapolated to 100.
"""

from __future__ import annotations

import hashlib
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
    ensure_database,
    install_stop_signals,
    print_header,
    print_table_header,
    reset_state,
    run_benchmark,
    server_versions,
    start_fake_gemini,
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
from assessments.tests.factories import COURSE_TEXT  # noqa: E402
from jobs import runner  # noqa: E402
from jobs.models import AIJob, AIJobAttempt, JobStatus  # noqa: E402
from syllabus.models import Syllabus  # noqa: E402

RUN_TIME_LIMIT_SECONDS = 170
POLL_SECONDS = 0.05
SUBJECT = "Algorithms"
OPTIONS = GenerationOptions(section_count=2, questions_per_section=3)
QUEUE = "generation"

OVERHEAD_ITEMS = 300
# Other work on a shared 2-core host shifts single batches by +-30%: run every batch in each of
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
        self._next_number = 1

    def create(self, count: int) -> list[Syllabus]:
        numbers = range(self._next_number, self._next_number + count)
        self._next_number += count
        texts = [self._text(number) for number in numbers]
        rows = [
            Syllabus(
                subject=SUBJECT,
                original_filename=f"bench-{number}.pdf",
                file=f"bench/bench-{number}.pdf",  # never read: jobs use the stored text
                file_size=len(text),
                text=text,
                page_count=1,
                text_length=len(text),
                content_hash=hashlib.sha256(text.encode()).hexdigest(),
                extraction_engine="bench",
            )
            for number, text in zip(numbers, texts, strict=True)
        ]
        return Syllabus.objects.bulk_create(rows)

    def _text(self, number: int) -> str:
        return f"{self.base_text}\nBenchmark cohort {number} meets on day {number} of the term.\n"


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
    )
    return timed, ids


class SucceededEvents:
    """Collects the ids of task-succeeded events from the workers' event stream, in a thread.

    The only way to see a task with ignore_result finish without adding work to the task."""

    def __init__(self) -> None:
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
            probe = send_pings(1, store_result=False)
            try:
                wait_until_done(self.progress(probe), 1, timeout=0.5, children=[worker])
                return
            except BenchmarkError:
                continue
        raise BenchmarkError("no task-succeeded event received from the worker")


# --- part 1: overhead against a bare task ----------------------------------------------------


def send_pings(count: int, *, store_result: bool) -> list[str]:
    task_ids = [str(uuid.uuid4()) for _ in range(count)]
    for task_id in task_ids:
        app.send_task(f"{QUEUE}.ping", task_id=task_id, ignore_result=not store_result)
    return task_ids


def timed_pings(
    label: str, count: int, *, store_result: bool, events: SucceededEvents, worker: ChildProcess
) -> Timed:
    # A stored result shows in the database; an ignored one only as a task-succeeded event.
    progress_of = ping_result_progress if store_result else events.progress
    timed, _ = timed_batch(
        label,
        lambda: send_pings(count, store_result=store_result),
        progress_of,
        timeout=30 + count * 0.1,
        worker=worker,
    )
    return timed


def trigger_jobs(syllabi: list[Syllabus]) -> list:
    job_ids = []
    for syllabus in syllabi:
        trigger = generation_trigger(syllabus_id=syllabus.pk, options=OPTIONS)
        if not trigger.queued:
            raise BenchmarkError(f"syllabus {syllabus.pk} was deduplicated: texts must differ")
        job_ids.append(trigger.job.pk)
    return job_ids


def timed_jobs(
    label: str, syllabi: list[Syllabus], *, timeout: float, worker: ChildProcess
) -> tuple[Timed, list]:
    return timed_batch(
        label, lambda: trigger_jobs(syllabi), job_progress, timeout=timeout, worker=worker
    )


@dataclass(frozen=True)
class Breakdown:
    content_ms: float
    job_run_ms: float
    job_run_queries: int
    trigger_ms: float
    trigger_queries: int


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def measured_call(call: Callable[[], T]) -> tuple[T, float, int]:
    """`call()`'s result, its wall seconds and the SQL statements it ran."""
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = call()
        seconds = time.perf_counter() - started
    return result, seconds, len(queries)


def run_job_in_process(job_id) -> tuple[float, int]:
    """runner.job_run, exactly what the worker's task calls: its seconds and SQL statements."""
    outcome, seconds, queries = measured_call(
        partial(runner.job_run, job_id=job_id, worker="bench-in-process")
    )
    if outcome != "completed":
        raise BenchmarkError(f"in-process job_run returned {outcome!r}")
    return seconds, queries


def measure_breakdown(maker: SyllabusMaker) -> Breakdown:
    """Per-job costs in this process, one thread, no worker running (so nothing competes).

    runner.job_run is exactly what the worker's task calls; the messages the triggers publish
    stay queued and are skipped (job already finished) once the worker starts.
    """
    content, job_runs, triggers = [], [], []
    job_run_queries = trigger_queries = 0
    for syllabus in maker.create(BREAKDOWN_REPEATS):
        started = time.perf_counter()
        answer = generate_offline(syllabus_text=syllabus.text, subject=SUBJECT, options=OPTIONS)
        validate_content(answer, syllabus_text=syllabus.text, options=OPTIONS)
        content.append(time.perf_counter() - started)

        [job_id], seconds, trigger_queries = measured_call(partial(trigger_jobs, [syllabus]))
        triggers.append(seconds)

        seconds, job_run_queries = run_job_in_process(job_id)
        job_runs.append(seconds)
    return Breakdown(
        content_ms=median_ms(content),
        job_run_ms=median_ms(job_runs),
        job_run_queries=job_run_queries,
        trigger_ms=median_ms(triggers),
        trigger_queries=trigger_queries,
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


@dataclass(frozen=True)
class OverheadRound:
    ping_stored: Timed
    ping_ignored: Timed
    pipeline: Timed
    pipeline_job_ids: list


@dataclass(frozen=True)
class BestOfRounds:
    """Batches run in rounds (each round an object with one Timed attribute per batch); each
    batch's fastest round is the figure least disturbed by other work on the host."""

    rounds: list

    def best(self, batch: str) -> Timed:
        return min((getattr(r, batch) for r in self.rounds), key=lambda timed: timed.total_s)

    def rates(self, batch: str) -> str:
        return " / ".join(f"{getattr(r, batch).per_second:.0f}" for r in self.rounds)


@dataclass(frozen=True)
class OverheadResult(BestOfRounds):
    breakdown: Breakdown
    attempts: AttemptStats  # of the fastest pipeline round


@contextmanager
def overhead_worker(name: str, log_dir: Path) -> Iterator[tuple[ChildProcess, SucceededEvents]]:
    """A worker on QUEUE (offline provider) and the receiver of its task-succeeded events, both
    stopped on leaving. Warmed up with pings; the caller warms up its own kind of job too."""
    worker = celery_worker(
        name,
        queue=QUEUE,
        concurrency=OVERHEAD_CONCURRENCY,
        log_dir=log_dir,
        env=bench_environment(),
    )
    events = SucceededEvents()
    try:
        events.start(worker)
        # Warm-up: lazy imports and first-use caches in the worker, and the breakdown's queued
        # messages drained, before anything is timed.
        timed_pings("warm-up", WARM_UP_ITEMS, store_result=True, events=events, worker=worker)
        yield worker, events
    finally:
        events.stop()
        worker.stop()


def run_overhead(maker: SyllabusMaker, log_dir: Path) -> OverheadResult:
    breakdown = measure_breakdown(maker)
    warm_up_syllabi = maker.create(WARM_UP_ITEMS)
    round_syllabi = [maker.create(OVERHEAD_ITEMS) for _ in range(OVERHEAD_ROUNDS)]
    with overhead_worker("bench-overhead", log_dir) as (worker, events):
        timed_jobs("warm-up", warm_up_syllabi, timeout=60, worker=worker)
        rounds = [run_overhead_round(syllabi, events, worker) for syllabi in round_syllabi]
    fastest = min(rounds, key=lambda r: r.pipeline.total_s)
    return OverheadResult(rounds, breakdown, attempt_stats(fastest.pipeline_job_ids))


def run_overhead_round(
    syllabi: list[Syllabus], events: SucceededEvents, worker: ChildProcess
) -> OverheadRound:
    """The three batches back to back, so each round sees about the same background load."""
    ping_stored = timed_pings(
        "generation.ping, result stored (django-db)",
        OVERHEAD_ITEMS,
        store_result=True,
        events=events,
        worker=worker,
    )
    ping_ignored = timed_pings(
        "generation.ping, ignore_result (no DB)",
        OVERHEAD_ITEMS,
        store_result=False,
        events=events,
        worker=worker,
    )
    pipeline, job_ids = timed_jobs(
        "generation job, trigger -> COMPLETED", syllabi, timeout=100, worker=worker
    )
    return OverheadRound(ping_stored, ping_ignored, pipeline, job_ids)


# --- part 2: latency-bound AI ----------------------------------------------------------------


@dataclass(frozen=True)
class LatencyResult:
    concurrency: int
    timed: Timed
    attempts: AttemptStats


def start_fake_questionnaire_gemini(base_text: str, log_dir: Path) -> tuple[ChildProcess, str]:
    """The fake Gemini with one answer written from the base text, so its excerpts occur in
    every benchmark syllabus."""
    answer = generate_offline(syllabus_text=base_text, subject=SUBJECT, options=OPTIONS)
    return start_fake_gemini(
        answer,
        delay_seconds=FAKE_GEMINI_DELAY_SECONDS,
        log_dir=log_dir,
        answer_name="fake-gemini-answer.json",
    )


@contextmanager
def fake_gemini_worker(
    name: str, *, fake_url: str, concurrency: int, log_dir: Path
) -> Iterator[ChildProcess]:
    """A worker on QUEUE whose AI calls go through the real google-genai client to the fake
    Gemini at `fake_url`; stopped on leaving."""
    env = bench_environment(GEMINI_API_KEY="bench-key", GEMINI_API_BASE_URL=fake_url)
    worker = celery_worker(name, queue=QUEUE, concurrency=concurrency, log_dir=log_dir, env=env)
    try:
        yield worker
    finally:
        worker.stop()


def run_latency(
    maker: SyllabusMaker,
    log_dir: Path,
    *,
    fake: ChildProcess,
    fake_url: str,
    concurrency: int,
    jobs: int,
) -> LatencyResult:
    warm_up_syllabi = maker.create(concurrency)
    measured_syllabi = maker.create(jobs)
    with fake_gemini_worker(
        f"bench-latency-{concurrency}", fake_url=fake_url, concurrency=concurrency, log_dir=log_dir
    ) as worker:
        # A job per thread first: the SDK is imported and the shared Gemini client built.
        timed_jobs("warm-up", warm_up_syllabi, timeout=30, worker=worker)
        fake.require_alive()
        timed, job_ids = timed_jobs(
            f"--concurrency {concurrency}", measured_syllabi, timeout=60, worker=worker
        )
    return LatencyResult(concurrency, timed, attempt_stats(job_ids))


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
    header = (
        f"{'batch':<42} {'items':>5} {'publish s':>9} {'total s':>7} {'items/s':>7}"
        f" {'ms/item':>7} {'DB sessions/item':>16} {'peak DB conns':>13} {'rounds items/s':>14}"
    )
    print_table_header(header)
    for batch in ("ping_stored", "ping_ignored", "pipeline"):
        row = result.best(batch)
        print(
            f"{row.label:<42} {row.items:>5} {row.publish_s:>9.2f} {row.total_s:>7.2f}"
            f" {row.per_second:>7.1f} {row.ms_per_item:>7.1f} {row.sessions_per_item:>16.2f}"
            f" {row.peak_connections:>13} {result.rates(batch):>14}"
        )
    pipeline = result.best("pipeline")
    versus_stored = pipeline.per_second / result.best("ping_stored").per_second
    versus_ignored = pipeline.per_second / result.best("ping_ignored").per_second
    print(
        f"pipeline/baseline: {versus_stored:.3f} against the ping with stored result"
        f" (target >= {RATIO_TARGET}: {verdict(versus_stored >= RATIO_TARGET)}),"
        f" {versus_ignored:.3f} against the ignore_result ping"
        f" ({verdict(versus_ignored >= RATIO_TARGET)})"
    )
    print_breakdown(result.breakdown, result.attempts, pipeline)


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
        f"  generation_trigger ({b.trigger_queries} SQL statements, 1 publish)"
        f"             {b.trigger_ms:7.1f} ms"
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


def print_latency(wide: LatencyResult, default: LatencyResult, narrow: LatencyResult) -> None:
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
    for result in (wide, default, narrow):
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
    install_stop_signals(RUN_TIME_LIMIT_SECONDS)
    started = time.perf_counter()
    ensure_database()
    reset_state()
    print_header("AI job pipeline benchmark", celery_versions())
    maker = SyllabusMaker(COURSE_TEXT)
    with tempfile.TemporaryDirectory(prefix="bench-pipeline-") as scratch:
        log_dir = Path(scratch)
        overhead = run_overhead(maker, log_dir)
        print_overhead(overhead)
        fake, fake_url = start_fake_questionnaire_gemini(maker.base_text, log_dir)
        try:
            latency = [
                run_latency(
                    maker, log_dir, fake=fake, fake_url=fake_url, concurrency=threads, jobs=jobs
                )
                for threads, jobs in (
                    (LATENCY_CONCURRENCY, LATENCY_JOBS),
                    (PROCFILE_CONCURRENCY, LATENCY_JOBS),
                    (CORE_COUNT_CONCURRENCY, CORE_COUNT_JOBS),
                )
            ]
        finally:
            fake.stop()
        print_latency(*latency)
    print_database_notes()
    print()
    print(f"Whole run: {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    run_benchmark(main)
