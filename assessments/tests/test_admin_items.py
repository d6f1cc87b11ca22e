"""Item review in the admin (Django's test client; the browser walk is in
sessions/tests/test_item_review_browser.py), the publish endpoints and command: every door to
publishing goes through the one service, and every page checks the change permission."""

import io

import pytest
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command

from assessment_engine.accounts.factories import UserFactory
from assessments.models import Assessment, AssessmentStatus, AssessmentVersion, ItemApproval
from jobs.models import AIJob
from syllabus.factories import make_syllabus

from .review import approve_all, first_of_type, generated_assessment, questions

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(120)]

ASSESSMENTS = "/admin/assessments/assessment/"


@pytest.fixture
def draft(settings):
    settings.ASSESSMENT_REQUIRE_REVIEW = True
    return generated_assessment()


def page(assessment) -> str:
    return f"{ASSESSMENTS}{assessment.pk}/change/"


def edit_url(assessment, question_id: str) -> str:
    return f"{ASSESSMENTS}{assessment.pk}/items/{question_id}/edit/"


def mcq_form(question: dict, *, version: int, **overrides) -> dict:
    data = {
        "expected_version": version,
        "prompt": question["prompt"],
        "points": question["points"],
        "correct_option_id": question["correctOptionId"],
        **{f"option_{o['id']}": o["text"] for o in question["options"]},
    }
    return {**data, **overrides}


def test_the_page_lists_every_question_with_its_key_and_approval_state(superuser_client, draft):
    html = superuser_client.get(page(draft)).content.decode()

    for question in questions(draft):
        assert f'id="item-{question["questionId"]}"' in html
        assert edit_url(draft, question["questionId"]) in html
    assert html.count("✓ correct") == sum(q["type"] == "MCQ" for q in questions(draft))
    assert html.count('class="approve-item"') == len(questions(draft))
    assert 'id="publish-button"' in html and 'id="preview-link"' in html


