"""At most N password checks at a time per host, across processes; a dead holder frees its slot."""

import multiprocessing
import os
import signal

import pytest

from assessment_engine.accounts.password_slots import HostSlots, NoFreeSlot

from .factories import DEFAULT_PASSWORD, UserFactory

RACERS = 8
SLOTS = 3


def _race_for_a_slot(directory, start, release, results) -> None:
    start.wait()
    try:
        with HostSlots(directory, SLOTS).hold():
            results.put("held")
            release.wait(timeout=30)  # hold until every racer has tried
    except NoFreeSlot:
        results.put("refused")


def test_of_many_processes_racing_exactly_the_slot_count_hold_one(tmp_path):
    context = multiprocessing.get_context("fork")
    start, release = context.Barrier(RACERS), context.Event()
    results = context.Queue()
    racers = [
        context.Process(target=_race_for_a_slot, args=(tmp_path, start, release, results))
        for _ in range(RACERS)
    ]
    for racer in racers:
        racer.start()
    outcomes = [results.get(timeout=30) for _ in range(RACERS)]
    release.set()
    for racer in racers:
        racer.join(timeout=30)

    assert sorted(outcomes) == ["held"] * SLOTS + ["refused"] * (RACERS - SLOTS)


def _hold_until_killed(directory, count, ready) -> None:
    with HostSlots(directory, count).hold():
        ready.set()
        signal.pause()


def test_a_killed_holder_frees_its_slot(tmp_path):
    context = multiprocessing.get_context("fork")
    ready = context.Event()
    holder = context.Process(target=_hold_until_killed, args=(tmp_path, 1, ready))
    holder.start()
    assert ready.wait(timeout=30)
    slots = HostSlots(tmp_path, 1)
    with pytest.raises(NoFreeSlot), slots.hold():
        pass

    os.kill(holder.pid, signal.SIGKILL)
    holder.join(timeout=30)

    with slots.hold():  # the kernel released the dead process's lock
        pass


def test_an_unusable_slot_directory_fails_open(tmp_path):
    not_a_directory = tmp_path / "file"
    not_a_directory.write_text("")
    ran = []
    with HostSlots(not_a_directory, 1).hold():
        ran.append(True)

    assert ran == [True]


def test_slots_are_released_after_use(tmp_path):
    slots = HostSlots(tmp_path, 1)
    for _ in range(3):
        with slots.hold():
            pass


@pytest.mark.django_db
def test_a_login_finding_every_slot_taken_is_throttled_and_changes_nothing(
    api_client, settings, tmp_path
):
    from knox.models import AuthToken

    settings.LOGIN_CONCURRENCY_PER_HOST, settings.LOGIN_SLOTS_DIR = 1, str(tmp_path)
    user = UserFactory()
    body = {"username": user.username, "password": DEFAULT_PASSWORD}

    with HostSlots(tmp_path, 1).hold():  # another worker is checking a password
        busy = api_client.post("/api/v1/auth/login", body, format="json")

    assert busy.status_code == 429
    assert busy["Retry-After"] == "1"
    assert busy.json()["error"]["code"] == "THROTTLED"
    assert busy.json()["error"]["details"] == {"retryAfterSeconds": 1}
    assert AuthToken.objects.count() == 0
    assert api_client.post("/api/v1/auth/login", body, format="json").status_code == 200
