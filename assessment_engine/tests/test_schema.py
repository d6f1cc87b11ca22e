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
    ("patch", "/api/v1/assessments/{assessmentId}/policy"),
    ("get", "/api/v1/assessments/{assessmentId}/results"),
    ("get", "/api/v1/assessments/{assessmentId}/statistics"),
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


def test_the_409s_name_their_codes(schema):
    """Swagger UI shows which conflicts each session action can answer."""
    descriptions = {
        path: schema["paths"][path]["post"]["responses"]["409"]["description"]
        for path in ("/api/v1/sessions/opt-in", "/api/v1/sessions/{sessionId}/submit-section")
    }
    opt_in, submit = descriptions.values()
    for code in ("NO_ATTEMPTS_LEFT", "ASSESSMENT_NOT_OPEN", "ASSESSMENT_CLOSED"):
        assert code in opt_in
    assert "TIME_LIMIT_EXCEEDED" in submit and "SECTION_OUT_OF_ORDER" in submit


def test_the_session_view_documents_the_policy_fields(schema):
    view = schema["components"]["schemas"]["SessionDetail"]["properties"]
    assert {"attempt", "deadline", "autoCompleted"} <= set(view)
    policy = schema["components"]["schemas"]["Policy"]["properties"]
    assert set(policy) == {
        "maxAttempts",
        "timeLimitSeconds",
        "opensAt",
        "closesAt",
        "shuffleQuestions",
        "shuffleOptions",
        "reviewPolicy",
        "reviewAfterClose",
    }


def test_results_document_the_csv_export_and_their_filters(schema):
    results = schema["paths"]["/api/v1/assessments/{assessmentId}/results"]["get"]
    assert set(results["responses"]["200"]["content"]) == {"application/json", "text/csv"}
    assert set(results["responses"]["400"]["content"]) == {"application/json"}  # errors: JSON
    parameters = {p["name"]: p["schema"] for p in results["parameters"] if p["in"] == "query"}
    assert set(parameters) == {"status", "reviewState", "format", "rows", "page", "pageSize"}
    assert parameters["reviewState"]["enum"] == ["AI_GRADED", "NEEDS_REVIEW", "REVIEWED"]
    statistics = schema["components"]["schemas"]["Statistics"]["properties"]
    assert {"attempts", "meanPercentage", "medianPercentage", "stdDev", "alpha", "flags"} <= set(
        statistics
    )
