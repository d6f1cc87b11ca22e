"""The admin's preview of an assessment as a candidate sees it: the order a session with the
same seed shows, and what each review level shows after grading."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from assessment_engine.accounts.factories import UserFactory
from assessments.tests.review import generated_assessment, questions
from harness.client import SessionFlow
from sessions.models import CandidateSession

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(120)]


def preview_url(assessment, **params) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"/admin/assessments/assessment/{assessment.pk}/preview/?{query}"


def question_order(html: str) -> list[str]:
    return re.findall(r'class="preview-question" data-question-id="([^"]+)"', html)


def option_order(html: str, question_id: str) -> list[str]:
    block = html.split(f'data-question-id="{question_id}"', 1)[1].split("</li>\n", 1)[0]
    return re.findall(r'data-option-id="([^"]+)"', block.split("preview-review")[0])


def test_the_preview_shows_the_order_a_session_with_that_seed_shows(client_for, superuser_client):
    assessment = generated_assessment()
    flow = SessionFlow(client_for(UserFactory()))
    session_id = flow.active_session(assessment)
    seed = CandidateSession.objects.get(pk=session_id).shuffle_seed
    first_section = flow.get(session_id).json()["assessment"]["sections"][0]["questions"]

    html = superuser_client.get(preview_url(assessment, seed=seed)).content.decode()

    shown = question_order(html)
    assert shown[: len(first_section)] == [q["questionId"] for q in first_section]
    assert sorted(shown) == sorted(q["questionId"] for q in questions(assessment))
    for question in first_section:
        if question["type"] == "MCQ":
            assert option_order(html, question["questionId"]) == [
                o["id"] for o in question["options"]
            ]
    assert f'id="preview-seed">{seed}<' in html


def test_without_shuffling_the_preview_is_in_authored_order(superuser_client):
    assessment = generated_assessment()
    assessment.shuffle_questions = assessment.shuffle_options = False
    assessment.save(update_fields=["shuffle_questions", "shuffle_options"])

    html = superuser_client.get(preview_url(assessment, seed=12345)).content.decode()

    assert question_order(html) == [q["questionId"] for q in questions(assessment)]
    assert "the policy shuffles nothing" in html


def test_the_review_level_decides_what_the_preview_shows_after_grading(superuser_client):
    assessment = generated_assessment()  # reviewPolicy SCORES by default
    mcq = next(q for q in questions(assessment) if q["type"] == "MCQ")
    short = next(q for q in questions(assessment) if q["type"] == "SHORT_ANSWER")

    scores = superuser_client.get(preview_url(assessment, seed=1)).content.decode()
    full = superuser_client.get(preview_url(assessment, seed=1, level="FULL")).content.decode()
    feedback = superuser_client.get(preview_url(assessment, seed=1, level="FEEDBACK")).content

    assert 'id="preview-level">SCORES<' in scores
    assert "correct option" not in scores and short["referenceAnswer"] not in scores
    assert f"correct option {mcq['correctOptionId']}" in full
    assert short["referenceAnswer"] in full
    assert b"Correct." in feedback and short["referenceAnswer"].encode() not in feedback


def test_the_preview_needs_the_view_permission(superuser_client):
    assessment = generated_assessment()
    no_permissions = UserFactory(is_staff=True)
    client = Client()
    client.force_login(no_permissions)

    assert client.get(preview_url(assessment)).status_code == 403
    no_permissions.user_permissions.add(Permission.objects.get(codename="view_assessment"))
    assert client.get(preview_url(assessment)).status_code == 200
