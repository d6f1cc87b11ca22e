"""Hostile bodies and query strings on every POST endpoint: a 400 or 413 in the envelope, never
a 500, and nothing stored. Endpoints are read from the schema, so new ones are covered.

Lives in sessions, the app that may import every other one."""

import pytest
from django.test import override_settings

from assessment_engine.tests.test_api_fuzz import schema
from syllabus.models import Syllabus

pytestmark = pytest.mark.django_db

ZERO_UUID = "00000000-0000-0000-0000-000000000000"
POST_PATHS = sorted(
    {
        op.path.replace("{", "").replace("}", "")
        for op in (result.ok() for result in schema.get_all_operations())
        if op.method.upper() == "POST"
    }
)
HOSTILE_JSON_BODIES = {
    "deep nesting": "[" * 1000 + "]" * 1000,
    "deep objects": '{"a":' * 1000 + "1" + "}" * 1000,
    "lone surrogate": (
        '{"username": "\\ud800", "password": "x", "answers": [{"answer": "\\udfff"}]}'
    ),
    "NUL": '{"username": "a\\u0000", "subject": "a\\u0000b", "answers": [{"answer": "\\u0000"}]}',
    "surrogate key": '{"\\ud800": 1}',
}


# Endpoints that never read a body answer as if it were empty (publishing an assessment that
# does not exist is a 404).
BODYLESS = {
    "/api/v1/auth/logout": 204,
    "/api/v1/assessments/assessmentId/publish": 404,
    "/api/v1/assessments/assessmentId/unpublish": 404,
}


@pytest.fixture
def staff_client(client_for):
    """Staff with every permission, so each endpoint gets as far as reading the body."""
    from assessment_engine.accounts.factories import UserFactory

    return client_for(UserFactory(is_staff=True, is_superuser=True))


def expected(path: str, statuses: tuple[int, ...]) -> tuple[int, ...]:
    if path in BODYLESS:
        return (BODYLESS[path],)
    # the upload takes multipart only: 415 before anything is parsed
    return (*statuses, 415) if path.endswith("/upload") else statuses


def concrete(path: str) -> str:
    return "/".join(ZERO_UUID if part.endswith("Id") else part for part in path.split("/"))


def assert_refused(response, statuses=(400,)):
    assert response.status_code in statuses, (response.status_code, response.content[:300])
    if response.status_code >= 400:
        assert {"code", "message", "details"} <= set(response.json()["error"])
    assert Syllabus.objects.count() == 0


@pytest.mark.parametrize("path", POST_PATHS)
@pytest.mark.parametrize("body", HOSTILE_JSON_BODIES.values(), ids=HOSTILE_JSON_BODIES.keys())
def test_hostile_json_is_a_400_on_every_post(staff_client, path, body):
    response = staff_client.post(
        concrete(path), data=body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="h"
    )
    assert_refused(response, expected(path, (400,)))


@pytest.mark.parametrize("path", POST_PATHS)
def test_a_body_over_the_size_limit_is_413(staff_client, path):
    body = '{"subject": "' + "a" * 2048 + '"}'
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024):
        response = staff_client.post(
            concrete(path), data=body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="big"
        )
    assert_refused(response, (*expected(path, (413,)), 413))


def test_login_with_a_lone_surrogate_username_is_400(api_client):
    response = api_client.post(
        "/api/v1/auth/login",
        data='{"username": "\\ud800", "password": "x"}',
        content_type="application/json",
    )
    assert_refused(response)


@pytest.mark.parametrize("query", ["page=%00", "subject=a%00b", "status=%00", "%00=1"])
@pytest.mark.parametrize(
    "path", ["/api/v1/assessments", "/api/v1/sessions", "/api/v1/admin/syllabus"]
)
def test_a_nul_in_a_query_string_is_400(staff_client, path, query):
    assert_refused(staff_client.get(f"{path}?{query}"))


def test_a_nul_in_an_upload_subject_is_400(staff_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from harness import pdfs

    pdf = SimpleUploadedFile("syllabus.pdf", pdfs.text_pdf(1), content_type="application/pdf")
    response = staff_client.post(
        "/api/v1/admin/syllabus/upload",
        {"subject": "a\x00b", "files[]": [pdf]},
        format="multipart",
    )
    assert_refused(response)
