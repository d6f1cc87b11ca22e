"""AI job pipeline: its overhead against a bare Celery task, and latency-bound AI at scale.

    .venv/bin/python bench/pipeline.py

What it measures and how: docs/BENCHMARKS.md, "AI job pipeline". `bench/evaluation.py` runs
the same two parts for evaluation jobs through the `JobBench` below.
"""

from __future__ import annotations

import itertools
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from _harness import (
    bench_environment,
    configure_django,
    database_scalar,
    measured_call,
    print_header,
    print_table_header,
    server_versions,
    start_run,
    verdict,
)

from harness.fake_gemini import start_fake_gemini
from harness.processes import ChildProcess, HarnessError, group_cpu_seconds, run_main
from harness.stack import start_worker

configure_django(LOG_LEVEL="WARNING")  # this process only; workers log at INFO as deployed

import celery  # noqa: E402
import django  # noqa: E402
from celery import states  # noqa: E402
from django.db.models import Count, Q  # noqa: E402
from django_celery_results.models import TaskResult  # noqa: E402

from assessment_engine.celery import app  # noqa: E402
from assessments.content import GenerationOptions, generate_offline, validate_content  # noqa: E402
from assessments.generation import generation_trigger  # noqa: E402
from harness.pdfs import COURSE_TEXT  # noqa: E402
from jobs import runner  # noqa: E402
from jobs.models import AIJob, AIJobAttempt, JobStatus  # noqa: E402
from syllabus.factories import bulk_create_syllabi  # noqa: E402

RUN_TIME_LIMIT_SECONDS = 170
POLL_SECONDS = 0.05
SUBJECT = "Algorithms"
OPTIONS = GenerationOptions(section_count=2, questions_per_section=3)
QUEUE = "generation"

OVERHEAD_ITEMS = 300
OVERHEAD_ROUNDS = 2  # each batch keeps its faster round: the one least disturbed from outside
OVERHEAD_CONCURRENCY = 8
WARM_UP_ITEMS = 16
BREAKDOWN_REPEATS = 10
RATIO_TARGET = 0.3

FAKE_GEMINI_DELAY_SECONDS = 1.0
LATENCY_JOBS = 100
# (threads, jobs): 50 (+ this script: ~52 of PostgreSQL's 100 connections), the Procfile's
# AI_WORKER_CONCURRENCY default, and the core count (a default prefork worker's calls in flight).
LATENCY_RUNS = [(50, LATENCY_JOBS), (20, LATENCY_JOBS), (2, 20)]
LATENCY_TARGET_SECONDS = 10.0

Progress = Callable[[], tuple[int, int]]  # -> (done, failed)
_cohorts = itertools.count(1)


def create_syllabi(count: int) -> list:
    """A job's dedupe key hashes the text, so each syllabus adds a sentence of its own to the
    base text (which keeps the offline and fake Gemini answers valid for all of them)."""
    numbers = itertools.islice(_cohorts, count)
    texts = [
        f"{COURSE_TEXT}\nBenchmark cohort {n} meets on day {n} of the term.\n" for n in numbers
    ]
    return bulk_create_syllabi(texts, subject=SUBJECT)


# --- timing a batch -------------------------------------------------------------------------


@dataclass(frozen=True)
class Timed:
    label: str
    items: int
    publish_s: float  # the publishing (or triggering) loop alone
    total_s: float  # first publish -> every item seen done
    sessions: int  # PostgreSQL sessions opened during the batch
    peak_connections: int
    worker_cpu_ms: float  # per item, the worker's whole process group

    @property
    def per_second(self) -> float:
        return self.items / self.total_s

    @property
    def sessions_per_item(self) -> float:
        return self.sessions / self.items


def database_connection_count() -> int:
    """Open connections to the bench database, from every process (this one included)."""
    return database_scalar(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
    )


def database_sessions() -> int:
    """Sessions ever opened to the bench database (PostgreSQL >= 14 counts them as they start)."""
    return database_scalar(
        "SELECT sessions FROM pg_stat_database WHERE datname = current_database()"
    )


def wait_until_done(
    progress: Progress, expected: int, *, timeout: float, worker: ChildProcess, on_poll=None
) -> float:
    """perf_counter() once `progress()` counts `expected` done; an error on any failure."""
    deadline = time.perf_counter() + timeout
    while True:
        if on_poll:
            on_poll()
        done, failed = progress()
        if failed:
            raise HarnessError(f"{failed} item(s) failed; a benchmark needs every one to pass")
        if done >= expected:
            return time.perf_counter()
        worker.require_alive()
        if time.perf_counter() > deadline:
            raise HarnessError(f"only {done} of {expected} done after {timeout:.0f} s")
        time.sleep(POLL_SECONDS)


