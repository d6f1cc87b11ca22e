"""The candidate flow over HTTP: every rule of the contract, every error, nothing half-done."""

from datetime import timedelta

import pytest
from django.utils import timezone

from assessments.candidate_view import ANSWER_KEY_FIELDS
from assessments.factories import answers_for, make_assessment
from assessments.models import AssessmentStatus
from harness.client import SessionFlow
from jobs.models import AIJob, JobType
from sessions.models import CandidateSession, SectionSubmission

pytestmark = pytest.mark.django_db


def error_code(response) -> str:
    return response.json()["error"]["code"]


def keys_of(value) -> set:
    if isinstance(value, dict):
        return set(value) | {k for item in value.values() for k in keys_of(item)}
    if isinstance(value, list):
        return {k for item in value for k in keys_of(item)}
    return set()


def test_the_whole_happy_path(flow, candidate, assessment):
    opted = flow.opt_in(assessment.pk)
    assert opted.status_code == 201
    view = opted.json()
    assert view["status"] == "OPTED_IN" and view["assessment"] is None
    assert view["userId"] == str(candidate.pk) and view["assessmentId"] == str(assessment.pk)
    session_id = view["sessionId"]

    started = flow.start(session_id)
    assert started.status_code == 200
    view = started.json()
    assert view["status"] == "ACTIVE" and view["startedAt"] and view["expiresAt"]
    assert (view["attempt"], view["deadline"], view["autoCompleted"]) == (1, None, False)
    assert [s["sectionId"] for s in view["assessment"]["sections"]] == ["s1"]  # one at a time
    assert not keys_of(view) & ANSWER_KEY_FIELDS

    for index in range(3):
        submitted = flow.submit(session_id, index, answers=answers_for(index + 1))
        assert submitted.status_code == 201
        assert submitted.json()["currentSectionIndex"] == index + 1
        assert submitted.json()["submittedSections"] == list(range(index + 1))
        revealed = [s["sectionId"] for s in submitted.json()["assessment"]["sections"]]
        assert revealed == ["s1", "s2", "s3"][: index + 2]
    assert flow.get(session_id).json()["status"] == "ACTIVE"  # last section: still ACTIVE

    completed = flow.complete(session_id)
    assert completed.status_code == 202
    view = completed.json()
    job = AIJob.objects.get()
    assert view["status"] == "COMPLETED" and view["completedAt"] and view["expiresAt"] is None
    assert view["evaluation"]["jobId"] == str(job.pk)
    assert view["evaluation"]["status"] == "PENDING" and view["evaluation"]["score"] is None
    assert (job.job_type, job.dedupe_key) == (JobType.EVALUATION, f"evaluation:{session_id}")
    assert SectionSubmission.objects.filter(session_id=session_id).count() == 3
    stored = SectionSubmission.objects.get(session_id=session_id, section_index=0)
    assert stored.answers == answers_for(1) and stored.section_id == "s1"


def test_idempotent_repeats_return_the_existing_state(flow, assessment):
    first = flow.opt_in(assessment.pk).json()
    again = flow.opt_in(assessment.pk)
    assert again.status_code == 200 and again.json()["sessionId"] == first["sessionId"]

    session_id = first["sessionId"]
    flow.start(session_id)
    restart = flow.start(session_id)
    assert restart.status_code == 200 and restart.json()["status"] == "ACTIVE"
    assert flow.opt_in(assessment.pk).json()["sessionId"] == session_id  # ACTIVE counts too

    for index in range(3):
        flow.submit(session_id, index)
    job_id = flow.complete(session_id).json()["evaluation"]["jobId"]
    repeat = flow.complete(session_id)
    assert repeat.status_code == 200 and repeat.json()["evaluation"]["jobId"] == job_id
    assert AIJob.objects.count() == 1


def test_opt_in_after_completion_creates_the_next_attempt(flow, assessment):
    assessment.max_attempts = 2
    assessment.save(update_fields=["max_attempts"])
    session_id = flow.active_session(assessment)
    for index in range(3):
        flow.submit(session_id, index)
    flow.complete(session_id)

    again = flow.opt_in(assessment.pk)

    assert again.status_code == 201 and again.json()["sessionId"] != session_id
    assert again.json()["attempt"] == 2


def test_section_out_of_order_and_already_submitted(flow, assessment):
    session_id = flow.active_session(assessment)

    ahead = flow.submit(session_id, 1)
    assert ahead.status_code == 409 and error_code(ahead) == "SECTION_OUT_OF_ORDER"
    assert ahead.json()["error"]["details"] == {"expected": 0, "got": 1}
    assert ahead.json()["error"]["message"] == "Expected section 0, got 1."

    flow.submit(session_id, 0)
    behind = flow.submit(session_id, 0)
    assert behind.status_code == 409 and error_code(behind) == "SECTION_ALREADY_SUBMITTED"
    assert SectionSubmission.objects.count() == 1


