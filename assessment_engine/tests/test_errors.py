"""Every error of every /api/ path comes back in the contract's envelope."""

import logging

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db

TEST_URLS = "assessment_engine.tests.urls"


def assert_envelope(response, status: int, code: str) -> dict:
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]


def test_400_malformed_json(candidate_client):
    response = candidate_client.post(
        "/api/v1/auth/login", data="{not json", content_type="application/json"
    )
    assert_envelope(response, 400, "VALIDATION_ERROR")


def test_400_maps_fields_to_messages_in_camel_case(api_client):
    error = assert_envelope(
        api_client.post("/api/v1/auth/login", {}, format="json"), 400, "VALIDATION_ERROR"
    )
    assert set(error["details"]) == {"username", "password"}
    assert all(isinstance(messages, list) for messages in error["details"].values())


def test_401_without_token(api_client):
    assert_envelope(api_client.get("/api/v1/auth/me"), 401, "NOT_AUTHENTICATED")


@pytest.mark.urls(TEST_URLS)
def test_403_candidate_on_staff_endpoint(candidate_client, staff_client):
    assert_envelope(candidate_client.get("/api/v1/_test/staff-only"), 403, "PERMISSION_DENIED")
    assert staff_client.get("/api/v1/_test/staff-only").status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/nothing-here", "/api/v1/nothing/here/", "/api/v2/x"])
def test_404_unknown_api_path(candidate_client, path):
    assert_envelope(candidate_client.get(path), 404, "NOT_FOUND")


def test_405_wrong_method(candidate_client):
    assert_envelope(candidate_client.delete("/api/v1/auth/me"), 405, "METHOD_NOT_ALLOWED")


def test_415_unsupported_body_type(api_client):
    response = api_client.post("/api/v1/auth/login", data="<x/>", content_type="application/xml")
    assert_envelope(response, 415, "UNSUPPORTED_MEDIA_TYPE")


@pytest.mark.urls(TEST_URLS)
def test_500_is_logged_with_request_id_and_hides_the_traceback(candidate_client, caplog):
    with caplog.at_level(logging.ERROR, logger="assessment_engine.errors"):
        response = candidate_client.get("/api/v1/_test/explode", HTTP_X_REQUEST_ID="req-500-test")

    error = assert_envelope(response, 500, "INTERNAL_ERROR")
    assert "secret internal detail" not in response.content.decode()
    assert "Traceback" not in response.content.decode()
    assert "req-500-test" in error["message"]
    record = next(r for r in caplog.records if r.name == "assessment_engine.errors")
    assert record.request_id == "req-500-test"
    assert record.exc_info is not None


@pytest.mark.django_db(transaction=True)
def test_503_when_the_database_is_unreachable(client_for, candidate):
    client = client_for(candidate)
    original_port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = "1"  # nothing listens there: a real connection failure
    try:
        response = client.get("/api/v1/auth/me")
    finally:
        connection.close()
        connection.settings_dict["PORT"] = original_port

    error = assert_envelope(response, 503, "SERVICE_UNAVAILABLE")
    assert "Traceback" not in response.content.decode()
    assert "port" not in error["message"].lower()
    assert client.get("/api/v1/auth/me").status_code == 200  # recovers without a restart


def test_post_to_an_unknown_api_path_is_a_404_not_a_csrf_page():
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post("/api/v1/sessions//heartbeat")

    assert_envelope(response, 404, "NOT_FOUND")