def status_progress(rows, done: str, failed: str) -> Progress:
    def progress() -> tuple[int, int]:
        counts = rows.aggregate(
            done=Count("pk", filter=Q(status=done)), failed=Count("pk", filter=Q(status=failed))
        )
        return counts["done"], counts["failed"]

    return progress


def job_progress(job_ids: list) -> Progress:
    rows = AIJob.objects.filter(pk__in=job_ids)
    return status_progress(rows, JobStatus.COMPLETED, JobStatus.FAILED)


def ping_result_progress(task_ids: list) -> Progress:
    rows = TaskResult.objects.filter(task_id__in=task_ids)
    return status_progress(rows, states.SUCCESS, states.FAILURE)


def timed_batch(label, publish, progress_of, *, timeout: float, worker: ChildProcess):
    """Time `publish()` (returning the ids it sent) and the wait until `progress_of(ids)` sees
    all done; returns (Timed, ids). Connections are sampled at every poll."""
    sessions_before, peak = database_sessions(), [database_connection_count()]
    cpu_before = group_cpu_seconds(worker.process.pid)
    started = time.perf_counter()
    ids = publish()
    published = time.perf_counter()

    def sample_connections() -> None:
        peak[0] = max(peak[0], database_connection_count())

    done = wait_until_done(
        progress_of(ids), len(ids), timeout=timeout, worker=worker, on_poll=sample_connections
    )
    cpu_ms = (group_cpu_seconds(worker.process.pid) - cpu_before) * 1000
    timed = Timed(
        label,
        len(ids),
        publish_s=published - started,
        total_s=done - started,
        sessions=database_sessions() - sessions_before,
        peak_connections=peak[0],
        worker_cpu_ms=cpu_ms / len(ids),
    )
    return timed, ids


class SucceededEvents:
    """The ids of task-succeeded events, collected in a thread: the only way to see a task with
    ignore_result finish without adding work to the task."""

    def __init__(self, queue: str) -> None:
        self.queue = queue
        self._seen: set[str] = set()
        self._receiver = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._consume, name="bench-events", daemon=True)

    def start(self, worker: ChildProcess) -> None:
        self._thread.start()
        # Events are Redis pub/sub: one sent before the receiver subscribed is lost, so probe.
        for _ in range(20):
            worker.require_alive()
            probe = send_pings(self.queue, 1, store_result=False)
            try:
                wait_until_done(self.progress(probe), 1, timeout=0.5, worker=worker)
                return
            except HarnessError:
                continue
        raise HarnessError("no task-succeeded event received from the worker")

    def progress(self, task_ids: list) -> Progress:
        wanted = set(task_ids)

        def count() -> tuple[int, int]:
            if self._error is not None:
                raise HarnessError(f"event receiver failed: {self._error!r}")
            return len(self._seen & wanted), 0  # set.add is atomic under the GIL

        return count

    def stop(self) -> None:
        if self._receiver is not None:
            self._receiver.should_stop = True  # checked every second by the consume loop
        self._thread.join(timeout=3)

    def _consume(self) -> None:
        try:
            with app.connection_for_read() as broker:
                handlers = {"task-succeeded": lambda event: self._seen.add(event["uuid"])}
                self._receiver = app.events.Receiver(broker, handlers=handlers)
                self._receiver.capture(limit=None, timeout=None, wakeup=False)
        except BaseException as exc:  # noqa: BLE001 - reported by progress() in the main thread
            self._error = exc


def send_pings(queue: str, count: int, *, store_result: bool) -> list[str]:
    task_ids = [str(uuid.uuid4()) for _ in range(count)]
    for task_id in task_ids:
        app.send_task(f"{queue}.ping", task_id=task_id, ignore_result=not store_result)
    return task_ids


# --- the jobs of a benchmark ----------------------------------------------------------------


@dataclass(frozen=True)
class JobBench:
    """A job benchmark's queue, its items (syllabi, completed sessions...), how the jobs of a
    list of items are started (returning their ids) and what must hold after a batch."""

    name: str
    queue: str
    create: Callable[[int], list]
    start_jobs: Callable[[list], list]
    job_label: str
    ignored_ping_label: str
    check: Callable[[list], None] = lambda items: None

    def timed_jobs(self, label: str, items: list, *, timeout: float, worker: ChildProcess):
        timed, job_ids = timed_batch(
            label, partial(self.start_jobs, items), job_progress, timeout=timeout, worker=worker
        )
        self.check(items)
        return timed, job_ids

    def timed_pings(self, label: str, count: int, *, store_result: bool, events, worker):
        # A stored result shows in the database; an ignored one only as an event.
        progress_of = ping_result_progress if store_result else events.progress
        publish = partial(send_pings, self.queue, count, store_result=store_result)
        return timed_batch(label, publish, progress_of, timeout=30 + count * 0.1, worker=worker)[0]


