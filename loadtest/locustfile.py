"""Load test of the candidate flow: `make loadtest` (`loadtest/run.py`) starts the stack and
runs this file; it can also be pointed at any running server seeded by `loadtest/seed.py`
(candidates `load-00001`…, staff `load-staff`), from the repository root:

    LOADTEST_PASSWORD=… LOADTEST_JOB_ID=… .venv/bin/python -m locust \
        -f loadtest/locustfile.py --host http://127.0.0.1:8000

Settings come from LOADTEST_* variables or the seed's JSON file (LOADTEST_SEED_FILE); they,
the users and what counts as a failure: loadtest/README.md.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import random
import re
import time
from pathlib import Path
from typing import Any

import gevent
from gevent.lock import BoundedSemaphore, DummySemaphore
from locust import FastHttpUser, between, events, stats, task
from locust.exception import RescheduleTask

from harness.client import API, CandidateFlow

SEED_FILE = os.environ.get("LOADTEST_SEED_FILE")
SEED: dict[str, Any] = json.loads(Path(SEED_FILE).read_text()) if SEED_FILE else {}

PASSWORD = os.environ.get("LOADTEST_PASSWORD", "")
STAFF_PASSWORD = os.environ.get("LOADTEST_STAFF_PASSWORD") or PASSWORD
CANDIDATES = int(os.environ.get("LOADTEST_CANDIDATES") or SEED.get("candidates") or 1000)
CANDIDATE_PREFIX = SEED.get("candidatePrefix", "load-")
STAFF_USERNAME = SEED.get("staffUsername", "load-staff")
ASSESSMENT_ID = os.environ.get("LOADTEST_ASSESSMENT_ID") or SEED.get("assessmentId")
JOB_ID = os.environ.get("LOADTEST_JOB_ID") or SEED.get("jobId")
RESUBMIT_RATE = float(os.environ.get("LOADTEST_RESUBMIT_RATE", "0.05"))
EVAL_POLLS = int(os.environ.get("LOADTEST_EVAL_POLLS", "30"))
EVAL_POLL_SECONDS = 1.0
LOGIN_CONCURRENCY = int(os.environ.get("LOADTEST_LOGIN_CONCURRENCY", "40"))
LOGIN_SLOTS = BoundedSemaphore(LOGIN_CONCURRENCY) if LOGIN_CONCURRENCY > 0 else DummySemaphore()
STEADY_MARKER = os.environ.get("LOADTEST_STEADY_MARKER")
_logged_in = {"users": 0, "first_start": None}

# Distinct candidate per user, in spawn order (one locust process: a plain counter suffices).
_candidate_numbers = itertools.count(0)


@events.init.add_listener
def _require_password(environment, **_kwargs) -> None:  # once, before any user: fail fast
    if not PASSWORD:
        raise SystemExit("loadtest: set LOADTEST_PASSWORD (the password given to loadtest.seed)")


@events.test_stop.add_listener
def _complete_csv_files(environment, **_kwargs) -> None:
    """Locust rewrites its --csv files every CSV_STATS_INTERVAL_SEC but not once more at exit,
    so the last second of the run would be missing: wait for one more write (users are stopped
    by now, and the files are flushed when Locust closes them)."""
    options = environment.parsed_options
    if options is not None and getattr(options, "csv_prefix", None):
        gevent.sleep(stats.CSV_STATS_INTERVAL_SEC + 0.5)


class ApiUser(FastHttpUser):
    abstract = True
    # The server may queue requests under full load: a slow answer is a latency figure, not a
    # failure, up to this long (gunicorn's own worker timeout is 60 s).
    network_timeout = 120.0
    connection_timeout = 120.0
    token = ""

    def call(self, method, path, *, expect, body=None, name=None, error_code=None) -> dict:
        """One request's parsed body. `expect` lists the statuses that count as success; with
        `error_code` the answer must also be the error envelope with that code (a deliberate
        409). A failure is recorded and ends the task run (Locust reschedules the user).
        Named by the path, a session id as {id}."""
        name = name or re.sub(r"/sessions/[0-9a-f-]{36}", "/sessions/{id}", path)
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        with self.client.request(
            method, path, name=name, json=body, headers=headers, catch_response=True
        ) as response:
            data, problem = None, None
            try:
                data = response.json() if response.status_code in expect else None
            except ValueError:
                problem = "body is not JSON"
            if data is not None and error_code and _error_code(response) != error_code:
                data = None
            if data is not None:
                response.success()
                return data
            response.failure(f"{response.status_code}: {problem or _error_code(response)}")
        raise RescheduleTask()

    # `CandidateFlow`'s transport: the statuses each kind of call expects.
    EXPECTED = {
        "opt-in": (201, 200),
        "start": (200,),
        "submit": (201,),
        "heartbeat": (200,),
        "complete": (202, 200),
        "session": (200,),
    }

    def request(self, method: str, path: str, body=None, *, kind: str, headers=None):
        return self.call(method, path, expect=self.EXPECTED[kind], body=body)

    def login(self, username: str, password: str) -> bool:
        self.token = ""
        body = {"username": username, "password": password}
        with LOGIN_SLOTS, contextlib.suppress(RescheduleTask):  # the failure is recorded
            self.token = self.call("POST", f"{API}/auth/login", expect=(200,), body=body)["token"]
        return bool(self.token)

    def log_in_at_start(self, username: str, password: str) -> None:
        started = time.perf_counter()
        if _logged_in["first_start"] is None:
            _logged_in["first_start"] = time.time()
        while not self.login(username, password):
            self.wait()  # the failure is recorded already; try again rather than stop the user
        _record("FLOW", "logged in", started)
        _logged_in["users"] += 1
        runner = self.environment.runner
        if STEADY_MARKER and _logged_in["users"] == runner.target_user_count:
            _start_steady_window(self.environment)


class CandidateUser(ApiUser):
    """A candidate taking the assessment again and again, one full flow per task run."""

    weight = 99
    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        self.username = f"{CANDIDATE_PREFIX}{next(_candidate_numbers) % CANDIDATES + 1:05d}"
        self.flow = CandidateFlow(self)
        self.log_in_at_start(self.username, PASSWORD)

    @task
    def take_assessment(self) -> None:
        if not self.token and not self.login(self.username, PASSWORD):
            return
        listing = self.call("GET", f"{API}/assessments", expect=(200,))
        first_listed = next((a["assessmentId"] for a in listing.get("results") or []), None)
        assessment_id = ASSESSMENT_ID or first_listed
        if assessment_id is None:
            _record(
                "FLOW",
                "published assessment",
                time.perf_counter(),
                "no published assessment listed",
            )
            return
        self.wait()
        session_id = self.flow.opt_in(assessment_id)["sessionId"]
        self.wait()
        session = self.flow.start(session_id)
        # Sections are revealed one at a time: each answer carries the next. Resumes where an
        # interrupted earlier flow stopped (opt-in/start return that session).
        while session["currentSectionIndex"] < session["sectionCount"]:
            index = session["currentSectionIndex"]
            section = session["assessment"]["sections"][index]
            self.wait()
            section_id, answers = section["sectionId"], _answers(section)
            session = self.flow.submit(session_id, index, section_id, answers)
            if random.random() < RESUBMIT_RATE:
                self.wait()
                self.call(
                    "POST",
                    f"{API}/sessions/{session_id}/submit-section",
                    name=f"{API}/sessions/{{id}}/submit-section (repeat: 409 expected)",
                    expect=(409,),
                    body={"sectionId": section_id, "sectionIndex": index, "answers": answers},
                    error_code="SECTION_ALREADY_SUBMITTED",
                )
        self.wait()
        self.flow.heartbeat(session_id)
        self.wait()
        self.await_evaluation(session_id, self.flow.complete(session_id))

    def await_evaluation(self, session_id: str, view: dict) -> None:
        started = time.perf_counter()
        for poll in range(EVAL_POLLS + 1):
            status = (view.get("evaluation") or {}).get("status")
            if status == "COMPLETED" or poll == EVAL_POLLS:
                break
            gevent.sleep(EVAL_POLL_SECONDS)
            view = self.flow.get(session_id)
        error = f"evaluation still {status} after {EVAL_POLLS} polls"
        _record("EVAL", "evaluation completed", started, None if status == "COMPLETED" else error)


class StaffUser(ApiUser):
    """Staff watching the seeding job and the assessment list."""

    weight = 1
    wait_time = between(1.0, 3.0)

    def on_start(self) -> None:
        self.log_in_at_start(STAFF_USERNAME, STAFF_PASSWORD)

    @task(2)
    def job_status(self) -> None:
        if not JOB_ID:
            return
        job = self.call("GET", f"{API}/jobs/{JOB_ID}", name=f"{API}/jobs/{{id}}", expect=(200,))
        if job["status"] != "COMPLETED":
            _record("FLOW", "seeding job COMPLETED", time.perf_counter(), f"job is {job['status']}")

    @task(1)
    def assessments(self) -> None:
        self.call("GET", f"{API}/assessments", expect=(200,))


def _start_steady_window(environment) -> None:
    """Every user is in: keep the login phase's figures aside for run.py, then measure anew."""
    stats = environment.stats
    login = stats.get(f"{API}/auth/login", "POST")
    phase = {
        "seconds": time.time() - _logged_in["first_start"],
        "users": _logged_in["users"],
        "failures": stats.total.num_failures,
        "requests": stats.total.num_requests,
        "errors": [
            f"{e.occurrences} x {e.method} {e.name}: {e.error}" for e in stats.errors.values()
        ],
        "login_percentiles": "/".join(
            str(login.get_response_time_percentile(q)) for q in (0.5, 0.95, 0.99)
        ),
    }
    Path(f"{STEADY_MARKER}.json").write_text(json.dumps(phase, indent=2))
    stats.reset_all()
    Path(STEADY_MARKER).write_text(f"{time.time()}\n")


# --- helpers -----------------------------------------------------------------------------------


def _answers(section: dict) -> dict[str, str]:
    """Plausible answers: an option of each MCQ (the key is hidden: any option), and a sentence
    built from the prompt's words for each short answer."""
    answers = {}
    for question in section["questions"]:
        if question["type"] == "MCQ":
            answers[question["questionId"]] = random.choice(question["options"])["id"]
        else:
            topic = question["prompt"].rstrip(".?").rsplit(" about ", 1)[-1]
            answers[question["questionId"]] = (
                f"The syllabus presents {topic} as a core part of the course, with methods,"
                " models and applications that students practise in the assignments."
            )
    return answers


def _error_code(response) -> str:
    try:
        return response.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return (response.text or "")[:120] if response.status_code else str(response.error)


def _record(request_type: str, name: str, started: float, error: str | None = None) -> None:
    """A pseudo-request in Locust's statistics, timed from perf_counter() `started`."""
    events.request.fire(
        request_type=request_type,
        name=name,
        response_time=(time.perf_counter() - started) * 1000,
        response_length=0,
        exception=None if error is None else Exception(error),
        context={},
    )