def test_an_invalid_key_is_shown_next_to_the_field_and_nothing_is_saved(superuser_client):
    assessment = generated_assessment()
    mcq = first_of_type(assessment, "MCQ")

    response = superuser_client.post(
        edit_url(assessment, mcq["questionId"]), mcq_form(mcq, version=1, correct_option_id="Z")
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == ["correct_option_id"]
    assert form.errors["correct_option_id"][0].startswith("'Z' is not one of the option ids")
    assessment.refresh_from_db()
    assert assessment.content_version == 1
    assert AssessmentVersion.objects.filter(assessment=assessment).count() == 1


def test_an_option_error_is_shown_next_to_that_option(superuser_client):
    assessment = generated_assessment()
    mcq = first_of_type(assessment, "MCQ")
    first, second = mcq["options"][0]["id"], mcq["options"][1]["id"]
    same_text = mcq["options"][0]["text"].upper()

    response = superuser_client.post(
        edit_url(assessment, mcq["questionId"]),
        mcq_form(mcq, version=1, **{f"option_{second}": same_text}),
    )

    errors = response.context["form"].errors
    assert list(errors) == [f"option_{second}"] and "duplicate of" in errors[f"option_{second}"][0]
    assert first != second
    assert Assessment.objects.get(pk=assessment.pk).content_version == 1


def test_a_valid_edit_is_saved_as_a_new_version(superuser_client):
    assessment = generated_assessment()
    mcq = first_of_type(assessment, "MCQ")
    removed = next(o["id"] for o in mcq["options"] if o["id"] != mcq["correctOptionId"])

    response = superuser_client.post(
        edit_url(assessment, mcq["questionId"]),
        mcq_form(mcq, version=1, points="2", **{f"option_{removed}": ""}),
    )

    assert response.status_code == 302 and response.url == page(assessment)
    assessment.refresh_from_db()
    edited = next(q for q in questions(assessment) if q["questionId"] == mcq["questionId"])
    assert edited["points"] == 2 and isinstance(edited["points"], int)
    assert [o["id"] for o in edited["options"]] == [
        o["id"] for o in mcq["options"] if o["id"] != removed
    ]
    assert assessment.content_version == 2


def test_saving_over_a_newer_version_says_so_and_changes_nothing(superuser_client):
    assessment = generated_assessment()
    mcq = first_of_type(assessment, "MCQ")
    superuser_client.post(
        edit_url(assessment, mcq["questionId"]), mcq_form(mcq, version=1, points="2")
    )

    response = superuser_client.post(
        edit_url(assessment, mcq["questionId"]), mcq_form(mcq, version=1, points="3")
    )

    assert "someone saved a change since" in str(response.context["form"].non_field_errors())
    assessment.refresh_from_db()
    assert assessment.content_version == 2
    edited = next(q for q in questions(assessment) if q["questionId"] == mcq["questionId"])
    assert edited["points"] == 2


def test_approve_then_publish_from_the_page(superuser_client, draft):
    publication = f"{ASSESSMENTS}{draft.pk}/publication/"

    refused = superuser_client.post(publication, {"publication": "publish"}, follow=True)
    assert "not approved" in refused.content.decode()
    assert Assessment.objects.get(pk=draft.pk).status == AssessmentStatus.DRAFT

    for question in questions(draft):
        superuser_client.post(
            f"{ASSESSMENTS}{draft.pk}/items/approve/",
            {"approve_question_id": question["questionId"], "content_version": 1},
        )
    assert ItemApproval.objects.filter(assessment=draft).count() == len(questions(draft))

    superuser_client.post(publication, {"publication": "publish"})
    assert Assessment.objects.get(pk=draft.pk).status == AssessmentStatus.PUBLISHED
    superuser_client.post(publication, {"publication": "unpublish"})
    assert Assessment.objects.get(pk=draft.pk).status == AssessmentStatus.DRAFT


def test_the_list_action_refuses_to_publish_unapproved_items(superuser_client, draft):
    response = superuser_client.post(
        ASSESSMENTS,
        {"action": "publish", "_selected_action": [str(draft.pk)]},
        follow=True,
    )

    assert "not approved" in response.content.decode()
    assert "Published 0 assessment(s)." in response.content.decode()
    assert Assessment.objects.get(pk=draft.pk).status == AssessmentStatus.DRAFT


def test_regenerate_a_section_from_the_page_queues_one_job(superuser_client):
    assessment = generated_assessment()
    url = f"{ASSESSMENTS}{assessment.pk}/regenerate/"

    first = superuser_client.post(url, {"regenerate_section_id": "s1"}, follow=True)
    second = superuser_client.post(url, {"regenerate_section_id": "s1"}, follow=True)

    job = AIJob.objects.get(dedupe_key__startswith="regeneration:")
    assert job.payload["target"] == {"sectionId": "s1"}
    assert f"{job.pk}</a> queued" in first.content.decode()
    assert f"{job.pk}</a> already pending" in second.content.decode()
    assert superuser_client.get(url).status_code == 405


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("items/s1q1/edit/", None),
        ("items/s1q1/edit/", {"expected_version": 1, "prompt": "x", "points": 1}),
        ("items/approve/", {"approve_question_id": "s1q1", "content_version": 1}),
        ("regenerate/", {"regenerate_section_id": "s1"}),
        ("publication/", {"publication": "publish"}),
    ],
)
def test_staff_without_the_change_permission_get_403_and_change_nothing(
    viewer_client, draft, path, data
):
    url = f"{ASSESSMENTS}{draft.pk}/{path}"
    response = viewer_client.get(url) if data is None else viewer_client.post(url, data)

    assert response.status_code == 403
    draft.refresh_from_db()
    assert (draft.status, draft.content_version) == (AssessmentStatus.DRAFT, 1)
    assert not ItemApproval.objects.exists()
    assert not AIJob.objects.filter(dedupe_key__startswith="regeneration:").exists()


def test_a_viewer_sees_the_items_without_the_buttons(viewer_client, draft):
    html = viewer_client.get(page(draft)).content.decode()

    assert f'id="item-{questions(draft)[0]["questionId"]}"' in html
    for button in ('class="approve-item"', 'id="publish-button"', 'class="regenerate-section"'):
        assert button not in html


