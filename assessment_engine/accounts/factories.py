import uuid

import factory
from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.utils import timezone
from knox.models import AuthToken, get_digest_token
from knox.settings import CONSTANTS

from assessment_engine.accounts.models import User

DEFAULT_PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    is_staff = False
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def bulk_create_tokens(users: list) -> list[str]:
    """A bearer token for each user, bulk-inserted as knox's own create() makes them; the
    tokens, in the users' order."""
    expiry = timezone.now() + settings.REST_KNOX["TOKEN_TTL"]
    rows, tokens = [], []
    for user in users:
        digest, token = get_digest_token()
        rows.append(
            AuthToken(
                digest=digest,
                token_key=token[: CONSTANTS.TOKEN_KEY_LENGTH],
                user=user,
                expiry=expiry,
            )
        )
        tokens.append(token)
    AuthToken.objects.bulk_create(rows)
    return tokens


def bulk_create_users(count: int) -> list:
    """`count` users that cannot log in, bulk-inserted (one per session: a user may have one
    ACTIVE session)."""
    return User.objects.bulk_create(
        [
            User(
                id=uuid.uuid4(),
                username=f"bulk-{uuid.uuid4().hex}",
                password=UNUSABLE_PASSWORD_PREFIX,
            )
            for _ in range(count)
        ]
    )