def test_active_session_exists(flow, assessment):
    flow.active_session(assessment)
    other = make_assessment(title="Other")
    second_id = flow.opt_in(other.pk).json()["sessionId"]

    response = flow.start(second_id)

    assert response.status_code == 409 and error_code(response) == "ACTIVE_SESSION_EXISTS"
    assert CandidateSession.objects.get(pk=second_id).status == "OPTED_IN"


def test_invalid_transitions(flow, assessment):
    session_id = flow.opt_in(assessment.pk).json()["sessionId"]

    for response in (
        flow.submit(session_id, 0),
        flow.heartbeat(session_id),
        flow.complete(session_id),
    ):
        assert response.status_code == 409 and error_code(response) == "INVALID_TRANSITION"
        assert response.json()["error"]["details"]["status"] == "OPTED_IN"

    active = flow.active_session(make_assessment(title="B"))
    for index in range(3):
        flow.submit(active, index)
    flow.complete(active)
    for response in (
        flow.submit(active, 3, section_id="s4"),
        flow.heartbeat(active),
        flow.start(active),
    ):
        assert response.status_code == 409 and error_code(response) == "INVALID_TRANSITION"
        assert response.json()["error"]["details"]["status"] == "COMPLETED"


def test_sections_incomplete(flow, assessment):
    session_id = flow.active_session(assessment)
    flow.submit(session_id, 0)

    response = flow.complete(session_id)

    assert response.status_code == 409 and error_code(response) == "SECTIONS_INCOMPLETE"
    assert response.json()["error"]["details"] == {"submitted": 1, "sectionCount": 3}
    assert AIJob.objects.count() == 0
    assert CandidateSession.objects.get(pk=session_id).status == "ACTIVE"


def test_session_expired_on_write(flow, assessment, settings):
    session_id = flow.active_session(assessment)
    CandidateSession.objects.filter(pk=session_id).update(
        last_activity_at=timezone.now()
        - timedelta(seconds=settings.SESSION_INACTIVITY_TIMEOUT_SECONDS + 1)
    )

    response = flow.submit(session_id, 0)

    assert response.status_code == 409 and error_code(response) == "SESSION_EXPIRED"
    session = CandidateSession.objects.get(pk=session_id)
    assert session.status == "EXPIRED" and session.expired_at  # committed, not rolled back
    assert SectionSubmission.objects.count() == 0
    assert error_code(flow.heartbeat(session_id)) == "SESSION_EXPIRED"


def test_opt_in_to_a_draft_or_unknown_assessment(flow):
    draft = make_assessment(status=AssessmentStatus.DRAFT)

    response = flow.opt_in(draft.pk)
    missing = flow.opt_in("00000000-0000-0000-0000-000000000000")
    # A draft is "not found" to a candidate who never had a session of it: no oracle.
    assert response.status_code == missing.status_code == 404
    assert response.json() == missing.json()
    assert CandidateSession.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"sectionIndex": 0, "answers": {}}, "sectionId"),
        ({"sectionId": "s1", "answers": {}}, "sectionIndex"),
        ({"sectionId": "s1", "sectionIndex": "zero"}, "sectionIndex"),
        ({"sectionId": "s1", "sectionIndex": "0"}, "sectionIndex"),
        ({"sectionId": "s1", "sectionIndex": True}, "sectionIndex"),
        ({"sectionId": 1, "sectionIndex": 0}, "sectionId"),
        ({"sectionId": "s1", "sectionIndex": -1}, "sectionIndex"),
        ({"sectionId": "s1", "sectionIndex": 0, "answers": ["B"]}, "answers"),
        ({"sectionId": "s2", "sectionIndex": 0}, "sectionId"),
        ({"sectionId": "s1", "sectionIndex": 0, "answers": {"s2q1": "B"}}, "answers"),
        ({"sectionId": "s1", "sectionIndex": 0, "answers": {"nope": "B"}}, "answers"),
        ({"sectionId": "s1", "sectionIndex": 0, "answers": {"s1q1": "Z"}}, "answers"),
        ({"sectionId": "s1", "sectionIndex": 0, "answers": {"s1q1": 2}}, "answers"),
        ({"sectionId": "s1", "sectionIndex": 0, "answers": {"s1q2": "x" * 10_001}}, "answers"),
    ],
    ids=[
        "no-section-id",
        "no-index",
        "index-type",
        "index-string",
        "index-bool",
        "section-id-number",
        "negative-index",
        "answers-list",
        "wrong-section-id",
        "other-sections-question",
        "unknown-question",
        "invalid-option",
        "non-string-answer",
        "oversize-text",
    ],
)
def test_submit_validation_errors_change_nothing(flow, assessment, body, field):
    session_id = flow.active_session(assessment)
    version = CandidateSession.objects.get(pk=session_id).version

    response = flow.client.post(
        f"/api/v1/sessions/{session_id}/submit-section", body, format="json"
    )

    assert response.status_code == 400 and error_code(response) == "VALIDATION_ERROR"
    assert field in response.json()["error"]["details"]
    session = CandidateSession.objects.get(pk=session_id)
    assert (session.current_section_index, session.version) == (0, version)
    assert SectionSubmission.objects.count() == 0


