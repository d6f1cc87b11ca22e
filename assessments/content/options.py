"""What a caller may ask of a generated questionnaire: how many sections, how many questions each,
and how hard. Parsed once at the edge (`from_dict`) so every later step can trust the values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

DIFFICULTIES = ("easy", "medium", "hard")
SECTION_COUNT_RANGE = (1, 10)
QUESTIONS_PER_SECTION_RANGE = (1, 20)

# The wire format is camelCase (it is stored in JSON and sent by API clients).
_FIELD_BY_KEY = {
    "sectionCount": "section_count",
    "questionsPerSection": "questions_per_section",
    "difficulty": "difficulty",
}


@dataclass(frozen=True)
class GenerationOptions:
    section_count: int = 3
    questions_per_section: int = 4
    difficulty: str = "medium"

    def __post_init__(self) -> None:
        _require_int_in_range("sectionCount", self.section_count, SECTION_COUNT_RANGE)
        _require_int_in_range(
            "questionsPerSection", self.questions_per_section, QUESTIONS_PER_SECTION_RANGE
        )
        if self.difficulty not in DIFFICULTIES:
            raise ValueError(
                f"difficulty: {self.difficulty!r} is not one of {', '.join(DIFFICULTIES)}"
            )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> GenerationOptions:
        """Build options from their camelCase JSON form; missing keys take the defaults.

        Unknown keys are refused rather than ignored: a misspelt "sectioncount" silently falling
        back to the default would generate something the caller did not ask for.
        """
        if data is None:
            return cls()
        if not isinstance(data, Mapping):
            raise ValueError("options: expected an object")
        unknown = sorted(set(data) - set(_FIELD_BY_KEY))
        if unknown:
            raise ValueError(
                f"options: unknown key(s) {', '.join(unknown)}; "
                f"expected {', '.join(sorted(_FIELD_BY_KEY))}"
            )
        return cls(**{_FIELD_BY_KEY[key]: value for key, value in data.items()})

    def canonical(self) -> dict[str, Any]:
        """The camelCase form with sorted keys: stable input for the request's dedupe hash."""
        return dict(
            sorted(
                {
                    "sectionCount": self.section_count,
                    "questionsPerSection": self.questions_per_section,
                    "difficulty": self.difficulty,
                }.items()
            )
        )

    @property
    def total_questions(self) -> int:
        return self.section_count * self.questions_per_section


def _require_int_in_range(name: str, value: object, bounds: tuple[int, int]) -> None:
    low, high = bounds
    # bool is an int subclass; `True` sections is a client bug, not 1 section.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name}: expected an integer, got {type(value).__name__}")
    if not low <= value <= high:
        raise ValueError(f"{name}: {value} is out of range {low}–{high}")
