"""The staff grading queue: what is listed and in what order, its filters, its admin pages,
and the session admin page showing what was submitted."""

import pytest

from assessment_engine.accounts.factories import UserFactory
from assessments.factories import make_assessment
from harness.client import SessionFlow
from sessions.evaluation import evaluation_grade_answer
from sessions.models import Evaluation
from sessions.selectors import grading_queue

from .grading import PLEA, graded_evaluation, question, with_rubric_criteria

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quick_retries")]

GOOD = "The secret reference answer 1, as asked."
QUEUE = "/admin/candidate_sessions/evaluation/grading-queue/"


@pytest.fixture
def new_flow(client_for):
    return lambda: SessionFlow(client_for(UserFactory()))


@pytest.fixture
def quiz(db):
    return with_rubric_criteria(make_assessment(title="Quiz"))


@pytest.fixture
def graded(new_flow, quiz) -> dict[str, Evaluation]:
    """`plain` graded first (nothing flagged), `flagged` later (s1q2 flagged, s2q2 not)."""
    plain = graded_evaluation(new_flow(), quiz, [{"s1q1": "B", "s1q2": GOOD}, {}, {}])
    flagged = graded_evaluation(
        new_flow(), quiz, [{"s1q2": PLEA}, {"s2q2": "secret reference answer 2"}, {}]
    )
    return {"plain": plain, "flagged": flagged}


def listed(**filters) -> list[tuple]:
    return [
        (item.evaluation_id, item.question_id, item.flagged) for item in grading_queue(**filters)
    ]


def test_flagged_answers_come_first_then_the_others_oldest_first(graded):
    plain, flagged = graded["plain"].pk, graded["flagged"].pk

    # MCQs and unanswered questions are not there: the key and the plan scored them.
    assert listed() == [(flagged, "s1q2", True), (plain, "s1q2", False), (flagged, "s2q2", False)]
    [first, *_] = grading_queue()
    assert "addresses the grader" in first.reason and first.max_score == 5


def test_an_answer_a_person_graded_leaves_the_queue(graded, staff):
    flagged = graded["flagged"]

    evaluation_grade_answer(
        evaluation_id=flagged.pk,
        question_id="s1q2",
        points=[0, 0],
        feedback="No answer to the question.",
        staff_user=staff,
    )

    assert listed() == [(graded["plain"].pk, "s1q2", False), (flagged.pk, "s2q2", False)]


def test_filters_by_assessment_and_question(graded, new_flow):
    other = make_assessment(title="Other")
    elsewhere = graded_evaluation(new_flow(), other, [{"s1q2": PLEA}, {}, {}])
    quiz_id = graded["plain"].session.assessment_id

    assert listed(assessment_id=other.pk) == [(elsewhere.pk, "s1q2", True)]
    assert [item[:2] for item in listed(assessment_id=quiz_id, question_id="s2q2")] == [
        (graded["flagged"].pk, "s2q2")
    ]
    assert len(listed(question_id="s1q2")) == 3
    assert listed(limit=1) == [(graded["flagged"].pk, "s1q2", True)]


def test_the_queue_page_lists_the_flagged_answer_first_and_filters(superuser_client, graded, quiz):
    changelist = superuser_client.get("/admin/candidate_sessions/evaluation/").content.decode()
    assert QUEUE in changelist and "/admin/candidate_sessions/evaluation/agreement/" in changelist

    page = superuser_client.get(QUEUE).content.decode()

    flagged_url = f"{QUEUE}{graded['flagged'].pk}/s1q2/"
    assert page.index(flagged_url) < page.index(f"{QUEUE}{graded['plain'].pk}/s1q2/")
    assert "Needs review:" in page
    filtered = superuser_client.get(QUEUE, {"assessment": str(quiz.pk), "question": "s2q2"})
    assert filtered.content.decode().count('class="unflagged"') == 1
    assert flagged_url not in filtered.content.decode()
    assert superuser_client.get(QUEUE, {"assessment": "not-a-uuid"}).status_code == 200


def test_the_answer_page_shows_everything_side_by_side_and_grades(
    superuser_client, graded, flow, staff
):
    flagged = graded["flagged"]
    url = f"{QUEUE}{flagged.pk}/s1q2/"

    page = superuser_client.get(url).content.decode()

    for shown in (
        "Explain 1",  # the question
        "Names the secret reference",  # the rubric's criteria, with their points
        "Explains why it answers the question",
        "secret reference answer 1",  # the reference answer
        PLEA,  # the candidate's answer
        "addresses the grader",  # the reason for the flag
        'name="points_0"',
        'name="points_1"',
    ):
        assert shown in page
    for criterion in question(flagged, "s1q2")["criteria"]:
        assert criterion["decision"] in page

    refused = superuser_client.post(url, {"points_0": "3", "points_1": "1", "feedback": "x"})
    assert refused.status_code == 200 and not flagged.overrides.exists()

    done = superuser_client.post(
        url, {"points_0": "2", "points_1": "0.5", "feedback": "Only names it."}, follow=True
    )

    assert "Graded s1q2" in done.content.decode()
    evaluation = Evaluation.objects.get(pk=flagged.pk)
    assert question(evaluation, "s1q2")["score"] == 2.5
    assert evaluation.overrides.get().overridden_by == staff


def test_the_answer_page_is_404_for_an_mcq_or_an_unknown_question(superuser_client, graded):
    evaluation = graded["plain"].pk
    assert superuser_client.get(f"{QUEUE}{evaluation}/s1q1/").status_code == 404
    assert superuser_client.get(f"{QUEUE}{evaluation}/s9q9/").status_code == 404


def test_the_session_admin_page_shows_every_submitted_section_and_answer(superuser_client, graded):
    session = graded["plain"].session

    page = superuser_client.get(
        f"/admin/candidate_sessions/candidatesession/{session.pk}/change/"
    ).content.decode()

    assert "Submitted answers" in page
    for section in ("Section 1 (s1)", "Section 2 (s2)", "Section 3 (s3)"):
        assert section in page
    assert GOOD in page and "Pick B (1)" in page and "B — right" in page
