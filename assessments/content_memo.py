"""Assessment content read once per process and content version, for the candidate path.

Every submit reads an assessment's content (to check the answers) and every session view shows
it: loading and decoding ~40 sections of JSON on each request was an eighth of a submit's CPU.
So the session queries load no content: a session knows the content version it is pinned to
(`CandidateSession.content_version`), and these functions take that version's content from a
per-process memo keyed by (id, content version), reading it from the database only on a miss.

A memo keyed this way can never serve stale content because `AssessmentVersion` rows are
written by the database whenever content changes and never updated (migration 0005).

Callers share the returned dicts: read them, never change them.
"""

from typing import Any

from .candidate_view import candidate_content
from .models import AssessmentVersion

# Bounded crudely (emptied when full): a process serves a handful of live assessments at once.
_MEMO_SIZE = 256
_content: dict[tuple[str, int], dict[str, Any]] = {}
_candidate_views: dict[tuple[str, int], dict[str, Any]] = {}


def content_of(assessment_id, version: int) -> dict[str, Any]:
    """Content version `version` of the assessment, answer keys included."""
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
        view = {"assessmentId": key[0], **candidate_content(content_of(assessment_id, version))}
        _remember(_candidate_views, key, view)
    return view


def _remember(memo: dict, key: tuple[str, int], value: dict[str, Any]) -> None:
    if len(memo) >= _MEMO_SIZE:
        memo.clear()
    memo[key] = value
