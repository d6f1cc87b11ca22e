"""A person grades a short answer per criterion (`evaluation_grade_answer`)."""

import pytest

from assessment_engine.api.errors import ValidationFailed
from sessions.evaluation import evaluation_grade_answer, evaluation_override, evaluation_regrade
from sessions.models import Evaluation

from .grading import PLEA, graded_evaluation, question, with_rubric_criteria
from .test_evaluation import finish

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quick_retries")]


@pytest.fixture
def flagged(flow, assessment) -> Evaluation:
    """s1q2 (criteria worth 2 + 3) flagged by the grader, s2q2 answered and not flagged."""
    with_rubric_criteria(assessment)
    return graded_evaluation(
        flow,
        assessment,
        [{"s1q1": "B", "s1q2": PLEA}, {"s2q2": "The secret reference answer 2."}, {}],
    )


def grade(evaluation, **overrides) -> Evaluation:
    arguments = {
        "evaluation_id": evaluation.pk,
        "question_id": "s1q2",
        "points": [1.5, 2],
        "feedback": "Names it; the explanation is thin.",
        **overrides,
    }
    return evaluation_grade_answer(**arguments)


def test_grading_per_criterion_records_the_total_and_makes_the_evaluation_reviewed(
    flow, flagged, staff
):
    session_id = flagged.session_id
    before = flow.get(session_id).json()["evaluation"]
    assert before["reviewState"] == "NEEDS_REVIEW"
    assert question(flagged, "s1q2")["needsReview"] and question(flagged, "s1q2")["score"] == 0

    grade(flagged, staff_user=staff, score=3.5)

    evaluation = Evaluation.objects.get()
    graded = question(evaluation, "s1q2")
    assert graded["score"] == 3.5 and graded["overridden"]
    assert graded["reviewedCriteria"] == [
        {"criterion": "Names the secret reference", "points": 1.5, "maxPoints": 2},
        {"criterion": "Explains why it answers the question", "points": 2.0, "maxPoints": 3},
    ]
    assert graded["feedback"] == "Names it; the explanation is thin."
    assert graded["criteria"] == question(flagged, "s1q2")["criteria"]  # the grader's, kept
    override = evaluation.overrides.get()
    assert (override.previous_score, override.score, override.overridden_by) == (0, 3.5, staff)
    assert evaluation.total_score == flagged.total_score + 3.5
    after = flow.get(session_id).json()["evaluation"]
    assert after["reviewState"] == "REVIEWED" and after["score"] == evaluation.total_score
    # The candidate's view is still its allowlist: nothing of the criteria or the flag.
    seen = next(q for q in after["questions"] if q["questionId"] == "s1q2")
    assert seen == {"questionId": "s1q2", "score": 3.5, "maxScore": 5}


def test_a_free_text_rubric_is_graded_as_one_criterion_worth_the_question(flagged, staff):
    evaluation = grade(
        flagged, question_id="s2q2", points=[4], feedback="Mostly right.", staff_user=staff
    )

    graded = question(evaluation, "s2q2")
    assert graded["score"] == 4
    assert [c["maxPoints"] for c in graded["reviewedCriteria"]] == [5]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"points": [2.5, 1]}, "points"),  # above the first criterion's 2
        ({"points": [-0.5, 1]}, "points"),
        ({"points": [1, 1, 1]}, "points"),  # three numbers for two criteria
        ({"points": [1]}, "points"),
        ({"points": [1, float("nan")]}, "points"),
        ({"points": [True, 1]}, "points"),
        ({"score": 4}, "score"),  # the criteria sum to 3.5
        ({"feedback": "   "}, "feedback"),
        ({"question_id": "s9q9"}, "questionId"),
        ({"question_id": "s1q1"}, "questionId"),  # an MCQ is not graded per criterion
    ],
)
def test_bad_input_changes_nothing(flow, flagged, staff, change, field):
    with pytest.raises(ValidationFailed) as error:
        grade(flagged, staff_user=staff, **change)

    assert field in error.value.details
    evaluation = Evaluation.objects.get()
    assert evaluation.questions == flagged.questions
    assert evaluation.total_score == flagged.total_score and not evaluation.overrides.exists()
    assert flow.get(flagged.session_id).json()["evaluation"]["reviewState"] == "NEEDS_REVIEW"


def test_a_regrade_keeps_the_persons_criteria_and_feedback(flagged, staff):
    grade(flagged, staff_user=staff)

    regrade = finish(evaluation_regrade(session_id=flagged.session_id))

    evaluation = Evaluation.objects.get()
    graded = question(evaluation, "s1q2")
    assert evaluation.round == 2 and regrade.result["manualGradesKept"] == 1
    assert evaluation.graded_questions[1]["score"] == 0  # the grader still gives the plea 0
    assert graded["score"] == 3.5 and graded["overridden"]
    assert [c["points"] for c in graded["reviewedCriteria"]] == [1.5, 2]
    assert graded["feedback"] == "Names it; the explanation is thin."


def test_a_later_plain_override_replaces_the_per_criterion_grade(flagged, staff):
    grade(flagged, staff_user=staff)

    evaluation_override(
        evaluation_id=flagged.pk, question_id="s1q2", score=5, reason="Re-read", staff_user=staff
    )

    graded = question(Evaluation.objects.get(), "s1q2")
    assert graded["score"] == 5 and "reviewedCriteria" not in graded
