"""Drill: Redis (cache, throttles, Celery broker) stops for 20 s while candidates submit
sections and staff trigger generations.

Redis is not on the submission path (throttles and caches fail open) and a job's row is its
outbox (publishing fails fast), so during the outage every submission, completion and trigger
is still accepted. Redis comes back empty (no persistence: every queued message is gone), the
beat sweeper re-publishes the PENDING jobs, and every job completes exactly once.
"""

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict

import pytest

from assessments.factories import answers_for
from harness.client import CandidateFlow, HttpClient, Reply, TrafficLog
from harness.processes import seconds_until

from .checks import all_completed, job_integrity

pytestmark = [pytest.mark.slow, pytest.mark.drill, pytest.mark.timeout(300)]

CANDIDATES = 6
SYLLABI = 4
SECTIONS = 3
OUTAGE_SECONDS = 20
RECOVERY_TIMEOUT_SECONDS = 90
POLL_SECONDS = 0.5
GENERATION_OPTIONS = {"sectionCount": 2, "questionsPerSection": 3}

# What each kind of request must answer while Redis is down.
EXPECTED_STATUS = {
    "submit": 201,
    "complete": 202,
    "session": 200,
    "generate": 202,
    "generate-again": 200,  # the same job, deduplicated
    "job": 200,
    "readyz": 503,  # the readiness probe must tell the truth
}


def test_redis_outage_loses_no_request_and_no_job(
    system, private_redis, private_postgres, drill_figures
):
    traffic = TrafficLog()
    people = system.seed("drills.seed", "users", candidates=CANDIDATES)
    assessment_id = system.seed("drills.seed", "assessment", sections=SECTIONS)["assessmentId"]
    syllabus_ids = system.seed("drills.seed", "syllabi", count=SYLLABI)["syllabusIds"]
    staff = HttpClient(system.base_url, traffic, people["staff"]["token"])
    candidates = [
        CandidateFlow(HttpClient(system.base_url, traffic, person["token"]))
        for person in people["candidates"]
    ]
    session_ids = [candidate.active_session(assessment_id) for candidate in candidates]

    private_redis.stop()
    down_at = time.monotonic()
    generation, repeated, evaluation = outage_traffic(
        staff, candidates, session_ids, syllabus_ids, down_at + OUTAGE_SECONDS
    )
    private_redis.start()
    up_at = time.monotonic()

    job_ids = generation + evaluation
    with private_postgres.connect() as db:
        recovery = seconds_until(
            lambda: all_completed(db, job_ids),
            timeout=RECOVERY_TIMEOUT_SECONDS,
            interval=0.2,
        )
        integrity = job_integrity(db, job_ids)
    during = traffic.sent_between(down_at, up_at)
    errors = [reply for reply in during if reply.status_code != EXPECTED_STATUS.get(reply.kind)]
    drill_figures.update(
        outage_seconds=round(up_at - down_at, 1),
        requests=len(traffic.snapshot()),
        requests_during_outage=len(during),
        statuses_during_outage=TrafficLog.status_counts(during),
        slowest_request_during_outage_seconds=round(max(r.elapsed for r in during), 2),
        errors=len(errors),
        error_samples=[reply.describe() for reply in errors[:5]],
        **asdict(integrity),
        recovery_seconds=None if recovery is None else round(recovery, 1),
    )
    assert recovery is not None, f"jobs not all COMPLETED {RECOVERY_TIMEOUT_SECONDS} s after"
    assert errors == []
    assert generation == repeated  # a repeat is the same job
    assert all(failing_checks(r) == ["redis"] for r in during if r.kind == "readyz")
    assert integrity.jobs_expected == CANDIDATES + SYLLABI
    assert (integrity.jobs_lost, integrity.duplicates, integrity.attempt_gaps) == (0, 0, 0)
    # The system serves normally again, through the same processes.
    assert staff.get("/readyz", kind="readyz-after").status_code == 200
    graded = [c.get(s).json()["evaluation"] for c, s in zip(candidates, session_ids, strict=True)]
    assert all(grade["status"] == "COMPLETED" and grade["score"] is not None for grade in graded)
    assert system.dead_processes() == []


def outage_traffic(staff, candidates, session_ids, syllabus_ids, deadline):
    """Every candidate finishes their session and staff trigger every generation, at once;
    then all keep polling until the outage ends. Returns the job ids that the first and the
    repeated trigger of each syllabus answered (the same jobs, if all is well), and those of the
    evaluations."""
    with ThreadPoolExecutor(max_workers=len(candidates) + 1) as pool:
        staff_work = pool.submit(staff_during_outage, staff, syllabus_ids, deadline)
        candidate_work = [
            pool.submit(candidate_during_outage, candidate, session_id, deadline)
            for candidate, session_id in zip(candidates, session_ids, strict=True)
        ]
        generation, repeated = staff_work.result()
        evaluation = [job for work in candidate_work for job in work.result()]
    return generation, repeated, evaluation


def candidate_during_outage(candidate: CandidateFlow, session_id: str, deadline: float):
    for index in range(SECTIONS):
        answers = answers_for(index + 1)
        candidate.submit(
            session_id, index, answers=answers, idempotency_key=f"{session_id}:{index}"
        )
    completed = candidate.complete(session_id)
    job_ids = [completed.json()["evaluation"]["jobId"]] if completed.status_code == 202 else []
    poll_until(deadline, lambda: candidate.get(session_id))
    return job_ids


def staff_during_outage(staff: HttpClient, syllabus_ids: list[str], deadline: float):
    generation, repeated = [], []
    for syllabus_id in syllabus_ids:
        body = {"syllabusId": syllabus_id, "options": GENERATION_OPTIONS}
        for kind, found in (("generate", generation), ("generate-again", repeated)):
            reply = staff.post("/api/v1/assessments/generate", body, kind=kind)
            if reply.status_code in (200, 202):
                found.append(reply.json()["jobId"])
    staff.get("/readyz", kind="readyz")
    poll_until(deadline, lambda: [staff.get(f"/api/v1/jobs/{j}", kind="job") for j in generation])
    return generation, repeated


def poll_until(deadline: float, poll) -> None:
    while time.monotonic() < deadline:
        poll()
        time.sleep(POLL_SECONDS)


def failing_checks(reply: Reply) -> list[str] | None:
    body = reply.json() or {}
    return body.get("error", {}).get("details", {}).get("failing")