def trigger_jobs(syllabi: list) -> list:
    job_ids = []
    for syllabus in syllabi:
        trigger = generation_trigger(syllabus_id=syllabus.pk, options=OPTIONS)
        if not trigger.queued:
            raise HarnessError(f"syllabus {syllabus.pk} was deduplicated: texts must differ")
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


def measure_breakdown(bench: JobBench, content: Callable[[object], object]) -> Breakdown:
    """Per-job costs in this process, before any worker runs: `content(item)`, starting the
    item's job, and runner.job_run (what the worker's task calls). The start's queued message
    is skipped later by the worker (job already finished)."""
    contents, starts, job_runs = [], [], []
    for item in bench.create(BREAKDOWN_REPEATS):
        contents.append(measured_call(partial(content, item))[1])
        [job_id], seconds, start_queries = measured_call(partial(bench.start_jobs, [item]))
        starts.append(seconds)
        outcome, seconds, job_run_queries = measured_call(
            partial(runner.job_run, job_id=job_id, worker="bench-in-process")
        )
        if outcome != "completed":
            raise HarnessError(f"in-process job_run returned {outcome!r}")
        job_runs.append(seconds)
    median_ms = [statistics.median(samples) * 1000 for samples in (contents, starts, job_runs)]
    return Breakdown(median_ms[0], median_ms[1], start_queries, median_ms[2], job_run_queries)


@dataclass(frozen=True)
class AttemptStats:
    median_ms: float
    peak_concurrent: int  # the most attempts open at one instant


def attempt_stats(job_ids: list) -> AttemptStats:
    rows = AIJobAttempt.objects.filter(job_id__in=job_ids)
    rows = list(rows.values_list("started_at", "finished_at", "duration_ms"))
    # An end sorts before a start at the same instant.
    edges = sorted([(start, 1) for start, _, _ in rows] + [(end, -1) for _, end, _ in rows])
    steps = itertools.accumulate(step for _, step in edges)
    return AttemptStats(statistics.median(row[2] for row in rows), max(steps, default=0))


# --- part 1: overhead against a bare task ----------------------------------------------------

BATCHES = ("ping_stored", "ping_ignored", "jobs")


@dataclass(frozen=True)
class OverheadResult:
    rounds: list[dict[str, Timed]]  # BATCHES -> Timed, per round
    breakdown: Breakdown
    attempts: AttemptStats  # of the fastest job round

    def best(self, batch: str) -> Timed:
        return min((r[batch] for r in self.rounds), key=lambda timed: timed.total_s)

    def rates(self, batch: str) -> str:
        return " / ".join(f"{r[batch].per_second:.0f}" for r in self.rounds)


def run_overhead(bench: JobBench, breakdown: Breakdown, log_dir: Path) -> OverheadResult:
    """One worker on the bench's queue (offline provider); the three batches back to back in
    each round, so each round sees about the same background load."""
    warm_up = bench.create(WARM_UP_ITEMS)
    round_items = [bench.create(OVERHEAD_ITEMS) for _ in range(OVERHEAD_ROUNDS)]
    rounds, job_ids = [], []
    worker = start_worker(
        bench.name,
        bench.queue,
        env=bench_environment(),
        log_path=log_dir / f"{bench.name}.log",
        concurrency=OVERHEAD_CONCURRENCY,
    )
    events = SucceededEvents(bench.queue)
    try:
        events.start(worker)
        ping = partial(bench.timed_pings, events=events, worker=worker)
        # Lazy imports and first-use caches, and the breakdown's queued messages drained.
        ping("warm-up", WARM_UP_ITEMS, store_result=True)
        bench.timed_jobs("warm-up", warm_up, timeout=60, worker=worker)
        for items in round_items:
            stored_label = f"{bench.queue}.ping, result stored (django-db)"
            stored = ping(stored_label, OVERHEAD_ITEMS, store_result=True)
            ignored = ping(bench.ignored_ping_label, OVERHEAD_ITEMS, store_result=False)
            jobs, ids = bench.timed_jobs(bench.job_label, items, timeout=100, worker=worker)
            rounds.append({"ping_stored": stored, "ping_ignored": ignored, "jobs": jobs})
            job_ids.append(ids)
    finally:
        events.stop()
        worker.stop()
    fastest = min(range(len(rounds)), key=lambda index: rounds[index]["jobs"].total_s)
    return OverheadResult(rounds, breakdown, attempt_stats(job_ids[fastest]))


