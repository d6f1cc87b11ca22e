"""Agreement of the grader with people: the kappa formula, the statistics on a seeded set, the
admin page and `manage.py grading_report`."""

import json
import random
from io import StringIO

import pytest
from django.core.management import call_command

from assessment_engine.accounts.factories import UserFactory
from harness.client import SessionFlow
from sessions.agreement import AgreementRow, agreement_statistics, quadratic_weighted_kappa
from sessions.evaluation import evaluation_grade_answer, evaluation_override
from sessions.models import Evaluation

from .grading import graded_evaluation
from .test_evaluation import ai_grade

# --- the formula -------------------------------------------------------------------------------


def textbook_kappa(first, second) -> float:
    """The formula as usually written: K half-point categories from the lowest score to the
    highest, O the observed K by K counts, E the counts expected from the two histograms,
    weights (i - j)² / (K - 1)²."""
    halves = [round(x * 2) for x in (*first, *second)]
    low, size = min(halves), max(halves) - min(halves) + 1
    observed = [[0] * size for _ in range(size)]
    for a, b in zip(first, second, strict=True):
        observed[round(a * 2) - low][round(b * 2) - low] += 1
    rows = [sum(row) for row in observed]
    columns = [sum(row[j] for row in observed) for j in range(size)]
    count = len(first)
    weights = [[(i - j) ** 2 / (size - 1) ** 2 for j in range(size)] for i in range(size)]
    numerator = sum(weights[i][j] * observed[i][j] for i in range(size) for j in range(size))
    denominator = sum(
        weights[i][j] * rows[i] * columns[j] / count for i in range(size) for j in range(size)
    )
    return 1 - numerator / denominator


def test_kappa_of_a_small_case_worked_by_hand():
    """Grader [0, 1, 2, 2], person [0, 2, 2, 1] (points; categories 0, 1, 2 so K = 3).

    Observed: two disagreements of one point, Σ w·O = (1 + 1) / (K-1)² = 2/4 = 0.5.
    Both histograms are {0: 1, 1: 1, 2: 2}; E_ij = h_i·h_j / 4, so
    Σ w·E = Σ h_i·h_j·(i-j)² / (4·4) with Σ h_i·h_j·(i-j)² = 2·(1·1·1 + 1·2·4 + 1·2·1) = 22,
    Σ w·E = 22/16 = 1.375, and kappa = 1 - 0.5/1.375 = 1 - 4/11 = 7/11 ≈ 0.6364.
    """
    assert quadratic_weighted_kappa([0, 1, 2, 2], [0, 2, 2, 1]) == pytest.approx(7 / 11)


def test_kappa_rounds_to_the_nearest_half_point_and_knows_its_limits():
    assert quadratic_weighted_kappa([0, 1.24, 2], [0.2, 0.9, 2.1]) == pytest.approx(1)
    # 1.75 → 2 (a quarter point rounds up) and 1.24 → 1: the hand-worked case again.
    assert quadratic_weighted_kappa([0, 1, 2, 2], [0, 1.75, 2, 1.24]) == pytest.approx(
        quadratic_weighted_kappa([0, 1, 2, 2], [0, 2, 2, 1])
    )
    assert quadratic_weighted_kappa([0, 1, 2], [2, 1, 0]) == pytest.approx(-1)
    assert quadratic_weighted_kappa([3, 3], [3, 3]) is None  # nothing to expect: undefined
    assert quadratic_weighted_kappa([], []) is None
    with pytest.raises(ValueError):
        quadratic_weighted_kappa([1], [1, 2])


def test_kappa_equals_the_textbook_matrix_formula():
    rng = random.Random(13)
    for _ in range(50):
        size = rng.randint(2, 30)
        first = [rng.randint(0, 10) / 2 for _ in range(size)]
        second = [min(5, max(0, a + rng.choice([-1, -0.5, 0, 0, 0.5, 1]))) for a in first]
        if len(set(first) | set(second)) < 2:
            continue
        assert quadratic_weighted_kappa(first, second) == pytest.approx(
            textbook_kappa(first, second)
        )


# --- a seeded set -----------------------------------------------------------------------------


