from django.db.models import QuerySet

from assessment_engine.db import replica

from .content_cache import candidate_view_of
from .errors import AssessmentNotFound
from .models import Assessment, AssessmentStatus


def assessment_list_published() -> QuerySet[Assessment]:
    return (
        Assessment.objects.using(replica())
        .filter(status=AssessmentStatus.PUBLISHED)
        .defer("content", "options")
        .order_by("-created_at", "id")
    )


def assessment_get_visible(*, assessment_id, user) -> Assessment:
    """The assessment without its content: any for staff, a published one for a candidate
    (a draft is "not found" to candidates, not "forbidden")."""
    visible = Assessment.objects.using(replica()).defer("content", "options")
    if not user.is_staff:
        visible = visible.filter(status=AssessmentStatus.PUBLISHED)
    assessment = visible.filter(pk=assessment_id).first()
    if assessment is None:
        raise AssessmentNotFound()
    return assessment


def assessment_candidate_view(*, assessment: Assessment) -> dict:
    """The candidate view (the staff preview), from the cache keyed by id and content version."""
    return candidate_view_of(assessment.pk, assessment.content_version)