def test_free_text_at_the_limit_is_accepted(flow, assessment):
    session_id = flow.active_session(assessment)
    response = flow.submit(session_id, 0, answers={"s1q2": "x" * 10_000})
    assert response.status_code == 201


def test_answers_are_optional(flow, assessment):
    session_id = flow.active_session(assessment)
    response = flow.client.post(
        f"/api/v1/sessions/{session_id}/submit-section",
        {"sectionId": "s1", "sectionIndex": 0},
        format="json",
    )
    assert response.status_code == 201


def test_someone_elses_session_is_404(flow, assessment, client_for):
    session_id = flow.active_session(assessment)
    from assessment_engine.accounts.factories import UserFactory

    intruder = SessionFlow(client_for(UserFactory()))

    for response in (
        intruder.get(session_id),
        intruder.submit(session_id, 0),
        intruder.heartbeat(session_id),
        intruder.complete(session_id),
        intruder.start(session_id),
    ):
        assert response.status_code == 404 and error_code(response) == "NOT_FOUND"
    assert intruder.client.get("/api/v1/sessions").json()["count"] == 0
    assert CandidateSession.objects.get(pk=session_id).current_section_index == 0


def test_user_id_must_match(flow, candidate, assessment):
    mismatch = flow.opt_in(assessment.pk, userId="00000000-0000-0000-0000-000000000000")
    assert mismatch.status_code == 403 and error_code(mismatch) == "PERMISSION_DENIED"
    assert CandidateSession.objects.count() == 0

    matching = flow.opt_in(assessment.pk, userId=str(candidate.pk))
    assert matching.status_code == 201
    session_id = matching.json()["sessionId"]
    assert flow.get(session_id, userId=str(candidate.pk)).status_code == 200
    assert flow.get(session_id, userId="someone-else").status_code == 403
    listed = flow.client.get("/api/v1/sessions", {"userId": "someone-else"})
    assert listed.status_code == 403


@pytest.mark.parametrize(
    "body", [{}, {"assessmentId": "not-a-uuid"}, {"assessmentId": 12}, {"assessmentId": None}]
)
def test_opt_in_validation(flow, body):
    response = flow.client.post("/api/v1/sessions/opt-in", body, format="json")
    assert response.status_code == 400 and "assessmentId" in response.json()["error"]["details"]


@pytest.mark.parametrize("body", [{}, {"sessionId": "nope"}])
def test_start_validation(flow, body):
    response = flow.client.post("/api/v1/sessions/start", body, format="json")
    assert response.status_code == 400 and "sessionId" in response.json()["error"]["details"]


def test_unknown_session_is_404(flow):
    unknown = "00000000-0000-0000-0000-000000000000"
    assert flow.get(unknown).status_code == 404
    assert flow.start(unknown).status_code == 404
    assert flow.client.get("/api/v1/sessions/not-a-uuid").status_code == 404


def test_list_is_yours_only_and_has_no_assessment(flow, assessment, client_for):
    flow.active_session(assessment)
    from assessment_engine.accounts.factories import UserFactory

    SessionFlow(client_for(UserFactory())).opt_in(assessment.pk)

    body = flow.client.get("/api/v1/sessions").json()

    assert body["count"] == 1 and body["next"] is None
    assert "assessment" not in body["results"][0]
    assert body["results"][0]["status"] == "ACTIVE"


def test_anonymous_gets_401(api_client, assessment):
    response = api_client.post(
        "/api/v1/sessions/opt-in", {"assessmentId": str(assessment.pk)}, format="json"
    )
    assert response.status_code == 401
    assert api_client.get("/api/v1/sessions").status_code == 401
