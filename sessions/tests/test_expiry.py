"""Inactivity expiry: lazily on every read and write, and in bulk by the beat sweep."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments.factories import make_assessment
from sessions.models import CandidateSession
from sessions.services import sessions_expire_inactive

pytestmark = pytest.mark.django_db


def age(session_id, seconds: float) -> None:
    CandidateSession.objects.filter(pk=session_id).update(
        last_activity_at=timezone.now() - timedelta(seconds=seconds)
    )


def test_a_read_after_the_timeout_shows_expired(flow, assessment, settings):
    session_id = flow.active_session(assessment)
    age(session_id, settings.SESSION_INACTIVITY_TIMEOUT_SECONDS + 1)

    view = flow.get(session_id).json()

    assert view["status"] == "EXPIRED" and view["expiresAt"] is None
    assert CandidateSession.objects.get(pk=session_id).expired_at is not None
    assert flow.client.get("/api/v1/sessions").json()["results"][0]["status"] == "EXPIRED"


def test_expires_at_is_the_instant_the_clock_expires_the_session(flow, assessment, settings):
    from django.utils.dateparse import parse_datetime

    session_id = flow.active_session(assessment)
    age(session_id, settings.SESSION_INACTIVITY_TIMEOUT_SECONDS - 30)  # 30 s left

    shown = parse_datetime(flow.get(session_id).json()["expiresAt"])
    session = CandidateSession.objects.get(pk=session_id)
    timeout = timedelta(seconds=settings.SESSION_INACTIVITY_TIMEOUT_SECONDS)
    assert shown == session.last_activity_at + timeout
    assert timedelta(seconds=25) < shown - timezone.now() <= timedelta(seconds=30)

    CandidateSession.objects.filter(pk=session_id).update(
        last_activity_at=F("last_activity_at") - timedelta(seconds=31)
    )
    assert flow.get(session_id).json()["status"] == "EXPIRED"


def test_the_list_expires_lazily_too(flow, assessment, settings):
    session_id = flow.active_session(assessment)
    age(session_id, settings.SESSION_INACTIVITY_TIMEOUT_SECONDS + 1)

    assert flow.client.get("/api/v1/sessions").json()["results"][0]["status"] == "EXPIRED"


def test_heartbeat_keeps_the_session_alive(flow, assessment, settings):
    timeout = settings.SESSION_INACTIVITY_TIMEOUT_SECONDS
    session_id = flow.active_session(assessment)
    age(session_id, timeout - 5)

    beat = flow.heartbeat(session_id)
    age_after = timezone.now() - CandidateSession.objects.get(pk=session_id).last_activity_at

    assert beat.status_code == 200 and beat.json()["status"] == "ACTIVE"
    assert age_after < timedelta(seconds=5)
    assert sessions_expire_inactive() == 0


def test_the_sweep_expires_in_bulk_only_sessions_past_their_timeout(client_for, settings):
    from assessment_engine.accounts.factories import UserFactory
    from harness.client import SessionFlow

    timeout = settings.SESSION_INACTIVITY_TIMEOUT_SECONDS
    assessment = make_assessment()
    stale, fresh = [], []
    for index in range(25):
        session_id = SessionFlow(client_for(UserFactory())).active_session(assessment)
        (stale if index % 5 else fresh).append(session_id)
    for session_id in stale:
        age(session_id, timeout + 60)

    with CaptureQueriesContext(connection) as queries:
        assert sessions_expire_inactive() == 20

    assert CandidateSession.objects.filter(pk__in=stale, status="EXPIRED").count() == 20
    assert CandidateSession.objects.filter(pk__in=fresh, status="ACTIVE").count() == 5
    # one locked select + one update, whatever the number of sessions (under the batch size)
    assert len([q for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]) == 2
    assert sessions_expire_inactive() == 0


def test_the_sweep_uses_the_partial_index(db):
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT id FROM candidate_sessions_candidatesession "
            "WHERE status = 'ACTIVE' AND last_activity_at <= now() "
            "ORDER BY last_activity_at LIMIT 1000"
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "session_active_activity_idx" in plan
