"""What `make run` answers to a wrong Host header or an oversized body: an error in the
contract's envelope on /api/ (a plain page elsewhere), never Django's debug page."""

import subprocess
import sys

import pytest
from django.test import Client

from conftest import REPO_ROOT

from .test_errors import assert_envelope

pytestmark = pytest.mark.django_db

THREE_MIB = 3 << 20


@pytest.fixture
def client(settings):
    settings.DEBUG = False
    return Client()


def assert_no_debug_page(response) -> None:
    body = response.content.decode()
    for leak in ("Traceback", "DATABASES", "SECRET_KEY", "settings.DEBUG", str(REPO_ROOT)):
        assert leak not in body, leak


def test_bad_host_on_the_api_is_a_400_envelope(client):
    response = client.get("/api/v1/auth/me", HTTP_HOST="attacker.example")

    assert_envelope(response, 400, "VALIDATION_ERROR")
    assert_no_debug_page(response)


def test_bad_host_elsewhere_is_a_plain_400(client):
    response = client.get("/admin/login/", HTTP_HOST="attacker.example")

    assert response.status_code == 400
    assert_no_debug_page(response)


def test_oversized_admin_login_form_is_a_413(client):
    response = client.post("/admin/login/", {"username": "x" * THREE_MIB, "password": "y"})

    assert response.status_code == 413
    assert_no_debug_page(response)


def test_oversized_json_body_on_the_api_is_a_413_envelope(client):
    body = '{"username": "' + "x" * THREE_MIB + '", "password": "y"}'

    response = client.post("/api/v1/auth/login", body, content_type="application/json")

    assert_envelope(response, 413, "PAYLOAD_TOO_LARGE")
    assert_no_debug_page(response)


def test_too_many_form_fields_is_a_413(client):
    fields = {f"f{index}": "1" for index in range(1100)}

    response = client.post("/admin/login/", fields)

    assert response.status_code == 413
    assert_no_debug_page(response)


def _settings_debug(**environment) -> str:
    code = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "assessment_engine.settings.local"}
        | environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.strip()


def test_make_run_settings_have_debug_off_unless_asked():
    assert _settings_debug() == "False"
    assert _settings_debug(DJANGO_DEBUG="true") == "True"


def _gunicorn_config(**environment) -> subprocess.CompletedProcess:
    code = "import runpy; print(runpy.run_path('gunicorn.conf.py')['bind'])"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        env={"PATH": "/usr/bin:/bin"} | environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_gunicorn_refuses_debug_on_a_network_interface():
    refused = _gunicorn_config(DJANGO_DEBUG="true", BIND_HOST="0.0.0.0")  # noqa: S104
    loopback = _gunicorn_config(DJANGO_DEBUG="true", BIND_HOST="127.0.0.1")
    network = _gunicorn_config(DJANGO_DEBUG="false", BIND_HOST="0.0.0.0")  # noqa: S104

    assert refused.returncode != 0 and "DJANGO_DEBUG" in refused.stderr
    assert loopback.returncode == 0 and loopback.stdout.strip() == "127.0.0.1:8000"
    assert network.returncode == 0
