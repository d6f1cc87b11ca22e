"""Items that test how the course's topics fit together, written from its topic lists and
definitions (see `families`), not from one sentence's wording.

Kinds, and the level of understanding each asks for:

- COVERED (REMEMBER): "Which of these topics does the course cover under “naive Bayes”?" The
  key is listed there; the distractors are topics of unrelated lists of the same syllabus, or,
  when it has none, topics of other courses (`vocabulary`), shaped like the key.
- OUTSIDER (ANALYZE): "Three of these topics are taught together under “vector semantics”.
  Which one is not?" Three siblings and one topic of an unrelated list, the key.
- DEFINITION (UNDERSTAND): "Which term does the syllabus define as follows: “…”?"
- TOPIC_SHORT (REMEMBER at easy, UNDERSTAND otherwise): a list, or a topic with its siblings.
- RELATE_SHORT (ANALYZE): how two topics of one list are related, with an example.

A writer only proposes: `candidates` yields items nearest the section's place in the syllabus
first, and the questionnaire builder accepts one only if it keeps every rule across the whole
questionnaire (no key named in another stem or a title, distinct prompts...).
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..item_rules import option_key
from ..rubric import render_rubric
from ..subject import Definition, SubjectMatter, same_topic
from ..text import collapse_whitespace
from .families import Family, ListedTopic, content_lemmas, excerpt, families, topic_excerpt
from .vocabulary import foreign_topics, styled_like

COVERED, OUTSIDER, DEFINITION = "COVERED", "OUTSIDER", "DEFINITION"
TOPIC_SHORT, RELATE_SHORT = "TOPIC_SHORT", "RELATE_SHORT"
MCQ_KINDS = (COVERED, OUTSIDER, DEFINITION)
SHORT_KINDS = (TOPIC_SHORT, RELATE_SHORT)
DISTRACTOR_COUNT = 3
# The distractors are drawn at random from this many of the best-shaped candidates: the
# harder the question, the closer to the key in form.
DISTRACTOR_POOL = {"easy": 6, "medium": 5, "hard": 4}

_COVERED_TEMPLATES = {
    "list": (
        "Which of these topics does the course cover under {label}?",
        "Under {label}, which of these topics does the course teach?",
        "{label_cap} includes {sibling}. Which of these topics does it also include?",
    ),
    "schedule": (
        "Which of these topics is on the course schedule?",
        "Which of these topics does the course schedule include?",
        "The course schedule includes {sibling}. Which of these topics is also on it?",
    ),
}
_OUTSIDER_TEMPLATES = {
    "list": (
        "Three of these topics are taught together under {label}. Which one is not?",
        "Which of these topics does not belong with the others under {label}?",
    ),
    "schedule": (
        "Three of these topics are on the course schedule. Which one is not?",
        "Which of these topics does not belong on the course schedule?",
    ),
}
_DEFINITION_TEMPLATE = "Which term does the syllabus define as follows: “{definition}”?"


@dataclass
class KindItem:
    kind: str
    question: dict[str, Any]  # the contract's fields, without questionId
    key: str | None  # an MCQ's correct option
    distractors: list[str]
    seed: tuple[Any, ...]  # what it was written from: one seed makes at most one item
    place: int  # where in the syllabus it comes from
    subjects: tuple[str, ...] = ()  # what it is about, as a section title may name it


@dataclass
class KindWriter:
    text: str
    matter: SubjectMatter
    difficulty: str
    mcq_points: int
    short_points: int
    rng: random.Random
    families: list[Family] = field(init=False)
    families_by_index: dict[int, Family] = field(init=False)
    used_seeds: set[tuple[Any, ...]] = field(default_factory=set)
    # Items written per family: the next item comes from the least asked-about list, so a
    # questionnaire spreads over the course instead of asking three times about one week.
    family_uses: Counter[int] = field(default_factory=Counter)
    # Topics a short answer already asks about: a second one on the same topic repeats it.
    explained: set[str] = field(default_factory=set)
    _place: int = 0  # where the section asking sits in the syllabus
    # Whether a topic is already named in a stem (set by the questionnaire builder): such a
    # topic is no option of an odd-one-out, whose siblings would otherwise be given away.
    named: Callable[[str], bool] = lambda _text: False
    _foreign: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.families = families(self.matter, self.text)
        self.families_by_index = {family.index: family for family in self.families}
        self._has_lists = any(not family.is_schedule for family in self.families)
        self._foreign = foreign_topics(content_lemmas(self.text))

    def capacity(self) -> int:
        """An upper bound on the items this writer can propose, for planning."""
        topics = sum(len(family.topics) for family in self.families)
        return topics + len(self.matter.definitions)

    def candidates(self, kind: str, place: int) -> Iterator[KindItem]:
        seeds = {
            COVERED: self._covered_seeds,
            OUTSIDER: self._outsider_seeds,
            DEFINITION: self._definition_seeds,
            TOPIC_SHORT: self._topic_seeds,
            RELATE_SHORT: self._relate_seeds,
        }[kind]()
        self._place = place
        ordered = sorted(
            seeds, key=lambda seed: (self._weight(seed[2]), abs(seed[0] - place), seed[0], seed[1])
        )
        for _, _, seed, write in ordered:
            if seed in self.used_seeds:
                continue
            item = write()
            if item is not None and not self._repeats_a_short_answer(item):
                yield item

    def accept(self, item: KindItem) -> None:
        self.used_seeds.add(item.seed)
        if item.kind in SHORT_KINDS:
            self.explained.update(subject.lower() for subject in item.subjects)
        if isinstance(item.seed[1], int) and item.seed[0] != DEFINITION:
            self.family_uses[item.seed[1]] += 1

    def _repeats_a_short_answer(self, item: KindItem) -> bool:
        return item.kind in SHORT_KINDS and any(
            subject.lower() in self.explained for subject in item.subjects[:1]
        )

    def _weight(self, seed: tuple[Any, ...]) -> int:
        if seed[0] == DEFINITION:
            return 0
        family = self.families_by_index[seed[1]]
        # Two weeks of a schedule are related more loosely than two items of one list, and an
        # outsider from another course is easier to spot than one from another list.
        loose = (
            seed[0] in (RELATE_SHORT, TOPIC_SHORT, OUTSIDER)
            and family.is_schedule
            and self._has_lists
        )
        return self.family_uses[seed[1]] + (2 if loose else 0)

    # Seeds: (place, tie-break, seed, writer) -------------------------------------------------

    def _covered_seeds(self) -> list[tuple[int, int, tuple[Any, ...], Any]]:
        seeds = []
        for family in self.families:
            templates = _COVERED_TEMPLATES[_form(family)]
            for position, topic in enumerate(family.topics):
                for number in range(len(templates)):
                    seed = (COVERED, family.index, topic.key, number)
                    seeds.append(
                        (
                            topic.start,
                            number * 1000 + position,
                            seed,
                            _bind(self._covered, family, topic, number, seed),
                        )
                    )
        return seeds

    def _outsider_seeds(self) -> list[tuple[int, int, tuple[Any, ...], Any]]:
        seeds = []
        for family in self.families:
            if len(family.topics) < DISTRACTOR_COUNT:
                continue
            templates = _OUTSIDER_TEMPLATES[_form(family)]
            # One odd-one-out per short list (the same three siblings twice would be one
            # question); a schedule or a long list gets every wording, with other siblings.
            roomy = family.is_schedule or len(family.topics) >= 2 * DISTRACTOR_COUNT
            numbers = range(len(templates)) if roomy else [family.index % 2]
            for number in numbers:
                seed = (OUTSIDER, family.index, number)
                write = _bind(self._outsider, family, number, seed)
                seeds.append((family.start, number, seed, write))
        return seeds

    def _definition_seeds(self) -> list[tuple[int, int, tuple[Any, ...], Any]]:
        return [
            (d.start, 0, (DEFINITION, d.start), _bind(self._definition, d, (DEFINITION, d.start)))
            for d in self.matter.definitions
        ]

    def _topic_seeds(self) -> list[tuple[int, int, tuple[Any, ...], Any]]:
        seeds = []
        for family in self.families:
            if len(family.topics) < 2:
                continue
            if self.difficulty == "easy":
                seed = (TOPIC_SHORT, family.index)
                seeds.append((family.start, 0, seed, _bind(self._list_short, family, seed)))
                continue
            for position, topic in enumerate(family.topics):
                seed = (TOPIC_SHORT, family.index, topic.key)
                write = _bind(self._topic_short, family, position, seed)
                seeds.append((topic.start, position, seed, write))
        return seeds

    def _relate_seeds(self) -> list[tuple[int, int, tuple[Any, ...], Any]]:
        seeds = []
        for family in self.families:
            for position in range(len(family.topics) - 1):
                first, second = family.topics[position], family.topics[position + 1]
                seed = (RELATE_SHORT, family.index, first.key, second.key)
                write = _bind(self._relate_short, family, first, second, seed)
                seeds.append((first.start, position, seed, write))
        return seeds

    # MCQs -----------------------------------------------------------------------------------

    def _covered(
        self, family: Family, key: ListedTopic, number: int, seed: tuple[Any, ...]
    ) -> KindItem | None:
        template = _COVERED_TEMPLATES[_form(family)][number]
        sibling = ""
        if "{sibling}" in template:
            others = [t for t in family.topics if t.key != key.key]
            if not others:
                return None
            sibling = self.rng.choice(others).name
        distractors = self._distractors(key.name, family, exclude=())
        if distractors is None:
            return None
        prompt = template.format(label=family.label, label_cap=_cap(family.label), sibling=sibling)
        return self._mcq(
            COVERED,
            prompt,
            key.name,
            distractors,
            seed=seed,
            place=key.start,
            source=topic_excerpt(self.text, key),
            topic=key.name if family.is_schedule else family.name,
            bloom="REMEMBER",
            subjects=_subjects(family),
        )

    def _outsider(self, family: Family, number: int, seed: tuple[Any, ...]) -> KindItem | None:
        free = [topic for topic in family.topics if not self.named(topic.name)]
        if len(free) < DISTRACTOR_COUNT:
            return None
        if family.is_schedule:  # the weeks around the section's place in the course
            siblings = sorted(free, key=lambda t: (abs(t.start - self._place), t.start))[:3]
        else:
            siblings = self.rng.sample(free, DISTRACTOR_COUNT)
        names = [topic.name for topic in siblings]
        # The outsider is shaped like the three it hides among: compare with the middle one.
        model = sorted(names, key=len)[1]
        outsiders = self._distractors(model, family, exclude=names, count=1)
        if outsiders is None:
            return None
        template = _OUTSIDER_TEMPLATES[_form(family)][number]
        return self._mcq(
            OUTSIDER,
            template.format(label=family.label),
            outsiders[0],
            names,
            seed=seed,
            place=family.start,
            source=self._family_excerpt(family),
            topic="course schedule" if family.is_schedule else family.name,
            bloom="ANALYZE",
            subjects=_subjects(family),
        )

    def _definition(self, definition: Definition, seed: tuple[Any, ...]) -> KindItem | None:
        term = collapse_whitespace(definition.term)
        meaning = collapse_whitespace(definition.definition)
        if re.search(rf"\b{re.escape(term.lower())}\b", meaning.lower()):
            return None  # the definition names its own term
        others = [
            collapse_whitespace(other.term)
            for other in self.matter.definitions
            if other is not definition and not same_topic(other.term, term)
        ]
        listed = [topic.name for family in self.families for topic in family.topics]
        pool = [
            name
            for name in dict.fromkeys([*others, *listed])
            if not same_topic(name, term)
            and content_lemmas(name).isdisjoint(content_lemmas(meaning))
        ]
        distractors = self._pick(term, pool)
        if distractors is None:
            distractors = self._pick(term, [*pool, *self._foreign_for(term)])
        if distractors is None:
            return None
        return self._mcq(
            DEFINITION,
            _DEFINITION_TEMPLATE.format(definition=meaning),
            term,
            distractors,
            seed=seed,
            place=definition.start,
            source=collapse_whitespace(definition.sentence),
            topic=term,
            bloom="UNDERSTAND",
        )

    def _distractors(
        self, key: str, family: Family, *, exclude: Sequence[str], count: int = DISTRACTOR_COUNT
    ) -> list[str] | None:
        """Topics of the unrelated families that share no content word with `family`'s listing;
        topics of other courses when those run short."""
        excluded = {option_key(name) for name in (key, *exclude)}
        # A neighbouring list (next week's topics) is often the same subject continued:
        # "Attention" is no outsider to large language models. Lists further away come first.
        others = [other for other in self.families if other.index not in family.related]
        far = [other for other in others if not self._neighbours(other, family)]
        pool = []
        for group in (far, others):
            pool += [
                topic.name
                for other in group
                for topic in other.topics
                if topic.key not in excluded
                and topic.words.isdisjoint(family.words)
                and not any(same_topic(topic.name, name) for name in (key, *exclude))
            ]
            if len(set(pool)) >= max(count, DISTRACTOR_POOL[self.difficulty]):
                break
        pool = list(dict.fromkeys(pool))
        picked = self._pick(key, pool, count)
        if picked is None:
            picked = self._pick(key, [*pool, *self._foreign_for(key)], count)
        return picked

    def _neighbours(self, first: Family, second: Family) -> bool:
        """Adjacent lists in the document (weeks n and n+1)."""
        ordered = sorted(self.families, key=lambda family: family.start)
        position = {family.index: number for number, family in enumerate(ordered)}
        return abs(position[first.index] - position[second.index]) == 1

    def _nearest(self, family: Family) -> list[ListedTopic]:
        return sorted(family.topics, key=lambda t: (abs(t.start - self._place), t.start))

    def _family_excerpt(self, family: Family) -> str:
        """A list whole; a schedule by its topic nearest the section's place (its rows carry
        dates, not subject)."""
        if family.is_schedule:
            return topic_excerpt(self.text, self._nearest(family)[0])
        return excerpt(self.text, family.start, family.end)

    def _foreign_for(self, key: str) -> list[str]:
        return [styled_like(topic, key) for topic in self._foreign]

    def _pick(self, key: str, pool: Sequence[str], count: int = DISTRACTOR_COUNT) -> list[str]:
        ranked = sorted(
            {
                option_key(name): name for name in pool if option_key(name) != option_key(key)
            }.values(),
            key=lambda name: (-_likeness(name, key), name),
        )
        best = ranked[: max(count, DISTRACTOR_POOL[self.difficulty])]
        if len(best) < count:
            return None
        return self.rng.sample(best, count)

    def _mcq(
        self,
        kind: str,
        prompt: str,
        key: str,
        distractors: list[str],
        *,
        seed: tuple[Any, ...],
        place: int,
        source: str,
        topic: str,
        bloom: str,
        subjects: tuple[str, ...] = (),
    ) -> KindItem:
        texts = [key, *distractors]
        self.rng.shuffle(texts)
        ids = ("A", "B", "C", "D", "E", "F")
        question = {
            "type": "MCQ",
            "prompt": prompt,
            "points": self.mcq_points,
            "options": [{"id": i, "text": t} for i, t in zip(ids, texts, strict=False)],
            "correctOptionId": ids[texts.index(key)],
            "sourceExcerpt": source,
            "topic": topic,
            "bloomLevel": bloom,
        }
        return KindItem(kind, question, key, distractors, seed, place, subjects)

    # Short answers --------------------------------------------------------------------------

    def _list_short(self, family: Family, seed: tuple[Any, ...]) -> KindItem | None:
        names = [topic.name for topic in family.topics]
        examples = ", ".join(names[:4])
        prompt = (
            f"Name two topics the course teaches {_where(family)} and say in a sentence or two "
            "what each is about."
        )
        criteria = [
            f"Names two different topics listed {_where(family)} (for example {examples}).",
            "Says correctly what the first named topic is about.",
            "Says correctly what the second named topic is about.",
        ]
        return self._short(
            TOPIC_SHORT,
            prompt,
            criteria,
            reference=(
                f"The course lists these topics {_where(family)}: {', '.join(names)}. Any two "
                "of them, each explained in a sentence."
            ),
            seed=seed,
            place=family.start,
            source=self._family_excerpt(family),
            topic="course schedule" if family.is_schedule else family.name,
            bloom="REMEMBER",
            subjects=_subjects(family),
        )

    def _topic_short(self, family: Family, position: int, seed: tuple[Any, ...]) -> KindItem:
        topic = family.topics[position]
        siblings = _neighbours(family.topics, position, 2)
        together = "; ".join(sibling.name for sibling in siblings)
        prompt = (
            f"Explain {topic.name} and how it relates to the topics the course teaches "
            f"alongside it {_where(family)}: {together}."
        )
        criteria = [f"Explains {topic.name} correctly, consistent with the course material."]
        criteria += [f"Relates {topic.name} to {sibling.name} correctly." for sibling in siblings]
        start = min(topic.start, *(s.start for s in siblings))
        end = max(topic.end, *(s.end for s in siblings))
        return self._short(
            TOPIC_SHORT,
            prompt,
            criteria,
            reference=(
                f"The course teaches {topic.name} with {together} {_where(family)}. A full "
                f"answer explains {topic.name} and how it connects to each of them."
            ),
            seed=seed,
            place=topic.start,
            source=topic_excerpt(self.text, topic)
            if family.is_schedule
            else excerpt(self.text, start, end),
            topic=topic.name,
            bloom="UNDERSTAND",
            subjects=(topic.name,),
        )

    def _relate_short(
        self, family: Family, first: ListedTopic, second: ListedTopic, seed: tuple[Any, ...]
    ) -> KindItem:
        prompt = (
            f"The course teaches {first.name} and {second.name} {_where(family)}. Explain how "
            "the two are related, and give a concrete example in which both play a part."
        )
        criteria = [
            f"Explains {first.name} correctly, consistent with the course material.",
            f"Explains {second.name} correctly, consistent with the course material.",
            f"States a correct relationship between {first.name} and {second.name}.",
            "Gives a concrete example in which both play a part.",
        ]
        return self._short(
            RELATE_SHORT,
            prompt,
            criteria,
            reference=(
                f"The course lists {first.name} and {second.name} {_where(family)}. A full "
                "answer explains each, says how one bears on the other, and illustrates both "
                "in one example."
            ),
            seed=seed,
            place=first.start,
            source=(
                topic_excerpt(self.text, first)
                if family.is_schedule
                else excerpt(self.text, min(first.start, second.start), max(first.end, second.end))
            ),
            topic=f"{first.name}; {second.name}",
            bloom="ANALYZE",
            subjects=(first.name, second.name),
        )

    def _short(
        self,
        kind: str,
        prompt: str,
        criteria: list[str],
        *,
        reference: str,
        seed: tuple[Any, ...],
        place: int,
        source: str,
        topic: str,
        bloom: str,
        subjects: tuple[str, ...] = (),
    ) -> KindItem:
        criteria = criteria[: max(2, min(len(criteria), self.short_points))]
        shares = split_points(self.short_points, len(criteria))
        rubric = [{"criterion": c, "points": p} for c, p in zip(criteria, shares, strict=True)]
        question = {
            "type": "SHORT_ANSWER",
            "prompt": prompt,
            "points": self.short_points,
            "referenceAnswer": reference,
            "rubric": render_rubric(rubric),
            "rubricCriteria": rubric,
            "sourceExcerpt": source,
            "topic": topic,
            "bloomLevel": bloom,
        }
        return KindItem(kind, question, None, [], seed, place, subjects)


def split_points(points: int, parts: int) -> list[int]:
    """Whole points, as even as they go, the larger shares first (5 over 3 → 2, 2, 1)."""
    base, extra = divmod(points, parts)
    return [base + (1 if index < extra else 0) for index in range(parts)]


def _bind(function: Callable[..., KindItem | None], *args: Any) -> Callable[[], KindItem | None]:
    return lambda: function(*args)


def _subjects(family: Family) -> tuple[str, ...]:
    return () if family.is_schedule else (family.name,)


def _form(family: Family) -> str:
    return "schedule" if family.is_schedule else "list"


def _where(family: Family) -> str:
    return "on the course schedule" if family.is_schedule else f"under {family.label}"


def _cap(label: str) -> str:
    return label[:1].upper() + label[1:] if label[:1].isalpha() else label


def _neighbours(topics: Sequence[ListedTopic], position: int, count: int) -> list[ListedTopic]:
    """The topics listed nearest `position`, the next ones first."""
    order = sorted(
        (index for index in range(len(topics)) if index != position),
        key=lambda index: (abs(index - position), -index),
    )
    return [topics[index] for index in order[:count]]


def _likeness(name: str, key: str) -> float:
    """How alike two option texts look, so that no option stands out by its form alone."""
    likeness = -2.0 * abs(len(name.split()) - len(key.split()))
    likeness -= abs(len(name) - len(key)) / 8
    likeness += 2.0 if _is_acronym(name) == _is_acronym(key) else 0.0
    likeness += 1.5 if name[:1].isupper() == key[:1].isupper() else 0.0
    return round(likeness, 6)


def _is_acronym(text: str) -> bool:
    letters = [char for char in text if char.isalpha()]
    return len(letters) >= 2 and sum(char.isupper() for char in letters) >= 0.6 * len(letters)
