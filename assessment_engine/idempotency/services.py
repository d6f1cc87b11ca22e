"""Claiming an Idempotency-Key, replaying its stored response, and purging old keys."""

import time
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from assessment_engine.api.errors import DomainError

from .models import IdempotencyRecord

KEY_LIFETIME = timedelta(hours=24)
# A request that finds its key still in progress waits for the first one's answer.
WAIT_FOR_FIRST_SECONDS = 10.0
# An in-progress key older than any request can run (gunicorn kills a request after 60 s) was
# abandoned, e.g. by a database outage between the action and storing its answer.
ABANDONED_AFTER = timedelta(seconds=65)
POLL_SECONDS = 0.05


class IdempotencyKeyReused(DomainError):
    status_code = 422
    code = "IDEMPOTENCY_KEY_REUSED"
    default_message = "This Idempotency-Key was already used with a different request."


class IdempotencyKeyInProgress(DomainError):
    status_code = 409
    code = "IDEMPOTENCY_KEY_IN_PROGRESS"
    default_message = "A request with this Idempotency-Key is still being processed; retry later."


@dataclass(frozen=True)
class Claim:
    record: IdempotencyRecord
    replay: bool  # True: answer with the stored response instead of acting


def idempotency_claim(*, user, key: str, fingerprint: str) -> Claim:
    """The first request with a key owns it; the others replay its response (or wait for it).

    The unique (user, key) index decides who is first, whatever the interleaving.
    """
    deadline = time.monotonic() + WAIT_FOR_FIRST_SECONDS
    while True:
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    user=user, key=key, fingerprint=fingerprint
                )
            return Claim(record, replay=False)
        except IntegrityError:
            pass
        existing = IdempotencyRecord.objects.filter(user=user, key=key).first()
        if existing is None:
            continue  # the first request failed and released the key: try again
        if _is_stale(existing):
            IdempotencyRecord.objects.filter(pk=existing.pk).delete()
            continue
        if existing.fingerprint != fingerprint:
            raise IdempotencyKeyReused()
        if existing.status_code is not None:
            return Claim(existing, replay=True)
        if time.monotonic() >= deadline:
            raise IdempotencyKeyInProgress()
        time.sleep(POLL_SECONDS)


def _is_stale(record: IdempotencyRecord) -> bool:
    """Expired (older than 24 h, not yet purged), or in progress for longer than possible."""
    age = timezone.now() - record.created_at
    return age > KEY_LIFETIME or (record.status_code is None and age > ABANDONED_AFTER)


def idempotency_store(
    *, record: IdempotencyRecord, status_code: int, body: bytes, content_type: str
) -> None:
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        status_code=status_code, body=body, content_type=content_type[:100]
    )


def idempotency_release(*, record: IdempotencyRecord) -> None:
    """Nothing was done, or only refused for now (5xx, 429, ...): forget the key."""
    IdempotencyRecord.objects.filter(pk=record.pk, status_code__isnull=True).delete()


def idempotency_purge_expired() -> int:
    deleted, _ = IdempotencyRecord.objects.filter(
        created_at__lt=timezone.now() - KEY_LIFETIME
    ).delete()
    return deleted
