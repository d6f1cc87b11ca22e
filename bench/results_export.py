"""Results at scale: the CSV export of 100,000 sessions streamed vs. built in memory, and the
item statistics of 10,000 sessions.

    .venv/bin/python bench/results_export.py

On the bench database; what it measures and how: docs/BENCHMARKS.md, "Results export and
item statistics".
"""

from __future__ import annotations

import json
import os
import random
import resource
import sys
import time
import tracemalloc
import uuid

import _harness

from harness.processes import median_seconds, run_main
from harness.stack import run_python

EXPORT_SESSIONS = 100_000
STATISTICS_SESSIONS = 10_000
STATISTICS_REPEATS = 5


def main() -> None:
    _harness.configure_django(LOG_LEVEL="ERROR")
    _harness.start_run(time_limit_seconds=1800)
    _harness.print_header("Results export benchmark", [_harness.server_versions()])
    export_assessment = seed(EXPORT_SESSIONS)
    statistics_assessment = seed(STATISTICS_SESSIONS)

    print(
        f"\nCSV of {EXPORT_SESSIONS:,} sessions, 12 questions each, each export in a fresh process"
    )
    _harness.print_table_header(
        f"{'export':<20}{'bytes':>13}{'seconds':>9}{'Python peak MiB':>17}"
        f"{'RSS before MiB':>16}{'RSS peak MiB':>14}"
    )
    for mode in ("streamed", "in-memory"):
        figures = export_in_child(mode, export_assessment.pk)
        print(
            f"{mode:<20}{figures['bytes']:>13,}{figures['seconds']:>9.2f}"
            f"{figures['python_peak']:>17.1f}{figures['rss_before']:>16.1f}{figures['rss_peak']:>14.1f}"
        )

    from sessions.statistics import assessment_statistics

    def item_statistics() -> dict:
        return assessment_statistics(
            assessment_id=statistics_assessment.pk, content=statistics_assessment.content
        )

    figures = item_statistics()
    median = median_seconds(item_statistics, STATISTICS_REPEATS, warm_up=False)
    print(
        f"\nStatistics of {figures['attempts']:,} sessions: median {median:.3f} s of"
        f" {STATISTICS_REPEATS} runs (alpha {figures['alpha']}, {len(figures['flags'])} flag(s))"
    )


def export(assessment, batch_size: int | None) -> int:
    """The CSV as the view streams it, its size in characters. The baseline (`batch_size`
    beyond the row count) is the same code reading every row in one query and joining the
    lines into one string, as a non-streamed HttpResponse would need it."""
    from sessions import results

    default = results.BATCH_SIZE
    results.BATCH_SIZE = batch_size or default
    try:
        rows = results.results_queryset(assessment_id=assessment.pk)
        lines = results.results_csv(content=assessment.content, rows=rows)
        if batch_size is None:
            return sum(len(line) for line in lines)
        return len("".join(list(lines)))
    finally:
        results.BATCH_SIZE = default


def export_in_child(mode: str, assessment_id) -> dict:
    """One export in a new process, so its resident peak is the export's alone (the parent's
    peak comes from seeding)."""
    env = _harness.bench_environment(LOG_LEVEL="ERROR")
    output = run_python([__file__, "--export", mode, str(assessment_id)], env=env, timeout=1800)
    return json.loads(output.strip().splitlines()[-1])


def measure_export(mode: str, assessment_id: str) -> None:
    """In the child: time the export, then run it again under tracemalloc for the heap peak."""
    _harness.configure_django(DATABASE_URL=os.environ["DATABASE_URL"], LOG_LEVEL="ERROR")
    from assessments.models import Assessment

    assessment = Assessment.objects.get(pk=assessment_id)
    batch_size = None if mode == "streamed" else 10**9
    rss_before = resident_mib()
    started = time.perf_counter()
    size = export(assessment, batch_size)
    seconds = time.perf_counter() - started
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    tracemalloc.start()
    export(assessment, batch_size)
    python_peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    figures = {"bytes": size, "seconds": seconds, "python_peak": python_peak}
    print(json.dumps({**figures, "rss_before": rss_before, "rss_peak": rss_peak}))


