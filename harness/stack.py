"""The application started as the Procfile starts it, against a database and Redis of its own."""

from __future__ import annotations

import json
import os
import sys
import urllib.request
from pathlib import Path

from .databases import ensure_database, flush_redis
from .processes import REPO_ROOT, ChildProcess, HarnessError, free_port, stop_all, wait_until

# Nothing of the caller's own configuration may leak into the system it starts.
_CALLER_PREFIXES = ("DJANGO_", "PYTEST_", "GEMINI_", "DATABASE_", "CELERY_")
_CALLER_KEYS = ("REDIS_URL", "TEST_REDIS_URL", "MEDIA_ROOT")


def stack_environment(*, database_url: str, redis_url: str, **overrides: str) -> dict[str, str]:
    """Local settings with DEBUG off (it keeps every SQL statement in memory) and the offline
    provider: the Gemini key is blanked, not removed, or a value in .env would apply."""
    inherited = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(_CALLER_PREFIXES) and key not in _CALLER_KEYS
    }
    return {
        **inherited,
        "DJANGO_SETTINGS_MODULE": "assessment_engine.settings.local",
        "DJANGO_DEBUG": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url,
        "DATABASE_REPLICA_URL": "",
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": redis_url,
        "GEMINI_API_KEY": "",
        "GEMINI_API_BASE_URL": "",
        "BIND_HOST": "127.0.0.1",
        "PYTHONUNBUFFERED": "1",
        **overrides,
    }


def run_python(arguments: list[str], *, env: dict[str, str], timeout: float = 300) -> str:
    """`python ARGUMENTS` from the repository root, in a child (as an operator would run it);
    its stdout, or HarnessError with its output."""
    import subprocess

    result = subprocess.run(
        [sys.executable, *arguments],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise HarnessError(f"{' '.join(arguments[:3])} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def prepare_database(env: dict[str, str], *, recreate: bool = False, empty: bool = False) -> None:
    """Create the database of the environment's DATABASE_URL if it is missing (afresh with
    `recreate`) and migrate it, in a child: migrate must not share a caller's settings. With
    `empty`, every table and the Redis db of REDIS_URL are emptied too (a benchmark's start)."""
    ensure_database(env["DATABASE_URL"], recreate=recreate)
    run_python(["manage.py", "migrate", "--noinput", "-v", "0"], env=env)
    if empty:
        run_python(["manage.py", "flush", "--noinput", "-v", "0"], env=env)
        flush_redis(env["REDIS_URL"])


def seed(module: str, command: str, *, env: dict[str, str], **params) -> dict:
    """`python -m MODULE COMMAND '{params}'` (a seeding script): the JSON of its last line."""
    output = run_python(["-m", module, command, json.dumps(params)], env=env)
    return json.loads(output.strip().splitlines()[-1])


def celery_command(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "celery", "-A", "assessment_engine", *arguments]


def worker_command(
    queues: str, *, hostname: str, pool: str = "threads", concurrency: int = 4, quiet: bool = False
) -> list[str]:
    """`celery worker` as the Procfile runs it; `quiet` drops the start-up chatter between
    workers (gossip, mingle) that a single worker does not need."""
    command = celery_command(
        *("worker", "--queues", queues, "--hostname", f"{hostname}@%h"),
        *("--pool", pool, "--concurrency", str(concurrency), "--loglevel", "INFO"),
    )
    return [*command, "--without-gossip", "--without-mingle"] if quiet else command


def start_worker(
    name: str, queues: str, *, env: dict[str, str], log_path: Path, concurrency: int = 4
) -> ChildProcess:
    """A quiet thread-pool worker named `name`, returned once it is ready to consume (stopped
    if it never is)."""
    command = worker_command(queues, hostname=name, concurrency=concurrency, quiet=True)
    worker = ChildProcess(name, command, env=env, log_path=log_path)
    try:
        worker.wait_for_log(" ready.", timeout=30)
    except BaseException:
        worker.stop()
        raise
    return worker


def web_command(config: str = "gunicorn.conf.py") -> list[str]:
    return [sys.executable, "-m", "gunicorn", "assessment_engine.wsgi", "--config", config]


def wait_for_http(url: str, owner: ChildProcess, *, timeout: float = 60) -> None:
    """Until `url` answers 200; fail at once if `owner` (the server) exits."""

    def answers() -> bool:
        owner.require_alive()
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status == 200
        except OSError:
            return False

    try:
        wait_until(answers, timeout=timeout, what="", interval=0.1)
    except TimeoutError:
        raise HarnessError(f"{url} did not answer 200:\n{owner.log_tail()}") from None


class Stack:
    """gunicorn, one Celery worker per queue and beat, each a ChildProcess logging to
    `work_dir`; stopped (web and beat first, then the workers) on leaving the `with` block."""

    def __init__(self, *, env: dict[str, str], work_dir: Path) -> None:
        self.work_dir = work_dir
        self.port = free_port()
        self.env = {**env, "PORT": str(self.port)}
        self.processes: dict[str, ChildProcess] = {}

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def seed(self, module: str, command: str, **params) -> dict:
        return seed(module, command, env=self.env, **params)

    def start(self, *, ai_concurrency: int) -> None:
        """Everything, returning once each process is ready."""
        self.spawn("web", web_command())
        for queue in ("generation", "evaluation"):
            self.spawn(
                f"worker-{queue}",
                worker_command(queue, hostname=queue, concurrency=ai_concurrency),
            )
        self.spawn(
            "worker-maintenance",
            worker_command("maintenance", hostname="maintenance", pool="prefork", concurrency=1),
        )
        schedule = str(self.work_dir / "celerybeat-schedule")
        self.spawn("beat", celery_command("beat", "--schedule", schedule, "--loglevel", "INFO"))
        for name, process in self.processes.items():
            if name.startswith("worker-"):
                process.wait_for_log(" ready.")
        self.processes["beat"].wait_for_log("beat: Starting...")
        wait_for_http(f"{self.base_url}/readyz", self.processes["web"])

    def spawn(self, name: str, command: list[str]) -> ChildProcess:
        log_path = self.work_dir / f"{name}.log"
        self.processes[name] = ChildProcess(name, command, env=self.env, log_path=log_path)
        return self.processes[name]

    def dead_processes(self) -> list[str]:
        """Names of processes that exited by themselves."""
        return [name for name, process in self.processes.items() if not process.alive()]

    def stop(self) -> None:
        workers_last = sorted(self.processes, key=lambda name: not name.startswith("worker-"))
        stop_all([self.processes[name] for name in workers_last])

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()
