"""GET /api/v1/assessments/{assessmentId}/statistics, checked against a hand-computed example.

The example (`results_data.EXAMPLE_SCORES`): four graded sessions of three questions,
s1q1 (1 point), s1q2 (5 points), s1q3 (1 point):

    session   s1q1  s1q2  s1q3  total T  percentage
    ann        1     4     1      6       85.71
    bob        1     2     0      3       42.86
    cid        0     3     1      4       57.14
    dee        0     1     0      1       14.29
    mean      0.5   2.5   0.5    3.5

Sums of squared deviations: SS(q1) = 4·0.25 = 1, SS(q2) = 2.25+0.25+0.25+2.25 = 5,
SS(q3) = 1, SS(T) = 6.25+0.25+0.25+6.25 = 13. Cross products: SP(q1,q2) = 0.75-0.25-0.25+0.75
= 1, SP(q1,q3) = 0.25-0.25-0.25+0.25 = 0, SP(q2,q3) = 0.75+0.25+0.25+0.75 = 2
(check: SS(T) = 1+5+1 + 2·(1+0+2) = 13).

- facility: 0.5/1, 2.5/5, 0.5/1 = 0.5 each.
- alpha = k/(k-1)·(1 - ΣSS(i)/SS(T)) = 3/2·(1 - 7/13) = 9/13 = 0.692.
- discrimination, r(item, rest) = SP(i, R)/√(SS(i)·SS(R)) with R = T - item:
  q1: SP = 1+0 = 1, SS(R) = 5+1+2·2 = 10, r = 1/√10 = 0.316;
  q2: SP = 1+2 = 3, SS(R) = 1+1+2·0 = 2, r = 3/√10 = 0.949;
  q3: SP = 0+2 = 2, SS(R) = 1+5+2·1 = 8, r = 2/√8 = 0.707.
- percentages: mean = 200/4 = 50, median = (42.86+57.14)/2 = 50, sample standard deviation
  = √((35.71²+7.14²+7.14²+35.71²)/3) = √(2652.367/3) = 29.734.
- choices: s1q1 A by cid and dee, B by ann and bob (0.5 each); s1q3 C by ann and cid (0.5),
  A by bob, B by dee (0.25 each), D by nobody: an unchosen distractor.
"""

import uuid

import pytest

from assessment_engine.accounts.factories import UserFactory
from assessments.content_cache import content_of
from sessions.models import SessionStatus
from sessions.statistics import ItemSums, item_analysis

from .results_data import (
    completed_session,
    example_assessment,
    example_sessions,
    graded_session,
    open_session,
)

pytestmark = pytest.mark.django_db


def statistics_url(assessment_id) -> str:
    return f"/api/v1/assessments/{assessment_id}/statistics"


@pytest.fixture
def assessment():
    return example_assessment()


@pytest.fixture
def example(assessment):
    """The example, plus sessions that must not count: one ACTIVE, one EXPIRED, one
    COMPLETED but not graded yet, and a graded one of another assessment."""
    sessions = example_sessions(assessment)
    open_session(assessment, UserFactory(), status=SessionStatus.ACTIVE)
    open_session(assessment, UserFactory(), status=SessionStatus.EXPIRED)
    completed_session(assessment, UserFactory(), {"s1q1": "A", "s1q3": "D"})
    graded_session(example_assessment(title="Other"), "ann2", {"s1q1": 0}, {"s1q3": "D"})
    return sessions


def question(body: dict, question_id: str) -> dict:
    return next(q for q in body["questions"] if q["questionId"] == question_id)


