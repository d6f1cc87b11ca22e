"""Races with real threads, each on its own database connection, started by a barrier."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from jobs.models import AIJob
from sessions import services
from sessions.models import CandidateSession, SectionSubmission

from .conftest import SessionFlow
from .factories import make_assessment

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]


def race(count: int, action) -> list:
    """Run action(i) in `count` threads released together; return their results in order."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = action(index)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.fixture
def flows(client_for, candidate):
    """Thirty clients with tokens of the same candidate."""
    return [SessionFlow(client_for(candidate)) for _ in range(30)]


def test_30_simultaneous_submits_of_the_same_section(flows):
    assessment = make_assessment()
    session_id = flows[0].active_session(assessment)

    responses = race(30, lambda i: flows[i].submit(session_id, 0, answers={"s1q1": "B"}))

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * 29
    assert {r.json()["error"]["code"] for r in responses if r.status_code == 409} == {
        "SECTION_ALREADY_SUBMITTED"
    }
    assert SectionSubmission.objects.filter(session_id=session_id).count() == 1
    assert CandidateSession.objects.get(pk=session_id).current_section_index == 1


def test_30_simultaneous_completes_make_one_evaluation_job(flows):
    assessment = make_assessment()
    session_id = flows[0].active_session(assessment)
    for index in range(3):
        flows[0].submit(session_id, index)

    responses = race(30, lambda i: flows[i].complete(session_id))

    assert sorted(r.status_code for r in responses) == [200] * 29 + [202]
    job = AIJob.objects.get()
    assert {r.json()["evaluation"]["jobId"] for r in responses} == {str(job.pk)}
    assert job.dedupe_key == f"evaluation:{session_id}"


def test_starting_two_different_sessions_at_once_leaves_exactly_one_active(flows):
    first = flows[0].opt_in(make_assessment(title="A").pk).json()["sessionId"]
    second = flows[0].opt_in(make_assessment(title="B").pk).json()["sessionId"]
    targets = [first, second] * 15

    responses = race(30, lambda i: flows[i].start(targets[i]))

    assert CandidateSession.objects.filter(status="ACTIVE").count() == 1
    winner = CandidateSession.objects.get(status="ACTIVE").pk
    for target, response in zip(targets, responses, strict=True):
        if target == str(winner):
            assert response.status_code == 200
        else:
            assert response.status_code == 409
            assert response.json()["error"]["code"] == "ACTIVE_SESSION_EXISTS"


def test_30_simultaneous_opt_ins_make_one_session(flows):
    assessment = make_assessment()

    responses = race(30, lambda i: flows[i].opt_in(assessment.pk))

    assert sorted(r.status_code for r in responses) == [200] * 29 + [201]
    assert CandidateSession.objects.count() == 1
    assert len({r.json()["sessionId"] for r in responses}) == 1


@pytest.mark.parametrize("margin_ms", [-20, 0, 5, 10, 20, 40])
def test_a_submit_racing_the_expiry_sweep_is_accepted_or_expired_never_both(
    flows, settings, margin_ms
):
    assessment = make_assessment()
    session_id = flows[0].active_session(assessment)
    # The session reaches its timeout about when the two race: either may win.
    timeout = timedelta(seconds=settings.SESSION_INACTIVITY_TIMEOUT_SECONDS)
    CandidateSession.objects.filter(pk=session_id).update(
        last_activity_at=timezone.now() - timeout + timedelta(milliseconds=margin_ms)
    )
    contenders = [lambda: flows[0].submit(session_id, 0), services.sessions_expire_inactive]

    submit, swept = race(2, lambda i: contenders[i]())

    session = CandidateSession.objects.get(pk=session_id)
    stored = SectionSubmission.objects.filter(session_id=session_id).count()
    if submit.status_code == 201:
        assert (session.status, session.current_section_index, stored, swept) == ("ACTIVE", 1, 1, 0)
    else:
        assert submit.json()["error"]["code"] == "SESSION_EXPIRED"
        assert (session.status, session.current_section_index, stored) == ("EXPIRED", 0, 0)