@pytest.fixture
def seeded(client_for, assessment, gemini, staff, quick_retries) -> None:
    """Two sessions graded by `gemini` with prompt v2 and one re-labelled v1, then graded by a
    person. The v2 pairs (grader → person) are 0→0, 1→2, 2→2, 2→1: the hand-worked case.

    Left out: an answer nobody graded, an MCQ overridden, an override discarded by a regrade
    (superseded), and an earlier override of an answer graded twice (the latest counts).
    """

    def session(grades) -> Evaluation:
        gemini.respond_json({"grades": grades})
        answers = [{"s1q1": "A", "s1q2": "one"}, {"s2q2": "two"}, {"s3q2": "three"}]
        return graded_evaluation(SessionFlow(client_for(UserFactory())), assessment, answers)

    def person(evaluation, question_id, score):
        evaluation_override(
            evaluation_id=evaluation.pk,
            question_id=question_id,
            score=score,
            reason="a person's grade",
            staff_user=staff,
        )

    first = session([ai_grade("s1q2", 0, "x"), ai_grade("s2q2", 1, "x"), ai_grade("s3q2", 2, "x")])
    person(first, "s1q2", 0)
    person(first, "s2q2", 4)
    person(first, "s2q2", 2)  # the latest counts
    evaluation_grade_answer(  # the grading queue's per-criterion grade counts like any other
        evaluation_id=first.pk, question_id="s3q2", points=[2], feedback="ok", staff_user=staff
    )
    person(first, "s1q1", 1)  # an MCQ: the key graded it, not the grader

    second = session([ai_grade("s1q2", 2, "x"), ai_grade("s2q2", 3, "x"), ai_grade("s3q2", 5, "x")])
    person(second, "s1q2", 1)
    person(second, "s3q2", 0)
    second.overrides.filter(question_id="s3q2").update(superseded_in_round=2)  # discarded

    third = session([ai_grade("s1q2", 3, "x"), ai_grade("s2q2", 0, "x"), ai_grade("s3q2", 0, "x")])
    Evaluation.objects.filter(pk=third.pk).update(prompt_version="evaluation-v1")
    person(third, "s1q2", 3)


def test_agreement_statistics_on_the_seeded_set(seeded):
    assert agreement_statistics() == [
        AgreementRow("evaluation-v1", "gemini", 1, 1.0, 0.0, 0.0, None),
        AgreementRow(
            prompt_version="evaluation-v2",
            provider="gemini",
            count=4,
            exact_agreement=0.5,
            mean_abs_difference=0.5,  # (0 + 1 + 0 + 1) / 4 points
            mean_abs_difference_share=0.1,  # of 5 points each
            kappa=pytest.approx(7 / 11),
        ),
    ]


def test_the_admin_page_shows_the_statistics(seeded, superuser_client):
    page = superuser_client.get("/admin/candidate_sessions/evaluation/agreement/")

    text = page.content.decode()
    assert page.status_code == 200
    assert "evaluation-v2" in text and "0.636" in text and "50%" in text


def test_grading_report_prints_a_table_and_json(seeded):
    table, as_json = StringIO(), StringIO()

    call_command("grading_report", stdout=table)
    call_command("grading_report", "--json", stdout=as_json)

    lines = table.getvalue().splitlines()
    assert lines[0].split() == [
        "prompt",
        "version",
        "provider",
        "answers",
        "exact",
        "mean",
        "|diff|",
        "share",
        "kappa",
    ]
    assert lines[2].split() == ["evaluation-v1", "gemini", "1", "100%", "0.00", "0.0%", "-"]
    assert lines[3].split() == ["evaluation-v2", "gemini", "4", "50%", "0.50", "10.0%", "0.636"]
    rows = json.loads(as_json.getvalue())
    assert rows[1] == {
        "prompt_version": "evaluation-v2",
        "provider": "gemini",
        "count": 4,
        "exact_agreement": 0.5,
        "mean_abs_difference": 0.5,
        "mean_abs_difference_share": 0.1,
        "kappa": pytest.approx(7 / 11),
    }


@pytest.mark.django_db
def test_grading_report_without_any_person_grade():
    out = StringIO()
    call_command("grading_report", stdout=out)
    assert "No answer has been graded by a person" in out.getvalue()
