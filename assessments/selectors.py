from django.db.models import QuerySet

from .models import Assessment, AssessmentStatus


def assessment_list_published() -> QuerySet[Assessment]:
    return (
        Assessment.objects.filter(status=AssessmentStatus.PUBLISHED)
        .defer("content", "options")
        .order_by("-created_at", "id")
    )


def assessment_for_viewer(*, assessment_id, user) -> Assessment:
    """Published assessments for everyone; drafts only for staff. Raises DoesNotExist."""
    assessments = Assessment.objects.all()
    if not user.is_staff:
        assessments = assessments.filter(status=AssessmentStatus.PUBLISHED)
    return assessments.get(pk=assessment_id)
