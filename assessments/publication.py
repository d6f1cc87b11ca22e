"""Publishing and unpublishing: the one service behind the admin, the API and the commands.

Publishing is refused (409 ITEMS_NOT_APPROVED, naming the questions) while
`ASSESSMENT_REQUIRE_REVIEW` is on and some question lacks an approval of its current text. The
check and the status change happen under the assessment's row lock, the same lock every edit,
approval and regeneration takes, so no edit can slip an unapproved item in between.
Both are idempotent: publishing a published assessment changes nothing.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .errors import ItemsNotApproved
from .items import locked_assessment, unapproved_question_ids
from .models import Assessment, AssessmentStatus


@dataclass(frozen=True)
class PublicationChange:
    assessment: Assessment
    changed: bool  # False: it already had that status


def assessment_publish(*, assessment_id) -> PublicationChange:
    with transaction.atomic():
        assessment = locked_assessment(assessment_id)
        if assessment.is_published:
            return PublicationChange(assessment, changed=False)
        if settings.ASSESSMENT_REQUIRE_REVIEW:
            unapproved = unapproved_question_ids(assessment)
            if unapproved:
                raise ItemsNotApproved(
                    f"{len(unapproved)} question(s) are not approved: {', '.join(unapproved)}.",
                    details={"questionIds": unapproved},
                )
        _set_status(assessment, AssessmentStatus.PUBLISHED, published_at=timezone.now())
    return PublicationChange(assessment, changed=True)


def assessment_unpublish(*, assessment_id) -> PublicationChange:
    """Back to DRAFT: no new opt-ins or starts; ACTIVE sessions may finish."""
    with transaction.atomic():
        assessment = locked_assessment(assessment_id)
        if not assessment.is_published:
            return PublicationChange(assessment, changed=False)
        _set_status(assessment, AssessmentStatus.DRAFT, published_at=None)
    return PublicationChange(assessment, changed=True)


def _set_status(assessment: Assessment, status: str, *, published_at) -> None:
    assessment.status = status
    assessment.published_at = published_at
    assessment.version += 1  # the candidate-view cache key
    assessment.save(update_fields=["status", "published_at", "version", "updated_at"])