# --- part 2: latency-bound AI ----------------------------------------------------------------


@dataclass(frozen=True)
class LatencyResult:
    concurrency: int
    timed: Timed
    attempts: AttemptStats
    job_ids: list


def run_latencies(
    bench: JobBench, answer: dict, log_dir: Path, runs: list, routes: dict | None = None
) -> list[LatencyResult]:
    """One worker per (threads, jobs) in `runs`, its AI calls going through the real
    google-genai client to one fake Gemini answering `answer` (and `routes`)."""
    fake, fake_url = start_fake_gemini(
        answer,
        delay_seconds=FAKE_GEMINI_DELAY_SECONDS,
        log_dir=log_dir,
        answer_name=f"{bench.name}-answer.json",
        routes=routes,
    )
    env = bench_environment(GEMINI_API_KEY="bench-key", GEMINI_API_BASE_URL=fake_url)
    results = []
    try:
        for threads, jobs in runs:
            warm_up, measured = bench.create(threads), bench.create(jobs)
            name = f"{bench.name}-{threads}"
            log_path = log_dir / f"{name}.log"
            worker = start_worker(
                name, bench.queue, env=env, log_path=log_path, concurrency=threads
            )
            try:
                # A job per thread first: the SDK is imported and the shared client built.
                bench.timed_jobs("warm-up", warm_up, timeout=30, worker=worker)
                fake.require_alive()
                label = f"--concurrency {threads}"
                timed, ids = bench.timed_jobs(label, measured, timeout=60, worker=worker)
            finally:
                worker.stop()
            results.append(LatencyResult(threads, timed, attempt_stats(ids), ids))
    finally:
        fake.stop()
    return results


# --- report ----------------------------------------------------------------------------------


def celery_versions() -> list[str]:
    return [f"Celery {celery.__version__}", f"Django {django.get_version()}", server_versions()]


def print_overhead_table(result: OverheadResult, title: str, *, worker_cpu: bool):
    """Part 1's title and its three batches' best rounds (with the worker's CPU per item if
    `worker_cpu`); returns the job batch and its rates relative to the stored, ignored ping."""
    print(f"\n1. Overhead: {title}; faster of {OVERHEAD_ROUNDS} rounds")
    cpu_header = f" {'worker CPU ms/item':>18}" if worker_cpu else ""
    print_table_header(
        f"{'batch':<42} {'items':>5} {'publish s':>9} {'total s':>7} {'items/s':>7}"
        f" {'ms/item':>7}{cpu_header} {'DB sessions/item':>16} {'peak DB conns':>13}"
        f" {'rounds items/s':>14}"
    )
    for batch in BATCHES:
        row = result.best(batch)
        cpu = f" {row.worker_cpu_ms:>18.1f}" if worker_cpu else ""
        print(
            f"{row.label:<42} {row.items:>5} {row.publish_s:>9.2f} {row.total_s:>7.2f}"
            f" {row.per_second:>7.1f} {1000 / row.per_second:>7.1f}{cpu}"
            f" {row.sessions_per_item:>16.2f} {row.peak_connections:>13} {result.rates(batch):>14}"
        )
    jobs = result.best("jobs")
    stored, ignored = (jobs.per_second / result.best(ping).per_second for ping in BATCHES[:2])
    return jobs, stored, ignored


def print_overhead(result: OverheadResult) -> None:
    title = (
        f"one worker, --pool threads --concurrency {OVERHEAD_CONCURRENCY}, queue {QUEUE},"
        f" offline provider, {OPTIONS.section_count} sections x"
        f" {OPTIONS.questions_per_section} questions"
    )
    pipeline, versus_stored, versus_ignored = print_overhead_table(result, title, worker_cpu=False)
    b, attempts = result.breakdown, result.attempts
    print(
        f"pipeline/baseline: {versus_stored:.3f} against the ping with stored result"
        f" (target >= {RATIO_TARGET}: {verdict(versus_stored >= RATIO_TARGET)}),"
        f" {versus_ignored:.3f} against the ignore_result ping"
        f" ({verdict(versus_ignored >= RATIO_TARGET)})\n"
    )
    print(
        "Where a job's time goes (this process, one thread, no worker running,"
        f" median of {BREAKDOWN_REPEATS}):\n"
        f"  generate_offline + validate_content (no database)          {b.content_ms:7.1f} ms\n"
        f"  runner.job_run: claim, content, record ({b.job_run_queries} SQL statements)"
        f"  {b.job_run_ms:7.1f} ms  -> job bookkeeping {b.job_run_ms - b.content_ms:.1f} ms\n"
        f"  generation_trigger ({b.start_queries} SQL statements, 1 publish)"
        f"             {b.start_ms:7.1f} ms\n"
        f"During the batch the trigger loop took {pipeline.publish_s * 1000 / pipeline.items:.1f}"
        " ms per job (sharing the cores with the worker and the servers).\n"
        f"In the worker: median attempt duration_ms {attempts.median_ms:.0f} ms"
        f" ({OVERHEAD_CONCURRENCY} threads share one process's GIL; peak"
        f" {attempts.peak_concurrent} attempts at once)."
    )


