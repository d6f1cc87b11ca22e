"""At most N password checks at a time per host, across processes; a dead holder frees its slot."""

import multiprocessing
import os
import signal
import threading
from contextlib import ExitStack

import pytest

from assessment_engine.accounts.factories import DEFAULT_PASSWORD, UserFactory
from assessment_engine.accounts.password_slots import HostSlots, NoFreeSlot, Owner

RACERS = 8
SLOTS = 3


def someone(n: int = 0) -> Owner:
    return Owner.of(client=f"10.0.0.{n}", username=f"user{n}")


def _race_for_a_slot(directory, number, start, release, results) -> None:
    start.wait()
    try:
        with HostSlots(directory, SLOTS).hold(someone(number)):
            results.put("held")
            release.wait(timeout=30)  # hold until every racer has tried
    except NoFreeSlot:
        results.put("refused")


def test_of_many_processes_racing_exactly_the_slot_count_hold_one(tmp_path):
    context = multiprocessing.get_context("fork")
    start, release = context.Barrier(RACERS), context.Event()
    results = context.Queue()
    racers = [
        context.Process(target=_race_for_a_slot, args=(tmp_path, number, start, release, results))
        for number in range(RACERS)
    ]
    for racer in racers:
        racer.start()
    outcomes = [results.get(timeout=30) for _ in range(RACERS)]
    release.set()
    for racer in racers:
        racer.join(timeout=30)

    assert sorted(outcomes) == ["held"] * SLOTS + ["refused"] * (RACERS - SLOTS)


def _hold_until_killed(directory, count, ready) -> None:
    with HostSlots(directory, count).hold(someone(1)):
        ready.set()
        signal.pause()


def test_a_killed_holder_frees_its_slot(tmp_path):
    context = multiprocessing.get_context("fork")
    ready = context.Event()
    holder = context.Process(target=_hold_until_killed, args=(tmp_path, 1, ready))
    holder.start()
    assert ready.wait(timeout=30)
    slots = HostSlots(tmp_path, 1)
    with pytest.raises(NoFreeSlot), slots.hold(someone(2)):
        pass

    os.kill(holder.pid, signal.SIGKILL)
    holder.join(timeout=30)

    with slots.hold(someone(2)):  # the kernel released the dead process's lock
        pass


def test_an_unusable_slot_directory_fails_open(tmp_path):
    not_a_directory = tmp_path / "file"
    not_a_directory.write_text("")
    ran = []
    with HostSlots(not_a_directory, 1).hold(someone()):
        ran.append(True)

    assert ran == [True]


def test_slots_are_released_after_use(tmp_path):
    slots = HostSlots(tmp_path, 1)
    for _ in range(3):
        with slots.hold(someone()):
            pass


@pytest.mark.django_db
def test_a_login_finding_every_slot_taken_is_throttled_and_changes_nothing(
    api_client, settings, tmp_path
):
    from knox.models import AuthToken

    settings.LOGIN_CONCURRENCY_PER_HOST, settings.LOGIN_SLOTS_DIR = 1, str(tmp_path)
    user = UserFactory()
    body = {"username": user.username, "password": DEFAULT_PASSWORD}

    with HostSlots(tmp_path, 1).hold(someone(9)):  # another worker is checking a password
        busy = api_client.post("/api/v1/auth/login", body, format="json")

    assert busy.status_code == 429
    assert busy["Retry-After"] == "1"
    assert busy.json()["error"]["code"] == "THROTTLED"
    assert busy.json()["error"]["details"] == {"retryAfterSeconds": 1}
    assert AuthToken.objects.count() == 0
    assert api_client.post("/api/v1/auth/login", body, format="json").status_code == 200


@pytest.mark.parametrize(("count", "share"), [(1, 1), (2, 1), (3, 1), (4, 2), (9, 4)])
def test_a_client_or_an_account_holds_at_most_its_share(tmp_path, count, share):
    slots = HostSlots(tmp_path, count)
    attacker = Owner.of(client="10.6.6.6", username="victim")
    with ExitStack() as held:
        for n in range(share):  # one address, many accounts
            held.enter_context(slots.hold(Owner.of(client="10.6.6.6", username=f"a{n}")))
        with pytest.raises(NoFreeSlot):
            held.enter_context(slots.hold(attacker))
        if count > share:
            with slots.hold(someone(1)):  # anyone else still gets in
                pass

    with ExitStack() as held:
        for n in range(share):  # one account, many addresses
            held.enter_context(slots.hold(Owner.of(client=f"10.7.0.{n}", username="victim")))
        with pytest.raises(NoFreeSlot):
            held.enter_context(slots.hold(Owner.of(client="10.7.1.1", username="Victim ")))
        if count > share:
            with slots.hold(someone(1)):
                pass


def test_usernames_and_addresses_never_reach_the_slot_files(tmp_path):
    with HostSlots(tmp_path, 2).hold(Owner.of(client="203.0.113.7", username="ada")):
        written = b"".join(path.read_bytes() for path in tmp_path.iterdir())

    assert written and b"203.0.113.7" not in written and b"ada" not in written


ATTACKERS = 3
OTHERS = 5


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(60)
def test_one_client_guessing_passwords_cannot_starve_everyone_elses_logins(
    settings, tmp_path, monkeypatch
):
    """Three threads of wrong passwords from one address, under its rate, each check as slow as
    the attacker likes (here: until released); meanwhile five people log in from elsewhere."""
    from rest_framework.test import APIClient

    from assessment_engine.accounts import services

    # given 3 slots on this host (a client's share: 1)
    settings.LOGIN_CONCURRENCY_PER_HOST, settings.LOGIN_SLOTS_DIR = 3, str(tmp_path)
    people = UserFactory.create_batch(OTHERS)
    attack_in_check, release_attack = threading.Semaphore(0), threading.Event()
    real_authenticate = services.authenticate

    def authenticate(**credentials):
        if credentials["password"] == "guess":
            attack_in_check.release()
            release_attack.wait(timeout=30)
        return real_authenticate(**credentials)

    monkeypatch.setattr(services, "authenticate", authenticate)
    attack_results, start = [], threading.Barrier(ATTACKERS)

    def attack(n: int) -> None:
        start.wait()
        body = {"username": f"someone-{n}", "password": "guess"}
        response = APIClient(REMOTE_ADDR="198.51.100.66").post(
            "/api/v1/auth/login", body, format="json"
        )
        attack_results.append(response.status_code)
        if response.status_code == 429:
            attack_in_check.release()  # accounted for: refused before any check

    attackers = [threading.Thread(target=attack, args=(n,)) for n in range(ATTACKERS)]
    for thread in attackers:
        thread.start()
    for _ in range(ATTACKERS):  # every attack request is either checking or refused
        assert attack_in_check.acquire(timeout=30)

    # when other people log in from their own addresses while the attack holds what it can
    others = [
        APIClient(REMOTE_ADDR=f"192.0.2.{n + 1}")
        .post(
            "/api/v1/auth/login",
            {"username": person.username, "password": DEFAULT_PASSWORD},
            format="json",
        )
        .status_code
        for n, person in enumerate(people)
    ]
    release_attack.set()
    for thread in attackers:
        thread.join(timeout=30)

    # then the attack held one slot, its other requests were refused, and nobody else was
    assert others == [200] * OTHERS
    assert sorted(attack_results) == [401] + [429] * (ATTACKERS - 1)
