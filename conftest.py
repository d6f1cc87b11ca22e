"""Project-wide fixtures: users, authenticated API clients, real Celery worker processes."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from django.conf import settings
from rest_framework.test import APIClient

from assessment_engine.accounts.tests.factories import UserFactory

REPO_ROOT = Path(__file__).resolve().parent


@pytest.fixture(scope="session", autouse=True)
def _clean_test_redis() -> None:
    """Tests share one Redis db of their own: start every run from an empty one."""
    with redis.Redis.from_url(settings.REDIS_URL) as client:
        client.flushdb()


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    # Throttle counters live in the cache: no test may inherit another's.
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def candidate(db):
    return UserFactory()


@pytest.fixture
def staff(db):
    return UserFactory(is_staff=True)


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def client_for(db) -> Callable[..., APIClient]:
    """An APIClient sending a real bearer token issued for `user`."""
    from knox.models import AuthToken

    def make(user) -> APIClient:
        _, token = AuthToken.objects.create(user=user)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        return client

    return make


@pytest.fixture
def candidate_client(client_for, candidate) -> APIClient:
    return client_for(candidate)


@pytest.fixture
def staff_client(client_for, staff) -> APIClient:
    return client_for(staff)


def worker_environment() -> dict[str, str]:
    """Environment for a child process that must see the test database and test Redis."""
    from django.db import connection

    db = connection.settings_dict
    user = db["USER"] or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db["HOST"] or "127.0.0.1"
    port = db["PORT"] or 5432
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "assessment_engine.settings.test",
        "DATABASE_URL": f"postgres://{user}{password}@{host}:{port}/{db['NAME']}",
        "TEST_REDIS_URL": settings.REDIS_URL,
        "PYTHONUNBUFFERED": "1",
    }


class WorkerProcess:
    """A real `celery worker` child process consuming the given queues."""

    def __init__(self, queues: list[str], *, name: str, log_path: Path, extra_args=(), env=None):
        self.queues, self.name, self.log_path = queues, name, log_path
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "assessment_engine",
            "worker",
            "--queues",
            ",".join(queues),
            "--hostname",
            f"{name}@%h",
            "--pool",
            "threads",
            "--concurrency",
            "4",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            *extra_args,
        ]
        self._log = log_path.open("wb")
        self.process = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env={**worker_environment(), **(env or {})},
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if " ready." in self.log():
                return
            if self.process.poll() is not None:
                raise RuntimeError(f"worker {self.name} exited:\n{self.log()}")
            time.sleep(0.1)
        raise TimeoutError(f"worker {self.name} not ready after {timeout}s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, sig)
        self.process.wait(timeout=30)
        self._log.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log.close()


@pytest.fixture
def start_worker(tmp_path) -> Iterator[Callable[..., WorkerProcess]]:
    """Start real Celery workers against the test database; they are stopped after the test.

    Use with `@pytest.mark.django_db(transaction=True)` so the worker sees committed rows.
    """
    workers: list[WorkerProcess] = []

    def start(
        queues: list[str], *, name: str | None = None, extra_args=(), env=None
    ) -> WorkerProcess:
        name = name or "-".join(queues)
        worker = WorkerProcess(
            queues,
            name=name,
            log_path=tmp_path / f"worker-{name}-{len(workers)}.log",
            extra_args=extra_args,
            env=env,
        )
        workers.append(worker)
        worker.wait_ready()
        return worker

    yield start
    for worker in workers:
        worker.stop()


class FlowerProcess(WorkerProcess):
    """A real Flower process (its `flowerconfig.py` included) on a free loopback port, logged
    and stopped as a worker is."""

    CREDENTIALS = ("ops", "flower-test-password")

    def __init__(self, log_path: Path):
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.name, self.log_path, self._log = "flower", log_path, log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "assessment_engine", "flower"],
            cwd=REPO_ROOT,
            env={
                **worker_environment(),
                "FLOWER_PORT": str(self.port),
                "FLOWER_ADDRESS": "127.0.0.1",
                "FLOWER_BASIC_AUTH": ":".join(self.CREDENTIALS),
            },
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def get(self, path: str):
        """The JSON answer of an authenticated GET."""
        import base64
        import json
        import urllib.request

        token = base64.b64encode(":".join(self.CREDENTIALS).encode()).decode()
        headers = {"Authorization": f"Basic {token}"}
        request = urllib.request.Request(self.url + path, headers=headers)  # noqa: S310
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
            return json.loads(response.read())

    def wait_ready(self, timeout: float = 60) -> None:
        import urllib.request

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"flower exited:\n{self.log()}")
            try:
                with urllib.request.urlopen(self.url + "/healthcheck", timeout=2):  # noqa: S310
                    return
            except OSError:
                time.sleep(0.2)
        raise TimeoutError(f"flower not ready after {timeout}s:\n{self.log()}")


@pytest.fixture
def flower(tmp_path) -> Iterator[FlowerProcess]:
    """Flower watching the test broker, started (and ready) before the test starts workers."""
    process = FlowerProcess(tmp_path / "flower.log")
    try:
        process.wait_ready()
        yield process
    finally:
        process.stop()


@pytest.fixture
def gemini(settings):
    """A local fake Gemini server, with the app using it through the real google-genai client."""
    from jobs.ai.factory import clear_provider_cache
    from jobs.tests.fake_gemini import FakeGemini

    with FakeGemini() as fake:
        settings.AI_PROVIDER = "gemini"
        settings.GEMINI_API_KEY = "test-key-not-real"
        settings.GEMINI_API_BASE_URL = fake.url
        clear_provider_cache()
        yield fake
    clear_provider_cache()


@pytest.fixture
def superuser_client(staff):
    """A Django test client logged in to the admin as a superuser."""
    from django.test import Client

    staff.is_superuser = True
    staff.save()
    client = Client()
    client.force_login(staff)
    return client


@pytest.fixture
def quick_retries(settings):
    """Three attempts per job, with retries due at once (the backoff is still recorded)."""
    settings.AI_RETRY_BACKOFF_SECONDS = 0.001
    settings.AI_MAX_ATTEMPTS = 3
