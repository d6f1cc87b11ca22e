"""Idempotency-Key: the same key, user and body replays; a different body is refused."""

import threading
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.throttling import SimpleRateThrottle

from assessment_engine.idempotency.middleware import is_replayable
from assessment_engine.idempotency.models import IdempotencyRecord
from assessment_engine.idempotency.services import idempotency_purge_expired
from assessments.factories import make_assessment
from sessions.models import CandidateSession, SectionSubmission

pytestmark = pytest.mark.django_db

OPT_IN = "/api/v1/sessions/opt-in"


def opt_in(client, assessment, key, **extra):
    return client.post(
        OPT_IN,
        {"assessmentId": str(assessment.pk), **extra},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def test_the_same_key_and_body_replays_without_acting_again(candidate_client):
    assessment = make_assessment()
    first = opt_in(candidate_client, assessment, "key-1")
    CandidateSession.objects.all().delete()  # would make a new session if it acted again

    replay = opt_in(candidate_client, assessment, "key-1")

    assert (
        (replay.status_code, replay.content)
        == (first.status_code, first.content)
        == (201, first.content)
    )
    assert replay["Idempotent-Replayed"] == "true"
    assert CandidateSession.objects.count() == 0


def test_the_same_key_with_another_body_is_422(candidate_client):
    opt_in(candidate_client, make_assessment(title="A"), "key-2")

    response = opt_in(candidate_client, make_assessment(title="B"), "key-2")

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert CandidateSession.objects.count() == 1


def test_keys_belong_to_one_user(candidate_client, client_for):
    from assessment_engine.accounts.factories import UserFactory

    assessment = make_assessment()
    opt_in(candidate_client, assessment, "shared-key")

    other = opt_in(client_for(UserFactory()), assessment, "shared-key")

    assert other.status_code == 201 and "Idempotent-Replayed" not in other
    assert CandidateSession.objects.count() == 2


def test_errors_are_replayed_too_but_server_errors_are_not_stored(candidate_client, settings):
    assessment = make_assessment()
    session_id = opt_in(candidate_client, assessment, "k").json()["sessionId"]
    url = f"/api/v1/sessions/{session_id}/heartbeat"

    conflict = candidate_client.post(url, HTTP_IDEMPOTENCY_KEY="beat")
    assert conflict.status_code == 409
    assert candidate_client.post(url, HTTP_IDEMPOTENCY_KEY="beat").content == conflict.content

    settings.ROOT_URLCONF = "assessment_engine.tests.urls"
    failed = candidate_client.post("/api/v1/_test/explode", HTTP_IDEMPOTENCY_KEY="boom")
    assert failed.status_code == 500
    assert not IdempotencyRecord.objects.filter(key="boom").exists()  # the client may retry


@pytest.mark.parametrize("key", ["", "x" * 256])
def test_invalid_keys_are_400(candidate_client, key):
    response = opt_in(candidate_client, make_assessment(), key)
    assert response.status_code == 400
    assert "idempotencyKey" in response.json()["error"]["details"]
    assert CandidateSession.objects.count() == 0


def test_anonymous_requests_are_not_recorded(api_client):
    response = api_client.post(OPT_IN, {}, format="json", HTTP_IDEMPOTENCY_KEY="anon")
    assert response.status_code == 401 and IdempotencyRecord.objects.count() == 0


def test_keys_expire_after_24_hours(candidate_client):
    assessment = make_assessment()
    opt_in(candidate_client, assessment, "old")
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=25))

    assert idempotency_purge_expired() == 1
    assert IdempotencyRecord.objects.count() == 0


def test_an_expired_key_is_fresh_again_before_the_purge(candidate_client):
    opt_in(candidate_client, make_assessment(title="A"), "reuse")
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=25))

    response = opt_in(candidate_client, make_assessment(title="B"), "reuse")

    assert response.status_code == 201 and "Idempotent-Replayed" not in response


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(60)
def test_the_same_key_sent_10_times_at_once_acts_once_with_identical_replies(client_for, candidate):
    from harness.client import SessionFlow

    assessment = make_assessment()
    session_id = SessionFlow(client_for(candidate)).active_session(assessment)
    clients = [client_for(candidate) for _ in range(10)]
    barrier = threading.Barrier(10)
    responses = [None] * 10

    def submit(index: int) -> None:
        try:
            barrier.wait()
            responses[index] = clients[index].post(
                f"/api/v1/sessions/{session_id}/submit-section",
                {"sectionId": "s1", "sectionIndex": 0, "answers": {"s1q1": "B"}},
                format="json",
                HTTP_IDEMPOTENCY_KEY="submit-once",
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert {r.status_code for r in responses} == {201}
    assert len({r.content for r in responses}) == 1
    assert sum("Idempotent-Replayed" in r for r in responses) == 9
    assert SectionSubmission.objects.count() == 1


def test_an_abandoned_in_progress_key_is_reclaimed(candidate_client, candidate):
    assessment = make_assessment()
    IdempotencyRecord.objects.create(user=candidate, key="stuck", fingerprint="whatever")
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(minutes=3))

    response = opt_in(candidate_client, assessment, "stuck")

    assert response.status_code == 201 and "Idempotent-Replayed" not in response


