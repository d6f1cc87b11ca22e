"""The served OpenAPI schema names the contract's paths, exactly as API.md writes them."""

import pytest

pytestmark = pytest.mark.django_db

CONTRACT_OPERATIONS = {
    ("post", "/api/v1/auth/login"),
    ("post", "/api/v1/auth/logout"),
    ("get", "/api/v1/auth/me"),
    ("post", "/api/v1/admin/syllabus/upload"),
    ("get", "/api/v1/admin/syllabus"),
    ("get", "/api/v1/admin/syllabus/{syllabusId}"),
    ("post", "/api/v1/assessments/generate"),
    ("get", "/api/v1/jobs/{jobId}"),
    ("get", "/api/v1/assessments"),
    ("get", "/api/v1/assessments/{assessmentId}"),
    ("post", "/api/v1/sessions/opt-in"),
    ("post", "/api/v1/sessions/start"),
    ("post", "/api/v1/sessions/{sessionId}/submit-section"),
    ("post", "/api/v1/sessions/{sessionId}/heartbeat"),
    ("post", "/api/v1/sessions/{sessionId}/complete"),
    ("get", "/api/v1/sessions/{sessionId}"),
    ("get", "/api/v1/sessions"),
}


@pytest.fixture
def schema(api_client) -> dict:
    response = api_client.get("/api/v1/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def test_schema_documents_every_contract_operation(schema):
    operations = {(method, path) for path, item in schema["paths"].items() for method in item}
    assert operations >= CONTRACT_OPERATIONS
    assert not [path for path in schema["paths"] if path.endswith("/")]


def test_only_login_is_documented_without_a_token(schema):
    anonymous = {
        (method, path)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if not operation.get("security") or {} in operation["security"]
    }
    assert anonymous == {("post", "/api/v1/auth/login")}
    schemes = schema["components"]["securitySchemes"].values()
    assert [(s["type"], s["scheme"]) for s in schemes] == [("http", "bearer")]


def test_errors_are_documented_as_the_envelope(schema):
    me = schema["paths"]["/api/v1/auth/me"]["get"]["responses"]
    assert me["401"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorEnvelope")
