"""docker-compose.yml and the Procfile describe the same processes."""

import re

import yaml

from conftest import REPO_ROOT


def procfile_commands() -> dict[str, str]:
    lines = (REPO_ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip() and not line.startswith("#"))


def compose() -> dict:
    return yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())


def test_every_procfile_process_has_a_compose_service_with_the_same_command():
    services = compose()["services"]
    for name, command in procfile_commands().items():
        assert name in services, f"no compose service for Procfile process {name!r}"
        assert services[name]["command"] == command


def test_procfile_runs_web_one_worker_per_queue_beat_and_flower():
    commands = procfile_commands()
    workers = [command for command in commands.values() if " worker " in command]
    queues = [re.search(r"--queues (\S+)", command).group(1) for command in workers]
    assert sorted(queues) == ["evaluation", "generation", "maintenance"]
    assert any(" beat " in c for c in commands.values())
    assert any(c.endswith(" flower") for c in commands.values())
    assert commands["web"].startswith("gunicorn ")


def test_compose_services_share_one_definition_and_the_configuration_table():
    services = compose()["services"]
    app_services = list(procfile_commands())
    environments = [services[name]["environment"] for name in app_services]
    assert all(env == environments[0] for env in environments)
    readme = (REPO_ROOT / "README.md").read_text()
    documented = set(re.findall(r"^\| `([A-Z_]+)`", readme, flags=re.MULTILINE))
    assert documented, "README has the configuration table"
    for variable in documented - {"DJANGO_SETTINGS_MODULE"}:
        assert variable in environments[0] or variable in _local_only(), variable
    for service in ("postgres", "redis", "web"):
        assert "healthcheck" in services[service]


def _local_only() -> set[str]:
    # Process-level knobs that have fixed values inside containers.
    return {
        "LOG_LEVEL",
        "WEB_CONCURRENCY",
        "THROTTLE_LOGIN_RATE",
        "THROTTLE_LOGIN_CLIENT_RATE",
        "LOGIN_CONCURRENCY_PER_HOST",
        "LOGIN_SLOTS_DIR",
        "AUTH_TOKEN_TTL_SECONDS",
        "DATABASE_CONN_MAX_AGE",
        "DATABASE_PGBOUNCER",
        "TEST_REDIS_URL",
        "NUM_PROXIES",
        "FLOWER_ADDRESS",
    }
