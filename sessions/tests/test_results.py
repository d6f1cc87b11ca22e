"""GET /api/v1/assessments/{assessmentId}/results: staff only, filters, JSON pages, streamed CSV
of scores and of answers, a fixed number of queries."""

import csv
import io
import uuid

import pytest
from django.http import StreamingHttpResponse

from assessment_engine.accounts.factories import UserFactory
from sessions.models import SessionStatus
from sessions.results import ResultsFilter, results_csv, results_queryset
from sessions.review import review_state

from .results_data import (
    completed_session,
    example_assessment,
    example_sessions,
    grade,
    graded_session,
    open_session,
)

pytestmark = pytest.mark.django_db


def results_url(assessment_id, suffix: str = "") -> str:
    return f"/api/v1/assessments/{assessment_id}/results{suffix}"


@pytest.fixture
def assessment():
    return example_assessment()


@pytest.fixture
def mixed(assessment):
    """ann's session flagged for review, bob's reviewed by a person, cid graded by the grader
    alone, zoe opted in (not graded), and zoe's first attempt, EXPIRED."""
    ann = graded_session(assessment, "ann", {"s1q1": 1, "s1q2": 2}, {"s1q1": "B"}, flagged={"s1q2"})
    bob = graded_session(assessment, "bob", {"s1q2": 4}, {"s1q2": "=cmd|' /C calc'!A0"})
    bob.evaluation.delete()
    grade(bob, {"s1q2": 4}, overridden={"s1q2"})
    cid = graded_session(assessment, "cid", {"s1q1": 1, "s1q3": 1}, {"s1q1": "B", "s1q3": "C"})
    zoe = UserFactory(username="zoe")
    expired = open_session(assessment, zoe, status=SessionStatus.EXPIRED)
    opted_in = open_session(assessment, zoe, attempt=2)
    return {"ann": ann, "bob": bob, "cid": cid, "expired": expired, "opted_in": opted_in}


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def test_staff_get_one_row_per_session_by_candidate_then_attempt(staff_client, assessment, mixed):
    response = staff_client.get(results_url(assessment.pk))

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 5 and body["next"] is None
    rows = body["results"]
    assert [(r["username"], r["attempt"]) for r in rows] == [
        ("ann", 1),
        ("bob", 1),
        ("cid", 1),
        ("zoe", 1),
        ("zoe", 2),
    ]
    ann = rows[0]
    assert ann == {
        "userId": str(mixed["ann"].user_id),
        "username": "ann",
        "sessionId": str(mixed["ann"].pk),
        "attempt": 1,
        "status": "COMPLETED",
        "startedAt": ann["startedAt"],
        "completedAt": ann["completedAt"],
        "score": 3.0,
        "maxScore": 7.0,
        "percentage": 42.86,
        "reviewState": "NEEDS_REVIEW",
    }
    assert ann["startedAt"].endswith("Z") and ann["completedAt"].endswith("Z")
    assert [r["reviewState"] for r in rows] == [
        "NEEDS_REVIEW",
        "REVIEWED",
        "AI_GRADED",
        None,
        None,
    ]
    assert rows[3]["status"] == "EXPIRED" and rows[3]["score"] is None
    assert rows[4] | {"userId": None, "sessionId": None} == {
        "userId": None,
        "username": "zoe",
        "sessionId": None,
        "attempt": 2,
        "status": "OPTED_IN",
        "startedAt": None,
        "completedAt": None,
        "score": None,
        "maxScore": None,
        "percentage": None,
        "reviewState": None,
    }


def test_pages_and_trailing_slash(staff_client, assessment, mixed):
    first = staff_client.get(results_url(assessment.pk, "/"), {"pageSize": 2}).json()
    second = staff_client.get(results_url(assessment.pk), {"pageSize": 2, "page": 2}).json()

    assert first["count"] == 5 and "page=2" in first["next"]
    assert [r["username"] for r in first["results"] + second["results"]] == [
        "ann",
        "bob",
        "cid",
        "zoe",
    ]
    beyond = staff_client.get(results_url(assessment.pk), {"pageSize": 2, "page": 4})
    assert beyond.status_code == 404 and beyond.json()["error"]["code"] == "NOT_FOUND"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "COMPLETED"}, ["ann", "bob", "cid"]),
        ({"status": "OPTED_IN"}, ["zoe"]),
        ({"reviewState": "NEEDS_REVIEW"}, ["ann"]),
        ({"reviewState": "REVIEWED"}, ["bob"]),
        ({"reviewState": "AI_GRADED"}, ["cid"]),
        ({"status": "EXPIRED", "reviewState": "AI_GRADED"}, []),
    ],
)
def test_filters(staff_client, assessment, mixed, params, expected):
    response = staff_client.get(results_url(assessment.pk), params)

    assert response.status_code == 200
    assert [row["username"] for row in response.json()["results"]] == expected


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "DONE"}, "status"),
        ({"status": ""}, "status"),
        ({"reviewState": "needs_review"}, "reviewState"),
        ({"rows": "everything", "format": "csv"}, "rows"),
        ({"rows": "answers"}, "rows"),  # answers are a CSV export only
        ({"format": "xml"}, "format"),
        ({"pageSize": "500"}, "pageSize"),
    ],
)
def test_invalid_query_parameters_are_a_400_naming_the_parameter(
    staff_client, assessment, mixed, params, field
):
    response = staff_client.get(results_url(assessment.pk), params)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert list(error["details"]) == [field]


