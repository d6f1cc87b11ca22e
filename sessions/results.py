"""Results of an assessment for staff: one row per session (JSON pages, a CSV of scores) and
one row per answer (a CSV of responses).

The CSV exports are generators for `StreamingHttpResponse`. They read the sessions in keyset
batches (`BATCH_SIZE` rows per query, ordered by candidate and attempt) rather than through
`QuerySet.iterator()`: a server-side cursor is what keeps `iterator()` in constant memory, and
behind PgBouncer in transaction mode the project turns those off (`DATABASE_PGBOUNCER` sets
`DISABLE_SERVER_SIDE_CURSORS`), where `iterator()` would fetch the whole result at once.
Keyset batches are short queries that hold no cursor and no transaction open while a slow
client downloads, so they behave the same with and without PgBouncer, on the replica too.
"""

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, F, Func, JSONField, Q, QuerySet, Value, When
from django.http import StreamingHttpResponse

from assessment_engine.db import replica
from assessments.content.schema import content_questions

from .models import CandidateSession, SectionSubmission
from .review import ReviewState
from .selectors import FLAGGED_PATH, JsonPathExists

BATCH_SIZE = 1000  # sessions per query of an export
REVIEWED_PATH = "$[*] ? (@.overridden == true)"
REVIEW_STATES = (ReviewState.AI_GRADED, ReviewState.NEEDS_REVIEW, ReviewState.REVIEWED)
SCORE_COLUMNS = [
    "username",
    "userId",
    "sessionId",
    "attempt",
    "status",
    "startedAt",
    "completedAt",
    "score",
    "maxScore",
    "percentage",
    "reviewState",
]
ANSWER_COLUMNS = [
    "username",
    "userId",
    "sessionId",
    "attempt",
    "sectionId",
    "questionId",
    "questionType",
    "answer",
    "score",
    "maxScore",
]
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection):
# candidate-written text is prefixed with an apostrophe, which shows as text.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ResultsFilter:
    status: str | None = None  # a SessionStatus
    review_state: str | None = None  # one of REVIEW_STATES (sessions not graded never match)


class QuestionScores(Func):
    """{questionId: score} of an evaluation's grades: what the exports need of the JSON,
    without the feedback and criteria that make up most of it."""

    template = (
        "(SELECT jsonb_object_agg(grade->>'questionId', grade->'score') "
        "FROM jsonb_array_elements(%(expressions)s) AS grade)"
    )
    output_field = JSONField()


def results_queryset(*, assessment_id, filters: ResultsFilter = ResultsFilter()) -> QuerySet:
    """One dict per session of the assessment, ordered by candidate then attempt (unique per
    assessment, which the keyset batches rely on). One query per page or batch: the user and
    the evaluation are joined, the review state is computed in SQL (as `review.review_state`
    computes it in Python)."""
    questions = F("evaluation__questions")
    rows = (
        CandidateSession.objects.using(replica())
        .filter(assessment_id=assessment_id)
        .annotate(
            username=F("user__username"),
            score=F("evaluation__total_score"),
            max_score=F("evaluation__max_score"),
            percentage=F("evaluation__percentage"),
            review_state=Case(
                When(evaluation__isnull=True, then=Value(None)),
                When(JsonPathExists(questions, Value(FLAGGED_PATH)), then=Value("NEEDS_REVIEW")),
                When(JsonPathExists(questions, Value(REVIEWED_PATH)), then=Value("REVIEWED")),
                default=Value("AI_GRADED"),
            ),
        )
        .order_by("username", "attempt")
        .values(
            "username",
            "user_id",
            "attempt",
            "status",
            "started_at",
            "completed_at",
            "score",
            "max_score",
            "percentage",
            "review_state",
            session_id=F("id"),
        )
    )
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.review_state:
        rows = rows.filter(review_state=filters.review_state)
    return rows


def results_in_batches(rows: QuerySet) -> Iterator[list[dict]]:
    """The rows of `results_queryset`, `BATCH_SIZE` at a time, each batch one query that starts
    after the last (username, attempt) of the one before."""
    batch_size = BATCH_SIZE
    rows = rows.annotate(question_scores=QuestionScores(F("evaluation__questions")))
    after = Q()
    while True:
        batch = list(rows.filter(after)[:batch_size])
        if batch:
            yield batch
        if len(batch) < batch_size:
            return
        last = batch[-1]
        after = Q(username__gt=last["username"]) | Q(
            username=last["username"], attempt__gt=last["attempt"]
        )


