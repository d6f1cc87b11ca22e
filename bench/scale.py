"""Scale behaviour: the sweepers and admin list queries stay flat as the tables grow.

    .venv/bin/python bench/scale.py

On a database of its own, seeded with set-based SQL at two sizes; what it measures and how:
docs/BENCHMARKS.md, "Scale".
"""

from __future__ import annotations

import statistics
import time
from collections import defaultdict
from functools import partial

from _harness import configure_django, print_header

from harness import databases
from harness.stack import prepare_database, stack_environment

DATABASE_URL = "postgres://postgres@127.0.0.1:5432/assessment_engine_scale"
REDIS_URL = "redis://127.0.0.1:6379/11"
SIZES = [(10_000, 1_000), (1_000_000, 100_000)]  # (sessions, jobs)
DUE_JOBS = 50  # stale PENDING jobs, plus as many expired leases
DUE_SESSIONS = 200  # ACTIVE sessions past their inactivity timeout
REPEATS = 5

# The sweeps publish what they find to this Redis db's broker, where nothing consumes it.
ENV = stack_environment(database_url=DATABASE_URL, redis_url=REDIS_URL, LOG_LEVEL="ERROR")


def main() -> None:
    databases.flush_redis(REDIS_URL)
    prepare_database(ENV, recreate=True)
    configure_django(environment=ENV)
    print_header("Scale benchmark", [])
    print()
    results = {}
    for sessions, jobs in SIZES:
        seed(sessions, jobs)
        results[sessions] = measure()
        print_measurements(sessions, jobs, results[sessions])
    print_ratios(results)
    print_plans()


SEED_SQL = """
TRUNCATE candidate_sessions_candidatesession, jobs_aijob, assessments_assessment,
         accounts_user CASCADE;
INSERT INTO accounts_user (id, password, is_superuser, username, first_name, last_name, email,
                           is_staff, is_active, date_joined)
SELECT gen_random_uuid(), '!', false, 'u' || n, '', '', '', false, true, now()
FROM generate_series(1, %(sessions)s) AS n;
INSERT INTO assessments_assessment (id, title, subject, content, options, dedupe_key,
    syllabus_hash, status, provider, model, prompt_version, section_count, question_count,
    version, created_at, updated_at, published_at, max_attempts, shuffle_questions,
    shuffle_options, review_policy, review_after_close)
VALUES (gen_random_uuid(), 'Scale', 'Scale', '{"sections": []}', '{}', 'generation:scale', '',
        'PUBLISHED', 'offline', 'offline', 'v', 5, 10, 1, now(), now(), now(), 1, true, true,
        'SCORES', 'FULL');
-- Most sessions are finished; a fixed number are ACTIVE and long inactive (due to expire),
-- and some are ACTIVE and fresh.
INSERT INTO candidate_sessions_candidatesession (id, user_id, assessment_id, status,
    current_section_index, section_count, opted_in_at, started_at, last_activity_at,
    completed_at, expired_at, version)
SELECT gen_random_uuid(), u.id, a.id,
       CASE WHEN u.rn <= %(due_sessions)s THEN 'ACTIVE'
            WHEN u.rn <= %(due_sessions)s * 2 THEN 'ACTIVE' ELSE 'COMPLETED' END,
       CASE WHEN u.rn <= %(due_sessions)s * 2 THEN 1 ELSE 5 END, 5,
       now() - interval '3 hours', now() - interval '3 hours',
       CASE WHEN u.rn <= %(due_sessions)s THEN now() - interval '2 hours' ELSE now() END,
       CASE WHEN u.rn <= %(due_sessions)s * 2 THEN NULL ELSE now() - interval '1 hour' END,
       NULL, 1
FROM (SELECT id, row_number() OVER () AS rn FROM accounts_user) AS u
CROSS JOIN assessments_assessment AS a;
-- Most jobs are COMPLETED; a fixed number are stale PENDING or PROCESSING with a dead lease.
INSERT INTO jobs_aijob (id, job_type, status, dedupe_key, payload, result, error_message,
    waiting_reason, attempt_count, max_attempts, request_id, created_at, updated_at,
    dispatched_at, next_attempt_at, started_at, finished_at, lease_expires_at)
SELECT gen_random_uuid(), 'EVALUATION',
       CASE WHEN n <= %(due_jobs)s THEN 'PENDING'
            WHEN n <= %(due_jobs)s * 2 THEN 'PROCESSING' ELSE 'COMPLETED' END,
       'evaluation:scale-' || n, '{}', NULL, '', '', CASE WHEN n <= %(due_jobs)s THEN 0 ELSE 1 END,
       5, '', now() - interval '1 hour', now(), NULL, now() - interval '1 hour',
       CASE WHEN n <= %(due_jobs)s THEN NULL ELSE now() - interval '1 hour' END,
       CASE WHEN n <= %(due_jobs)s * 2 THEN NULL ELSE now() - interval '50 minutes' END,
       CASE WHEN n > %(due_jobs)s AND n <= %(due_jobs)s * 2 THEN now() - interval '10 minutes'
            ELSE NULL END
FROM generate_series(1, %(jobs)s) AS n;
ANALYZE;
"""


