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


def finished_sessions(assessment, user, count: int) -> None:
    """`count` COMPLETED sessions of one user (attempts 1..count), in one statement."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO candidate_sessions_candidatesession (id, user_id, assessment_id, status,
                current_section_index, section_count, opted_in_at, started_at, last_activity_at,
                completed_at, version, attempt)
            SELECT gen_random_uuid(), %s, %s, 'COMPLETED', 3, 3, t, t, t, t, 1, n
            FROM generate_series(1, %s) AS n,
                LATERAL (SELECT now() - make_interval(days => 1, secs => n) AS t) AS times
            """,
            [user.pk, assessment.pk, count],
        )
        cursor.execute("ANALYZE candidate_sessions_candidatesession")


def test_the_sweeps_read_only_the_active_sessions_through_an_index_free_of_activity(
    client_for, settings
):
    """The expiry sweep finds its rows through a partial index of the ACTIVE sessions, so its
    cost follows them, not the table, while no index holds a column a submit or heartbeat
    writes (they stay HOT updates: `test_heartbeat.py`)."""
    from assessment_engine.accounts.factories import UserFactory

    from .conftest import SessionFlow

    assessment = make_assessment()
    finished_sessions(assessment, UserFactory(), 20_000)
    for _ in range(5):
        SessionFlow(client_for(UserFactory())).active_session(assessment)
    with CaptureQueriesContext(connection) as queries:
        sessions_expire_inactive()
    [sweep] = [q["sql"] for q in queries.captured_queries if "FOR UPDATE" in q["sql"]]

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sweep}")
        plan = cursor.fetchone()[0][0]["Plan"]

    [scan] = _scans(plan)
    definitions = _index_definitions()
    assert "WHERE ((status)::text = 'ACTIVE'::text)" in definitions[scan["Index Name"]]
    rows_read = scan["Actual Rows"] + scan.get("Rows Removed by Filter", 0)
    assert rows_read == 5  # the ACTIVE sessions, not the 20,005 rows
    written_by_a_heartbeat_or_submit = ("last_activity_at", "current_section_index", "version")
    assert not [
        d for d in definitions.values() if any(c in d for c in written_by_a_heartbeat_or_submit)
    ]


def _index_definitions() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s",
            ["candidate_sessions_candidatesession"],
        )
        return dict(cursor.fetchall())


def _scans(node: dict) -> list[dict]:
    """The plan's scans of the sessions table."""
    own = [node] if node.get("Relation Name") == "candidate_sessions_candidatesession" else []
    return own + [scan for child in node.get("Plans", []) for scan in _scans(child)]
