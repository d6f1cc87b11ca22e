"""The admin's login counts against the same per-account and per-address limits as the API's."""

import pytest
from django.test import Client
from rest_framework.throttling import SimpleRateThrottle

from assessment_engine.accounts.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ADMIN_LOGIN, API_LOGIN = "/admin/login/", "/api/v1/auth/login"
REFUSED = "Too many login attempts. Try again in"


@pytest.fixture(autouse=True)
def production_login_rates(monkeypatch):
    monkeypatch.setattr(
        SimpleRateThrottle,
        "THROTTLE_RATES",
        {**SimpleRateThrottle.THROTTLE_RATES, "login": "10/min", "login_client": "1200/min"},
    )


@pytest.fixture
def admin_user():
    return UserFactory(is_staff=True, is_superuser=True)


def admin_login(browser: Client, username: str, password: str):
    return browser.post(
        ADMIN_LOGIN, {"username": username, "password": password, "next": "/admin/"}
    )


def test_ten_wrong_passwords_in_the_admin_refuse_the_right_one(admin_user):
    browser = Client()
    for _ in range(10):
        wrong = admin_login(browser, admin_user.username, "wrong")
        assert wrong.status_code == 200 and REFUSED not in wrong.text

    refused = admin_login(browser, admin_user.username, DEFAULT_PASSWORD)

    assert refused.status_code == 200  # the login page again, not the redirect into the admin
    assert REFUSED in refused.text
    assert "_auth_user_id" not in browser.session
    assert Client().get("/admin/").status_code == 302  # still signed out


def test_the_right_password_within_the_limit_signs_in(admin_user):
    browser = Client()
    for _ in range(9):
        admin_login(browser, admin_user.username, "wrong")

    response = admin_login(browser, admin_user.username, DEFAULT_PASSWORD)

    assert response.status_code == 302 and response["Location"] == "/admin/"


def test_the_api_and_the_admin_share_one_count(api_client, admin_user):
    browser = Client()
    body = {"username": admin_user.username, "password": "wrong"}
    for _ in range(5):
        assert api_client.post(API_LOGIN, body, format="json").status_code == 401
    for _ in range(5):
        assert REFUSED not in admin_login(browser, admin_user.username, "wrong").text

    right = {"username": admin_user.username, "password": DEFAULT_PASSWORD}
    assert REFUSED in admin_login(browser, admin_user.username, DEFAULT_PASSWORD).text
    assert api_client.post(API_LOGIN, right, format="json").status_code == 429


def test_admin_guesses_then_the_api_is_refused(api_client, admin_user):
    for _ in range(10):
        admin_login(Client(), admin_user.username, "wrong")

    right = {"username": admin_user.username, "password": DEFAULT_PASSWORD}
    assert api_client.post(API_LOGIN, right, format="json").status_code == 429