def print_latency(results: list[LatencyResult]) -> None:
    wide, default, narrow = results
    print(
        f"\n2. Latency-bound AI: fake Gemini in its own process answering after"
        f" {FAKE_GEMINI_DELAY_SECONDS:g} s, one worker --pool threads"
    )
    print_table_header(
        f"{'worker':<33} {'jobs':>4} {'wall s':>6} {'jobs/s':>6} {'median attempt ms':>17}"
        f" {'peak attempts':>13} {'peak DB conns':>13} {'DB sessions/job':>15}"
    )
    for result in results:
        row = result.timed
        print(
            f"{row.label:<33} {row.items:>4} {row.total_s:>6.2f} {row.per_second:>6.2f}"
            f" {result.attempts.median_ms:>17.0f} {result.attempts.peak_concurrent:>13}"
            f" {row.peak_connections:>13} {row.sessions_per_item:>15.2f}"
        )
    extrapolated = LATENCY_JOBS / narrow.timed.per_second
    print(f"{narrow.timed.label + ', extrapolated':<33} {LATENCY_JOBS:>4} {extrapolated:>6.1f}")

    def met(run: LatencyResult) -> str:
        seconds = run.timed.total_s
        return f"{verdict(seconds <= LATENCY_TARGET_SECONDS)} ({seconds:.1f} s)"

    print(
        f"Target {LATENCY_JOBS} jobs <= {LATENCY_TARGET_SECONDS:g} s with --concurrency"
        f" {wide.concurrency}: {met(wide)}; with the Procfile default {default.concurrency}:"
        f" {met(default)}. With --concurrency {narrow.concurrency}"
        f" ({narrow.concurrency} calls in flight, as a default prefork worker on this host)"
        f" they would take ~{extrapolated:.0f} s, {extrapolated / wide.timed.total_s:.0f}x longer."
    )
    print(
        "\npeak DB conns: connections to the bench database, sampled every 50 ms, this script's"
        " one included. DB sessions/item: sessions PostgreSQL opened during the batch, per item."
    )


# --- main ------------------------------------------------------------------------------------


def agreement(answer: dict) -> dict:
    """The verifier's answer agreeing with every MCQ key of `answer`."""
    questions = [q for section in answer["sections"] for q in section["questions"]]
    verdicts = [
        {
            "questionId": q["questionId"],
            "reasoning": "The syllabus states it.",
            "supportedOptionId": q["correctOptionId"],
            "ambiguous": False,
        }
        for q in questions
        if q["type"] == "MCQ"
    ]
    return {"verdicts": {"verdicts": verdicts}}


def write_questionnaire(syllabus) -> None:
    answer = generate_offline(syllabus_text=syllabus.text, subject=SUBJECT, options=OPTIONS)
    validate_content(answer, syllabus_text=syllabus.text, options=OPTIONS)


def main() -> None:
    started = start_run(RUN_TIME_LIMIT_SECONDS)
    print_header("AI job pipeline benchmark", celery_versions())
    bench = JobBench(
        name="bench-generation",
        queue=QUEUE,
        create=create_syllabi,
        start_jobs=trigger_jobs,
        job_label="generation job, trigger -> COMPLETED",
        ignored_ping_label=f"{QUEUE}.ping, ignore_result (no DB)",
    )
    breakdown = measure_breakdown(bench, content=write_questionnaire)
    # Written from the base text, so its excerpts occur in every benchmark syllabus.
    answer = generate_offline(syllabus_text=COURSE_TEXT, subject=SUBJECT, options=OPTIONS)
    with tempfile.TemporaryDirectory(prefix="bench-pipeline-") as scratch:
        print_overhead(run_overhead(bench, breakdown, Path(scratch)))
        print_latency(run_latencies(bench, answer, Path(scratch), LATENCY_RUNS, agreement(answer)))
    print(f"\nWhole run: {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    run_main(main, what="benchmark")
