"""Changing, resetting or disabling a password revokes every bearer token of the account."""

import pytest
from django.core.management import call_command
from django.test import Client
from knox.models import AuthToken

from assessment_engine.accounts.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN, ME = "/api/v1/auth/login", "/api/v1/auth/me"
NEW_PASSWORD = "a-new-and-long-passphrase"


def issue_token(api_client, user) -> str:
    body = {"username": user.username, "password": DEFAULT_PASSWORD}
    return api_client.post(LOGIN, body, format="json").json()["token"]


def issue_token_with(api_client, user, password: str) -> str:
    body = {"username": user.username, "password": password}
    return api_client.post(LOGIN, body, format="json").json()["token"]


def me_status(api_client, token: str) -> int:
    return api_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {token}").status_code


@pytest.fixture
def admin_browser() -> Client:
    browser = Client()
    browser.force_login(UserFactory(is_staff=True, is_superuser=True))
    return browser


def test_a_password_changed_in_the_admin_revokes_the_users_tokens(
    api_client, candidate, admin_browser
):
    # given two devices signed in, and another user signed in
    tokens = [issue_token(api_client, candidate) for _ in range(2)]
    other = UserFactory()
    other_token = issue_token(api_client, other)
    assert [me_status(api_client, token) for token in tokens] == [200, 200]

    # when staff set a new password in the admin's change-password form
    response = admin_browser.post(
        f"/admin/accounts/user/{candidate.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )

    # then
    assert response.status_code == 302
    assert [me_status(api_client, token) for token in tokens] == [401, 401]
    assert me_status(api_client, other_token) == 200
    assert me_status(api_client, issue_token_with(api_client, candidate, NEW_PASSWORD)) == 200


def test_disabling_password_login_in_the_admin_revokes_the_users_tokens(
    api_client, candidate, admin_browser
):
    token = issue_token(api_client, candidate)

    response = admin_browser.post(
        f"/admin/accounts/user/{candidate.pk}/password/",
        {"usable_password": "false", "unset-password": "1"},
    )

    assert response.status_code == 302
    assert me_status(api_client, token) == 401


def test_set_password_and_save_anywhere_revokes_the_users_tokens(api_client, candidate):
    token = issue_token(api_client, candidate)

    candidate.set_password(NEW_PASSWORD)
    candidate.save()

    assert me_status(api_client, token) == 401
    assert AuthToken.objects.filter(user=candidate).count() == 0


def test_manage_py_changepassword_revokes_the_users_tokens(api_client, candidate, monkeypatch):
    token = issue_token(api_client, candidate)
    monkeypatch.setattr(
        "django.contrib.auth.management.commands.changepassword.getpass.getpass",
        lambda prompt="": NEW_PASSWORD,
    )

    call_command("changepassword", candidate.username, stdout=None)

    assert me_status(api_client, token) == 401


def test_saving_a_user_without_a_new_password_keeps_the_tokens(api_client, candidate):
    token = issue_token(api_client, candidate)

    candidate.first_name = "Ada"
    candidate.save()

    assert me_status(api_client, token) == 200


def test_a_hash_upgrade_at_login_is_not_a_password_change(api_client, candidate, settings):
    # given a token, and a stronger hasher configured since the password was set
    token = issue_token(api_client, candidate)
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]

    # when the next login re-hashes the same password
    issue_token(api_client, candidate)

    # then the earlier token still works
    candidate.refresh_from_db()
    assert candidate.password.startswith("pbkdf2_sha256$")
    assert me_status(api_client, token) == 200
