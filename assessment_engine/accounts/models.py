import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A staff member or a candidate. UUID ids do not leak how many users exist."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)

    # Set by set_unusable_password(); Django itself only tracks set_password() (`_password`).
    _password_disabled = False

    class Meta(AbstractUser.Meta):
        db_table = "accounts_user"

    def set_unusable_password(self) -> None:
        super().set_unusable_password()
        self._password_disabled = True

    def save(self, *args, **kwargs) -> None:
        """A saved new password (or disabled password login) revokes every bearer token.

        This is the one place every password change passes through: the admin's forms,
        `manage.py changepassword`, password reset, and any `set_password()` + `save()`. It
        keys on the same marker Django uses to call `password_changed()` after a save
        (`_password`, set by `set_password()`), rather than on the stored hash changing: Django
        re-hashes a password at login when the hasher is upgraded, clearing that marker, and
        such a re-hash is not a change of password, so it must not sign the user out.
        """
        credentials_changed = self._password is not None or self._password_disabled
        super().save(*args, **kwargs)
        if credentials_changed:
            from knox.models import AuthToken  # knox's model points back at this one

            AuthToken.objects.filter(user=self).delete()
            self._password_disabled = False
