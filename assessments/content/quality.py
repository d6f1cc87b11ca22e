"""The quality report of one generated questionnaire: what it asks, and how it got there.

Stored with the assessment, shown in the admin next to the questions and returned in the
generation job's result, so staff can see at a glance whether a questionnaire covers its
syllabus before they read it item by item.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from .schema import content_questions
from .text import normalize_for_matching

UNSPECIFIED = "UNSPECIFIED"


def quality_report(
    content: Mapping[str, Any],
    *,
    topics_found: Iterable[str] = (),
    rules_triggered: Mapping[str, int] | None = None,
    items_regenerated: int = 0,
) -> dict[str, Any]:
    """`topics_found`: the syllabus's topics (subject matter only); `rules_triggered`: how often
    each item-writing rule refused an item on the way (a failed attempt, a skipped candidate);
    `items_regenerated`: items a verifier sent back."""
    items = content_questions(content)
    found = {_key(topic): topic for topic in topics_found}
    asked = {_key(item["topic"]) for item in items if item.get("topic")}
    covered = sorted(found[key] for key in found.keys() & asked)
    return {
        "items": len(items),
        "byType": dict(sorted(Counter(item["type"] for item in items).items())),
        "byBloomLevel": dict(
            sorted(Counter(item.get("bloomLevel", UNSPECIFIED) for item in items).items())
        ),
        "topicsFound": len(found),
        "topicsCovered": len(covered),
        "topicCoverage": round(len(covered) / len(found), 3) if found else None,
        "coveredTopics": covered,
        "rulesTriggered": dict(sorted((rules_triggered or {}).items())),
        "itemsRegenerated": items_regenerated,
    }


def _key(topic: str) -> str:
    return normalize_for_matching(topic).strip(" .;:")
