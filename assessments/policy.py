"""The delivery policy: the one place that reads an assessment's policy fields and decides.

Sessions ask here whether an assessment may be opted in to or started now (`check_open`) and
what a candidate may see of a graded session (`review_level`); staff change the policy through
`assessment_policy_update`, the service behind the admin form and the PATCH endpoint.
"""

from datetime import datetime
from typing import Any

from django.db import transaction

from assessment_engine.api.errors import ValidationFailed

from .errors import AssessmentClosed, AssessmentNotAvailable, AssessmentNotFound, AssessmentNotOpen
from .models import Assessment, ReviewLevel

POLICY_FIELDS = (
    "max_attempts",
    "time_limit_seconds",
    "opens_at",
    "closes_at",
    "shuffle_questions",
    "shuffle_options",
    "review_policy",
    "review_after_close",
)
REVIEW_ORDER = (ReviewLevel.SCORES, ReviewLevel.FEEDBACK, ReviewLevel.FULL)


def check_open(assessment: Assessment, now: datetime) -> None:
    """Refuse an opt-in or a start: unpublished (409 NOT_AVAILABLE) or outside the window."""
    if not assessment.is_published:
        raise AssessmentNotAvailable()
    if assessment.opens_at is not None and now < assessment.opens_at:
        raise AssessmentNotOpen(
            f"This assessment opens at {assessment.opens_at.isoformat()}.",
            details={"opensAt": assessment.opens_at.isoformat()},
        )
    if assessment.closes_at is not None and now >= assessment.closes_at:
        raise AssessmentClosed(
            f"This assessment closed at {assessment.closes_at.isoformat()}.",
            details={"closesAt": assessment.closes_at.isoformat()},
        )


def review_level(assessment: Assessment, now: datetime, *, viewer_is_staff: bool = False) -> str:
    """What the viewer sees of a graded session: staff everything; a candidate the policy's
    level, raised to `review_after_close` once the window has closed (never lowered)."""
    if viewer_is_staff:
        return ReviewLevel.FULL
    level = assessment.review_policy
    if assessment.closes_at is not None and now >= assessment.closes_at:
        level = max(level, assessment.review_after_close, key=REVIEW_ORDER.index)
    return level


def shows(level: str, wanted: str) -> bool:
    """Whether `level` includes what `wanted` shows (FULL includes FEEDBACK includes SCORES)."""
    return REVIEW_ORDER.index(level) >= REVIEW_ORDER.index(wanted)


def assessment_policy_update(*, assessment_id, changes: dict[str, Any]) -> Assessment:
    """Change some policy fields (the others keep their values); 400 if the result is invalid.

    The rules between fields are checked against the merged policy under a row lock, so two
    concurrent edits cannot together make a window that closes before it opens; the database's
    CHECK constraints say the same as a last line.
    """
    unknown = set(changes) - set(POLICY_FIELDS)
    if unknown:
        raise ValidationFailed(details={field: ["Not a policy field."] for field in unknown})
    with transaction.atomic():
        assessment = (
            Assessment.objects.select_for_update().defer("content").filter(pk=assessment_id).first()
        )
        if assessment is None:
            raise AssessmentNotFound()
        for field, value in changes.items():
            setattr(assessment, field, value)
        _validate(assessment)
        assessment.save(update_fields=[*changes, "updated_at"])
    return assessment


def policy_of(assessment: Assessment) -> dict[str, Any]:
    return {field: getattr(assessment, field) for field in POLICY_FIELDS}


def _validate(assessment: Assessment) -> None:
    errors: dict[str, list[str]] = {}
    if assessment.max_attempts < 1:
        errors["maxAttempts"] = ["At least 1."]
    if assessment.time_limit_seconds is not None and assessment.time_limit_seconds <= 0:
        errors["timeLimitSeconds"] = ["A positive number of seconds, or null."]
    opens, closes = assessment.opens_at, assessment.closes_at
    if opens is not None and closes is not None and opens >= closes:
        errors["closesAt"] = ["Must be after opensAt."]
    if REVIEW_ORDER.index(assessment.review_after_close) < REVIEW_ORDER.index(
        assessment.review_policy
    ):
        errors["reviewAfterClose"] = [f"Cannot be below reviewPolicy ({assessment.review_policy})."]
    if errors:
        raise ValidationFailed("The policy is invalid.", details=errors)
