"""At most N password checks at a time on one host, across all of its web processes.

A login checks a PBKDF2 hash, about 0.25 s of one core. In a start-of-exam wave every sync
worker of a host can be hashing at once, and the candidates already in their exam queue
behind the hashing. Capping the checks in flight per host (`LOGIN_CONCURRENCY_PER_HOST`,
half the cores by default) keeps the other workers for them; a login that finds every slot
taken answers `429 THROTTLED` with `Retry-After`, which clients already handle.

A slot is a lock file in `LOGIN_SLOTS_DIR` held with flock(2). The kernel releases it when
its holder exits, however it exits, so a killed worker never leaks a slot; and the host's
processes share the slots without a network round trip. Redis would count across hosts, but
the CPU being protected is this host's.
"""

import fcntl
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

logger = logging.getLogger(__name__)


class NoFreeSlot(Exception):
    """Every slot is held by another password check on this host."""


class HostSlots:
    def __init__(self, directory: Path, count: int) -> None:
        if count < 1:
            raise ValueError("count must be at least 1")
        self.directory, self.count = Path(directory), count

    @contextmanager
    def hold(self) -> Iterator[None]:
        """Hold a free slot for the block, or raise `NoFreeSlot` at once (never waits).

        If the directory cannot be used (permissions, a full disk), the block runs without a
        slot: like the throttles, this protection fails open rather than refusing every login.
        """
        try:
            descriptor = self._take_free_slot()
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

    def _take_free_slot(self) -> int:
        self.directory.mkdir(parents=True, exist_ok=True)
        first = os.getpid() % self.count  # processes start at different files
        for step in range(self.count):
            path = self.directory / f"slot-{(first + step) % self.count}.lock"
            descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(descriptor)
                continue
            return descriptor
        raise NoFreeSlot()
