"""Evaluation pipeline: completed sessions graded end to end, against a bare Celery task.

    .venv/bin/python bench/evaluation.py

`bench/pipeline.py`'s two parts on the `evaluation` queue; what it measures and how:
docs/BENCHMARKS.md, "Evaluation pipeline".
"""

from __future__ import annotations

import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from _harness import configure_django, print_header, print_table_header, start_run, verdict

from harness.processes import HarnessError, run_main

configure_django(LOG_LEVEL="WARNING")  # this process only; workers log at INFO as deployed

import pipeline  # noqa: E402 - importing it configures Django the same way
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from assessment_engine.accounts.factories import bulk_create_users  # noqa: E402
from assessments.factories import answers_for, make_assessment  # noqa: E402
from sessions.factories import bulk_create_active_sessions  # noqa: E402
from sessions.grading.offline import offline_grades  # noqa: E402
from sessions.grading.plan import plan_grading  # noqa: E402
from sessions.grading.validation import validated_grades  # noqa: E402
from sessions.models import Evaluation, SectionSubmission  # noqa: E402
from sessions.services import session_complete  # noqa: E402

RUN_TIME_LIMIT_SECONDS = 240
QUEUE = "evaluation"
SECTIONS = 3
COMPLETE_THREADS = 4  # so that completing does not set the pace of the pipeline under test
LATENCY_SESSIONS = 200
LATENCY_CONCURRENCIES = (50, 20)  # 50 as asked; 20 = the Procfile's AI_WORKER_CONCURRENCY
LATENCY_TARGET_SECONDS = 15.0


# --- sessions ----------------------------------------------------------------------------------


class SessionMaker:
    """(session id, user) of ACTIVE sessions with every section submitted, one user each."""

    def __init__(self) -> None:
        self.assessment = make_assessment(sections=SECTIONS, title="Evaluation benchmark")

    def create(self, count: int) -> list[tuple]:
        users = bulk_create_users(count)
        sessions = bulk_create_active_sessions(
            users, self.assessment, current_section_index=SECTIONS
        )
        now = timezone.now()
        SectionSubmission.objects.bulk_create(
            [
                SectionSubmission(
                    session=session,
                    section_index=index,
                    section_id=f"s{index + 1}",
                    answers=answers_for(index + 1),
                    submitted_at=now,
                )
                for session in sessions
                for index in range(SECTIONS)
            ]
        )
        return [(s.pk, u) for s, u in zip(sessions, users, strict=True)]

    def grade_offline(self, _ready: tuple) -> None:
        """Planning, offline grades and their validation: an evaluation's own work."""
        answers = {k: v for n in range(1, SECTIONS + 1) for k, v in answers_for(n).items()}
        plan = plan_grading(self.assessment.content, answers)
        validated_grades(offline_grades(plan.for_ai), plan.for_ai, raw_text="")


def complete_sessions(sessions: list[tuple]) -> list:
    """`session_complete` for every session, from COMPLETE_THREADS threads as concurrent
    requests would call it (the calling thread for one session: the breakdown counts its SQL)."""
    threads = min(COMPLETE_THREADS, len(sessions))

    def complete(part: list[tuple]) -> list:
        job_ids = []
        try:
            for session_id, user in part:
                outcome = session_complete(session_id=session_id, user=user)
                if not outcome.changed or outcome.session.evaluation_job_id is None:
                    raise HarnessError(f"session {session_id} did not complete")
                job_ids.append(outcome.session.evaluation_job_id)
        finally:
            if threads > 1:
                connection.close()  # this thread's own connection
        return job_ids

    if threads == 1:
        return complete(sessions)
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="bench-complete") as pool:
        parts = pool.map(complete, [sessions[i::threads] for i in range(threads)])
        return [job_id for part in parts for job_id in part]


def check_graded(sessions: list[tuple]) -> None:
    graded = Evaluation.objects.filter(session_id__in=[s for s, _ in sessions]).count()
    if graded != len(sessions):
        raise HarnessError(f"{graded} Evaluation rows for {len(sessions)} completed jobs")


def fake_grades() -> dict:
    """Every session answered the same short-answer questions, so one fixed answer is valid
    grading for all of them (3 of 5 points each)."""
    criteria = [{"criterion": "rubric", "evidence": "", "decision": "partly met", "points": 3}]
    return {
        "grades": [
            {
                "questionId": f"s{number}q2",
                "criteria": criteria,
                "score": 3,
                "feedback": "Partly right.",
            }
            for number in range(1, SECTIONS + 1)
        ]
    }


# --- report ----------------------------------------------------------------------------------


