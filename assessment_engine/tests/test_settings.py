"""Settings invariants, checked from the settings themselves and from fresh processes."""

import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings

from conftest import REPO_ROOT

PRODUCTION = "assessment_engine.settings.production"


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": PRODUCTION, **env}
    environment.pop("DJANGO_SECRET_KEY", None) if "DJANGO_SECRET_KEY" not in env else None
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_check_deploy_is_clean_under_production_settings():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="assess.example.com",
        AI_ALLOW_OFFLINE="true",
    )
    assert result.returncode == 0, result.stderr + result.stdout


def test_production_refuses_the_development_secret():
    result = run_manage("check", DJANGO_SECRET_KEY=settings.DEVELOPMENT_SECRET_KEY)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set to a real secret" in result.stderr


def test_production_refuses_a_missing_secret():
    result = run_manage("check")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_task_time_limits_stay_below_the_broker_visibility_timeout():
    # Otherwise Redis would hand a still-running acks_late task to a second worker.
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert settings.CELERY_TASK_SOFT_TIME_LIMIT < settings.CELERY_TASK_TIME_LIMIT < visibility


def test_celery_delivery_settings():
    from assessment_engine.celery import app

    conf = app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.accept_content == ["json"]
    assert conf.task_serializer == conf.result_serializer == "json"
    assert conf.result_backend == "django-db"
    assert conf.task_always_eager is False


def test_tasks_are_routed_to_queues_by_name():
    from assessment_engine.celery import app

    router = app.amqp.router
    for queue in ("generation", "evaluation", "maintenance"):
        assert router.route({}, f"{queue}.ping")["queue"].name == queue
    assert router.route({}, "maintenance.purge_expired_auth_tokens")["queue"].name == "maintenance"


def test_beat_schedule_names_registered_maintenance_tasks():
    from assessment_engine.celery import app

    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks
        assert entry["task"].startswith("maintenance.")


def provider_at_start(**env: str) -> subprocess.CompletedProcess:
    """A fresh process's AI provider (no key unless given; production has a real secret)."""
    given = {"GEMINI_API_KEY": "", "AI_PROVIDER": "", "AI_ALLOW_OFFLINE": "", **env}
    code = "from django.conf import settings; print(settings.AI_PROVIDER)"
    return run_manage(
        "shell", "--no-imports", "-c", code, DJANGO_SECRET_KEY=secrets.token_urlsafe(64), **given
    )


LOCAL = "assessment_engine.settings.local"


@pytest.mark.parametrize(
    ("env", "provider"),
    [
        ({"DJANGO_SETTINGS_MODULE": LOCAL}, "offline"),
        ({"DJANGO_SETTINGS_MODULE": LOCAL, "GEMINI_API_KEY": "k"}, "gemini"),
        (
            {"DJANGO_SETTINGS_MODULE": LOCAL, "GEMINI_API_KEY": "k", "AI_PROVIDER": "offline"},
            "offline",
        ),
        (
            {"DJANGO_SETTINGS_MODULE": LOCAL, "GEMINI_API_KEY": "k", "AI_PROVIDER": " Gemini "},
            "gemini",
        ),
        ({"GEMINI_API_KEY": "k"}, "gemini"),  # production
        ({"AI_ALLOW_OFFLINE": "true"}, "offline"),  # production, offline on purpose
    ],
)
def test_the_ai_provider_is_chosen_at_start(env, provider):
    result = provider_at_start(**env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == provider


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"DJANGO_SETTINGS_MODULE": LOCAL, "AI_PROVIDER": "openai"},
            "AI_PROVIDER must be one of gemini, offline.",
        ),
        (
            {"DJANGO_SETTINGS_MODULE": LOCAL, "AI_PROVIDER": "gemini"},
            "AI_PROVIDER=gemini needs GEMINI_API_KEY.",
        ),
        ({}, "The AI provider is offline (no GEMINI_API_KEY, or AI_PROVIDER=offline)"),
        (
            {"GEMINI_API_KEY": "k", "AI_PROVIDER": "offline"},
            "set GEMINI_API_KEY, or AI_ALLOW_OFFLINE=true",
        ),
    ],
)
def test_a_provider_that_cannot_be_honoured_refuses_to_start(env, message):
    result = provider_at_start(**env)

    assert result.returncode != 0
    assert message in result.stderr
