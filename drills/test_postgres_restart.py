"""Drill: PostgreSQL restarted under candidate load (fast shutdown, down for 3 s, started).

While the database is down every request answers 503 in the JSON envelope: never a 500, an
HTML page or a traceback. Once it is back the same gunicorn and Celery processes (nothing is
restarted) serve and run jobs again, and no transition was left half-applied.

It runs twice: candidates without Idempotency-Key, and candidates sending one on every submit
(retrying with the same key, as the contract invites). The second variant reproduces a known
bug (docs/RELIABILITY.md, "Findings"): it is an expected failure only for that bug's symptoms.
"""

import re
import threading
import time
from dataclasses import asdict

import pytest

from assessments.factories import answers_for
from harness.client import CandidateFlow, HttpClient, Reply, TrafficLog, expect
from harness.processes import seconds_until, wait_until

from .checks import all_completed, job_integrity, jobs_without_result, torn_sessions

pytestmark = [pytest.mark.slow, pytest.mark.drill, pytest.mark.timeout(300)]

LOAD_THREADS = 4
SECTIONS = 100  # enough that no candidate runs out of sections before the drill ends
PACE_SECONDS = 0.05  # between a candidate's rounds: steady load, not a flood, on 2 cores
OUTAGE_SECONDS = 3
WARMUP_SUCCESSES = 5
SUCCESSES_AFTER_RECOVERY = 10
RECOVERY_TIMEOUT_SECONDS = 90  # a stuck Idempotency-Key holds a candidate until it is reclaimed
JOBS_TIMEOUT_SECONDS = 60
SWEEP_TIMEOUT_SECONDS = 30  # beat sends one every second (MAINTENANCE_INTERVAL_SECONDS)
GENERATION_OPTIONS = {"sectionCount": 2, "questionsPerSection": 3}

# What each kind of load request must answer, apart from the contract's 503.
EXPECTED_STATUS = {"session": 200, "heartbeat": 200, "submit": 201}

SWEEP_SUCCEEDED = re.compile(r"Task maintenance\.sweep_jobs\[[^\]]+\] succeeded")
STUCK_IDEMPOTENCY_KEYS_SQL = (
    "SELECT count(*) FROM idempotency_idempotencyrecord WHERE status_code IS NULL"
)


class CandidateLoad(threading.Thread):
    """One candidate in a loop: read the session, heartbeat, submit the next section.

    The session read tells the client where it really is, so a submit whose answer was lost
    is not sent twice; with keys, a failed submit is retried with the same Idempotency-Key.
    """

    def __init__(
        self, flow: CandidateFlow, session_id: str, stop: threading.Event, *, use_keys: bool
    ) -> None:
        super().__init__(daemon=True)
        self.flow, self.session_id, self.stop_event = flow, session_id, stop
        self.use_keys = use_keys
        self.next_index = 0
        self.key_generation = 0  # moves on only if a key is stuck "in progress"
        self.succeeded_at: list[float] = []  # when each 2xx answer arrived
        self.failure: BaseException | None = None

    def run(self) -> None:
        try:
            while not self.stop_event.is_set():
                self.round()
                time.sleep(PACE_SECONDS)
        except BaseException as exc:  # noqa: BLE001 - reported by the test, not lost in a thread
            self.failure = exc

    def round(self) -> None:
        session = self._note(self.flow.get(self.session_id))
        if session.status_code == 200:
            self.next_index = session.json()["currentSectionIndex"]
        self._note(self.flow.heartbeat(self.session_id))
        if self.next_index >= SECTIONS:
            return
        submitted = self._note(
            self.flow.submit(
                self.session_id,
                self.next_index,
                answers=answers_for(self.next_index + 1),
                idempotency_key=self._key(),
            )
        )
        if submitted.status_code == 201:
            self.next_index += 1
        elif submitted.error_code == "IDEMPOTENCY_KEY_IN_PROGRESS":
            self.key_generation += 1  # that key will never finish: give it up

    def _key(self) -> str | None:
        if not self.use_keys:
            return None
        return f"{self.session_id}:{self.next_index}:{self.key_generation}"

    def _note(self, reply: Reply) -> Reply:
        if 200 <= reply.status_code < 300:
            self.succeeded_at.append(reply.sent_at + reply.elapsed)
        return reply

    def first_success_after(self, moment: float) -> float | None:
        return next((t for t in list(self.succeeded_at) if t >= moment), None)

    def successes_after(self, moment: float) -> int:
        return sum(1 for t in list(self.succeeded_at) if t >= moment)


