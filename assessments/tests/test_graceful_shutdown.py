"""SIGTERM to a worker lets the AI call in flight finish (Celery's warm shutdown), and the
job completes once; a worker that is then killed hard hands its job back through the lease."""

import signal
import time

import pytest

from assessments.generation import generation_trigger
from assessments.models import Assessment
from jobs.models import JobStatus
from syllabus.factories import make_syllabus

from .gemini_script import agree
from .test_generation import SMALL, valid_answer

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]


def test_sigterm_lets_the_running_ai_call_finish(start_worker, gemini):
    syllabus = make_syllabus()
    gemini.respond_json(valid_answer(syllabus), delay=3)
    agree(gemini, valid_answer(syllabus))
    worker = start_worker(["generation"], env={
        "GEMINI_API_KEY": "test-key-not-real", "GEMINI_API_BASE_URL": gemini.url,
    })  # fmt: skip
    job = generation_trigger(syllabus_id=syllabus.pk, options=SMALL).job
    deadline = time.monotonic() + 30
    while not gemini.calls and time.monotonic() < deadline:
        time.sleep(0.1)

    worker.process.send_signal(signal.SIGTERM)  # warm shutdown while the call is in flight
    exit_code = worker.process.wait(timeout=60)

    job.refresh_from_db()
    assert exit_code == 0
    assert job.status == JobStatus.COMPLETED and job.attempts.count() == 1
    assert Assessment.objects.count() == 1
    assert "Warm shutdown" in worker.log() or "warm shutdown" in worker.log().lower()
