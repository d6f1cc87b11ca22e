"""The delivery policy as staff set it: PATCH /assessments/{id}/policy, the admin fieldset,
the database's constraints and the defaults from settings."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import IntegrityError, transaction
from django.utils import timezone

from assessments.factories import make_assessment
from assessments.models import Assessment
from assessments.policy import POLICY_FIELDS, review_level

pytestmark = pytest.mark.django_db

DEFAULT_POLICY = {
    "maxAttempts": 1,
    "timeLimitSeconds": None,
    "opensAt": None,
    "closesAt": None,
    "shuffleQuestions": True,
    "shuffleOptions": True,
    "reviewPolicy": "SCORES",
    "reviewAfterClose": "FULL",
}


def url(assessment) -> str:
    return f"/api/v1/assessments/{assessment.pk}/policy"


def stored_policy(assessment) -> dict:
    return Assessment.objects.values(*POLICY_FIELDS).get(pk=assessment.pk)


def test_patch_changes_the_given_fields_and_answers_the_full_policy(staff_client):
    assessment = make_assessment()
    opens = timezone.now().replace(microsecond=0)

    response = staff_client.patch(
        url(assessment),
        {"maxAttempts": 3, "timeLimitSeconds": 1800, "opensAt": opens.isoformat()},
        format="json",
    )

    assert response.status_code == 200
    assert response.json() == {
        **DEFAULT_POLICY,
        "maxAttempts": 3,
        "timeLimitSeconds": 1800,
        "opensAt": opens.isoformat().replace("+00:00", "Z"),
    }
    again = staff_client.patch(url(assessment) + "/", {"reviewPolicy": "FEEDBACK"}, format="json")
    assert again.json()["maxAttempts"] == 3 and again.json()["reviewPolicy"] == "FEEDBACK"
    assert stored_policy(assessment)["time_limit_seconds"] == 1800


def test_null_removes_a_time_limit_or_a_window_edge(staff_client):
    assessment = make_assessment(time_limit_seconds=60, closes_at=timezone.now())

    body = staff_client.patch(
        url(assessment), {"timeLimitSeconds": None, "closesAt": None}, format="json"
    ).json()

    assert (body["timeLimitSeconds"], body["closesAt"]) == (None, None)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"maxAttempts": 0}, "maxAttempts"),
        ({"maxAttempts": "3"}, "maxAttempts"),
        ({"maxAttempts": 2.5}, "maxAttempts"),
        ({"maxAttempts": None}, "maxAttempts"),
        ({"timeLimitSeconds": 0}, "timeLimitSeconds"),
        ({"timeLimitSeconds": -60}, "timeLimitSeconds"),
        ({"timeLimitSeconds": True}, "timeLimitSeconds"),
        ({"opensAt": "next tuesday"}, "opensAt"),
        ({"shuffleQuestions": "yes"}, "shuffleQuestions"),
        ({"shuffleOptions": 1}, "shuffleOptions"),
        ({"reviewPolicy": "EVERYTHING"}, "reviewPolicy"),
        ({"reviewAfterClose": None}, "reviewAfterClose"),
        ({"maxAttempt": 2}, "maxAttempt"),  # misspelt: refused, not silently ignored
        ({"reviewPolicy": "FULL", "reviewAfterClose": "SCORES"}, "reviewAfterClose"),
        (
            {"opensAt": "2030-01-02T00:00:00Z", "closesAt": "2030-01-01T00:00:00Z"},
            "closesAt",
        ),
    ],
)
def test_bad_values_are_400_and_change_nothing(staff_client, body, field):
    assessment = make_assessment()
    before = stored_policy(assessment)

    response = staff_client.patch(url(assessment), body, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"
    assert field in response.json()["error"]["details"]
    assert stored_policy(assessment) == before


def test_the_rules_between_fields_use_the_stored_values(staff_client):
    assessment = make_assessment(closes_at=timezone.now(), review_policy="FEEDBACK")

    late_open = staff_client.patch(
        url(assessment),
        {"opensAt": (timezone.now() + timedelta(days=1)).isoformat()},
        format="json",
    )
    lower = staff_client.patch(url(assessment), {"reviewAfterClose": "SCORES"}, format="json")

    assert late_open.status_code == 400 and "closesAt" in late_open.json()["error"]["details"]
    assert lower.status_code == 400 and "reviewAfterClose" in lower.json()["error"]["details"]


def test_malformed_json_and_non_objects_are_400(staff_client):
    assessment = make_assessment()

    broken = staff_client.generic(
        "PATCH", url(assessment), "{not json", content_type="application/json"
    )
    listed = staff_client.patch(url(assessment), [1, 2], format="json")

    assert broken.status_code == listed.status_code == 400


def test_policy_is_staff_only_and_unknown_ids_are_404(api_client, candidate_client, staff_client):
    assessment = make_assessment()
    body = {"maxAttempts": 9}

    assert api_client.patch(url(assessment), body, format="json").status_code == 401
    assert candidate_client.patch(url(assessment), body, format="json").status_code == 403
    missing = staff_client.patch(
        "/api/v1/assessments/00000000-0000-0000-0000-000000000000/policy", body, format="json"
    )
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "NOT_FOUND"
    assert staff_client.post(url(assessment), body, format="json").status_code == 405
    assert stored_policy(assessment)["max_attempts"] == 1


@pytest.mark.parametrize(
    "change",
    [
        {"max_attempts": 0},
        {"time_limit_seconds": 0},
        {"opens_at": timezone.now(), "closes_at": timezone.now() - timedelta(seconds=1)},
        {"review_policy": "FULL", "review_after_close": "FEEDBACK"},
        {"review_policy": "NONSENSE"},
    ],
)
def test_the_database_refuses_an_invalid_policy_however_it_is_written(change):
    assessment = make_assessment()

    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.filter(pk=assessment.pk).update(**change)


def test_new_assessments_take_the_defaults_from_settings(settings):
    settings.ASSESSMENT_DEFAULT_MAX_ATTEMPTS = 3
    settings.ASSESSMENT_DEFAULT_REVIEW_POLICY = "FEEDBACK"

    assessment = make_assessment()

    assert (assessment.max_attempts, assessment.review_policy) == (3, "FEEDBACK")


@pytest.mark.parametrize(
    ("name", "value"),
    [("ASSESSMENT_DEFAULT_MAX_ATTEMPTS", 0), ("ASSESSMENT_DEFAULT_REVIEW_POLICY", "ALL")],
)
def test_invalid_defaults_fail_the_system_check(settings, name, value):
    setattr(settings, name, value)

    with pytest.raises(SystemCheckError, match=name):
        call_command("check")


def test_review_after_close_raises_the_level_once_closed():
    now = timezone.now()
    assessment = make_assessment(review_policy="FEEDBACK", closes_at=now)

    assert review_level(assessment, now - timedelta(seconds=1)) == "FEEDBACK"
    assert review_level(assessment, now) == "FULL"
    assert review_level(assessment, now - timedelta(days=1), viewer_is_staff=True) == "FULL"


# --- admin -----------------------------------------------------------------------------------


def admin_form(assessment, **changes) -> dict:
    policy = {
        field: "" if value is None else value for field, value in stored_policy(assessment).items()
    }
    form = {**policy, **changes}
    for edge in ("opens_at", "closes_at"):  # split date/time widgets
        value = form.pop(edge)
        form[f"{edge}_0"], form[f"{edge}_1"] = (
            (value.date().isoformat(), value.time().isoformat()) if value else ("", "")
        )
    for flag in ("shuffle_questions", "shuffle_options"):
        if not form[flag]:
            del form[flag]  # an unchecked box is absent from the form
    return form


def test_the_admin_edits_the_policy_in_a_fieldset(superuser_client):
    assessment = make_assessment()
    page = f"/admin/assessments/assessment/{assessment.pk}/change/"
    assert "Delivery policy" in superuser_client.get(page).content.decode()

    response = superuser_client.post(
        page, admin_form(assessment, max_attempts=4, shuffle_options=False, review_policy="FULL")
    )

    assert response.status_code == 302
    policy = stored_policy(assessment)
    assert (policy["max_attempts"], policy["shuffle_options"], policy["review_policy"]) == (
        4,
        False,
        "FULL",
    )
    assert policy["review_after_close"] == "FULL"


def test_the_admin_shows_a_bad_policy_next_to_the_form_and_saves_nothing(superuser_client):
    assessment = make_assessment()
    page = f"/admin/assessments/assessment/{assessment.pk}/change/"

    response = superuser_client.post(
        page, admin_form(assessment, review_policy="FULL", review_after_close="SCORES")
    )

    assert response.status_code == 200
    assert "cannot be lower" in response.content.decode()
    assert stored_policy(assessment)["review_policy"] == "SCORES"
