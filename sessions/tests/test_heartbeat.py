"""The heartbeat: one UPDATE in the usual case, the full transition (and its errors) otherwise,
with or without the view (`Prefer: return=minimal`)."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from assessment_engine.accounts.factories import UserFactory
from assessments.factories import make_assessment
from harness.client import SessionFlow
from sessions import services
from sessions.models import CandidateSession

from .test_delivery_policy import move_deadline, set_policy
from .test_expiry import age

MINIMAL = {"HTTP_PREFER": "return=minimal"}


def beat(flow, session_id, **headers):
    return flow.client.post(f"/api/v1/sessions/{session_id}/heartbeat", **headers)


def error_code(response) -> str:
    return response.json()["error"]["code"]


def stored(session_id) -> tuple:
    session = CandidateSession.objects.get(pk=session_id)
    return session.status, session.last_activity_at, session.version


@pytest.mark.django_db
class TestContract:
    def test_the_answer_is_the_session_view_as_a_read_shows_it(self, flow, assessment):
        session_id = flow.active_session(assessment)
        flow.submit(session_id, 0)
        age(session_id, 60)
        _, before, version = stored(session_id)

        response = flow.heartbeat(session_id)

        assert response.status_code == 200
        assert response.json() == flow.get(session_id).json()  # the same view, assessment too
        status, after, new_version = stored(session_id)
        assert status == "ACTIVE" and after > before + timedelta(seconds=59)
        assert new_version == version + 1
        assert len(response.json()["assessment"]["sections"]) == 2  # reached sections only

    def test_prefer_minimal_answers_204_without_a_body(self, flow, assessment):
        session_id = flow.active_session(assessment)
        age(session_id, 60)
        _, before, version = stored(session_id)

        response = beat(flow, session_id, **MINIMAL)

        assert response.status_code == 204 and response.content == b""
        assert response["Preference-Applied"] == "return=minimal"
        _, after, new_version = stored(session_id)
        assert after > before + timedelta(seconds=59) and new_version == version + 1

    @pytest.mark.parametrize(
        "prefer", ['return="minimal"', "respond-async, return=minimal; x=1", "RETURN=MINIMAL"]
    )
    def test_prefer_is_parsed_as_rfc_7240_writes_it(self, flow, assessment, prefer):
        session_id = flow.active_session(assessment)

        assert beat(flow, session_id, HTTP_PREFER=prefer).status_code == 204

    def test_other_preferences_get_the_view(self, flow, assessment):
        session_id = flow.active_session(assessment)

        response = beat(flow, session_id, HTTP_PREFER="return=representation")

        assert response.status_code == 200 and response.json()["sessionId"] == session_id

    @pytest.mark.parametrize("headers", [{}, MINIMAL])
    def test_someone_elses_session_is_not_found_and_untouched(
        self, client_for, flow, assessment, headers
    ):
        session_id = flow.active_session(assessment)
        age(session_id, 60)
        before = stored(session_id)
        intruder = SessionFlow(client_for(UserFactory()))

        response = beat(intruder, session_id, **headers)

        assert response.status_code == 404 and error_code(response) == "NOT_FOUND"
        assert stored(session_id) == before

    @pytest.mark.parametrize("headers", [{}, MINIMAL])
    def test_an_unknown_session_is_not_found(self, flow, headers):
        response = beat(flow, "00000000-0000-4000-8000-000000000000", **headers)

        assert response.status_code == 404 and error_code(response) == "NOT_FOUND"

    def test_a_claimed_user_id_must_be_yours(self, flow, assessment):
        session_id = flow.active_session(assessment)
        before = stored(session_id)

        response = flow.client.post(
            f"/api/v1/sessions/{session_id}/heartbeat?userId=someone-else", **MINIMAL
        )

        assert response.status_code == 403 and stored(session_id) == before

    @pytest.mark.parametrize("headers", [{}, MINIMAL])
    def test_an_opted_in_or_completed_session_is_an_invalid_transition(
        self, flow, assessment, headers
    ):
        opted_in = flow.opt_in(assessment.pk).json()["sessionId"]
        completed = flow.active_session(make_assessment(title="B"))
        for index in range(3):
            flow.submit(completed, index)
        flow.complete(completed)

        for session_id, status in ((opted_in, "OPTED_IN"), (completed, "COMPLETED")):
            before = stored(session_id)
            response = beat(flow, session_id, **headers)
            assert response.status_code == 409 and error_code(response) == "INVALID_TRANSITION"
            assert response.json()["error"]["details"]["status"] == status
            assert stored(session_id) == before

    @pytest.mark.parametrize("headers", [{}, MINIMAL])
    def test_past_the_inactivity_timeout_it_expires_the_session(
        self, flow, assessment, settings, headers
    ):
        session_id = flow.active_session(assessment)
        age(session_id, settings.SESSION_INACTIVITY_TIMEOUT_SECONDS + 1)

        response = beat(flow, session_id, **headers)

        assert response.status_code == 409 and error_code(response) == "SESSION_EXPIRED"
        session = CandidateSession.objects.get(pk=session_id)
        assert session.status == "EXPIRED" and session.expired_at is not None  # committed
        assert error_code(beat(flow, session_id, **headers)) == "SESSION_EXPIRED"

    def test_just_inside_the_timeout_it_is_kept_alive(self, flow, assessment, settings):
        session_id = flow.active_session(assessment)
        age(session_id, settings.SESSION_INACTIVITY_TIMEOUT_SECONDS - 2)

        assert beat(flow, session_id, **MINIMAL).status_code == 204
        assert stored(session_id)[0] == "ACTIVE"

    @pytest.mark.parametrize("headers", [{}, MINIMAL])
    def test_past_the_deadline_it_completes_the_session(self, flow, settings, headers):
        session_id = flow.active_session(make_assessment(time_limit_seconds=600))
        move_deadline(session_id, seconds_from_now=-(settings.SESSION_DEADLINE_GRACE_SECONDS + 1))

        response = beat(flow, session_id, **headers)

        assert response.status_code == 409 and error_code(response) == "TIME_LIMIT_EXCEEDED"
        session = CandidateSession.objects.get(pk=session_id)
        assert session.status == "COMPLETED" and session.auto_completed
        assert session.evaluation_job is not None

    def test_within_the_deadline_grace_it_is_kept_alive(self, flow, settings):
        session_id = flow.active_session(make_assessment(time_limit_seconds=600))
        move_deadline(session_id, seconds_from_now=-(settings.SESSION_DEADLINE_GRACE_SECONDS - 2))

        assert beat(flow, session_id, **MINIMAL).status_code == 204
        assert stored(session_id)[0] == "ACTIVE"

    def test_past_the_assessments_close_it_completes_the_session(self, flow, assessment, settings):
        session_id = flow.active_session(assessment)
        grace = settings.SESSION_DEADLINE_GRACE_SECONDS
        set_policy(assessment, closes_at=timezone.now() - timedelta(seconds=grace + 1))

        response = beat(flow, session_id, **MINIMAL)

        assert response.status_code == 409 and error_code(response) == "TIME_LIMIT_EXCEEDED"
        assert CandidateSession.objects.get(pk=session_id).auto_completed


@pytest.mark.django_db
class TestCost:
    """Exact statements (inside a test, no SAVEPOINT: the usual heartbeat opens no transaction
    of its own, its UPDATE is one)."""

    @pytest.mark.parametrize("headers", [{}, MINIMAL])
    def test_token_and_one_update(self, flow, assessment, django_assert_num_queries, headers):
        from assessments.content_cache import content_of

        session_id = flow.active_session(assessment)
        content_of(assessment.pk, assessment.content_version)  # warm, as in a running server

        with django_assert_num_queries(2) as queries:  # token (with the user); UPDATE
            assert beat(flow, session_id, **headers).status_code in (200, 204)
        assert queries.captured_queries[1]["sql"].lstrip().startswith("UPDATE")


@pytest.mark.django_db
def test_heartbeats_and_submits_are_hot_updates(flow, assessment):
    """Heap-only updates: no index entry written (this transaction's own counters)."""
    session_id = flow.active_session(assessment)
    before = _session_updates()

    for index in range(3):
        assert beat(flow, session_id, **MINIMAL).status_code == 204
        assert flow.submit(session_id, index).status_code == 201

    updates, hot = (after - prior for after, prior in zip(_session_updates(), before, strict=True))
    assert (updates, hot) == (6, 6)


def _session_updates() -> tuple[int, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_stat_get_xact_tuples_updated(%s::regclass),"
            " pg_stat_get_xact_tuples_hot_updated(%s::regclass)",
            [CandidateSession._meta.db_table] * 2,
        )
        return cursor.fetchone()


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(60)
class TestLocks:
    def test_a_heartbeat_waits_for_a_transition_holding_the_row_and_then_sees_its_outcome(
        self, flow, assessment
    ):
        """The UPDATE takes the same row lock as every transition: a heartbeat arriving while
        `complete` holds the row waits, then re-checks the committed row and refuses."""
        session_id = flow.active_session(assessment)
        for index in range(3):
            flow.submit(session_id, index)
        user = CandidateSession.objects.get(pk=session_id).user
        locked, answers = threading.Event(), []

        def heartbeat_while_locked():
            try:
                locked.wait(10)
                answers.append(beat(flow, session_id, **MINIMAL))
            finally:
                connection.close()

        thread = threading.Thread(target=heartbeat_while_locked)
        thread.start()
        with transaction.atomic():
            CandidateSession.objects.select_for_update().get(pk=session_id)
            locked.set()
            time.sleep(0.5)
            assert not answers  # still waiting for the row
            services.session_complete(session_id=session_id, user=user)
        thread.join(10)

        assert answers[0].status_code == 409 and error_code(answers[0]) == "INVALID_TRANSITION"
        assert stored(session_id)[0] == "COMPLETED"
