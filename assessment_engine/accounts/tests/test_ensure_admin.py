"""`manage.py ensure_admin` (run by `make run`): the settings' account, created once."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def ensure_admin() -> str:
    out = StringIO()
    call_command("ensure_admin", stdout=out)
    return out.getvalue()


def test_creates_the_default_account_once_with_a_password_shown_once(settings):
    # given: the defaults of settings/base.py (no DJANGO_SUPERUSER_* in the environment)
    assert settings.DJANGO_SUPERUSER_USERNAME == "admin"
    settings.DJANGO_SUPERUSER_PASSWORD = None

    first, second = ensure_admin(), ensure_admin()

    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    password = first.split("with password: ")[1].split()[0]
    assert admin.check_password(password)
    assert second.strip() == "Admin account 'admin' exists."
    assert get_user_model().objects.filter(is_superuser=True).count() == 1


def test_uses_the_configured_name_and_password(settings):
    settings.DJANGO_SUPERUSER_USERNAME = "ops"
    settings.DJANGO_SUPERUSER_PASSWORD = "a-long-configured-password"

    output = ensure_admin()

    assert "password from environment" in output
    assert "a-long-configured-password" not in output
    assert get_user_model().objects.get(username="ops").check_password("a-long-configured-password")