def print_overhead(result: pipeline.OverheadResult) -> None:
    title = (
        f"one worker, --queues {QUEUE} --pool threads --concurrency"
        f" {pipeline.OVERHEAD_CONCURRENCY}, offline grader, {SECTIONS} sections x"
        " (1 MCQ + 1 short answer)"
    )
    evaluation, versus_stored, versus_noop = pipeline.print_overhead_table(
        result, title, worker_cpu=True
    )
    print(
        f"evaluations/no-op ping: {versus_noop:.3f}; evaluations/stored-result ping:"
        f" {versus_stored:.3f} (the pipeline benchmark's target >= {pipeline.RATIO_TARGET} for that"
        f" ratio: {verdict(versus_stored >= pipeline.RATIO_TARGET)})"
    )
    b = result.breakdown
    print(
        "\nWhere an evaluation's time goes (this process, one thread, no worker running,"
        f" median of {pipeline.BREAKDOWN_REPEATS}):\n"
        f"  plan + offline grades + validation (no database)              {b.content_ms:7.1f} ms\n"
        f"  session_complete ({b.start_queries} SQL statements, 1 publish)"
        f"{'':19}{b.start_ms:7.1f} ms\n"
        f"  runner.job_run: claim, grade, store ({b.job_run_queries} SQL statements)"
        f"{'':10}{b.job_run_ms:7.1f} ms\n"
        f"During the batch the {COMPLETE_THREADS} completing threads took"
        f" {evaluation.publish_s:.2f} s for {evaluation.items} sessions (sharing the cores with"
        f" the worker and the servers). In the worker: median attempt"
        f" {result.attempts.median_ms:.0f} ms, peak {result.attempts.peak_concurrent} at once."
    )


def print_latency(results: list[pipeline.LatencyResult]) -> None:
    providers = [
        Evaluation.objects.filter(job_id__in=r.job_ids).values_list("provider", flat=True)
        for r in results
    ]
    print(
        "\n2. Latency-bound AI: fake Gemini in its own process answering after"
        f" {pipeline.FAKE_GEMINI_DELAY_SECONDS:g} s, {LATENCY_SESSIONS} sessions completed then"
        " graded, one worker --pool threads"
    )
    print_table_header(
        f"{'worker':<18} {'sessions':>8} {'complete s':>10} {'wall s':>6} {'evals/s':>7}"
        f" {'median attempt ms':>17} {'peak attempts':>13} {'worker CPU ms/job':>17}"
        f" {'peak DB conns':>13} {'DB sessions/job':>15} {'provider':>8}"
    )
    for result, used in zip(results, providers, strict=True):
        row = result.timed
        print(
            f"{row.label:<18} {row.items:>8} {row.publish_s:>10.2f} {row.total_s:>6.2f}"
            f" {row.per_second:>7.2f} {result.attempts.median_ms:>17.0f}"
            f" {result.attempts.peak_concurrent:>13} {row.worker_cpu_ms:>17.1f}"
            f" {row.peak_connections:>13}"
            f" {row.sessions_per_item:>15.2f} {','.join(sorted(set(used))):>8}"
        )
    verdicts = "; ".join(
        f"--concurrency {r.concurrency}: {verdict(r.timed.total_s <= LATENCY_TARGET_SECONDS)}"
        f" ({r.timed.total_s:.1f} s)"
        for r in results
    )
    print(f"Target {LATENCY_SESSIONS} sessions graded <= {LATENCY_TARGET_SECONDS:g} s: {verdicts}")
    print(
        f"complete s: the session_complete calls alone ({COMPLETE_THREADS} threads in this"
        " process); wall s: first complete -> last evaluation job COMPLETED.\n"
        "peak DB conns: connections to the bench database, sampled every 50 ms, this script's"
        f" own and its {COMPLETE_THREADS} completing threads' included. DB sessions/job:"
        " sessions PostgreSQL opened during the batch, per job. worker CPU: user + system time"
        " of the worker process over the batch, per item (/proc)."
    )


# --- main ------------------------------------------------------------------------------------


def main() -> None:
    started = start_run(RUN_TIME_LIMIT_SECONDS)
    print_header("Evaluation pipeline benchmark", pipeline.celery_versions())
    maker = SessionMaker()
    bench = pipeline.JobBench(
        name="bench-evaluation",
        queue=QUEUE,
        create=maker.create,
        start_jobs=complete_sessions,
        job_label="evaluation, complete -> COMPLETED",
        ignored_ping_label=f"{QUEUE}.ping, ignore_result (no-op)",
        check=check_graded,
    )
    breakdown = pipeline.measure_breakdown(bench, content=maker.grade_offline)
    with tempfile.TemporaryDirectory(prefix="bench-evaluation-") as scratch:
        log_dir = Path(scratch)
        print_overhead(pipeline.run_overhead(bench, breakdown, log_dir))
        runs = [(threads, LATENCY_SESSIONS) for threads in LATENCY_CONCURRENCIES]
        print_latency(pipeline.run_latencies(bench, fake_grades(), log_dir, runs))
    print(f"\nWhole run: {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    run_main(main, what="benchmark")