def test_generate_asks_for_options_within_the_options_bounds(superuser_client):
    syllabus = make_syllabus()
    selected = {"action": "generate_assessment", "_selected_action": [str(syllabus.pk)]}

    form_page = superuser_client.post("/admin/syllabus/syllabus/", selected)
    assert form_page.status_code == 200 and 'name="section_count"' in form_page.content.decode()
    assert not AIJob.objects.exists()

    too_many = superuser_client.post(
        "/admin/syllabus/syllabus/",
        {
            **selected,
            "generate": "1",
            "section_count": 11,
            "questions_per_section": 2,
            "difficulty": "hard",
        },
    )
    assert "less than or equal to 10" in too_many.content.decode()
    assert not AIJob.objects.exists()

    superuser_client.post(
        "/admin/syllabus/syllabus/",
        {
            **selected,
            "generate": "1",
            "section_count": 2,
            "questions_per_section": 2,
            "difficulty": "hard",
        },
    )
    job = AIJob.objects.get()
    assert job.payload["options"] == {
        "difficulty": "hard",
        "questionsPerSection": 2,
        "sectionCount": 2,
    }


# --- the API and the command use the same service --------------------------------------------


def test_api_publish_needs_the_change_permission(client_for, draft):
    url = f"/api/v1/assessments/{draft.pk}/publish"
    plain_staff = client_for(UserFactory(is_staff=True))
    candidate = client_for(UserFactory())

    for client in (plain_staff, candidate):
        response = client.post(url)
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "PERMISSION_DENIED"
    assert Assessment.objects.get(pk=draft.pk).status == AssessmentStatus.DRAFT


def test_api_publish_refuses_unapproved_items_then_publishes(client_for, draft):
    publisher = UserFactory(is_staff=True)
    publisher.user_permissions.add(Permission.objects.get(codename="change_assessment"))
    client = client_for(publisher)

    refused = client.post(f"/api/v1/assessments/{draft.pk}/publish")
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["code"] == "ITEMS_NOT_APPROVED"
    assert error["details"]["questionIds"] == [q["questionId"] for q in questions(draft)]

    approve_all(draft)
    published = client.post(f"/api/v1/assessments/{draft.pk}/publish")
    again = client.post(f"/api/v1/assessments/{draft.pk}/publish")
    unpublished = client.post(f"/api/v1/assessments/{draft.pk}/unpublish/")

    assert published.status_code == 200
    body = published.json()
    assert (body["assessmentId"], body["status"], body["changed"]) == (
        str(draft.pk),
        "PUBLISHED",
        True,
    )
    assert body["publishedAt"] and body["contentVersion"] == 1
    assert (again.json()["changed"], unpublished.json()["status"]) == (False, "DRAFT")


def test_api_publish_of_an_unknown_assessment_is_404(superuser_client, client_for, staff):
    response = client_for(staff).post(
        "/api/v1/assessments/00000000-0000-0000-0000-000000000000/publish"
    )
    assert response.status_code == 404 and response.json()["error"]["code"] == "NOT_FOUND"


def test_the_command_refuses_unapproved_items_then_publishes(draft):
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="1 of 1 not changed"):
        call_command("publish_assessment", str(draft.pk), stdout=out, stderr=err)
    assert "not approved" in err.getvalue()
    assert Assessment.objects.get(pk=draft.pk).status == AssessmentStatus.DRAFT

    approve_all(draft)
    call_command("publish_assessment", str(draft.pk), stdout=out, stderr=err)
    assert f"{draft.pk}: PUBLISHED" in out.getvalue()
    call_command("publish_assessment", str(draft.pk), "--unpublish", stdout=out, stderr=err)
    assert f"{draft.pk}: DRAFT" in out.getvalue()


def test_the_command_names_ids_it_cannot_find():
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("publish_assessment", "not-a-uuid", stderr=err, stdout=io.StringIO())
    assert "not-a-uuid: not a valid id" in err.getvalue()


def test_a_publication_post_must_say_which(superuser_client):
    assessment = generated_assessment()

    response = superuser_client.post(f"{ASSESSMENTS}{assessment.pk}/publication/", {}, follow=True)

    assert "Choose publish or unpublish." in response.content.decode()
    assessment.refresh_from_db()
    assert (assessment.status, assessment.version) == (AssessmentStatus.PUBLISHED, 1)


@pytest.mark.parametrize("bad_id", ["00000000-0000-0000-0000-000000000000", "not-a-uuid"])
def test_the_page_of_an_unknown_assessment_redirects_like_any_admin_page(superuser_client, bad_id):
    response = superuser_client.get(f"{ASSESSMENTS}{bad_id}/change/")
    assert response.status_code == 302
