"""The delivery policy through the API: attempts, time limit, window, publication, sections
revealed one at a time, shuffling. Review levels are in `test_review_levels.py`, races in
`test_concurrency.py`."""

from datetime import timedelta
from uuid import UUID

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from assessment_engine.accounts.factories import UserFactory
from assessments.content_cache import candidate_view_of
from assessments.factories import make_assessment
from assessments.models import Assessment, AssessmentStatus
from harness.client import SessionFlow
from jobs.models import AIJob, JobType
from jobs.tests.inline import run_until_finished
from sessions.models import CandidateSession, SectionSubmission
from sessions.services import sessions_complete_overdue, sessions_sweep
from sessions.shuffling import arranged_sections

pytestmark = pytest.mark.django_db


def code(response) -> str:
    return response.json()["error"]["code"]


def set_policy(assessment, **fields) -> None:
    Assessment.objects.filter(pk=assessment.pk).update(**fields)


def move_deadline(session_id, *, seconds_from_now: float) -> None:
    CandidateSession.objects.filter(pk=session_id).update(
        deadline=timezone.now() + timedelta(seconds=seconds_from_now)
    )


def complete_all(flow, session_id, sections=3) -> None:
    for index in range(sections):
        assert flow.submit(session_id, index).status_code == 201
    assert flow.complete(session_id).status_code == 202


def evaluation_jobs() -> int:
    return AIJob.objects.filter(job_type=JobType.EVALUATION).count()


# --- attempts --------------------------------------------------------------------------------


def test_one_attempt_by_default_then_no_attempts_left(flow):
    assessment = make_assessment()
    session_id = flow.active_session(assessment)
    complete_all(flow, session_id)

    again = flow.opt_in(assessment.pk)

    assert again.status_code == 409 and code(again) == "NO_ATTEMPTS_LEFT"
    assert again.json()["error"]["details"] == {"maxAttempts": 1}
    assert CandidateSession.objects.count() == 1


def test_attempts_are_numbered_and_expired_sessions_count(flow, settings):
    assessment = make_assessment(max_attempts=2)
    first = flow.active_session(assessment)
    CandidateSession.objects.filter(pk=first).update(
        last_activity_at=timezone.now()
        - timedelta(seconds=settings.SESSION_INACTIVITY_TIMEOUT_SECONDS + 1)
    )

    second = flow.opt_in(assessment.pk)  # the first expires lazily and counts as used
    assert second.status_code == 201 and second.json()["attempt"] == 2
    assert CandidateSession.objects.get(pk=first).status == "EXPIRED"
    flow.start(second.json()["sessionId"])
    complete_all(flow, second.json()["sessionId"])

    third = flow.opt_in(assessment.pk)
    assert third.status_code == 409 and code(third) == "NO_ATTEMPTS_LEFT"
    assert sorted(CandidateSession.objects.values_list("attempt", flat=True)) == [1, 2]


