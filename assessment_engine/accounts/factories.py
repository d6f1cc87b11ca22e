import uuid

import factory
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX

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
