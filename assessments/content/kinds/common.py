"""What every kind writer shares: the item it proposes, and how a family is named in a stem."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .families import Family, excerpt


@dataclass(frozen=True)
class Basis:
    """What an item is written from and about: the same for every kind."""

    seed: tuple[Any, ...]  # one seed makes at most one item
    place: int  # where in the syllabus it comes from
    source: str  # its verbatim excerpt
    topic: str
    bloom: str
    subjects: tuple[str, ...] = ()  # what it is about, as a section title may name it
    families: tuple[int, ...] = ()  # the lists it shows or asks about
    definition: int | None = None  # the definition it quotes or asks about, by its start

    def fields(self) -> dict[str, str]:
        """Its fields of the contract."""
        return {"sourceExcerpt": self.source, "topic": self.topic, "bloomLevel": self.bloom}

    def item(
        self,
        kind: str,
        question: dict[str, Any],
        key: str | None = None,
        distractors: list[str] | None = None,
        hints: tuple[str, ...] | None = None,
    ) -> KindItem:
        return KindItem(
            kind,
            {**question, **self.fields()},
            key,
            distractors or [],
            self.seed,
            self.place,
            self.subjects,
            self.families,
            self.definition,
            hints,
        )


@dataclass
class KindItem:
    kind: str
    question: dict[str, Any]  # the contract's fields, without questionId
    key: str | None  # an MCQ's correct option
    distractors: list[str]
    seed: tuple[Any, ...]  # what it was written from: one seed makes at most one item
    place: int  # where in the syllabus it comes from
    subjects: tuple[str, ...] = ()  # what it is about, as a section title may name it
    families: tuple[int, ...] = ()  # the lists it shows or asks about
    definition: int | None = None  # the definition it quotes or asks about, by its start
    # The options whose mention in another MCQ's stem would help answer this one: its
    # distractors, unless the key is another course's topic (obvious whatever is said).
    hints: tuple[str, ...] | None = None

    @property
    def cues(self) -> tuple[str, ...]:
        return tuple(self.distractors) if self.hints is None else self.hints


def split_points(points: int, parts: int) -> list[int]:
    """Whole points, as even as they go, the larger shares first (5 over 3 → 2, 2, 1)."""
    base, extra = divmod(points, parts)
    return [base + (1 if index < extra else 0) for index in range(parts)]


def bind(function: Callable[..., KindItem | None], *args: Any) -> Callable[[], KindItem | None]:
    return lambda: function(*args)


def subjects_of(family: Family) -> tuple[str, ...]:
    return () if family.is_schedule else (family.name,)


def form_of(family: Family) -> str:
    """Which wording a stem about the family takes."""
    return family.kind if family.kind in ("schedule", "description") else "list"


def where(family: Family) -> str:
    if family.is_schedule:
        return "on the course schedule"
    if family.kind == "description":
        return "in the course description"
    return f"under {family.label}"


def list_basis(
    text: str, family: Family, seed: tuple[Any, ...], *, place: int, bloom: str, subjects: tuple
) -> Basis:
    """The basis of an item asking about a whole list: the listing is its excerpt."""
    return Basis(
        seed=seed,
        place=place,
        source=excerpt(text, family.start, family.end),
        topic=family.name,
        bloom=bloom,
        subjects=subjects,
        families=(family.index,),
    )
