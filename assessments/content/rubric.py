"""A short answer's rubric as criteria with points, and as the text the contract calls `rubric`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def render_rubric(criteria: Sequence[Mapping[str, Any]]) -> str:
    """One criterion a line with its points: "- (2 pts) Explains what X is"."""
    return "\n".join(
        f"- ({_points(criterion['points'])}) {' '.join(str(criterion['criterion']).split())}"
        for criterion in criteria
    )


def _points(points: float) -> str:
    return f"{points:g} pt" if points == 1 else f"{points:g} pts"
