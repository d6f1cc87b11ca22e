"""How well the grader agrees with people, per prompt version and provider.

Over the short answers a person graded after the grader (the latest `ScoreOverride` in force
for the question), the person's score is compared with the graded score kept in
`Evaluation.graded_questions`: how many, the share graded exactly alike, the mean absolute
difference (in points and as a share of the question's points) and the quadratic weighted
kappa on points rounded to the nearest half point. MCQs and unanswered questions are scored
without the grader and are left out.
"""

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from assessments.models import Assessment

from .grading.plan import UNANSWERED_FEEDBACK, find_question
from .models import Evaluation, ScoreOverride

SAME_SCORE = 0.005  # points: closer than this is the same score


@dataclass(frozen=True)
class Pair:
    graded: float  # the grader's score
    person: float  # the person's score
    max_score: float


@dataclass(frozen=True)
class AgreementRow:
    prompt_version: str
    provider: str
    count: int
    exact_agreement: float  # share of answers, 0-1
    mean_abs_difference: float  # points
    mean_abs_difference_share: float  # of the question's points, 0-1
    kappa: float | None  # None when undefined (every score in one category)

    def as_dict(self) -> dict:
        return asdict(self)


def quadratic_weighted_kappa(first: Sequence[float], second: Sequence[float]) -> float | None:
    """Cohen's kappa with quadratic weights, on scores rounded to the nearest half point.

    kappa = 1 - Σ w_ij O_ij / Σ w_ij E_ij, where the categories are half points, O is the
    matrix of observed (first, second) counts, E = outer(histogram of first, histogram of
    second) / N the counts expected by chance, and w_ij = (i - j)² / (K - 1)². The (K - 1)²
    is the same above and below the line, so the weights are simply squared differences of
    the scores, and only the categories that occur need visiting. None when there is no
    disagreement to expect (every score of both raters is the same): kappa is undefined.
    """
    if len(first) != len(second):
        raise ValueError("Both raters must score the same items.")
    pairs = [(_half_point(a), _half_point(b)) for a, b in zip(first, second, strict=True)]
    if not pairs:
        return None
    count = len(pairs)
    observed = sum((a - b) ** 2 for a, b in pairs)
    histogram_a = Counter(a for a, _ in pairs)
    histogram_b = Counter(b for _, b in pairs)
    expected = (
        sum(
            count_a * count_b * (a - b) ** 2
            for a, count_a in histogram_a.items()
            for b, count_b in histogram_b.items()
        )
        / count
    )
    if expected == 0:
        return None
    return 1 - observed / expected


def agreement_of(pairs: Sequence[Pair]) -> tuple[int, float, float, float, float | None]:
    count = len(pairs)
    differences = [abs(p.graded - p.person) for p in pairs]
    return (
        count,
        sum(d < SAME_SCORE for d in differences) / count,
        sum(differences) / count,
        sum(d / p.max_score for d, p in zip(differences, pairs, strict=True)) / count,
        quadratic_weighted_kappa([p.graded for p in pairs], [p.person for p in pairs]),
    )


def agreement_statistics() -> list[AgreementRow]:
    groups: dict[tuple[str, str], list[Pair]] = defaultdict(list)
    for (prompt_version, provider), pair in _graded_pairs():
        groups[(prompt_version, provider)].append(pair)
    return [
        AgreementRow(prompt_version, provider, *agreement_of(pairs))
        for (prompt_version, provider), pairs in sorted(groups.items())
    ]


def _graded_pairs():
    """((prompt version, provider), Pair) for every grader-graded answer a person graded."""
    person: dict[tuple, float] = {}  # the latest override in force per answer
    for override in (
        ScoreOverride.objects.filter(superseded_in_round__isnull=True)
        .order_by("created_at", "id")
        .values("evaluation_id", "question_id", "score")
    ):
        person[(override["evaluation_id"], override["question_id"])] = override["score"]
    evaluations = Evaluation.objects.filter(pk__in={key[0] for key in person}).values(
        "pk", "graded_questions", "provider", "prompt_version", "session__assessment_id"
    )
    evaluations = list(evaluations)
    contents = dict(
        Assessment.objects.filter(
            pk__in={e["session__assessment_id"] for e in evaluations}
        ).values_list("pk", "content")
    )
    for evaluation in evaluations:
        content = contents[evaluation["session__assessment_id"]]
        for graded in evaluation["graded_questions"]:
            score = person.get((evaluation["pk"], graded["questionId"]))
            if score is None or not _graded_by_the_grader(graded, content):
                continue
            pair = Pair(float(graded["score"]), float(score), float(graded["maxScore"]))
            yield (evaluation["prompt_version"], evaluation["provider"]), pair


def _graded_by_the_grader(graded: dict, content: dict) -> bool:
    question = find_question(content, graded["questionId"])
    return (
        question is not None
        and question["type"] == "SHORT_ANSWER"
        and graded.get("feedback") != UNANSWERED_FEEDBACK
        and graded["maxScore"] > 0
    )


def _half_point(score: float) -> float:
    return math.floor(score * 2 + 0.5) / 2
