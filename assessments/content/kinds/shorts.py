"""Short answers whose reference answer is written from the syllabus's own subject matter, so
that a grader can apply every rubric criterion to it:

- TOPIC_SHORT (REMEMBER): "Which concepts does the course study as part of n-gram language
  models? Name three of them." The reference names the whole list; each criterion asks for
  one of its concepts.
- DESCRIBE_SHORT (UNDERSTAND): what a defined or glossed term is or involves ("Pair-Wise
  Exploration: Identify possible relationships between variables and compute correlations
  and linear fits"). The reference is the definition; each criterion one of its clauses.
- RELATE_SHORT (ANALYZE): tell two sibling lists apart ("the imperative paradigm" and "the
  functional paradigm"): name concepts of each, and put none under the wrong one.

A short answer never asks about a list an MCQ of the questionnaire shows as options, nor about
a definition an MCQ quotes: one would answer the other (see `KindWriter.accept`).
"""

from __future__ import annotations

import re
from typing import Any

from ..rubric import render_rubric
from ..subject import Definition
from ..subject.topics import GLOSS_VERBS
from ..text import collapse_whitespace
from .common import Basis, KindItem, bind, list_basis, split_points
from .families import Family, excerpt

TOPIC_SHORT, RELATE_SHORT, DESCRIBE_SHORT = "TOPIC_SHORT", "RELATE_SHORT", "DESCRIBE_SHORT"
SHORT_KINDS = (TOPIC_SHORT, DESCRIBE_SHORT, RELATE_SHORT)
MIN_CRITERIA, MAX_CRITERIA = 2, 4
_NUMBER_WORDS = {2: "two", 3: "three", 4: "four"}
_ORDINALS = ("A first", "A second", "A third", "A fourth")
ASKED_AT_MOST = 3  # concepts a short answer asks to name from one list
# "1) How big is the effect? 2) How much variability…": an enumeration inside a gloss.
_ENUMERATED = re.compile(r"(?:^|\s)\(?\d[.)]\s+")
# A gloss's clauses each start with a verb: "Examine a single variable, understand its
# underlying distribution, and choose…"; "and" between nouns ("correlations and linear fits")
# joins one clause.
_CLAUSE_SPLIT = re.compile(
    rf"(?:,\s+(?:and\s+|or\s+)?|\s+and\s+)(?=(?:{'|'.join(sorted(GLOSS_VERBS))})\b)", re.I
)
# Where a definition's genus ends and what sets it apart begins: "a machine | with finitely
# many states | that reads its input once" (only the first relative clause: "processes that
# underlie that behavior" is one).
_RELATIVE = re.compile(r",?\s+(?=(?:that|which|whose|where|in which)\s)")
_WITH = re.compile(r",?\s+(?=with\s)")


