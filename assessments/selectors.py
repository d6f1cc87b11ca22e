import logging

import redis
from django.core.cache import cache
from django.db.models import QuerySet

from assessment_engine.db import replica

from .candidate_view import candidate_content
from .errors import AssessmentNotFound
from .models import Assessment, AssessmentStatus

logger = logging.getLogger(__name__)
CACHE_ERRORS = (redis.RedisError, OSError)


def assessment_list_published() -> QuerySet[Assessment]:
    return (
        Assessment.objects.using(replica())
        .filter(status=AssessmentStatus.PUBLISHED)
        .defer("content", "options")
        .order_by("-created_at", "id")
    )


CANDIDATE_VIEW_CACHE_SECONDS = 3600


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
    """The candidate view (the staff preview), cached in Redis under the assessment's id and
    version.

    Every publish/unpublish (or edit) bumps the version, so a changed assessment is simply a
    new key; old ones expire. The cache fails open: without Redis the view is built from the
    database.
    """
    key = f"assessment:{assessment.pk}:v{assessment.version}:candidate-view"
    view = _cache_get(key)
    if view is None:
        content = (
            Assessment.objects.using(replica())
            .values_list("content", flat=True)
            .get(pk=assessment.pk)
        )
        view = {"assessmentId": str(assessment.pk), **candidate_content(content)}
        _cache_set(key, view, CANDIDATE_VIEW_CACHE_SECONDS)
    return view


def _cache_get(key: str):
    try:
        return cache.get(key)
    except CACHE_ERRORS as exc:
        logger.warning("Cache unavailable, reading through: %s", exc)
        return None


def _cache_set(key: str, value, timeout: int) -> None:
    try:
        cache.set(key, value, timeout)
    except CACHE_ERRORS as exc:
        logger.warning("Cache unavailable, not storing %s: %s", key, exc)
