"""Item analysis of an assessment over its graded COMPLETED sessions (classical test theory).

Three aggregate queries, whatever the number of sessions: the test's figures (count, mean,
median, standard deviation, score distribution), per question the sums Σx, Σx² and Σx·T of
its scores x and the session totals T, and per MCQ option the number of sessions choosing it.
Everything else follows from those sums:

- facility index = mean score ÷ the question's points;
- discrimination index = the corrected item-total correlation: Pearson's r between x and the
  rest of the test R = T - x, with cov(x, R) = cov(x, T) - var(x) and
  var(R) = var(T) - 2·cov(x, T) + var(x);
- Cronbach's alpha = k/(k - 1) · (1 - Σ var(xᵢ) / var(T)), with T the sum of the k items.

The sessions are those COMPLETED with an evaluation (a session still being graded has no
scores yet); the scores are the evaluation's as shown (staff overrides applied). A question a
session has no grade for counts as 0. Undefined figures are null: everything but `attempts`
with no session; the standard deviation, alpha and discrimination with one; a discrimination
whose item or rest of the test does not vary; alpha with fewer than two questions or a total
that does not vary. `stdDev` is the sample standard deviation (n - 1) of the percentages.
"""

import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import Aggregate, Avg, Count, FloatField, Q, StdDev

from assessment_engine.db import replica
from assessments.content.schema import content_questions

from .models import CandidateSession, Evaluation, SectionSubmission, SessionStatus

DECIMALS = 4
NEGLIGIBLE = 1e-9  # sums of squares below this are no variation at all (float noise)
DISTRIBUTION_BUCKETS = 10  # of the percentage: 0-10, 10-20, ..., 90-100 (100 included)
NEGATIVE_DISCRIMINATION = "NEGATIVE_DISCRIMINATION"
UNCHOSEN_DISTRACTOR = "UNCHOSEN_DISTRACTOR"


class Median(Aggregate):
    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


@dataclass(frozen=True)
class ItemSums:
    """Σx, Σx² and Σx·T of one question's scores over the sessions."""

    sum: float = 0.0
    sum_squares: float = 0.0
    sum_with_total: float = 0.0


def assessment_statistics(*, assessment_id, content: dict[str, Any]) -> dict[str, Any]:
    """The statistics of the API (snake_case keys; the renderer camelCases them)."""
    test = _test_figures(assessment_id)
    questions = content_questions(content)
    sums = _item_sums(assessment_id, [q["questionId"] for q in questions])
    mcq_ids = [q["questionId"] for q in questions if q["type"] == "MCQ"]
    responses, choices = _responses(assessment_id, mcq_ids)
    analysis = item_analysis(test["attempts"], [sums.get(q["questionId"]) for q in questions])
    items = [
        _question(question, test["attempts"], sums.get(question["questionId"]), discrimination)
        | _responses_of(question, test["attempts"], responses, choices)
        for question, discrimination in zip(questions, analysis["discrimination"], strict=True)
    ]
    return {
        "assessment_id": str(assessment_id),
        **test,
        "alpha": _rounded(analysis["alpha"]),
        "questions": items,
        "flags": _flags(items),
    }


def item_analysis(count: int, items: list[ItemSums | None]) -> dict[str, Any]:
    """Discrimination per item and Cronbach's alpha from the sums (None: the item has no
    scores, i.e. 0 everywhere). Pure arithmetic, so a test can check it by hand."""
    items = [item or ItemSums() for item in items]
    if count < 2:
        return {"discrimination": [None] * len(items), "alpha": None}
    total = sum(item.sum for item in items)
    # T = Σ xᵢ, so Σ T² = Σᵢ Σ xᵢ·T.
    total_variation = sum(item.sum_with_total for item in items) - total * total / count
    discrimination, item_variations = [], []
    for item in items:
        variation = item.sum_squares - item.sum * item.sum / count
        covariation = item.sum_with_total - item.sum * total / count
        rest_variation = total_variation - 2 * covariation + variation
        item_variations.append(variation)
        if variation <= NEGLIGIBLE or rest_variation <= NEGLIGIBLE:
            discrimination.append(None)
        else:
            discrimination.append((covariation - variation) / math.sqrt(variation * rest_variation))
    k = len(items)
    alpha = None
    if k >= 2 and total_variation > NEGLIGIBLE:
        alpha = k / (k - 1) * (1 - sum(item_variations) / total_variation)
    return {"discrimination": discrimination, "alpha": alpha}


def _graded_sessions(assessment_id):
    return Evaluation.objects.using(replica()).filter(
        session__assessment_id=assessment_id, session__status=SessionStatus.COMPLETED
    )