class ShortAnswerKinds:
    """The short-answer kinds of `KindWriter` (which provides the attributes used here)."""

    def _topic_seeds(self) -> list[tuple[int, int, tuple[Any, ...], Any]]:
        seeds = []
        for family in self.families:
            # The whole schedule or description is no subject of its own: naming three of its
            # rows tests the syllabus, not the subject.
            if family.kind in ("schedule", "description") or len(family.topics) < 2:
                continue
            if any(other.parent == family.name for other in self.families):
                continue  # a list of lists: its sub-lists are the questions
            seed = (TOPIC_SHORT, family.index)
            seeds.append((family.start, 0, seed, bind(self._components_short, family, seed)))
        return seeds

    def _relate_seeds(self) -> list[tuple[int, int, tuple[Any, ...], Any]]:
        seeds = []
        lists = [
            family
            for family in self.families
            if family.kind in ("list", "inline")
            and len(family.topics) >= 2
            and not any(other.parent == family.name for other in self.families)
        ]
        for position, first in enumerate(lists):
            for second in lists[position + 1 :]:
                if not _siblings(first, second):
                    continue
                seed = (RELATE_SHORT, first.index, second.index)
                write = bind(self._contrast_short, first, second, seed)
                seeds.append((first.start, second.index, seed, write))
        return seeds

    def _describe_seeds(self) -> list[tuple[int, int, tuple[Any, ...], Any]]:
        return [
            (d.start, 0, (DESCRIBE_SHORT, d.start), bind(self._describe_short, d, d.start))
            for d in self.matter.definitions
        ]

    # Writers ---------------------------------------------------------------------------------

    def _components_short(self, family: Family, seed: tuple[Any, ...]) -> KindItem | None:
        names = [topic.name for topic in family.topics]
        asked = min(ASKED_AT_MOST, len(names))
        listing = _join(names)
        if asked == len(names) <= MAX_CRITERIA:
            criteria = [f"Names {name}." for name in names]
        else:
            criteria = [
                f"Names {_ORDINALS[number].lower()} concept of those the reference answer lists."
                for number in range(asked)
            ]
        prompt = (
            f"Which concepts does the course study as part of {running(family.name)}? Name "
            f"{_NUMBER_WORDS[asked]} of them."
        )
        return self._short(
            TOPIC_SHORT,
            prompt,
            criteria,
            reference=f"As part of {running(family.name)}, the course studies {listing}.",
            basis=list_basis(
                self.text,
                family,
                seed,
                place=family.start,
                bloom="REMEMBER",
                subjects=(family.name,),
            ),
        )

    def _contrast_short(
        self, first: Family, second: Family, seed: tuple[Any, ...]
    ) -> KindItem | None:
        prompt = (
            f"The course teaches both {running(first.name)} and {running(second.name)}. Tell "
            "them apart: name two concepts the course studies under each, without putting any "
            "under the wrong one."
        )
        criteria = [
            f"Names two concepts of {first.name}, from: {_join(t.name for t in first.topics)}.",
            f"Names two concepts of {second.name}, from: {_join(t.name for t in second.topics)}.",
            "Puts none of the concepts named under the wrong one of the two.",
        ]
        reference = (
            f"Under {running(first.name)} the course studies "
            f"{_join(t.name for t in first.topics)}; under {running(second.name)} it studies "
            f"{_join(t.name for t in second.topics)}."
        )
        return self._short(
            RELATE_SHORT,
            prompt,
            criteria,
            reference=reference,
            basis=Basis(
                seed=seed,
                place=first.start,
                source=excerpt(
                    self.text, min(first.start, second.start), max(first.end, second.end)
                ),
                topic=f"{first.name}; {second.name}",
                bloom="ANALYZE",
                subjects=(first.name, second.name),
                families=(first.index, second.index),
            ),
        )

    def _describe_short(self, definition: Definition, start: int) -> KindItem | None:
        term = collapse_whitespace(definition.term)
        meaning = collapse_whitespace(definition.definition)
        clauses = definition_clauses(meaning, definition.kind)
        if len(clauses) < MIN_CRITERIA:
            return None
        if definition.kind == "gloss":
            prompt = f"What does {term} involve in this course? Describe each part of it."
            reference = _sentence(f"{term} means to {meaning[:1].lower()}{meaning[1:]}")
            criteria = [_sentence(f"Says that it involves: {clause}") for clause in clauses]
        else:
            article = definition.sentence.split(None, 1)[0]
            named = f"{article.lower()} {term}" if article.lower() in ("a", "an", "the") else term
            prompt = f"What is {named}? Answer as precisely as the course defines it."
            reference = collapse_whitespace(definition.sentence)
            criteria = [_sentence(f"Says that it is or has: {clause}") for clause in clauses]
        return self._short(
            DESCRIBE_SHORT,
            prompt,
            criteria,
            reference=reference,
            basis=Basis(
                seed=(DESCRIBE_SHORT, start),
                place=start,
                source=collapse_whitespace(definition.sentence),
                topic=term,
                bloom="UNDERSTAND",
                subjects=(term,),
                definition=start,
            ),
        )

    def _short(
        self, kind: str, prompt: str, criteria: list[str], *, reference: str, basis: Basis
    ) -> KindItem | None:
        # Every criterion is worth at least a point.
        criteria = criteria[: min(MAX_CRITERIA, self.short_points)]
        if len(criteria) < MIN_CRITERIA:
            return None
        shares = split_points(self.short_points, len(criteria))
        rubric = [{"criterion": c, "points": p} for c, p in zip(criteria, shares, strict=True)]
        question = {
            "type": "SHORT_ANSWER",
            "prompt": prompt,
            "points": self.short_points,
            "referenceAnswer": reference,
            "rubric": render_rubric(rubric),
            "rubricCriteria": rubric,
        }
        return basis.item(kind, question)


def definition_clauses(meaning: str, kind: str = "gloss") -> list[str]:
    """The parts a definition or gloss is made of, 2 to 4 of them: a gloss's numbered items,
    else its comma- and "and"-separated clauses; a definition's genus and what sets it apart.
    The surplus is joined to the last."""
    numbered = [part.strip() for part in _ENUMERATED.split(meaning) if part.strip()]
    if len(numbered) >= MIN_CRITERIA + 1:
        parts = numbered[1:]  # what precedes "1)" introduces the items
    elif kind == "gloss":
        parts = _CLAUSE_SPLIT.split(meaning)
    else:
        genus, *relative = _RELATIVE.split(meaning, maxsplit=1)
        parts = [*_WITH.split(genus, maxsplit=1), *relative]
    clauses = [part.strip(" ,.") for part in parts if part.strip(" ,.")]
    clauses = [clause for clause in clauses if len(clause.split()) >= 2]
    if len(clauses) > MAX_CRITERIA:
        clauses = [*clauses[: MAX_CRITERIA - 1], " and ".join(clauses[MAX_CRITERIA - 1 :])]
    return clauses


def _siblings(first: Family, second: Family) -> bool:
    """Two lists the course sets side by side: under one heading, or both named in prose, and
    sharing no topic (or the contrast has no answer)."""
    same_place = first.parent == second.parent or first.kind == second.kind == "inline"
    shared = {t.key for t in first.topics} & {t.key for t in second.topics}
    return same_place and not shared


def running(name: str) -> str:
    """A heading as running text: "Basic types and definitions" → "basic types and
    definitions", "Consumer Choice" → "consumer choice"; "naive Bayes", "TF-IDF" or a single
    name ("Bioinformatics") keep their capitals."""
    words = name.split()
    if len(words) < 2:
        return name
    long_words = [word for word in words if len(word) > 3]
    if all(word[:1].isupper() for word in long_words):  # Title Case
        return " ".join(word if word.isupper() else word.lower() for word in words)
    return name[:1].lower() + name[1:] if name[1:2].islower() else name


def _sentence(text: str) -> str:
    return text if text[-1:] in ".?!" else text + "."


def _join(names) -> str:
    """ "a, b and c"; "a; b; and c" when an item has its own "and"."""
    names = list(names)
    if len(names) == 1:
        return names[0]
    if any(" and " in name for name in names):
        return "; ".join(names[:-1]) + "; and " + names[-1]
    return ", ".join(names[:-1]) + " and " + names[-1]
