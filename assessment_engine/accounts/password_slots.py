"""At most N password checks at a time on one host, across all of its web processes, shared
fairly between client addresses and between accounts.

A login checks a PBKDF2 hash, about 0.25 s of one core. In a start-of-exam wave every sync
worker of a host can be hashing at once, and the candidates already in their exam queue
behind the hashing. Capping the checks in flight per host (`LOGIN_CONCURRENCY_PER_HOST`,
half the cores by default) keeps the other workers for them; a login that finds every slot
taken answers `429 THROTTLED` with `Retry-After`, which clients already handle.

A cap alone is a lever for one client to lock everyone out: a few threads sending wrong
passwords as fast as the answers come back, well under the per-address rate, can hold every
slot all the time. So one client address, and one account, may each hold at most their
*share* of the slots (half, at least one): whatever one client or one guessed account does,
the other half stays free for everybody else.

A slot is a lock file in `LOGIN_SLOTS_DIR` held with flock(2); its holder writes who it is
checking for (digests of the address and the account) into the file. The kernel releases a
lock when its holder exits, however it exits, so a killed worker never leaks a slot (what it
wrote stays, but is ignored: only locked slots are counted). Taking a slot is "count what
this client and this account hold, then lock a free one", which must not interleave with
another process doing the same, so it runs under one more lock, `guard.lock`, held for the
few microseconds it takes to look at N small files. The host's processes share the slots
without a network round trip. Redis would count across hosts, but the CPU being protected is
this host's.
"""

import fcntl
import hashlib
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

_OWNER_BYTES = 128


class NoFreeSlot(Exception):
    """Every slot is held by another password check, or this client's or account's share is."""


@dataclass(frozen=True)
class Owner:
    """Who a password check is for, as digests: the slot files never hold an address or name."""

    client: str
    account: str

    @classmethod
    def of(cls, *, client: str, username: str) -> "Owner":
        return cls(client=_digest(client), account=_digest(username.strip().lower()))

    def encode(self) -> bytes:
        return f"{self.client} {self.account}".encode()

    @classmethod
    def decode(cls, raw: bytes) -> "Owner | None":
        parts = raw.decode(errors="replace").split()
        return cls(*parts) if len(parts) == 2 else None


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:32]


class HostSlots:
    def __init__(self, directory: Path, count: int) -> None:
        if count < 1:
            raise ValueError("count must be at least 1")
        self.directory, self.count = Path(directory), count
        # What one client address, or one account, may hold at once.
        self.share = max(1, count // 2)

    @contextmanager
    def hold(self, owner: Owner) -> Iterator[None]:
        """Hold a free slot for the block, or raise `NoFreeSlot` at once (never waits).

        If the directory cannot be used (permissions, a full disk), the block runs without a
        slot: like the throttles, this protection fails open rather than refusing every login.
        """
        try:
            descriptor = self._take_free_slot(owner)
        except OSError as exc:
            logger.warning(
                "Login slots unusable in %s, checking without one: %s", self.directory, exc
            )
            descriptor = None
        try:
            yield
        finally:
            if descriptor is not None:
                os.close(descriptor)  # closing the last descriptor releases the lock

    def _take_free_slot(self, owner: Owner) -> int:
        self.directory.mkdir(parents=True, exist_ok=True)
        guard = os.open(self.directory / "guard.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(guard, fcntl.LOCK_EX)  # brief: held only while looking at the slots
            return self._take_free_slot_under_guard(owner)
        finally:
            os.close(guard)

    def _take_free_slot_under_guard(self, owner: Owner) -> int:
        free, by_client, by_account = None, 0, 0
        first = os.getpid() % self.count  # processes start at different files
        try:
            for step in range(self.count):
                path = self.directory / f"slot-{(first + step) % self.count}.lock"
                descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
                try:
                    fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    holder = Owner.decode(os.pread(descriptor, _OWNER_BYTES, 0))
                    os.close(descriptor)
                    by_client += holder is not None and holder.client == owner.client
                    by_account += holder is not None and holder.account == owner.account
                    continue
                if free is None:
                    free = descriptor
                else:
                    os.close(descriptor)  # free too, but one is all this check needs
            if free is None or by_client >= self.share or by_account >= self.share:
                raise NoFreeSlot()
            os.ftruncate(free, 0)
            os.pwrite(free, owner.encode(), 0)
        except BaseException:
            if free is not None:
                os.close(free)
            raise
        return free