def test_statistics_of_the_hand_computed_example(staff_client, assessment, example):
    response = staff_client.get(statistics_url(assessment.pk))

    assert response.status_code == 200
    body = response.json()
    assert body["assessmentId"] == str(assessment.pk)
    assert body["attempts"] == 4
    assert body["meanPercentage"] == pytest.approx(50.0, abs=5e-4)
    assert body["medianPercentage"] == pytest.approx(50.0, abs=5e-4)
    assert round(body["stdDev"], 3) == 29.734
    assert round(body["alpha"], 3) == 0.692
    assert [round(q["discriminationIndex"], 3) for q in body["questions"]] == [0.316, 0.949, 0.707]
    assert [q["facilityIndex"] for q in body["questions"]] == [0.5, 0.5, 0.5]
    assert [q["meanScore"] for q in body["questions"]] == [0.5, 2.5, 0.5]
    assert [q["responseCount"] for q in body["questions"]] == [4, 4, 4]
    assert question(body, "s1q1")["options"] == [
        {"optionId": "A", "correct": False, "count": 2, "share": 0.5},
        {"optionId": "B", "correct": True, "count": 2, "share": 0.5},
    ]
    assert [(o["optionId"], o["count"], o["share"]) for o in question(body, "s1q3")["options"]] == [
        ("A", 1, 0.25),
        ("B", 1, 0.25),
        ("C", 2, 0.5),
        ("D", 0, 0.0),
    ]
    assert "options" not in question(body, "s1q2")
    assert body["flags"] == [
        {
            "questionId": "s1q3",
            "code": "UNCHOSEN_DISTRACTOR",
            "optionId": "D",
            "message": "No candidate chose option D.",
        }
    ]
    assert [b["count"] for b in body["scoreDistribution"]] == [0, 1, 0, 0, 1, 1, 0, 0, 1, 0]
    assert body["scoreDistribution"][0] == {"fromPercentage": 0.0, "toPercentage": 10.0, "count": 0}


def test_a_question_stronger_candidates_miss_is_flagged(staff_client, assessment):
    """s1q3 reversed: (q1, q2, q3) = (1,4,0), (1,2,1), (0,3,0), (0,1,1). Then R3 = q1 + q2 =
    (5,3,3,1), SP(q3, R3) = SP(q1,q3) + SP(q2,q3) = 0 + (-0.75-0.25-0.25-0.75) = -2,
    SS(q3) = 1, SS(R3) = 8: r = -2/√8 = -0.707. And alpha = 3/2·(1 - 7/5) = -0.6, since
    SS(T) = 7 + 2·(1 + 0 - 2) = 5. s1q2 turns negative as well: R2 = q1 + q3 = (1,2,0,1),
    SP(q2, R2) = SP(q1,q2) + SP(q2,q3) = 1 - 2 = -1, SS(R2) = 1 + 1 + 2·0 = 2,
    r = -1/√10 = -0.316. And s1q1: R1 = q2 + q3 = (4,3,3,2), SP = 1 + 0 = 1,
    SS(R1) = 5 + 1 + 2·(-2) = 2, r = 1/√2 = 0.707."""
    reversed_q3 = {"ann": (1, 4, 0), "bob": (1, 2, 1), "cid": (0, 3, 0), "dee": (0, 1, 1)}
    for username, (q1, q2, q3) in reversed_q3.items():
        answers = {"s1q1": "AB"[q1], "s1q2": "text", "s1q3": "AC"[q3]}
        graded_session(assessment, username, {"s1q1": q1, "s1q2": q2, "s1q3": q3}, answers)

    body = staff_client.get(statistics_url(assessment.pk)).json()

    assert [round(q["discriminationIndex"], 3) for q in body["questions"]] == [
        0.707,
        -0.316,
        -0.707,
    ]
    assert round(body["alpha"], 3) == -0.6
    assert {(f["questionId"], f["code"], f["optionId"]) for f in body["flags"]} == {
        ("s1q2", "NEGATIVE_DISCRIMINATION", None),
        ("s1q3", "NEGATIVE_DISCRIMINATION", None),
        ("s1q3", "UNCHOSEN_DISTRACTOR", "B"),
        ("s1q3", "UNCHOSEN_DISTRACTOR", "D"),
    }


