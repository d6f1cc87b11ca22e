"""An assessment's content and its candidate view, built and cached in one place.

Two tiers, both keyed by (id, content version):

- a per-process memo of the content and of the candidate view: every submit checks answers
  against the content and every session view shows it, and decoding the JSON on each request
  was a large share of a submit's CPU. Session queries therefore load no content: a session
  knows the content version it is pinned to (`CandidateSession.content_version`), and the
  content comes from here;
- Redis, for the candidate view only (never the answer keys), shared by every process: a
  process that has not seen a version yet takes the view from there before building it. The
  Redis tier fails open: without Redis the view is built from the database.

Neither tier can serve stale content: `AssessmentVersion` rows are written by the database
whenever content changes, whoever changes it, and are never updated (migration 0005), so a
change is simply a new key. The content is read from the primary: a replica may not have the
new version's row yet.

Callers share the returned dicts: read them, never change them.
"""

import logging
from typing import Any

import redis
from django.core.cache import cache

from .candidate_view import candidate_content
from .models import AssessmentVersion

logger = logging.getLogger(__name__)

CANDIDATE_VIEW_CACHE_SECONDS = 3600
CACHE_ERRORS = (redis.RedisError, OSError)
# Bounded crudely (emptied when full): a process serves a handful of live assessments at once.
_MEMO_SIZE = 256
_content: dict[tuple[str, int], dict[str, Any]] = {}
_candidate_views: dict[tuple[str, int], dict[str, Any]] = {}


def content_of(assessment_id, version: int) -> dict[str, Any]:
    """Content version `version` of the assessment, answer keys included (never leaves the
    process)."""
    key = (str(assessment_id), version)
    content = _content.get(key)
    if content is None:
        content = AssessmentVersion.objects.values_list("content", flat=True).get(
            assessment_id=assessment_id, number=version
        )
        _remember(_content, key, content)
    return content


def candidate_view_of(assessment_id, version: int) -> dict[str, Any]:
    """`{"assessmentId", **candidate_content}`: what a candidate sees of the assessment."""
    key = (str(assessment_id), version)
    view = _candidate_views.get(key)
    if view is None:
        view = _shared_candidate_view(*key)
        _remember(_candidate_views, key, view)
    return view


def _shared_candidate_view(assessment_id: str, version: int) -> dict[str, Any]:
    redis_key = f"assessment:{assessment_id}:v{version}:candidate-view"
    view = _cache_get(redis_key)
    if view is None:
        content = content_of(assessment_id, version)
        view = {"assessmentId": assessment_id, **candidate_content(content)}
        _cache_set(redis_key, view)
    return view


def _remember(memo: dict, key: tuple[str, int], value: dict[str, Any]) -> None:
    if len(memo) >= _MEMO_SIZE:
        memo.clear()
    memo[key] = value


def _cache_get(key: str) -> dict[str, Any] | None:
    try:
        return cache.get(key)
    except CACHE_ERRORS as exc:
        logger.warning("Cache unavailable, reading through: %s", exc)
        return None


def _cache_set(key: str, value: dict[str, Any]) -> None:
    try:
        cache.set(key, value, CANDIDATE_VIEW_CACHE_SECONDS)
    except CACHE_ERRORS as exc:
        logger.warning("Cache unavailable, not storing %s: %s", key, exc)
