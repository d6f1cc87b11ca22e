"""What a drill checks in the private database after the fault: nothing lost, nothing doubled,
no half-written state. Plain SQL over a direct connection (the ORM here is the test DB's)."""

from dataclasses import dataclass

import psycopg

JOB_STATUSES_SQL = "SELECT id::text, status FROM jobs_aijob WHERE id::text = ANY(%s)"

# Duplicates the unique constraints should make impossible; counted, not assumed.
DUPLICATE_KEYS_SQL = """
    SELECT coalesce(sum(n - 1), 0)::int FROM (
        SELECT count(*) AS n FROM jobs_aijob GROUP BY dedupe_key HAVING count(*) > 1
        UNION ALL
        SELECT count(*) FROM assessments_assessment GROUP BY dedupe_key HAVING count(*) > 1
    ) AS doubled
"""
# One result per finished job: an Assessment per generation job, an Evaluation per session.
RESULTS_PER_JOB_SQL = """
    SELECT j.id::text, j.job_type,
           (SELECT count(*) FROM assessments_assessment a WHERE a.job_id = j.id)
         + (SELECT count(*) FROM candidate_sessions_evaluation e
              JOIN candidate_sessions_candidatesession s ON s.id = e.session_id
             WHERE s.evaluation_job_id = j.id)
    FROM jobs_aijob j WHERE j.status = 'COMPLETED'
"""
# Attempts are numbered 1..attempt_count without gaps, and a job completes exactly once.
ATTEMPTS_SQL = """
    SELECT j.id::text, j.attempt_count,
           coalesce(array_agg(a.number ORDER BY a.number) FILTER (WHERE a.id IS NOT NULL), '{}'),
           count(a.id) FILTER (WHERE a.status = 'COMPLETED')
    FROM jobs_aijob j LEFT JOIN jobs_aijobattempt a ON a.job_id = j.id
    GROUP BY j.id, j.attempt_count
"""
# Sections are submitted strictly in order: the index equals the submissions, 0..n-1.
TORN_SESSIONS_SQL = """
    SELECT s.id::text, s.current_section_index, count(sub.id),
           coalesce(array_agg(sub.section_index ORDER BY sub.section_index)
                    FILTER (WHERE sub.id IS NOT NULL), '{}')
    FROM candidate_sessions_candidatesession s
    LEFT JOIN candidate_sessions_sectionsubmission sub ON sub.session_id = s.id
    GROUP BY s.id, s.current_section_index
"""


def job_statuses(connection: psycopg.Connection, job_ids: list[str]) -> dict[str, str]:
    return dict(connection.execute(JOB_STATUSES_SQL, [list(job_ids)]).fetchall())


def all_completed(connection: psycopg.Connection, job_ids: list[str]) -> bool:
    statuses = job_statuses(connection, job_ids)
    return len(statuses) == len(set(job_ids)) and set(statuses.values()) == {"COMPLETED"}


@dataclass(frozen=True)
class JobIntegrity:
    jobs_expected: int
    jobs_completed: int
    jobs_lost: int  # expected (a client was told "accepted") but missing or not COMPLETED
    duplicates: int  # extra jobs, assessments, evaluations or completed attempts
    attempts: int
    attempt_gaps: int  # jobs whose attempt numbers are not exactly 1..attempt_count


def job_integrity(connection: psycopg.Connection, job_ids: list[str]) -> JobIntegrity:
    statuses = job_statuses(connection, job_ids)
    completed = sum(1 for status in statuses.values() if status == "COMPLETED")
    duplicates = connection.execute(DUPLICATE_KEYS_SQL).fetchone()[0]
    for _, _, results in connection.execute(RESULTS_PER_JOB_SQL):
        duplicates += max(0, results - 1)
    attempts = gaps = 0
    for _, attempt_count, numbers, completed_attempts in connection.execute(ATTEMPTS_SQL):
        attempts += len(numbers)
        gaps += numbers != list(range(1, attempt_count + 1))
        duplicates += max(0, completed_attempts - 1)
    return JobIntegrity(
        jobs_expected=len(set(job_ids)),
        jobs_completed=completed,
        jobs_lost=len(set(job_ids)) - completed,
        duplicates=duplicates,
        attempts=attempts,
        attempt_gaps=gaps,
    )


def jobs_without_result(connection: psycopg.Connection) -> list[str]:
    """COMPLETED jobs with no Assessment / Evaluation: a completion that lost its result."""
    return [job for job, _, results in connection.execute(RESULTS_PER_JOB_SQL) if results == 0]


def torn_sessions(connection: psycopg.Connection) -> list[tuple]:
    """Sessions whose section index and submissions disagree (a half-applied transition)."""
    return [
        row
        for row in connection.execute(TORN_SESSIONS_SQL)
        if not (row[1] == row[2] and list(row[3]) == list(range(row[2])))
    ]