def test_candidates_are_refused_and_anonymous_callers_must_authenticate(
    candidate_client, api_client, assessment, mixed
):
    refused = candidate_client.get(results_url(assessment.pk), {"format": "xml"})
    anonymous = api_client.get(results_url(assessment.pk), {"format": "csv"})

    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "PERMISSION_DENIED"
    assert anonymous.status_code == 401
    assert anonymous["Content-Type"] == "application/json"  # the envelope, not CSV
    assert anonymous.json()["error"]["code"] == "NOT_AUTHENTICATED"


@pytest.mark.parametrize("suffix", ["results", "statistics"])
def test_unknown_and_malformed_ids_are_404_in_the_envelope(staff_client, suffix):
    for assessment_id in (uuid.uuid4(), "not-a-uuid", "1"):
        response = staff_client.get(f"/api/v1/assessments/{assessment_id}/{suffix}")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "NOT_FOUND"


def test_errors_are_json_envelopes_when_csv_was_asked_for(staff_client):
    unknown = staff_client.get(results_url(uuid.uuid4()), HTTP_ACCEPT="text/csv")
    statistics = staff_client.get(
        f"/api/v1/assessments/{uuid.uuid4()}/statistics", HTTP_ACCEPT="text/csv"
    )

    assert (unknown.status_code, unknown["Content-Type"]) == (404, "application/json")
    assert unknown.json()["error"]["code"] == "NOT_FOUND"
    # statistics are JSON only
    assert (statistics.status_code, statistics["Content-Type"]) == (406, "application/json")
    assert statistics.json()["error"]["code"] == "NOT_ACCEPTABLE"


def test_a_draft_is_visible_to_staff(staff_client):
    draft = example_assessment(status="DRAFT")
    graded_session(draft, "ann", {"s1q1": 1}, {"s1q1": "B"})

    response = staff_client.get(results_url(draft.pk))

    assert response.status_code == 200 and response.json()["count"] == 1


def test_csv_of_scores_is_streamed_with_one_column_per_question(staff_client, assessment, mixed):
    by_accept = staff_client.get(results_url(assessment.pk), HTTP_ACCEPT="text/csv")
    by_format = staff_client.get(results_url(assessment.pk), {"format": "csv"})

    for response in (by_accept, by_format):
        assert isinstance(response, StreamingHttpResponse)
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert f'filename="results-{assessment.pk}.csv"' in response["Content-Disposition"]
    header, *rows = csv_rows(by_format)
    assert ",".join(header) == (
        "username,userId,sessionId,attempt,status,startedAt,completedAt,score,maxScore,"
        "percentage,reviewState,s1q1,s1q2,s1q3"
    )
    assert [row[0] for row in rows] == ["ann", "bob", "cid", "zoe", "zoe"]
    ann = rows[0]
    assert ann[1:5] == [str(mixed["ann"].user_id), str(mixed["ann"].pk), "1", "COMPLETED"]
    assert ann[7:] == ["3", "7", "42.86", "NEEDS_REVIEW", "1", "2", "0"]
    assert rows[4][3:5] == ["2", "OPTED_IN"] and rows[4][5:] == [""] * 9
    assert csv_rows(by_accept) == [header, *rows]


def test_csv_applies_the_filters(staff_client, assessment, mixed):
    response = staff_client.get(
        results_url(assessment.pk), {"format": "csv", "reviewState": "REVIEWED"}
    )

    assert [row[0] for row in csv_rows(response)] == ["username", "bob"]