def results_csv(*, content: dict[str, Any], rows: QuerySet) -> Iterator[str]:
    """The CSV of scores: a header, then one line per session with one column per question."""
    question_ids = [question["questionId"] for question in content_questions(content)]
    yield from _csv_lines(
        [SCORE_COLUMNS + question_ids],
        (
            [*_session_cells(row), *(_number(_score(row, qid)) for qid in question_ids)]
            for batch in results_in_batches(rows)
            for row in batch
        ),
    )


def answers_csv(*, content: dict[str, Any], rows: QuerySet) -> Iterator[str]:
    """The CSV of responses: a header, then one line per submitted answer, in the order of the
    sessions, then of the questions in the assessment. One query for the submissions of each
    batch of sessions."""
    questions = {
        question["questionId"]: {**question, "position": position}
        for position, question in enumerate(content_questions(content))
    }
    yield from _csv_lines(
        [ANSWER_COLUMNS],
        (
            line
            for batch in results_in_batches(rows)
            for line in _answer_lines(batch, questions, _submissions_of(batch))
        ),
    )


def results_csv_response(*, assessment_id, content: dict, rows: QuerySet, answers: bool):
    """The download of either export (the API's and the admin's)."""
    export = answers_csv if answers else results_csv
    response = StreamingHttpResponse(
        export(content=content, rows=rows), content_type="text/csv; charset=utf-8"
    )
    name = "responses" if answers else "results"
    response["Content-Disposition"] = f'attachment; filename="{name}-{assessment_id}.csv"'
    return response


def _answer_lines(
    batch: list[dict], questions: dict[str, dict], submissions: dict[Any, list]
) -> Iterator[list]:
    for row in batch:
        for section_id, answers in submissions.get(row["session_id"], ()):
            # In the assessment's order (a JSON object's keys come back in jsonb's own order).
            ordered = sorted(answers.items(), key=lambda item: _position(questions, item[0]))
            for question_id, answer in ordered:
                question = questions.get(question_id, {})
                yield [
                    _text(row["username"]),
                    row["user_id"],
                    row["session_id"],
                    row["attempt"],
                    section_id,
                    question_id,
                    question.get("type", ""),
                    _text(str(answer)),
                    _number(_score(row, question_id)),
                    _number(question.get("points")),
                ]


def _submissions_of(batch: list[dict]) -> dict[Any, list[tuple[str, dict]]]:
    by_session: dict[Any, list[tuple[str, dict]]] = {}
    submissions = (
        SectionSubmission.objects.using(replica())
        .filter(session_id__in=[row["session_id"] for row in batch])
        .order_by("session_id", "section_index")
        .values_list("session_id", "section_id", "answers")
    )
    for session_id, section_id, answers in submissions:
        by_session.setdefault(session_id, []).append((section_id, answers))
    return by_session


def _session_cells(row: dict) -> list:
    return [
        _text(row["username"]),
        row["user_id"],
        row["session_id"],
        row["attempt"],
        row["status"],
        _timestamp(row["started_at"]),
        _timestamp(row["completed_at"]),
        _number(row["score"]),
        _number(row["max_score"]),
        _number(row["percentage"]),
        row["review_state"] or "",
    ]


class _Line:
    """A file-like object that hands back what csv.writer writes, one line at a time."""

    def write(self, text: str) -> str:
        return text


def _csv_lines(header: list[list], rows: Iterable[list]) -> Iterator[str]:
    writer = csv.writer(_Line())
    for row in header:
        yield writer.writerow(row)
    for row in rows:
        yield writer.writerow(row)


def _position(questions: dict[str, dict], question_id: str) -> int:
    return questions[question_id]["position"] if question_id in questions else len(questions)


def _score(row: dict, question_id: str) -> float | None:
    return (row.get("question_scores") or {}).get(question_id)


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _timestamp(value) -> str:
    return value.isoformat() if value else ""


def _text(value: str) -> str:
    return f"'{value}" if value.startswith(FORMULA_PREFIXES) else value
