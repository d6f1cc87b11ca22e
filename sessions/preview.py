"""The assessment as a candidate would see it, for staff: the session's shuffling (a seed of
the staff member's choosing) and what the review level shows of a graded session.

Built from the same functions a session uses (`shuffling.arranged_sections`,
`review.visible_grades`), so the preview cannot drift from what candidates get.
"""

from dataclasses import dataclass
from typing import Any

from assessments.content_cache import candidate_view_of, content_of
from assessments.models import Assessment

from .review import visible_grades
from .shuffling import arranged_sections

SAMPLE_FEEDBACK = "(The grader's written feedback appears here.)"


@dataclass(frozen=True)
class Preview:
    title: str
    sections: list[dict[str, Any]]  # candidate view, each question with its `review`
    seed: int | None  # None: shown as authored (the policy shuffles nothing)
    level: str


def assessment_preview(assessment: Assessment, *, seed: int, level: str) -> Preview:
    """The current content version in the order a session started with `seed` would show it;
    each question carries what a candidate sees after grading at `level`, for an answer given
    full marks (so a level that shows the key shows it)."""
    version = assessment.content_version
    shuffles = assessment.shuffle_questions or assessment.shuffle_options
    view = candidate_view_of(assessment.pk, version)
    sections = arranged_sections(
        view["sections"],
        seed=seed if shuffles else None,
        questions=assessment.shuffle_questions,
        options=assessment.shuffle_options,
    )
    full_marks = [
        {
            "questionId": question["questionId"],
            "score": question["points"],
            "maxScore": question["points"],
            "feedback": SAMPLE_FEEDBACK,
        }
        for section in sections
        for question in section["questions"]
    ]
    shown = {
        grade["questionId"]: grade
        for grade in visible_grades(full_marks, content_of(assessment.pk, version), level)
    }
    return Preview(
        title=view["title"],
        sections=[
            {
                **section,
                "questions": [
                    {**question, "review": shown[question["questionId"]]}
                    for question in section["questions"]
                ],
            }
            for section in sections
        ],
        seed=seed if shuffles else None,
        level=level,
    )
