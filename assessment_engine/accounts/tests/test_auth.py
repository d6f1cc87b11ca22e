import hashlib
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from knox.models import AuthToken
from knox.settings import CONSTANTS

from assessment_engine.accounts.authentication import BearerTokenAuthentication, _tokens_with_users
from assessment_engine.accounts.factories import DEFAULT_PASSWORD, UserFactory

LOGIN = "/api/v1/auth/login"
LOGOUT = "/api/v1/auth/logout"
ME = "/api/v1/auth/me"

pytestmark = pytest.mark.django_db
KEY = CONSTANTS.TOKEN_KEY_LENGTH


def login(api_client, username, password=DEFAULT_PASSWORD):
    return api_client.post(LOGIN, {"username": username, "password": password}, format="json")


def test_login_returns_token_expiry_and_user(api_client, candidate):
    response = login(api_client, candidate.username)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token", "expiresAt", "user"}
    assert body["user"] == {
        "userId": str(candidate.pk),
        "username": candidate.username,
        "isStaff": False,
    }
    assert body["expiresAt"].endswith("Z")


def test_token_authenticates_me(api_client, staff):
    token = login(api_client, staff.username).json()["token"]

    response = api_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 200
    assert response.json() == {"userId": str(staff.pk), "username": staff.username, "isStaff": True}


@pytest.mark.parametrize("path", [ME, ME + "/"])
def test_paths_work_with_and_without_trailing_slash(candidate_client, path):
    assert candidate_client.get(path).status_code == 200


def test_wrong_password_is_401_in_envelope(api_client, candidate):
    response = login(api_client, candidate.username, "wrong-password")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "NOT_AUTHENTICATED"
    assert AuthToken.objects.count() == 0


def test_unknown_and_inactive_users_cannot_log_in(api_client):
    inactive = UserFactory(is_active=False)

    assert login(api_client, "nobody").status_code == 401
    assert login(api_client, inactive.username).status_code == 401


def test_logout_revokes_the_token(api_client, candidate):
    token = login(api_client, candidate.username).json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    assert api_client.post(LOGOUT).status_code == 204

    response = api_client.get(ME)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "NOT_AUTHENTICATED"


def test_logout_leaves_other_tokens_working(api_client, candidate):
    first = login(api_client, candidate.username).json()["token"]
    second = login(api_client, candidate.username).json()["token"]

    api_client.post(LOGOUT, HTTP_AUTHORIZATION=f"Bearer {first}")

    assert api_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {second}").status_code == 200


def test_expired_token_is_rejected(api_client, candidate):
    token = login(api_client, candidate.username).json()["token"]
    AuthToken.objects.update(expiry=timezone.now() - timedelta(seconds=1))

    response = api_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "NOT_AUTHENTICATED"


@pytest.mark.parametrize(
    "header", [None, "Bearer", "Bearer not-a-real-token", "Token abc", "Basic dXNlcjpwYXNz"]
)
def test_missing_or_bad_token_is_401(api_client, header):
    kwargs = {"HTTP_AUTHORIZATION": header} if header else {}

    response = api_client.get(ME, **kwargs)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "NOT_AUTHENTICATED"
    assert response["WWW-Authenticate"] == "Bearer"


def test_tokens_are_not_stored_in_plain_text(api_client, candidate):
    token = login(api_client, candidate.username).json()["token"]

    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM knox_authtoken")
        stored = [str(value) for row in cursor.fetchall() for value in row]

    assert stored, "the token row exists"
    assert not any(token in value for value in stored)
    # What is kept is a one-way digest of the token.
    assert hashlib.sha512(token.encode()).hexdigest() in stored


@pytest.mark.parametrize(
    "body",
    [{}, {"username": "x"}, {"password": "x"}, {"username": ["x"], "password": "y"}],
)
def test_login_validation_errors(api_client, body):
    response = api_client.post(LOGIN, body, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"
    assert response.json()["error"]["details"]


def test_token_lookup_reads_the_token_and_user_the_orm_would(candidate):
    """The one fixed statement gives the same rows as knox's queryset, column for column."""
    _, token = AuthToken.objects.create(user=candidate)
    knox_way = AuthToken.objects.select_related("user").get(token_key=token[:KEY])

    (ours,) = _tokens_with_users(token[:KEY])

    for field in AuthToken._meta.concrete_fields:
        assert getattr(ours, field.attname) == getattr(knox_way, field.attname), field.name
    for field in type(candidate)._meta.concrete_fields:
        assert getattr(ours.user, field.attname) == getattr(knox_way.user, field.attname)
    assert ours._state.adding is False and ours._state.db == "default"


def test_a_token_whose_key_another_token_shares_is_told_apart_by_its_digest(api_client, staff):
    candidate = UserFactory()
    _, staff_token = AuthToken.objects.create(user=staff)
    _, candidate_token = AuthToken.objects.create(user=candidate)
    AuthToken.objects.filter(user=candidate).update(token_key=staff_token[:KEY])
    shared_key_token = staff_token[:KEY] + candidate_token[KEY:]

    for token, username in ((staff_token, staff.username), (shared_key_token, None)):
        response = api_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {token}")
        if username:
            assert response.json()["username"] == username
        else:
            assert response.status_code == 401


def test_an_inactive_users_token_is_refused(api_client, candidate):
    token = login(api_client, candidate.username).json()["token"]
    type(candidate).objects.filter(pk=candidate.pk).update(is_active=False)

    response = api_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "NOT_AUTHENTICATED"


def test_authentication_is_one_statement(api_client, candidate):
    token = login(api_client, candidate.username).json()["token"]

    with CaptureQueriesContext(connection) as queries:
        BearerTokenAuthentication().authenticate_credentials(token.encode())

    assert len(queries) == 1
