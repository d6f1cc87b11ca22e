import logging

import pytest

from assessment_engine.logging import EscapingFormatter

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


def console_formatter() -> logging.Formatter:
    [handler] = [h for h in logging.getLogger().handlers if h.get_name() == "console"]
    return handler.formatter


@pytest.mark.parametrize(
    "path", ["/api/v1/x%0a2026-01-01 INFO forged line", "/api/v1/x%0d%0a%1b[2J"]
)
def test_control_characters_in_a_path_cannot_forge_a_log_line(candidate_client, caplog, path):
    with caplog.at_level(logging.INFO, logger="assessment_engine.request"):
        candidate_client.get(path)

    [record] = [r for r in caplog.records if r.name == "assessment_engine.request"]
    line = console_formatter().format(record)
    assert "\n" not in line and "\r" not in line and "\x1b" not in line
    assert "\\n" in line or "\\r" in line


def test_the_text_format_escapes_every_control_character():
    formatter = EscapingFormatter("%(message)s")
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "a\nb\rc\x00d\u2028e\x85", None, None
    )
    assert formatter.format(record) == "a\\nb\\rc\\x00d\\u2028e\\x85"


def test_a_static_file_served_well_is_not_logged_and_a_missing_one_is(api_client, caplog):
    with caplog.at_level(logging.INFO, logger="assessment_engine.request"):
        served = api_client.get("/static/admin/css/base.css")
        missing = api_client.get("/static/admin/css/no-such-file.css")

    assert served.status_code == 200
    assert missing.status_code == 404
    paths = [r.path for r in caplog.records if r.name == "assessment_engine.request"]
    assert paths == ["/static/admin/css/no-such-file.css"]