def seed(sessions: int, jobs: int) -> None:
    started = time.perf_counter()
    params = {"sessions": sessions, "jobs": jobs}
    run_sql(SEED_SQL, {**params, "due_jobs": DUE_JOBS, "due_sessions": DUE_SESSIONS})
    print(
        f"seeded {sessions:,} sessions and {jobs:,} jobs in {time.perf_counter() - started:.0f} s"
    )


def measure() -> dict[str, float]:
    """Median milliseconds of each operation; due rows are put back before every repeat."""
    from jobs.services import jobs_sweep
    from sessions.services import sessions_expire_inactive

    operations = {
        "jobs_sweep (50 stale + 50 dead leases)": jobs_sweep,
        "sessions_expire_inactive (200 due)": sessions_expire_inactive,
        **{label: partial(run_sql, query) for label, query in ADMIN_QUERIES.items()},
    }
    timings = defaultdict(list)
    for _ in range(REPEATS):
        run_sql(RESET_DUE_ROWS_SQL, {"due": DUE_JOBS})
        for label, operation in operations.items():
            started = time.perf_counter()
            operation()
            timings[label].append((time.perf_counter() - started) * 1000)
    return {label: statistics.median(values) for label, values in timings.items()}


RESET_DUE_ROWS_SQL = """
UPDATE jobs_aijob SET status = 'PENDING', next_attempt_at = now() - interval '1 hour',
       lease_expires_at = NULL, attempt_count = 0
WHERE dedupe_key IN (SELECT 'evaluation:scale-' || n FROM generate_series(1, %(due)s) n);
UPDATE jobs_aijob SET status = 'PROCESSING', attempt_count = 1,
       lease_expires_at = now() - interval '10 minutes'
WHERE dedupe_key IN (SELECT 'evaluation:scale-' || n
                     FROM generate_series(%(due)s + 1, %(due)s * 2) n);
UPDATE candidate_sessions_candidatesession
SET status = 'ACTIVE', expired_at = NULL, last_activity_at = now() - interval '2 hours'
WHERE status = 'EXPIRED';
"""


# What the admin's job and session list pages run (filtered, newest first, one page).
ADMIN_QUERIES = {
    "admin: FAILED jobs, newest first": (
        "SELECT id, job_type, status, created_at FROM jobs_aijob WHERE status = 'FAILED' "
        "AND job_type = 'EVALUATION' ORDER BY created_at DESC LIMIT 100"
    ),
    "admin: one user's sessions": (
        "SELECT id, status FROM candidate_sessions_candidatesession WHERE user_id = "
        "(SELECT id FROM accounts_user WHERE username = 'u7') ORDER BY opted_in_at DESC LIMIT 100"
    ),
}

PLANS = {
    "stale PENDING jobs (sweeper)": (
        "SELECT id FROM jobs_aijob WHERE status = 'PENDING' "
        "AND next_attempt_at <= now() - interval '60 seconds' "
        "ORDER BY next_attempt_at LIMIT 500 FOR UPDATE SKIP LOCKED"
    ),
    "expired leases (sweeper)": (
        "SELECT id FROM jobs_aijob WHERE status = 'PROCESSING' AND lease_expires_at <= now() "
        "ORDER BY lease_expires_at LIMIT 500 FOR UPDATE SKIP LOCKED"
    ),
    "inactive sessions (expiry sweep)": (
        "SELECT id FROM candidate_sessions_candidatesession WHERE status = 'ACTIVE' "
        "AND last_activity_at <= now() - interval '30 minutes' "
        "ORDER BY last_activity_at LIMIT 1000 FOR UPDATE SKIP LOCKED"
    ),
    **ADMIN_QUERIES,
}


def run_sql(sql: str, params: dict | None = None) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def print_measurements(sessions: int, jobs: int, timings: dict[str, float]) -> None:
    print(f"\n{sessions:,} sessions, {jobs:,} jobs (median of {REPEATS}):")
    for label, ms in timings.items():
        print(f"  {label:48} {ms:8.1f} ms")


def print_ratios(results: dict[int, dict[str, float]]) -> None:
    small, large = (results[size] for size, _ in SIZES)
    print("\nlarge / small (100x the rows; flat = about 1):")
    for label in small:
        print(f"  {label:48} {large[label] / small[label]:6.2f}x")


def print_plans() -> None:
    from django.db import connection

    print("\nPlans at the large size (EXPLAIN ANALYZE, first lines):")
    with connection.cursor() as cursor:
        for label, sql in PLANS.items():
            explain = "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) "
            cursor.execute(explain + sql.replace("FOR UPDATE SKIP LOCKED", ""))
            lines = [row[0] for row in cursor.fetchall()]
            print(f"  -- {label}")
            for line in lines[:6] + lines[6:][-1:]:  # the first lines and the timing
                print(f"     {line}")


if __name__ == "__main__":
    main()
