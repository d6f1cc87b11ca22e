"""Races with real threads, each on its own database connection, started by a barrier."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from assessments.factories import make_assessment
from harness.client import SessionFlow
from jobs.models import AIJob
from sessions import services
from sessions.models import CandidateSession, SectionSubmission

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


def test_20_opt_ins_with_one_attempt_left_make_exactly_one_session(flows):
    assessment = make_assessment(max_attempts=2)
    first = flows[0].active_session(assessment)
    for index in range(3):
        flows[0].submit(first, index)
    flows[0].complete(first)

    responses = race(20, lambda i: flows[i].opt_in(assessment.pk))

    assert sorted(r.status_code for r in responses) == [200] * 19 + [201]
    assert len({r.json()["sessionId"] for r in responses}) == 1
    assert CandidateSession.objects.count() == 2
    assert sorted(CandidateSession.objects.values_list("attempt", flat=True)) == [1, 2]
    assert flows[0].opt_in(assessment.pk).status_code == 200  # the open one, not a third


@pytest.mark.parametrize("round_", range(5))
def test_the_clock_a_late_submit_and_complete_race_to_one_evaluation_job(flows, settings, round_):
    """Past the deadline, the sweep, a submit, a complete and a read all try to end the
    session at once: it is completed exactly once, with exactly one evaluation job."""
    assessment = make_assessment(time_limit_seconds=600)
    session_id = flows[0].active_session(assessment)
    flows[0].submit(session_id, 0)
    CandidateSession.objects.filter(pk=session_id).update(
        deadline=timezone.now() - timedelta(seconds=settings.SESSION_DEADLINE_GRACE_SECONDS + 1)
    )
    contenders = [
        services.sessions_complete_overdue,
        lambda: flows[1].submit(session_id, 1),
        lambda: flows[2].complete(session_id),
        lambda: flows[3].get(session_id),
    ]

    swept, submit, complete, read = race(4, lambda i: contenders[i]())

    assert AIJob.objects.count() == 1
    session = CandidateSession.objects.get(pk=session_id)
    assert (session.status, session.auto_completed, session.current_section_index) == (
        "COMPLETED",
        True,
        1,
    )
    assert session.evaluation_job == AIJob.objects.get()
    assert submit.status_code == 409 and submit.json()["error"]["code"] == "TIME_LIMIT_EXCEEDED"
    assert complete.status_code in (200, 202) and read.status_code == 200
    assert read.json()["status"] == "COMPLETED"
    # Exactly one of them completed it (the read may have too: it counts as neither here).
    assert swept + (complete.status_code == 202) <= 1
    assert SectionSubmission.objects.filter(session_id=session_id).count() == 1


def graded_then_regraded(flow, assessment, first_answers: dict) -> tuple:
    """A completed, graded session (first section answered as given) and a regrade job queued
    for it, not yet run: (session id, evaluation id, regrade job)."""
    from jobs.tests.inline import run_until_finished
    from sessions.evaluation import evaluation_regrade
    from sessions.models import Evaluation

    session_id = flow.active_session(assessment)
    flow.submit(session_id, 0, answers=first_answers)
    flow.submit(session_id, 1)
    flow.submit(session_id, 2)
    flow.complete(session_id)
    run_until_finished(CandidateSession.objects.get(pk=session_id).evaluation_job)
    evaluation_id = Evaluation.objects.get().pk
    return session_id, evaluation_id, evaluation_regrade(session_id=session_id)


@pytest.mark.parametrize("round_", range(4))
def test_a_regrade_racing_a_manual_grade_never_loses_the_persons_grade(flows, round_):
    """The regrade's store and a staff override of the same answer run at once: whichever
    commits first, the person's score is the one shown, and exactly one override exists."""
    from assessment_engine.accounts.factories import UserFactory
    from jobs.tests.inline import run_until_finished
    from sessions.evaluation import evaluation_override
    from sessions.models import Evaluation

    _, evaluation_id, regrade = graded_then_regraded(
        flows[0],
        make_assessment(),
        {"s1q1": "A"},  # wrong: the AI gives 0
    )
    staff = UserFactory(is_staff=True)
    contenders = [
        lambda: run_until_finished(regrade),
        lambda: evaluation_override(
            evaluation_id=evaluation_id,
            question_id="s1q1",
            score=1,
            reason="A is defensible",
            staff_user=staff,
        ),
    ]

    race(2, lambda i: contenders[i]())

    evaluation = Evaluation.objects.get()
    assert evaluation.round == 2 and evaluation.overrides.count() == 1
    assert evaluation.questions[0]["score"] == 1 and evaluation.questions[0]["overridden"]
    assert evaluation.total_score == 1


@pytest.mark.parametrize("round_", range(4))
def test_a_regrade_racing_a_per_criterion_grade_keeps_the_persons_criteria(flows, round_):
    """As above, for the grading queue: the person's points per criterion, their total and
    their feedback are what is shown, whichever of the two commits first."""
    from assessment_engine.accounts.factories import UserFactory
    from jobs.tests.inline import run_until_finished
    from sessions.evaluation import evaluation_grade_answer
    from sessions.models import Evaluation

    from .grading import PLEA, question, with_rubric_criteria

    session_id, evaluation_id, regrade = graded_then_regraded(
        flows[0],
        with_rubric_criteria(make_assessment()),
        {"s1q2": PLEA},  # flagged, 0 points
    )
    staff = UserFactory(is_staff=True)
    contenders = [
        lambda: run_until_finished(regrade),
        lambda: evaluation_grade_answer(
            evaluation_id=evaluation_id,
            question_id="s1q2",
            points=[2, 1],
            feedback="Right name, no reason given.",
            staff_user=staff,
        ),
    ]

    race(2, lambda i: contenders[i]())

    evaluation = Evaluation.objects.get()
    graded = question(evaluation, "s1q2")
    assert evaluation.round == 2 and evaluation.overrides.count() == 1
    assert graded["score"] == 3 and graded["overridden"] and graded["needsReview"]
    assert [c["points"] for c in graded["reviewedCriteria"]] == [2, 1]
    assert graded["feedback"] == "Right name, no reason given."
    assert evaluation.total_score == 3
    assert flows[0].get(session_id).json()["evaluation"]["reviewState"] == "REVIEWED"