def _test_figures(assessment_id) -> dict[str, Any]:
    width = 100 / DISTRIBUTION_BUCKETS
    buckets = {
        f"bucket_{index}": Count(
            "pk",
            filter=Q(percentage__gte=index * width)
            & (Q(percentage__lt=(index + 1) * width) if index < DISTRIBUTION_BUCKETS - 1 else Q()),
        )
        for index in range(DISTRIBUTION_BUCKETS)
    }
    figures = _graded_sessions(assessment_id).aggregate(
        attempts=Count("pk"),
        mean=Avg("percentage"),
        median=Median("percentage"),
        std_dev=StdDev("percentage", sample=True),
        **buckets,
    )
    return {
        "attempts": figures["attempts"],
        "mean_percentage": _rounded(figures["mean"]),
        "median_percentage": _rounded(figures["median"]),
        "std_dev": _rounded(figures["std_dev"]),
        "score_distribution": [
            {
                "from_percentage": round(index * width, 2),
                "to_percentage": round((index + 1) * width, 2),
                "count": figures[f"bucket_{index}"],
            }
            for index in range(DISTRIBUTION_BUCKETS)
        ],
    }


def _item_sums(assessment_id, question_ids: list[str]) -> dict[str, ItemSums]:
    sql = f"""
        WITH items AS (
            SELECT e.id AS evaluation_id, grade->>'questionId' AS question_id,
                   (grade->>'score')::float8 AS score
            FROM {Evaluation._meta.db_table} e
            JOIN {CandidateSession._meta.db_table} s ON s.id = e.session_id
            CROSS JOIN LATERAL jsonb_array_elements(e.questions) AS grade
            WHERE s.assessment_id = %s AND s.status = %s
              AND grade->>'questionId' = ANY(%s)
        ), totals AS (
            SELECT evaluation_id, sum(score) AS total FROM items GROUP BY evaluation_id
        )
        SELECT question_id, sum(score), sum(score * score), sum(score * total)
        FROM items JOIN totals USING (evaluation_id)
        GROUP BY question_id
    """  # noqa: S608 - table names from the models, values as parameters
    with connections[replica()].cursor() as cursor:
        cursor.execute(sql, [assessment_id, SessionStatus.COMPLETED, question_ids])
        return {row[0]: ItemSums(*row[1:]) for row in cursor.fetchall()}


def _responses(assessment_id, mcq_ids: list[str]) -> tuple[dict[str, int], dict]:
    """Non-empty answers per question, and per MCQ the sessions choosing each option."""
    sql = f"""
        SELECT answer.key, CASE WHEN answer.key = ANY(%s) THEN answer.value END, count(*)
        FROM {SectionSubmission._meta.db_table} sub
        JOIN {CandidateSession._meta.db_table} s ON s.id = sub.session_id
        JOIN {Evaluation._meta.db_table} e ON e.session_id = s.id
        CROSS JOIN LATERAL jsonb_each_text(sub.answers) AS answer
        WHERE s.assessment_id = %s AND s.status = %s AND btrim(answer.value) <> ''
        GROUP BY 1, 2
    """  # noqa: S608 - table names from the models, values as parameters
    responses: dict[str, int] = defaultdict(int)
    choices: dict[str, dict[str, int]] = defaultdict(dict)
    with connections[replica()].cursor() as cursor:
        cursor.execute(sql, [mcq_ids, assessment_id, SessionStatus.COMPLETED])
        for question_id, option_id, count in cursor.fetchall():
            responses[question_id] += count
            if option_id is not None:
                choices[question_id][option_id] = count
    return responses, choices


def _question(
    question: dict, attempts: int, sums: ItemSums | None, discrimination: float | None
) -> dict[str, Any]:
    points = float(question["points"])
    mean = (sums.sum if sums else 0.0) / attempts if attempts else None
    return {
        "question_id": question["questionId"],
        "type": question["type"],
        "max_score": points,
        "mean_score": _rounded(mean),
        "facility_index": _rounded(mean / points if mean is not None and points else None),
        "discrimination_index": _rounded(discrimination),
    }


def _responses_of(question: dict, attempts: int, responses: dict, choices: dict) -> dict:
    question_id = question["questionId"]
    figures: dict[str, Any] = {"response_count": responses.get(question_id, 0)}
    if question["type"] == "MCQ":
        chosen = choices.get(question_id, {})
        figures["options"] = [
            {
                "option_id": option["id"],
                "correct": option["id"] == question["correctOptionId"],
                "count": chosen.get(option["id"], 0),
                "share": _rounded(chosen.get(option["id"], 0) / attempts if attempts else None),
            }
            for option in question["options"]
        ]
    return figures


def _flags(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    flags = []
    for item in items:
        if item["discrimination_index"] is not None and item["discrimination_index"] < 0:
            flags.append(
                {
                    "question_id": item["question_id"],
                    "code": NEGATIVE_DISCRIMINATION,
                    "option_id": None,
                    "message": "Stronger candidates score lower on this question than others.",
                }
            )
        for option in item.get("options", ()):
            if not option["correct"] and option["count"] == 0 and option["share"] is not None:
                flags.append(
                    {
                        "question_id": item["question_id"],
                        "code": UNCHOSEN_DISTRACTOR,
                        "option_id": option["option_id"],
                        "message": f"No candidate chose option {option['option_id']}.",
                    }
                )
    return flags


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, DECIMALS)
