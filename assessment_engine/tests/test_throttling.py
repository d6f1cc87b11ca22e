"""Per-user rates for candidates, a stricter one for generation, and login per account and per
client address: all 429 with Retry-After, all configurable, and none of them able to take the
API down with Redis."""

import threading
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest

from assessment_engine.accounts.factories import DEFAULT_PASSWORD, UserFactory
from assessment_engine.api.throttling import ResilientScopedRateThrottle

pytestmark = pytest.mark.django_db


def assert_throttled(response) -> None:
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "THROTTLED"
    assert int(response["Retry-After"]) > 0
    assert response.json()["error"]["details"]["retryAfterSeconds"] == int(response["Retry-After"])


def test_login_is_throttled_per_account_from_one_client(api_client, candidate, staff, rates):
    rates(login="3/min", login_client="100/min")
    body = {"username": candidate.username, "password": "wrong"}

    statuses = [
        api_client.post("/api/v1/auth/login", body, format="json").status_code for _ in range(3)
    ]

    assert statuses == [401, 401, 401]
    assert_throttled(api_client.post("/api/v1/auth/login", body, format="json"))
    # Another account from the same address still gets its own attempts.
    other = {"username": staff.username, "password": "wrong"}
    assert api_client.post("/api/v1/auth/login", other, format="json").status_code == 401


def test_an_exam_hall_behind_one_address_logs_in_together(api_client, rates):
    rates(login="2/min", login_client="100/min")
    people = UserFactory.create_batch(12)

    statuses = [
        api_client.post(
            "/api/v1/auth/login",
            {"username": person.username, "password": DEFAULT_PASSWORD},
            format="json",
        ).status_code
        for person in people
    ]

    assert statuses == [200] * 12  # per-IP counting (DRF's default) would refuse all but 2


def test_all_logins_from_one_client_are_capped(api_client, rates):
    rates(login="100/min", login_client="4/min")
    bodies = [{"username": f"nobody-{n}", "password": "wrong"} for n in range(5)]

    statuses = [
        api_client.post("/api/v1/auth/login", body, format="json").status_code for body in bodies
    ]

    assert statuses[:4] == [401] * 4
    assert statuses[4] == 429


def test_candidate_endpoints_are_throttled_per_user(candidate_client, staff_client, rates):
    rates(candidate="2/min")
    for _ in range(2):
        assert candidate_client.get("/api/v1/sessions").status_code == 200

    assert_throttled(candidate_client.get("/api/v1/sessions"))
    assert staff_client.get("/api/v1/sessions").status_code == 200  # another user's budget


def test_generation_triggers_have_their_own_stricter_rate(staff_client, rates):
    rates(generation="1/min", candidate="100/min")
    body = {"subject": "Nothing"}
    assert staff_client.post("/api/v1/assessments/generate", body, format="json").status_code == 404

    assert_throttled(staff_client.post("/api/v1/assessments/generate", body, format="json"))
    assert staff_client.get("/api/v1/assessments").status_code == 200


def test_a_burst_of_one_user_gets_exactly_the_rate_through(candidate, rates):
    """DRF's cache throttle reads, then writes, the history: a concurrent burst all read the
    same history and got through. Counted by one atomic script, the rate is exact."""
    rates(candidate="5/min")
    view = SimpleNamespace(throttle_scope="candidate")
    request = SimpleNamespace(user=candidate, META={"REMOTE_ADDR": "127.0.0.1"})
    barrier = threading.Barrier(30)

    def one_request() -> tuple[bool, float]:
        throttle = ResilientScopedRateThrottle()
        barrier.wait()
        allowed = throttle.allow_request(request, view)
        return allowed, throttle.wait()

    with ThreadPoolExecutor(max_workers=30) as pool:
        answers = list(pool.map(lambda _: one_request(), range(30)))

    assert sum(allowed for allowed, _ in answers) == 5
    refused_waits = [wait for allowed, wait in answers if not allowed]
    assert len(refused_waits) == 25 and all(0 < wait <= 60 for wait in refused_waits)
