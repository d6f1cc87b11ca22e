"""At most N password checks at a time on one host, across all of its web processes, shared
fairly between client addresses and between accounts.

A password check is slow by design: in a start-of-exam wave every sync worker of a host could
be hashing while the candidates already in their exam queue behind it. Capping the checks in
flight per host (`LOGIN_CONCURRENCY_PER_HOST`) keeps the other workers for them; a login that
finds every slot taken answers `429 THROTTLED` with `Retry-After`. So that one client (or one
guessed account) cannot hold every slot, each may hold at most its share (half, at least one).

A slot is a lock file in `LOGIN_SLOTS_DIR` held with flock(2), naming (as digests) the address
and account it checks for: the kernel releases it when its holder exits, however it exits, so a
killed worker never leaks a slot. Counting and taking a slot happen under one more lock,
`guard.lock`. Redis would count across hosts, but the CPU being protected is this host's.
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