@pytest.mark.django_db(transaction=True)
def test_the_answer_is_returned_even_when_it_cannot_be_stored(candidate_client, monkeypatch):
    from django.db import OperationalError

    from assessment_engine.idempotency import services

    def database_gone(**_kwargs):
        raise OperationalError("the connection is closed")

    monkeypatch.setattr(services, "idempotency_store", database_gone)
    assessment = make_assessment()

    response = opt_in(candidate_client, assessment, "unstored")

    assert response.status_code == 201  # the opt-in happened: its answer is not a 500
    assert CandidateSession.objects.count() == 1


def test_a_throttled_request_is_not_stored_so_the_retry_acts(candidate_client, monkeypatch):
    # given a request refused for now (429) under a key
    assessment = make_assessment()
    monkeypatch.setattr(
        SimpleRateThrottle,
        "THROTTLE_RATES",
        {**SimpleRateThrottle.THROTTLE_RATES, "candidate": "1/min"},
    )
    candidate_client.get("/api/v1/sessions")  # uses up the one request of the minute
    throttled = opt_in(candidate_client, assessment, "retry-me")
    assert throttled.status_code == 429
    assert not IdempotencyRecord.objects.filter(key="retry-me").exists()

    # when the throttle has cleared and the client retries with the same key
    cache.clear()
    monkeypatch.setattr(
        SimpleRateThrottle,
        "THROTTLE_RATES",
        {**SimpleRateThrottle.THROTTLE_RATES, "candidate": "100/min"},
    )
    retried = opt_in(candidate_client, assessment, "retry-me")

    # then it acts instead of replaying the 429
    assert retried.status_code == 201
    assert "Idempotent-Replayed" not in retried
    assert CandidateSession.objects.count() == 1


@pytest.mark.parametrize("status", [401, 403, 429, 500, 502, 503])
def test_transient_refusals_are_never_replayable(status):
    assert not is_replayable(status)


@pytest.mark.parametrize("status", [200, 201, 202, 204, 400, 404, 409, 413, 415, 422])
def test_answers_that_describe_the_state_are_replayable(status):
    assert is_replayable(status)


# Opt-in without a key: token; assessment; the user's sessions; savepoint, insert, release.
OPT_IN_QUERIES = 6
# The key adds its claim (savepoint, insert, release) and the stored answer: the view reuses the
# middleware's check of the bearer token rather than looking the token up a second time.
KEY_QUERIES = 3 + 1


def token_lookups(queries) -> int:
    return sum('FROM "knox_authtoken"' in query["sql"] for query in queries.captured_queries)


def test_the_bearer_token_is_looked_up_once_per_request(candidate_client):
    first, second = make_assessment(), make_assessment()
    with CaptureQueriesContext(connection) as without_key:
        body = {"assessmentId": str(first.pk)}
        assert candidate_client.post(OPT_IN, body, format="json").status_code == 201
    with CaptureQueriesContext(connection) as with_key:
        assert opt_in(candidate_client, second, key="once").status_code == 201

    assert len(without_key.captured_queries) == OPT_IN_QUERIES
    assert len(with_key.captured_queries) == OPT_IN_QUERIES + KEY_QUERIES
    assert token_lookups(without_key) == token_lookups(with_key) == 1


@pytest.mark.parametrize("revoke", ["expire", "delete"])
def test_an_expired_or_revoked_token_with_a_key_is_401_and_claims_nothing(candidate_client, revoke):
    from knox.models import AuthToken

    tokens = AuthToken.objects.all()
    if revoke == "expire":
        tokens.update(expiry=timezone.now() - timedelta(seconds=1))
    else:
        tokens.delete()

    assessment = make_assessment()
    with CaptureQueriesContext(connection) as queries:
        response = opt_in(candidate_client, assessment, key="refused")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "NOT_AUTHENTICATED"
    assert token_lookups(queries) == 1  # the view reuses the middleware's refusal
    assert IdempotencyRecord.objects.count() == 0 and CandidateSession.objects.count() == 0
