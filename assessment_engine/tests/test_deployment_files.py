"""docker-compose.yml and the Procfile describe the same processes, and every file that shows a
setting's default (compose, .env.example, the README's and docs/API.md's tables, the Makefile)
agrees with the one source of defaults, assessment_engine/settings/base.py, by value."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings

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


# --- what `docker compose up` hands the processes ----------------------------------------------

_COMPOSE_VARIABLE = re.compile(r"\$\$|\$\{(?P<name>\w+)(?:(?P<op>:-|:\?)(?P<arg>[^}]*))?\}")


def render_compose_value(value, environ: dict[str, str]) -> str:
    """Interpolate one value as compose does: ${VAR:-default}, ${VAR:?error}, ${VAR}, $$."""

    def substitute(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        name, op, arg = match.group("name", "op", "arg")
        current = environ.get(name, "")
        if op == ":-":
            return current or arg
        if op == ":?" and not current:
            raise ValueError(f"compose refuses to start: {name}: {arg}")
        return current

    return _COMPOSE_VARIABLE.sub(substitute, str(value))


def compose_environment(service: str, environ: dict[str, str]) -> dict[str, str]:
    """What the container gets: a variable listed without a value is passed through from the
    shell when set there, and left out otherwise."""
    raw = compose()["services"][service]["environment"]
    return {
        name: render_compose_value(value, environ) if value is not None else environ[name]
        for name, value in raw.items()
        if value is not None or name in environ
    }


def boot_settings(environment: dict[str, str]) -> subprocess.CompletedProcess:
    code = (
        "import assessment_engine.wsgi\n"  # as gunicorn starts: it chooses the settings module
        "from django.conf import settings\n"
        "print(settings.SECRET_KEY)\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        env={"PATH": os.environ.get("PATH", ""), **environment},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("settings_module", [None, "assessment_engine.settings.production"])
def test_compose_defaults_start_with_a_generated_secret_kept_in_the_volume(
    settings_module, tmp_path: Path
):
    # given: `FLOWER_BASIC_AUTH=u:p docker compose up` with nothing else set (but, for
    # production, the offline provider allowed on purpose)
    given = {"FLOWER_BASIC_AUTH": "flower:pw", "AI_ALLOW_OFFLINE": "true"}
    environment = compose_environment("web", given)
    assert "DJANGO_SECRET_KEY" not in environment
    volume_mount = "secrets:" + str(Path(environment["DJANGO_SECRET_KEY_FILE"]).parent)
    assert volume_mount in compose()["services"]["web"]["volumes"]
    assert volume_mount in compose()["services"]["migrate"]["volumes"]
    # the volume, here a directory of the test
    secret_file = tmp_path / "secrets" / "django-secret-key"
    environment["DJANGO_SECRET_KEY_FILE"] = str(secret_file)
    if settings_module:
        environment["DJANGO_SETTINGS_MODULE"] = settings_module

    # when: the processes start, twice (a restart)
    first, second = boot_settings(environment), boot_settings(environment)

    # then: a real secret, generated once, private to the deployment, and kept
    assert first.returncode == 0, first.stderr
    secret = first.stdout.strip()
    assert len(secret) >= 50
    assert secret != settings.DEVELOPMENT_SECRET_KEY
    assert secret == secret_file.read_text()
    assert secret_file.stat().st_mode & 0o077 == 0
    assert second.stdout.strip() == secret


def test_production_without_any_secret_refuses_to_start_with_a_clear_message():
    environment = compose_environment("web", {"FLOWER_BASIC_AUTH": "flower:pw"})
    del environment["DJANGO_SECRET_KEY_FILE"]
    environment["DJANGO_SETTINGS_MODULE"] = "assessment_engine.settings.production"

    result = boot_settings(environment)

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set to a real secret" in result.stderr


def test_flower_is_published_on_loopback_only():
    # Flower 2.2 answers /metrics and /healthcheck without its basic auth.
    for mapping in compose()["services"]["flower"]["ports"]:
        rendered = render_compose_value(mapping, {})
        assert rendered.startswith("127.0.0.1:"), rendered
    assert "FLOWER_BASIC_AUTH" in compose()["services"]["flower"]["environment"]


# --- one source of defaults: settings/base.py --------------------------------------------------

# Values docker-compose.yml sets because they differ inside the containers (service addresses,
# paths in the image, ports and interfaces of the container network), not defaults.
CONTAINER_VALUES = {
    "DATABASE_URL",
    "REDIS_URL",
    "DJANGO_SECRET_KEY_FILE",
    "MEDIA_ROOT",
    "BIND_HOST",
    "PORT",
    "FLOWER_PORT",
    "FLOWER_ADDRESS",
    "FLOWER_BASIC_AUTH",
}

_SETTINGS_SNAPSHOT = (
    "import json\n"
    "import environ\n"
    # A developer's .env must not take part in the comparison.
    "environ.Env.read_env = classmethod(lambda cls, *args, **kwargs: None)\n"
    "from django.conf import settings\n"
    "print(json.dumps({name: repr(getattr(settings, name)) for name in dir(settings)"
    " if name.isupper()}))\n"
)


def settings_with(environment: dict[str, str]) -> dict[str, str]:
    """Every setting (repr) of a fresh process whose environment is only `environment`."""
    result = subprocess.run(
        [sys.executable, "-c", _SETTINGS_SNAPSHOT],
        cwd=REPO_ROOT,
        env={
            "PATH": os.environ.get("PATH", ""),
            "DJANGO_SETTINGS_MODULE": "assessment_engine.settings.local",
            **environment,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def defaults() -> dict[str, str]:
    return settings_with({})


def assert_same_settings(shown: dict[str, str], defaults: dict[str, str], where: str) -> None:
    assert shown, f"{where} shows no defaults"
    booted = settings_with(shown)
    changed = {
        name: (value, booted[name]) for name, value in defaults.items() if booted[name] != value
    }
    assert changed == {}, f"{where} disagrees with settings/base.py (default, shown): {changed}"


def test_env_example_shows_the_defaults_and_sets_nothing(defaults):
    text = (REPO_ROOT / ".env.example").read_text()
    # copying it to .env changes nothing until a line is uncommented
    assert re.findall(r"^[A-Z_]+=.*$", text, flags=re.MULTILINE) == []
    shown = dict(re.findall(r"^# ([A-Z][A-Z0-9_]*)=(\S+)$", text, flags=re.MULTILINE))
    assert len(shown) >= 30

    assert_same_settings(shown, defaults, ".env.example")


def _documented_literal_defaults(markdown: str) -> dict[str, str]:
    """`| `NAME` | `value` (optional remark) | ... |` rows; computed or unset defaults are prose."""
    rows = re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \| `([^`<>\s]+)`( \([^|]*\))? \|", markdown, re.M)
    names = {name for name, _, _ in rows}
    # `CELERY_BROKER_URL | REDIS_URL` names another variable: it is not a value
    return {name: value for name, value, _ in rows if value not in names}


@pytest.mark.parametrize("document", ["README.md", "docs/API.md"])
def test_configuration_tables_show_the_defaults(defaults, document):
    shown = _documented_literal_defaults((REPO_ROOT / document).read_text())
    assert {"AI_MAX_ATTEMPTS", "SYLLABUS_MAX_UPLOAD_BYTES", "THROTTLE_LOGIN_RATE"} <= set(shown)

    assert_same_settings(shown, defaults, document)


def test_compose_leaves_defaults_to_the_settings(defaults):
    raw = compose()["x-environment"]
    # a variable either passes through from the shell, or has a container-specific value
    restated = {name: value for name, value in raw.items() if value is not None}
    assert set(restated) <= CONTAINER_VALUES, set(restated) - CONTAINER_VALUES
    assert all(":-" not in str(value) for value in restated.values()), restated
    # the host ports compose publishes by default are the settings' defaults
    text = (REPO_ROOT / "docker-compose.yml").read_text()
    published = dict(re.findall(r"\$\{(PORT|FLOWER_PORT):-(\d+)\}", text))
    assert published == {"PORT": defaults["PORT"], "FLOWER_PORT": defaults["FLOWER_PORT"]}


def test_makefile_ports_are_the_settings_defaults(defaults):
    makefile = (REPO_ROOT / "Makefile").read_text()
    ports = dict(re.findall(r"^(PORT|FLOWER_PORT) \?= (\d+)$", makefile, flags=re.MULTILINE))
    assert ports == {"PORT": defaults["PORT"], "FLOWER_PORT": defaults["FLOWER_PORT"]}


def planned_commands(target: str, venv: Path) -> str:
    """What `make TARGET` would run from a fresh clone (`make -n` runs nothing)."""
    result = subprocess.run(
        ["make", "-n", target, f"VENV={venv}"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_make_run_installs_the_runtime_set_and_make_test_the_dev_set(tmp_path: Path):
    venv = tmp_path / "fresh-venv"

    run, test = planned_commands("run", venv), planned_commands("test", venv)

    assert f"-m venv {venv}" in run and f"-m venv {venv}" in test
    assert "-r requirements.txt" in run
    assert "requirements-dev.txt" not in run
    assert "-r requirements-dev.txt" in test
    assert "-m assessment_engine.supervisor" in run