def test_csv_of_answers_has_one_line_per_submitted_answer(staff_client, assessment, mixed):
    response = staff_client.get(results_url(assessment.pk), {"format": "csv", "rows": "answers"})

    assert isinstance(response, StreamingHttpResponse)
    assert f'filename="responses-{assessment.pk}.csv"' in response["Content-Disposition"]
    header, *rows = csv_rows(response)
    assert ",".join(header) == (
        "username,userId,sessionId,attempt,sectionId,questionId,questionType,answer,score,maxScore"
    )
    assert [(r[0], r[4], r[5], r[6], r[7], r[8], r[9]) for r in rows] == [
        ("ann", "s1", "s1q1", "MCQ", "B", "1", "1"),
        # a formula a candidate typed is neutralised for spreadsheets
        ("bob", "s1", "s1q2", "SHORT_ANSWER", "'=cmd|' /C calc'!A0", "4", "5"),
        ("cid", "s1", "s1q1", "MCQ", "B", "1", "1"),
        ("cid", "s1", "s1q3", "MCQ", "C", "1", "1"),
    ]
    assert rows[0][1:4] == [str(mixed["ann"].user_id), str(mixed["ann"].pk), "1"]


def test_csv_export_reads_in_batches_and_starts_before_the_last_batch(
    assessment, django_assert_num_queries, monkeypatch
):
    """Streamed: the first lines come out after one query, before the later batches are read;
    the whole export is one query per batch of sessions, never one per session."""
    monkeypatch.setattr("sessions.results.BATCH_SIZE", 2)
    example_sessions(assessment)  # 4 sessions
    completed_session(assessment, UserFactory(username="eve"), {})  # a 5th, not graded yet
    rows = results_queryset(assessment_id=assessment.pk, filters=ResultsFilter())
    lines = results_csv(content=assessment.content, rows=rows)

    with django_assert_num_queries(1):
        first = [next(lines), next(lines)]  # header and ann: only the first batch was read
    with django_assert_num_queries(2):  # the two batches left (cid, dee; eve)
        rest = list(lines)

    assert first[1].startswith("ann,")
    assert [line.split(",")[0] for line in rest] == ["bob", "cid", "dee", "eve"]


def test_results_json_query_count(staff_client, assessment, mixed, django_assert_num_queries):
    # token; assessment; count; the page (user, evaluation and review state joined in); the
    # content is not needed for JSON
    with django_assert_num_queries(4):
        response = staff_client.get(results_url(assessment.pk))
    assert len(response.json()["results"]) == 5
    graded_session(assessment, "amy", {"s1q1": 1}, {"s1q1": "B"})
    with django_assert_num_queries(4):
        assert len(staff_client.get(results_url(assessment.pk)).json()["results"]) == 6


@pytest.mark.django_db(transaction=True)
def test_csv_export_in_autocommit_as_in_production(client_for, monkeypatch):
    """Outside a test transaction, as a server streams it (and behind PgBouncer in transaction
    mode in `make test`'s second pass): each batch is a query of its own, no cursor is held
    between them."""
    monkeypatch.setattr("sessions.results.BATCH_SIZE", 3)
    assessment = example_assessment()
    example_sessions(assessment)
    graded_session(assessment, "eve", {"s1q1": 1}, {"s1q1": "B"})
    staff_client = client_for(UserFactory(is_staff=True))

    scores = staff_client.get(results_url(assessment.pk), {"format": "csv"})
    answers = staff_client.get(results_url(assessment.pk), {"format": "csv", "rows": "answers"})

    assert [row[0] for row in csv_rows(scores)] == ["username", "ann", "bob", "cid", "dee", "eve"]
    assert len(csv_rows(answers)) == 1 + 4 * 3 + 1


def test_answers_follow_the_assessments_question_order(staff_client, assessment):
    # given: questions authored s1q3, s1q2, s1q1 (jsonb would hand the answers back sorted)
    assessment.content["sections"][0]["questions"].reverse()
    assessment.save(update_fields=["content"])
    graded_session(assessment, "ann", {}, {"s1q1": "B", "s1q2": "text", "s1q3": "C"})

    response = staff_client.get(results_url(assessment.pk), {"format": "csv", "rows": "answers"})

    assert [row[5] for row in csv_rows(response)[1:]] == ["s1q3", "s1q2", "s1q1"]


@pytest.mark.parametrize(
    ("grading", "expected"),
    [
        ({}, "AI_GRADED"),
        ({"flagged": {"s1q2"}}, "NEEDS_REVIEW"),
        ({"flagged": {"s1q2"}, "overridden": {"s1q2"}}, "REVIEWED"),
        ({"flagged": {"s1q2"}, "overridden": {"s1q1"}}, "NEEDS_REVIEW"),
        ({"overridden": {"s1q1"}}, "REVIEWED"),
    ],
)
def test_the_review_state_in_sql_is_the_one_candidates_see(assessment, grading, expected):
    session = graded_session(assessment, "ann", {"s1q1": 1}, {"s1q1": "B"}, **grading)

    (row,) = results_queryset(assessment_id=assessment.pk)

    assert row["review_state"] == expected == review_state(session.evaluation.questions)