def test_no_session_gives_nulls_and_no_flags(staff_client, assessment):
    open_session(assessment, UserFactory(), status=SessionStatus.ACTIVE)

    body = staff_client.get(statistics_url(assessment.pk)).json()

    assert body["attempts"] == 0
    for figure in ("meanPercentage", "medianPercentage", "stdDev", "alpha"):
        assert body[figure] is None
    for item in body["questions"]:
        assert (item["facilityIndex"], item["discriminationIndex"], item["responseCount"]) == (
            None,
            None,
            0,
        )
    assert question(body, "s1q1")["options"][0] == {
        "optionId": "A",
        "correct": False,
        "count": 0,
        "share": None,
    }
    assert body["flags"] == []
    assert sum(b["count"] for b in body["scoreDistribution"]) == 0


def test_one_session_has_a_mean_but_no_spread(staff_client, assessment):
    graded_session(assessment, "ann", {"s1q1": 1, "s1q2": 5, "s1q3": 1}, {"s1q1": "B"})

    body = staff_client.get(statistics_url(assessment.pk)).json()

    assert (body["attempts"], body["meanPercentage"], body["medianPercentage"]) == (1, 100.0, 100.0)
    assert (body["stdDev"], body["alpha"]) == (None, None)
    assert [q["discriminationIndex"] for q in body["questions"]] == [None, None, None]
    assert [q["facilityIndex"] for q in body["questions"]] == [1.0, 1.0, 1.0]
    assert [q["responseCount"] for q in body["questions"]] == [1, 0, 0]
    assert body["scoreDistribution"][-1]["count"] == 1  # 100 % falls in the last bucket


def test_an_item_everybody_gets_right_has_no_discrimination(staff_client, assessment):
    for username, essay in (("ann", 5), ("bob", 1)):
        graded_session(assessment, username, {"s1q1": 1, "s1q2": essay}, {"s1q1": "B"})

    body = staff_client.get(statistics_url(assessment.pk)).json()

    q1, q2, q3 = body["questions"]
    assert q1["discriminationIndex"] is None  # no variance in the item
    assert q2["discriminationIndex"] is None  # the rest of the test (q1 + q3) does not vary
    assert q3["discriminationIndex"] is None
    # alpha = 3/2·(1 - SS(q2)/SS(T)) with SS(q2) = SS(T) = 8: 0
    assert body["alpha"] == 0.0


def test_item_analysis_arithmetic_without_a_database():
    # the example's sums: Σx, Σx², Σx·T with T = (6, 3, 4, 1)
    sums = [ItemSums(2, 2, 9), ItemSums(10, 30, 43), ItemSums(2, 2, 10)]

    result = item_analysis(4, sums)

    assert [round(r, 3) for r in result["discrimination"]] == [0.316, 0.949, 0.707]
    assert round(result["alpha"], 3) == 0.692
    assert item_analysis(1, sums) == {"discrimination": [None] * 3, "alpha": None}
    assert item_analysis(4, [ItemSums(2, 2, 9)])["alpha"] is None  # one item


def test_staff_only(candidate_client, api_client, assessment, example):
    refused = candidate_client.get(statistics_url(assessment.pk))
    anonymous = api_client.get(statistics_url(assessment.pk))

    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "PERMISSION_DENIED")
    assert (anonymous.status_code, anonymous.json()["error"]["code"]) == (401, "NOT_AUTHENTICATED")


def test_unknown_assessment_and_format(staff_client, assessment):
    unknown = staff_client.get(statistics_url(uuid.uuid4()) + "/")
    as_csv = staff_client.get(statistics_url(assessment.pk), {"format": "csv"})

    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "NOT_FOUND")
    assert (as_csv.status_code, list(as_csv.json()["error"]["details"])) == (400, ["format"])


def test_statistics_query_count(staff_client, assessment, example, django_assert_num_queries):
    # token; assessment; test figures; item sums; answers per option — whatever the sessions
    # (the content comes from the per-process memo, warm in a running server)
    content_of(assessment.pk, assessment.content_version)
    with django_assert_num_queries(5):
        assert staff_client.get(statistics_url(assessment.pk)).status_code == 200
    graded_session(assessment, "eve", {"s1q2": 5}, {"s1q2": "text"})
    with django_assert_num_queries(5):
        assert staff_client.get(statistics_url(assessment.pk)).json()["attempts"] == 5