@pytest.mark.parametrize(
    "use_keys", [pytest.param(False, id="plain"), pytest.param(True, id="idempotency-key")]
)
def test_postgres_restart_under_load_answers_503_then_recovers(
    system, private_postgres, drill_figures, use_keys
):
    traffic = TrafficLog()
    people = system.seed("drills.seed", "users", candidates=LOAD_THREADS + 1)
    long_quiz = system.seed("drills.seed", "assessment", sections=SECTIONS)["assessmentId"]
    short_quiz = system.seed("drills.seed", "assessment", sections=1)["assessmentId"]
    syllabus_id = system.seed("drills.seed", "syllabi", count=1)["syllabusIds"][0]
    staff = HttpClient(system.base_url, traffic, people["staff"]["token"])
    flows = [
        CandidateFlow(HttpClient(system.base_url, traffic, person["token"]))
        for person in people["candidates"]
    ]
    finisher, finisher_session = flows[-1], flows[-1].active_session(short_quiz)
    stop = threading.Event()
    loads = [
        CandidateLoad(flow, flow.active_session(long_quiz), stop, use_keys=use_keys)
        for flow in flows[:-1]
    ]
    maintenance = system.processes["worker-maintenance"]

    for load in loads:
        load.start()
    try:
        timeline = restart_postgres_under(loads, private_postgres, maintenance)
    finally:
        stop.set()
        for load in loads:
            load.join(timeout=60)

    # Nothing was restarted: the same workers and beat must still run new jobs.
    job_ids = jobs_started_after_recovery(staff, finisher, finisher_session, syllabus_id)
    with private_postgres.connect() as db:
        jobs_done = seconds_until(
            lambda: all_completed(db, job_ids), timeout=JOBS_TIMEOUT_SECONDS, interval=0.2
        )
        integrity = job_integrity(db, job_ids)
        torn = torn_sessions(db)
        without_result = jobs_without_result(db)
        stuck_keys = db.execute(STUCK_IDEMPOTENCY_KEYS_SQL).fetchone()[0]
    # Beat sends a sweep every second; the first one after the restart may still be on its way.
    first_sweep = seconds_until(
        lambda: SWEEP_SUCCEEDED.search(maintenance.log(since=timeline["maintenance_log_mark"])),
        timeout=SWEEP_TIMEOUT_SECONDS,
        interval=0.2,
    )
    sweeps = SWEEP_SUCCEEDED.findall(maintenance.log(since=timeline["maintenance_log_mark"]))

    load_replies = [r for r in traffic.snapshot() if r.kind in EXPECTED_STATUS]
    during = [r for r in load_replies if timeline["down_at"] <= r.sent_at < timeline["up_at"]]
    bug_replies = [r for r in load_replies if use_keys and is_stuck_key_symptom(r)]
    errors = [r for r in load_replies if not acceptable(r) and r not in bug_replies]
    drill_figures.update(
        idempotency_keys=use_keys,
        outage_seconds=round(timeline["up_at"] - timeline["down_at"], 1),
        requests=len(load_replies),
        requests_during_outage=len(during),
        statuses=TrafficLog.status_counts(load_replies),
        statuses_during_outage=TrafficLog.status_counts(during),
        errors=len(errors),
        error_samples=[reply.describe() for reply in errors[:5]],
        known_bug_replies=len(bug_replies),
        known_bug_samples=[reply.describe() for reply in bug_replies[:3]],
        stuck_idempotency_keys=stuck_keys,
        recovery_seconds=timeline["recovery_seconds"],
        sections_submitted=sum(load.next_index for load in loads),
        torn_sessions=len(torn),
        **asdict(integrity),
        jobs_after_restart_completed_in_seconds=None if jobs_done is None else round(jobs_done, 1),
        maintenance_sweeps_after_restart=len(sweeps),
        first_sweep_seen_after_seconds=None if first_sweep is None else round(first_sweep, 1),
    )
    assert [load.failure for load in loads] == [None] * len(loads)
    assert jobs_done is not None, "jobs created after the restart did not complete"
    assert errors == []
    assert any(r.is_unavailable_envelope for r in during), "the outage was never observed"
    assert torn == [] and without_result == []
    assert (integrity.jobs_lost, integrity.duplicates, integrity.attempt_gaps) == (0, 0, 0)
    assert sweeps, "the maintenance worker ran no sweep after the restart"
    assert system.dead_processes() == []


def restart_postgres_under(loads: list[CandidateLoad], postgres, maintenance) -> dict:
    """Stop PostgreSQL (fast: every session is cut), wait, start it; time the recovery."""
    wait_until(
        lambda: all(len(load.succeeded_at) >= WARMUP_SUCCESSES for load in loads),
        timeout=60,
        what="the load running before the restart",
    )
    down_at = time.monotonic()
    postgres.stop("fast")
    time.sleep(OUTAGE_SECONDS)  # the outage itself: a fixed length by design
    postgres.start()
    up_at = time.monotonic()
    mark = len(maintenance.log())  # sweeps logged after this ran on a new DB connection
    wait_until(
        lambda: all(load.successes_after(up_at) >= SUCCESSES_AFTER_RECOVERY for load in loads),
        timeout=RECOVERY_TIMEOUT_SECONDS,
        what="every candidate served again after the restart",
    )
    first = [load.first_success_after(up_at) for load in loads]
    return {
        "down_at": down_at,
        "up_at": up_at,
        # Until the last candidate had a success: the slowest to recover counts.
        "recovery_seconds": round(max(first) - up_at, 2),
        "maintenance_log_mark": mark,
    }


def jobs_started_after_recovery(staff, finisher: CandidateFlow, session_id: str, syllabus_id):
    """An evaluation (submit + complete) and a generation, started after the restart."""
    expect(finisher.submit(session_id, 0, answers=answers_for(1)), 201)
    evaluation = expect(finisher.complete(session_id), 202)["evaluation"]["jobId"]
    body = {"syllabusId": syllabus_id, "options": GENERATION_OPTIONS}
    generation = expect(staff.post("/api/v1/assessments/generate", body, kind="generate"), 202)
    return [evaluation, generation["jobId"]]


def acceptable(reply: Reply) -> bool:
    """The expected success, or the contract's 503 while the database is away."""
    return reply.status_code == EXPECTED_STATUS[reply.kind] or reply.is_unavailable_envelope


def is_stuck_key_symptom(reply: Reply) -> bool:
    """A keyed retry of a submit whose first try lost its database mid-request: the key is
    still "in progress" until it is reclaimed (a documented, retryable 409). A 500 never is."""
    return reply.kind == "submit" and reply.error_code == "IDEMPOTENCY_KEY_IN_PROGRESS"
