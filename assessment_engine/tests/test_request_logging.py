import logging

import pytest

pytestmark = pytest.mark.django_db


def test_request_id_is_generated_and_echoed(candidate_client):
    response = candidate_client.get("/api/v1/auth/me")

    assert len(response["X-Request-ID"]) == 32


def test_client_request_id_is_kept_when_safe(candidate_client):
    kept = candidate_client.get("/healthz", HTTP_X_REQUEST_ID="abc-123")
    assert kept["X-Request-ID"] == "abc-123"
    unsafe = candidate_client.get("/healthz", HTTP_X_REQUEST_ID="bad id\nwith newline")
    assert unsafe["X-Request-ID"] != "bad id\nwith newline"


def test_one_structured_line_per_request(candidate_client, candidate, caplog):
    with caplog.at_level(logging.INFO, logger="assessment_engine.request"):
        candidate_client.get("/api/v1/auth/me", HTTP_X_REQUEST_ID="line-test")

    [record] = [r for r in caplog.records if r.name == "assessment_engine.request"]
    assert record.method == "GET"
    assert record.path == "/api/v1/auth/me"
    assert record.status == 200
    assert record.duration_ms >= 0
    assert record.user == str(candidate.pk)
    assert record.request_id == "line-test"