def test_the_database_refuses_two_sessions_with_one_attempt_number(candidate):
    assessment = make_assessment(max_attempts=3)
    fields = {"user": candidate, "assessment": assessment, "section_count": 3}
    CandidateSession.objects.create(attempt=1, status="EXPIRED", **_ended(), **fields)

    with pytest.raises(IntegrityError), transaction.atomic():
        CandidateSession.objects.create(attempt=1, opted_in_at=timezone.now(), **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        CandidateSession.objects.create(attempt=0, opted_in_at=timezone.now(), **fields)


def _ended() -> dict:
    now = timezone.now()
    return {"opted_in_at": now, "started_at": now, "last_activity_at": now, "expired_at": now}


# --- time limit ------------------------------------------------------------------------------


def test_the_deadline_is_start_plus_the_time_limit(flow):
    assessment = make_assessment(time_limit_seconds=600)

    view = flow.start(flow.opt_in(assessment.pk).json()["sessionId"]).json()

    session = CandidateSession.objects.get()
    assert session.deadline == session.started_at + timedelta(seconds=600)
    assert view["deadline"] == session.deadline.isoformat().replace("+00:00", "Z")
    assert view["autoCompleted"] is False


def test_a_submit_just_before_the_deadline_is_accepted(flow):
    session_id = flow.active_session(make_assessment(time_limit_seconds=600))
    move_deadline(session_id, seconds_from_now=1)

    assert flow.submit(session_id, 0).status_code == 201


def test_a_submit_within_the_grace_after_the_deadline_is_accepted(flow, settings):
    session_id = flow.active_session(make_assessment(time_limit_seconds=600))
    move_deadline(session_id, seconds_from_now=-(settings.SESSION_DEADLINE_GRACE_SECONDS - 2))

    assert flow.submit(session_id, 0).status_code == 201


def test_a_submit_after_deadline_plus_grace_is_refused_and_completes_the_session(flow, settings):
    session_id = flow.active_session(make_assessment(time_limit_seconds=600))
    assert flow.submit(session_id, 0, answers={"s1q1": "B"}).status_code == 201
    move_deadline(session_id, seconds_from_now=-(settings.SESSION_DEADLINE_GRACE_SECONDS + 1))

    late = flow.submit(session_id, 1, answers={"s2q1": "B"})

    assert late.status_code == 409 and code(late) == "TIME_LIMIT_EXCEEDED"
    session = CandidateSession.objects.get(pk=session_id)
    assert (session.status, session.auto_completed, session.current_section_index) == (
        "COMPLETED",
        True,
        1,
    )
    assert session.completed_at == session.deadline  # completed when the time ran out
    assert SectionSubmission.objects.filter(session_id=session_id).count() == 1
    assert session.evaluation_job.dedupe_key == f"evaluation:{session_id}"
    assert evaluation_jobs() == 1
    # Later writes keep answering with the clock's reason; the read shows the outcome.
    assert code(flow.submit(session_id, 1)) == "TIME_LIMIT_EXCEEDED"
    assert code(flow.heartbeat(session_id)) == "TIME_LIMIT_EXCEEDED"
    view = flow.get(session_id).json()
    assert view["status"] == "COMPLETED" and view["autoCompleted"] is True
    assert evaluation_jobs() == 1


def test_an_auto_completed_session_is_graded_with_unsubmitted_sections_at_zero(flow, settings):
    session_id = flow.active_session(make_assessment(time_limit_seconds=600))
    flow.submit(session_id, 0, answers={"s1q1": "B"})
    move_deadline(session_id, seconds_from_now=-(settings.SESSION_DEADLINE_GRACE_SECONDS + 1))
    flow.get(session_id)

    run_until_finished(CandidateSession.objects.get(pk=session_id).evaluation_job)

    evaluation = CandidateSession.objects.get(pk=session_id).evaluation
    scores = {q["questionId"]: q["score"] for q in evaluation.questions}
    assert scores == {"s1q1": 1, "s1q2": 0, "s2q1": 0, "s2q2": 0, "s3q1": 0, "s3q2": 0}
    assert (evaluation.total_score, evaluation.max_score) == (1, 18)


def test_a_read_past_the_deadline_completes_lazily_list_included(flow, settings):
    session_id = flow.active_session(make_assessment(time_limit_seconds=600))
    move_deadline(session_id, seconds_from_now=-(settings.SESSION_DEADLINE_GRACE_SECONDS + 1))

    listed = flow.client.get("/api/v1/sessions").json()["results"][0]

    assert (listed["status"], listed["autoCompleted"]) == ("COMPLETED", True)
    assert listed["evaluation"]["jobId"] and evaluation_jobs() == 1
    assert flow.get(session_id).json()["evaluation"]["jobId"] == listed["evaluation"]["jobId"]


def test_completing_after_the_deadline_returns_the_auto_completed_session(flow, settings):
    session_id = flow.active_session(make_assessment(time_limit_seconds=600))
    move_deadline(session_id, seconds_from_now=-(settings.SESSION_DEADLINE_GRACE_SECONDS + 1))

    first, again = flow.complete(session_id), flow.complete(session_id)

    assert (first.status_code, again.status_code) == (202, 200)
    assert first.json()["autoCompleted"] is True
    assert first.json()["evaluation"]["jobId"] == again.json()["evaluation"]["jobId"]
    assert evaluation_jobs() == 1


def test_the_sweep_completes_only_sessions_past_their_end(client_for, settings):
    grace = settings.SESSION_DEADLINE_GRACE_SECONDS
    timed = make_assessment(time_limit_seconds=600)
    untimed = make_assessment(title="untimed")
    flows = [SessionFlow(client_for(UserFactory())) for _ in range(4)]
    due = [flows[0].active_session(timed), flows[1].active_session(timed)]
    not_due = flows[2].active_session(timed)
    no_limit = flows[3].active_session(untimed)
    for session_id in due:
        move_deadline(session_id, seconds_from_now=-(grace + 1))
    move_deadline(not_due, seconds_from_now=-(grace - 5))

    assert sessions_complete_overdue() == 2
    assert sessions_complete_overdue() == 0

    statuses = dict(CandidateSession.objects.values_list("pk", "status"))
    assert [statuses[s] for s in map(UUID, due)] == ["COMPLETED", "COMPLETED"]
    assert statuses[UUID(not_due)] == statuses[UUID(no_limit)] == "ACTIVE"
    assert evaluation_jobs() == 2


def test_a_deadline_beats_inactivity(client_for, settings):
    """A timed session past its deadline ends COMPLETED, never EXPIRED, even if it was also
    inactive long enough: lazily and in the sweep."""
    assessment = make_assessment(time_limit_seconds=600)
    flows = [SessionFlow(client_for(UserFactory())) for _ in range(2)]
    sessions = [flow.active_session(assessment) for flow in flows]
    long_ago = timezone.now() - timedelta(seconds=settings.SESSION_INACTIVITY_TIMEOUT_SECONDS + 99)
    CandidateSession.objects.update(last_activity_at=long_ago, deadline=long_ago)

    assert flows[0].get(sessions[0]).json()["status"] == "COMPLETED"
    report = sessions_sweep()

    assert (report.completed, report.expired) == (1, 0)
    assert set(CandidateSession.objects.values_list("status", flat=True)) == {"COMPLETED"}


def test_inactivity_still_expires_a_timed_session_before_its_deadline(flow, settings):
    session_id = flow.active_session(make_assessment(time_limit_seconds=7200))
    CandidateSession.objects.filter(pk=session_id).update(
        last_activity_at=timezone.now()
        - timedelta(seconds=settings.SESSION_INACTIVITY_TIMEOUT_SECONDS + 1)
    )

    assert sessions_sweep().expired == 1
    assert CandidateSession.objects.get(pk=session_id).status == "EXPIRED"


# --- window and publication ------------------------------------------------------------------


def test_opt_in_and_start_before_the_window_opens(flow):
    assessment = make_assessment()
    session_id = flow.opt_in(assessment.pk).json()["sessionId"]
    opens = timezone.now() + timedelta(hours=1)
    set_policy(assessment, opens_at=opens)

    for response in (
        flow.opt_in(make_assessment(title="b", opens_at=opens).pk),
        flow.start(session_id),
    ):
        assert response.status_code == 409 and code(response) == "ASSESSMENT_NOT_OPEN"
        assert response.json()["error"]["details"]["opensAt"]
    assert CandidateSession.objects.get(pk=session_id).status == "OPTED_IN"


def test_opt_in_and_start_after_the_window_closes(flow):
    assessment = make_assessment()
    session_id = flow.opt_in(assessment.pk).json()["sessionId"]
    closed = timezone.now() - timedelta(seconds=1)
    set_policy(assessment, closes_at=closed)

    for response in (
        flow.opt_in(make_assessment(title="b", closes_at=closed).pk),
        flow.start(session_id),
    ):
        assert response.status_code == 409 and code(response) == "ASSESSMENT_CLOSED"
    assert CandidateSession.objects.get(pk=session_id).status == "OPTED_IN"


def test_inside_the_window_everything_works(flow):
    now = timezone.now()
    assessment = make_assessment(
        opens_at=now - timedelta(hours=1), closes_at=now + timedelta(hours=1)
    )
    session_id = flow.active_session(assessment)
    complete_all(flow, session_id)


def test_at_the_close_active_sessions_are_completed(client_for, settings):
    assessment = make_assessment()
    flows = [SessionFlow(client_for(UserFactory())) for _ in range(3)]
    lazy, _swept, submitter = (flow.active_session(assessment) for flow in flows)
    closed = timezone.now() - timedelta(seconds=settings.SESSION_DEADLINE_GRACE_SECONDS + 1)
    set_policy(assessment, closes_at=closed)

    assert flows[0].get(lazy).json()["autoCompleted"] is True
    assert code(flows[2].submit(submitter, 0)) == "TIME_LIMIT_EXCEEDED"
    assert sessions_complete_overdue() == 1  # the one nobody touched

    for session in CandidateSession.objects.all():
        assert (session.status, session.auto_completed) == ("COMPLETED", True)
        assert session.completed_at == closed
    assert evaluation_jobs() == 3


def test_the_earlier_of_deadline_and_close_ends_a_session(flow, settings):
    assessment = make_assessment(time_limit_seconds=3600)
    session_id = flow.active_session(assessment)
    closed = timezone.now() - timedelta(seconds=settings.SESSION_DEADLINE_GRACE_SECONDS + 1)
    set_policy(assessment, closes_at=closed)  # an hour before the deadline

    view = flow.get(session_id).json()

    assert view["status"] == "COMPLETED" and view["autoCompleted"] is True
    assert CandidateSession.objects.get(pk=session_id).completed_at == closed


def test_unpublishing_stops_opt_ins_and_starts_but_active_sessions_finish(client_for):
    assessment = make_assessment()
    active_flow, opted_flow, new_flow = (SessionFlow(client_for(UserFactory())) for _ in range(3))
    active = active_flow.active_session(assessment)
    opted = opted_flow.opt_in(assessment.pk).json()["sessionId"]
    Assessment.objects.filter(pk=assessment.pk).update(
        status=AssessmentStatus.DRAFT, published_at=None
    )

    # Someone who never had a session of it cannot tell it from one that does not exist.
    unseen = new_flow.opt_in(assessment.pk)
    assert unseen.status_code == 404 and code(unseen) == "NOT_FOUND"
    for response in (opted_flow.opt_in(assessment.pk), opted_flow.start(opted)):
        assert response.status_code == 409 and code(response) == "ASSESSMENT_NOT_AVAILABLE"
    assert active_flow.start(active).status_code == 200  # starting again returns it
    complete_all(active_flow, active)


# --- sections one at a time ------------------------------------------------------------------


def test_an_ended_session_shows_only_the_sections_it_reached(flow, settings):
    session_id = flow.active_session(make_assessment(time_limit_seconds=600))
    flow.submit(session_id, 0)
    move_deadline(session_id, seconds_from_now=-(settings.SESSION_DEADLINE_GRACE_SECONDS + 1))

    view = flow.get(session_id).json()

    assert [s["sectionId"] for s in view["assessment"]["sections"]] == ["s1", "s2"]


def test_a_completed_session_shows_every_section(flow):
    session_id = flow.active_session(make_assessment())
    complete_all(flow, session_id)

    view = flow.get(session_id).json()

    assert [s["sectionId"] for s in view["assessment"]["sections"]] == ["s1", "s2", "s3"]


# --- shuffling -------------------------------------------------------------------------------


def order_of(view) -> list:
    return [
        (q["questionId"], [o["id"] for o in q.get("options", [])])
        for section in view["assessment"]["sections"]
        for q in section["questions"]
    ]


def test_shuffled_order_is_stable_per_session_and_reproducible_from_the_seed(flow):
    assessment = make_assessment(extra_mcqs=6)
    session_id = flow.active_session(assessment)
    first = flow.get(session_id).json()

    assert order_of(flow.get(session_id).json()) == order_of(first)
    submitted = flow.submit(session_id, 0).json()
    assert order_of(submitted)[:8] == order_of(first)  # revealing s2 never reorders s1

    seed = CandidateSession.objects.get(pk=session_id).shuffle_seed
    authored = candidate_view_of(assessment.pk, assessment.content_version)["sections"]
    reproduced = arranged_sections(authored[:2], seed=seed, questions=True, options=True)
    assert submitted["assessment"]["sections"] == reproduced
    assert reproduced != authored[:2]  # 8! question orders: the same one would be a fluke
    shown_ids = sorted(q for q, _ in order_of(first))
    assert shown_ids == sorted(q["questionId"] for q in authored[0]["questions"])


def test_shuffled_order_differs_across_sessions(client_for):
    assessment = make_assessment(extra_mcqs=6)
    orders = {
        str(
            order_of(SessionFlow(client).get(SessionFlow(client).active_session(assessment)).json())
        )
        for client in (client_for(UserFactory()) for _ in range(4))
    }

    assert len(orders) > 1  # 8! x 4!^7 orders per section: four equal ones would be a bug


def test_without_shuffling_the_authored_order_is_kept(flow):
    assessment = make_assessment(extra_mcqs=3, shuffle_questions=False, shuffle_options=False)
    session_id = flow.active_session(assessment)

    view = flow.get(session_id).json()

    assert [q for q, _ in order_of(view)] == ["s1q1", "s1q2", "s1q3", "s1q4", "s1q5"]
    assert CandidateSession.objects.get(pk=session_id).shuffle_seed is None


def test_mcqs_are_graded_by_id_after_shuffling(flow):
    assessment = make_assessment(sections=1, extra_mcqs=4)
    session_id = flow.active_session(assessment)
    questions = flow.get(session_id).json()["assessment"]["sections"][0]["questions"]
    # The candidate picks by text, as a person would: the option whose text is the key.
    answers = {
        q["questionId"]: next(o["id"] for o in q["options"] if o["text"].startswith("KEY-"))
        for q in questions
        if q["type"] == "MCQ" and q["questionId"] != "s1q1"
    }
    flow.submit(session_id, 0, answers=answers)
    flow.complete(session_id)

    run_until_finished(CandidateSession.objects.get(pk=session_id).evaluation_job)

    grades = {
        q["questionId"]: q["score"] for q in CandidateSession.objects.get().evaluation.questions
    }
    assert [grades[f"s1q{i}"] for i in range(3, 7)] == [1, 1, 1, 1]
