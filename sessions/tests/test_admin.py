"""Admin pages for sessions and evaluations: grades, override with a reason, regrade."""

import pytest

from sessions.models import Evaluation

from .test_evaluation import complete_session, evaluation_job, finish

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(superuser_client):
    return superuser_client


@pytest.fixture
def evaluation(flow, assessment):
    session_id = complete_session(flow, assessment, [{"s1q1": "A"}, {}, {}])
    finish(evaluation_job(session_id))
    return Evaluation.objects.get()


def test_evaluation_list_and_detail(admin_client, evaluation):
    listing = admin_client.get("/admin/candidate_sessions/evaluation/?job__status__exact=COMPLETED")
    detail = admin_client.get(f"/admin/candidate_sessions/evaluation/{evaluation.pk}/change/")

    assert str(evaluation.session) in listing.content.decode()
    assert detail.status_code == 200 and "s1q1" in detail.content.decode()


def test_override_page_records_the_reason_and_recomputes(admin_client, evaluation, staff):
    url = f"/admin/candidate_sessions/evaluation/{evaluation.pk}/override/"

    response = admin_client.post(
        url, {"question_id": "s1q1", "score": "1", "reason": "A is acceptable"}, follow=True
    )

    assert "Score overridden" in response.content.decode()
    evaluation.refresh_from_db()
    assert evaluation.total_score == 1
    assert evaluation.overrides.get().overridden_by == staff


def test_override_page_rejects_a_score_above_the_maximum(admin_client, evaluation):
    url = f"/admin/candidate_sessions/evaluation/{evaluation.pk}/override/"

    response = admin_client.post(url, {"question_id": "s1q1", "score": "3", "reason": "x"})

    assert response.status_code == 200 and "Between 0 and 1" in response.content.decode()
    assert not evaluation.overrides.exists()


def test_regrade_action_queues_a_new_job(admin_client, evaluation):
    response = admin_client.post(
        "/admin/candidate_sessions/candidatesession/",
        {"action": "regrade", "_selected_action": [str(evaluation.session_id)]},
        follow=True,
    )

    assert "Queued 1 regrade(s), keeping manual grades." in response.content.decode()
    evaluation.session.refresh_from_db()
    assert evaluation.session.evaluation_job.dedupe_key.endswith(":2")


def test_discarding_manual_grades_is_explicit_with_a_confirmation_page(
    admin_client, evaluation, staff
):
    from sessions.evaluation import evaluation_override

    evaluation_override(
        evaluation_id=evaluation.pk, question_id="s1q1", score=1, reason="ok", staff_user=staff
    )
    changelist = "/admin/candidate_sessions/evaluation/"
    chosen = {"action": "regrade_discarding_manual_grades", "_selected_action": [evaluation.pk]}

    asked = admin_client.post(changelist, chosen)

    assert asked.status_code == 200 and "discard 1 manual grade(s)" in asked.content.decode()
    evaluation.session.refresh_from_db()
    assert evaluation.session.evaluation_job.payload.get("round") is None  # nothing queued yet

    done = admin_client.post(changelist, {**chosen, "confirm": "yes"}, follow=True)

    assert "discarding manual grades" in done.content.decode()
    evaluation.session.refresh_from_db()
    job = evaluation.session.evaluation_job
    assert job.payload == {
        "sessionId": str(evaluation.session_id),
        "round": 2,
        "keepManualGrades": False,
    }
    finish(job)
    assert Evaluation.objects.get().total_score == 0  # the AI's grade, the person's discarded
