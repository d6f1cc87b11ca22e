"""Account behaviour: issuing and revoking tokens, creating candidates, token hygiene."""

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from knox.models import AuthToken

from assessment_engine.api.errors import Throttled

from .errors import InvalidCredentials
from .models import User
from .password_slots import HostSlots, NoFreeSlot, Owner


@dataclass(frozen=True)
class IssuedToken:
    """The plain token exists only on its way to the client: the table keeps a digest."""

    token: str
    expires_at: datetime | None
    user: User


def auth_login(*, username: str, password: str, client: str) -> IssuedToken:
    """`client` is the caller's address as the throttles see it (`client_ident`)."""
    try:
        with password_check_slots().hold(Owner.of(client=client, username=username)):
            user = authenticate(username=username, password=password)
    except NoFreeSlot as exc:
        raise Throttled(
            "This server is checking as many passwords as it may at once; retry in a moment.",
            retry_after_seconds=1,
        ) from exc
    if user is None:  # unknown user, wrong password and inactive users look alike on purpose
        raise InvalidCredentials()
    instance, token = AuthToken.objects.create(user=user)
    return IssuedToken(token=token, expires_at=instance.expiry, user=user)


def password_check_slots() -> HostSlots:
    return HostSlots(Path(settings.LOGIN_SLOTS_DIR), settings.LOGIN_CONCURRENCY_PER_HOST)


def auth_logout(*, token: AuthToken) -> None:
    token.delete()


def auth_tokens_purge_expired() -> int:
    deleted, _ = AuthToken.objects.filter(expiry__lt=timezone.now()).delete()
    return deleted


def candidate_create(*, username: str, password: str, email: str = "") -> User:
    """Create an active, non-staff user. Raises ValidationError with readable messages."""
    username, email = username.strip(), email.strip()
    if not username:
        raise ValidationError("username is required.")
    username_field = User._meta.get_field("username")
    username_field.run_validators(username)
    if email:
        validate_email(email)
    candidate = User(username=username, email=email, is_staff=False, is_active=True)
    validate_password(password, user=candidate)
    candidate.set_password(password)
    try:
        with transaction.atomic():
            candidate.save()
    except IntegrityError as exc:  # the unique index is the arbiter, even under a race
        raise ValidationError(f"username {username!r} already exists.") from exc
    return candidate
