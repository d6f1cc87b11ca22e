"""Project-wide fixtures: users, authenticated API clients, real Celery worker processes."""

import base64
import json
import os
import sys
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from django.conf import settings
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from assessment_engine.accounts.factories import UserFactory
from harness import stack
from harness.processes import REPO_ROOT, ChildProcess, free_port, stop_all, wait_until

__all__ = ["REPO_ROOT", "worker_environment"]


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


@pytest.fixture
def start_worker(tmp_path) -> Iterator[Callable[..., ChildProcess]]:
    """Start real Celery workers against the test database; they are stopped after the test.

    Use with `@pytest.mark.django_db(transaction=True)` so the worker sees committed rows.
    """
    workers: list[ChildProcess] = []

    def start(
        queues: list[str], *, name: str | None = None, env=None, concurrency: int = 4
    ) -> ChildProcess:
        name = name or "-".join(queues)
        worker = stack.start_worker(
            name,
            ",".join(queues),
            env={**worker_environment(), **(env or {})},
            log_path=tmp_path / f"worker-{name}-{len(workers)}.log",
            concurrency=concurrency,
        )
        workers.append(worker)
        return worker

    yield start
    stop_all(workers)


class FlowerProcess(ChildProcess):
    """A real Flower process (its `flowerconfig.py` included) on a free loopback port."""

    CREDENTIALS = ("ops", "flower-test-password")

    def __init__(self, log_path: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        environment = {
            **worker_environment(),
            "FLOWER_PORT": str(self.port),
            "FLOWER_ADDRESS": "127.0.0.1",
            "FLOWER_BASIC_AUTH": ":".join(self.CREDENTIALS),
        }
        command = [sys.executable, "-m", "celery", "-A", "assessment_engine", "flower"]
        super().__init__("flower", command, env=environment, log_path=log_path)

    def get(self, path: str):
        """The JSON answer of an authenticated GET."""
        token = base64.b64encode(":".join(self.CREDENTIALS).encode()).decode()
        headers = {"Authorization": f"Basic {token}"}
        request = urllib.request.Request(self.url + path, headers=headers)  # noqa: S310
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
            return json.loads(response.read())

    def wait_ready(self, timeout: float = 60) -> None:
        def answers() -> bool:
            self.require_alive()
            try:
                with urllib.request.urlopen(self.url + "/healthcheck", timeout=2):  # noqa: S310
                    return True
            except OSError:
                return False

        wait_until(answers, timeout=timeout, what="flower", interval=0.2)


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
    from harness.fake_gemini import FakeGemini
    from jobs.ai.factory import clear_provider_cache

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
def rates(monkeypatch):
    """Narrow the API throttle rates for one test: `rates(candidate="1/min")`."""

    # DRF reads rates once at import; each test narrows them for itself.
    def set_rates(**scopes: str) -> None:
        monkeypatch.setattr(
            SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, **scopes}
        )

    return set_rates


@pytest.fixture
def viewer_client(db):
    """A Django test client logged in to the admin as staff with every view_* permission and
    nothing else: admin pages that change things must refuse it."""
    from django.contrib.auth.models import Permission
    from django.test import Client

    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    client = Client()
    client.force_login(viewer)
    return client


@pytest.fixture
def quick_retries(settings):
    """Three attempts per job, with retries due at once (the backoff is still recorded)."""
    settings.AI_RETRY_BACKOFF_SECONDS = 0.001
    settings.AI_MAX_ATTEMPTS = 3