def resident_mib() -> float:
    return int(open("/proc/self/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def seed(count: int, chunk: int = 10_000):
    """`count` candidates, each with one graded COMPLETED session, written with COPY."""
    from django.db import connection

    from assessments.factories import make_assessment

    assessment = make_assessment(title=f"Bench {count}", extra_mcqs=2)  # 3 sections of 4
    for start in range(0, count, chunk):
        seed_chunk(assessment, min(chunk, count - start))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return assessment


def seed_chunk(assessment, count: int) -> None:
    from django.db import connection
    from django.utils import timezone

    from sessions.models import CandidateSession, Evaluation, SectionSubmission

    sections = assessment.content["sections"]
    now = timezone.now()
    users, sessions, submissions, evaluations = [], [], [], []
    for _ in range(count):
        user_id, session_id, ability = uuid.uuid4(), uuid.uuid4(), random.random()
        users.append((user_id, f"bench-{user_id.hex}", "!", now))
        sessions.append((session_id, user_id, assessment.pk, now))
        grades = []
        for index, section in enumerate(sections):
            answers = {}
            for question in section["questions"]:
                answer, score = respond(question, ability)
                answers[question["questionId"]] = answer
                grades.append(
                    {
                        "questionId": question["questionId"],
                        "score": score,
                        "maxScore": float(question["points"]),
                        "feedback": "Graded.",
                    }
                )
            submissions.append((session_id, index, section["sectionId"], json.dumps(answers), now))
        total, maximum = sum(g["score"] for g in grades), sum(g["maxScore"] for g in grades)
        percentage = round(100 * total / maximum, 2)
        evaluations.append(
            (uuid.uuid4(), session_id, json.dumps(grades), total, maximum, percentage)
        )
    with connection.cursor() as cursor:
        copy(
            cursor,
            "accounts_user (id, username, password, date_joined, is_superuser, first_name,"
            " last_name, email, is_staff, is_active)",
            [(*u, False, "", "", "", False, True) for u in users],
        )
        copy(
            cursor,
            f"{CandidateSession._meta.db_table} (id, user_id, assessment_id, opted_in_at, status,"
            " current_section_index, section_count, started_at, completed_at, version)",
            [(*s, "COMPLETED", 3, 3, now, now, 1) for s in sessions],
        )
        copy(
            cursor,
            f"{SectionSubmission._meta.db_table} (session_id, section_index, section_id, answers,"
            " submitted_at)",
            submissions,
        )
        copy(
            cursor,
            f"{Evaluation._meta.db_table} (id, session_id, questions, total_score, max_score,"
            " percentage, graded_at, graded_questions, round, provider, model, prompt_version,"
            " updated_at)",
            [(*e, now, e[2], 1, "bench", "bench", "bench", now) for e in evaluations],
        )


def respond(question: dict, ability: float) -> tuple[str, float]:
    points = float(question["points"])
    if question["type"] == "MCQ":
        if random.random() < 0.2 + 0.7 * ability:
            return question["correctOptionId"], points
        wrong = [o["id"] for o in question["options"] if o["id"] != question["correctOptionId"]]
        return random.choice(wrong), 0.0
    score = round(min(max(ability + random.gauss(0, 0.25), 0), 1) * points * 2) / 2
    return "An answer of a few words.", score


def copy(cursor, target: str, rows: list[tuple]) -> None:
    with cursor.cursor.copy(f"COPY {target} FROM STDIN") as stream:  # psycopg's own cursor
        for row in rows:
            stream.write_row(row)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--export"]:
        measure_export(sys.argv[2], sys.argv[3])
    else:
        run_main(main, what="benchmark")
