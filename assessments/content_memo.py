"""Assessment content read once per process and version, for the candidate path.

Every submit reads an assessment's content (to check the answers) and every session view shows
it: loading and decoding ~40 sections of JSON on each request was an eighth of a submit's CPU.
So the session queries load only the assessment's `version` (annotated as
`assessment_version`), and these functions take the content from a per-process memo keyed by
(id, version), reading it from the database only on a miss.

A memo keyed this way can never serve stale content because the database bumps `version`
itself whenever `content` changes (the trigger of migration 0002), whoever changes it.

Callers share the returned dicts: read them, never change them.
"""

from typing import Any

from .candidate_view import candidate_content
from .models import Assessment

# Bounded crudely (emptied when full): a process serves a handful of live assessments at once.
_MEMO_SIZE = 256
_content: dict[tuple[str, int], dict[str, Any]] = {}
_candidate_views: dict[tuple[str, int], dict[str, Any]] = {}


def content_of(assessment_id, version: int) -> dict[str, Any]:
    """The stored content, answer keys included."""
    key = (str(assessment_id), version)
    content = _content.get(key)
    if content is None:
        content = Assessment.objects.values_list("content", flat=True).get(pk=assessment_id)
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
