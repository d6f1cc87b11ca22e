"""Items that test how the course's topics fit together, written from its topic lists and
definitions (see `families`), not from one sentence's wording.

Kinds, and the level of understanding each asks for:

- COVERED (REMEMBER): "Which of these topics does the course cover under “naive Bayes”?" The
  key is listed there; the distractors are topics of unrelated lists of the same syllabus, or,
  when it has none, topics of other courses (`vocabulary`), shaped like the key.
- OUTSIDER (ANALYZE): "Three of these topics are taught together under “vector semantics”.
  Which one is not?" Three siblings and one topic of an unrelated list, the key.
- BELONGS (ANALYZE): "Monopoly and Oligopoly are taught together in this course. Which of
  these topics is taught with them?" The key is a third topic of their list, the distractors
  topics of the course's unrelated lists (never other courses'): every option is taught, only
  knowing how the topics relate tells them apart.
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
from ..subject import Definition, SubjectMatter, same_topic
from ..text import collapse_whitespace
from .common import Basis, KindItem, bind, form_of, list_basis, subjects_of
from .families import Family, ListedTopic, content_lemmas, excerpt, families, topic_excerpt
from .shorts import (
    ASKED_AT_MOST,
    DESCRIBE_SHORT,
    RELATE_SHORT,
    SHORT_KINDS,
    TOPIC_SHORT,
    ShortAnswerKinds,
)
from .vocabulary import foreign_topics, styled_like

COVERED, OUTSIDER, DEFINITION = "COVERED", "OUTSIDER", "DEFINITION"
BELONGS = "BELONGS"
MCQ_KINDS = (COVERED, OUTSIDER, BELONGS, DEFINITION)
LIST_KINDS = (COVERED, OUTSIDER, BELONGS)
DISTRACTOR_COUNT = 3
WEEKS_PER_SCHEDULE_MCQ = 4
LONG_LIST = 5
# The distractors are drawn at random from this many of the best-shaped candidates: the
# harder the question, the closer to the key in form.
DISTRACTOR_POOL = {"easy": 6, "medium": 5, "hard": 4}

_COVERED_TEMPLATES = {
    "list": (
        "Which of these topics does the course cover under {label}?",
        "Under {label}, which of these topics does the course teach?",
        "{label_cap} includes {sibling}. Which of these topics does it also include?",
    ),
    "description": (
        "Which of these topics does the course description name?",
        "Which of these topics is named in the course description?",
        "The course description names {sibling}. Which of these topics does it also name?",
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
        "All but one of these topics are listed under {label}. Which one is the exception?",
    ),
    "description": (
        "Three of these topics are named in the course description. Which one is not?",
        "Which of these topics is not named in the course description?",
        "All but one of these topics are named in the course description. Which is not?",
    ),
    "schedule": (
        "Three of these topics are on the course schedule. Which one is not?",
        "Which of these topics does not belong on the course schedule?",
        "All but one of these topics are on the course schedule. Which one is the exception?",
    ),
}
_BELONGS_TEMPLATES = (
    "{first} and {second} are taught together in this course. Which of these topics is taught "
    "with them?",
    "The course teaches {first_lower} alongside {second}. Which of these topics belongs with them?",
)
_DEFINITION_TEMPLATES = {
    "sentence": "Which term does the syllabus define as follows? “{definition}”",
    "gloss": "Which of these does the course describe as follows? “{definition}”",
}


@dataclass
class KindWriter(ShortAnswerKinds):
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
    # MCQs of each kind written per list: see `_list_asked_enough`.
    list_mcqs: Counter[tuple[str, int]] = field(default_factory=Counter)
    # Topics a short answer already asks about: a second one on the same topic repeats it.
    explained: set[str] = field(default_factory=set)
    # Lists a short answer asks to name (an MCQ may show few of their topics), definitions an
    # MCQ quotes and definitions a short answer asks for (never both: one answers the other).
    asked_families: set[int] = field(default_factory=set)
    # The earliest section asking to name each list: see `_asked_from_here`.
    asked_in: dict[int, int] = field(default_factory=dict)
    section: int = 1  # the section being written (set by the questionnaire builder)
    quoted_definitions: set[int] = field(default_factory=set)
    used_keys: set[str] = field(default_factory=set)  # of the MCQs accepted so far
    shown_topics: set[str] = field(default_factory=set)  # their options
    asked_definitions: set[int] = field(default_factory=set)
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
        self._listed_keys = {topic.key for family in self.families for topic in family.topics}

    def capacity(self) -> int:
        """An upper bound on the items this writer can propose, for planning."""
        topics = sum(len(family.topics) for family in self.families)
        return topics + len(self.matter.definitions)

    def candidates(self, kind: str, place: int) -> Iterator[KindItem]:
        seeds = {
            COVERED: self._covered_seeds,
            OUTSIDER: self._outsider_seeds,
            BELONGS: self._belongs_seeds,
            DEFINITION: self._definition_seeds,
            TOPIC_SHORT: self._topic_seeds,
            RELATE_SHORT: self._relate_seeds,
            DESCRIBE_SHORT: self._describe_seeds,
        }[kind]()
        self._place = place
        ordered = sorted(
            seeds, key=lambda seed: (self._weight(seed[2]), abs(seed[0] - place), seed[0], seed[1])
        )
        for _, _, seed, write in ordered:
            if seed in self.used_seeds or self._list_asked_enough(seed):
                continue
            item = write()
            if item is None or self._repeats_a_short_answer(item) or self._answers_another(item):
                continue
            yield item

    def accept(self, item: KindItem) -> None:
        self.used_seeds.add(item.seed)
        short = item.kind in SHORT_KINDS
        if short:
            self.explained.update(subject.lower() for subject in item.subjects)
        else:
            self.used_keys.add(option_key(item.key or ""))
            self.shown_topics.update(option_key(text) for text in (item.key, *item.distractors))
        if short:
            self.asked_families.update(item.families)
            for index in item.families:
                self.asked_in[index] = min(self.asked_in.get(index, self.section), self.section)
        if item.definition is not None:
            definitions = self.asked_definitions if short else self.quoted_definitions
            definitions.add(item.definition)
        if isinstance(item.seed[1], int) and item.seed[0] not in (DEFINITION, DESCRIBE_SHORT):
            self.family_uses[item.seed[1]] += 1
        if item.seed[0] in LIST_KINDS:
            self.list_mcqs[item.seed[0], item.seed[1]] += 1

    def _list_asked_enough(self, seed: tuple[Any, ...]) -> bool:
        """A second "which is covered under X" (or odd one out of X) on a short list asks the
        same thing with the same distractors, and the four or five a one-list syllabus would
        otherwise get add nothing: one MCQ of each kind per list, two on a long list the
        course sets against another (the C half and the Haskell half of a course: there the
        distractors are the other half's topics). A schedule's weeks are different subjects:
        one of each kind per few weeks."""
        if seed[0] not in LIST_KINDS:
            return False
        family = self.families_by_index[seed[1]]
        allowed = 1
        if family.is_schedule:
            allowed = -(-len(family.topics) // WEEKS_PER_SCHEDULE_MCQ)  # rounded up
        elif len(family.topics) >= LONG_LIST and any(
            other.index not in family.related and not other.is_schedule for other in self.families
        ):
            allowed = 2
        return self.list_mcqs[seed[0], seed[1]] >= allowed

    def _answers_another(self, item: KindItem) -> bool:
        """An MCQ quoting the definition a short answer asks for answers it, and so do MCQs
        showing the topics of a list a short answer of this section or a later one asks to
        name, unless enough of the list stays unshown for the short answer."""
        short = item.kind in SHORT_KINDS
        definitions = self.quoted_definitions if short else self.asked_definitions
        if item.definition in definitions:
            return True
        options = {option_key(text) for text in (item.key or "", *item.distractors)}
        shown = self.shown_topics | options
        if short:
            asked = [self.families_by_index[index] for index in item.families]
        else:  # the lists this MCQ shows topics of, asked where the candidate would see it
            asked = [
                self.families_by_index[index]
                for index in self._asked_from_here()
                if any(t.key in options for t in self.families_by_index[index].topics)
            ]
        # By topic, not by list: "Booleans" shown under the Haskell list answers part of
        # "name the basic types" all the same.
        return any(
            sum(topic.key not in shown for topic in family.topics)
            < min(ASKED_AT_MOST, len(family.topics))
            for family in asked
        )

    def _asked_from_here(self) -> list[int]:
        """The lists a short answer asks to name in this section or a later one: sections are
        revealed one at a time, so an MCQ of a later section cannot help answer them."""
        return [index for index, section in self.asked_in.items() if section >= self.section]

    def quotes_an_asked_definition(self, start: int, end: int) -> bool:
        """Whether text[start:end] (a sentence to blank) holds a definition a short answer asks
        for: the blanked sentence would show the candidate that answer."""
        return any(
            definition.start in self.asked_definitions
            and definition.start < end
            and start < definition.end
            for definition in self.matter.definitions
        )

    def _repeats_a_short_answer(self, item: KindItem) -> bool:
        return item.kind in SHORT_KINDS and any(
            subject.lower() in self.explained for subject in item.subjects[:1]
        )

    def _weight(self, seed: tuple[Any, ...]) -> int:
        if seed[0] in (DEFINITION, DESCRIBE_SHORT):
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
            templates = _COVERED_TEMPLATES[form_of(family)]
            for position, topic in enumerate(family.topics):
                for number in range(len(templates)):
                    seed = (COVERED, family.index, topic.key, number)
                    seeds.append(
                        (
                            topic.start,
                            number * 1000 + position,
                            seed,
                            bind(self._covered, family, topic, number, seed),
                        )
                    )
        return seeds

    def _outsider_seeds(self) -> list[tuple[int, int, tuple[Any, ...], Any]]:
        seeds = []
        for family in self.families:
            if len(family.topics) < DISTRACTOR_COUNT:
                continue
            templates = _OUTSIDER_TEMPLATES[form_of(family)]
            # One odd-one-out per list of three or four (the same siblings twice would be one
            # question); a longer list one more per two further topics, each showing others
            # (and three topics a "which is covered" can then no longer ask about).
            spare = len(family.topics) - DISTRACTOR_COUNT
            wordings = min(len(templates), 1 + spare // 2)
            numbers = [(family.index + offset) % len(templates) for offset in range(wordings)]
            for number in numbers:
                seed = (OUTSIDER, family.index, number)
                write = bind(self._outsider, family, number, seed)
                seeds.append((family.start, number, seed, write))
        return seeds

    def _belongs_seeds(self) -> list[tuple[int, int, tuple[Any, ...], Any]]:
        seeds = []
        for family in self.families:
            # Topics taught together: a bulleted list's, not a schedule's consecutive weeks
            # nor a list in prose, which sums up the others.
            if family.kind != "list" or len(family.topics) < 3:
                continue
            for position, topic in enumerate(family.topics):
                seed = (BELONGS, family.index, topic.key)
                write = bind(self._belongs, family, topic, position, seed)
                seeds.append((topic.start, position, seed, write))
        return seeds

    def _definition_seeds(self) -> list[tuple[int, int, tuple[Any, ...], Any]]:
        return [
            (d.start, 0, (DEFINITION, d.start), bind(self._definition, d, (DEFINITION, d.start)))
            for d in self.matter.definitions
        ]

    # MCQs -----------------------------------------------------------------------------------

    def _covered(
        self, family: Family, key: ListedTopic, number: int, seed: tuple[Any, ...]
    ) -> KindItem | None:
        if key.key in self._reserved():
            return None
        template = _COVERED_TEMPLATES[form_of(family)][number]
        sibling = ""
        if "{sibling}" in template:
            others = [t for t in family.topics if t.key not in {key.key, *self._reserved()}]
            if not others:
                return None
            sibling = self.rng.choice(others).name
        distractors = self._distractors(key.name, family, exclude=())
        if distractors is None:
            return None
        if _echoes(key.name, family.name) and not any(_echoes(d, family.name) for d in distractors):
            return None  # "Resocialization" under “Socialization”: the word gives it away
        prompt = template.format(label=family.label, label_cap=_cap(family.label), sibling=sibling)
        return self._mcq(
            COVERED,
            prompt,
            key.name,
            distractors,
            basis=Basis(
                seed=seed,
                place=key.start,
                source=topic_excerpt(self.text, key),
                topic=key.name if family.is_schedule else family.name,
                bloom="REMEMBER",
                subjects=subjects_of(family),
                families=(family.index,),
            ),
        )

    def _outsider(self, family: Family, number: int, seed: tuple[Any, ...]) -> KindItem | None:
        reserved = self._reserved()
        free = [t for t in family.topics if not self.named(t.name) and t.key not in reserved]
        if len(free) < DISTRACTOR_COUNT:
            return None
        # Each odd-one-out shows at least one topic no earlier option showed, and otherwise
        # topics already shown: it reads differently without using up what "which of these
        # is covered" may still ask. A schedule's are the weeks around the section.
        if family.is_schedule:
            free.sort(key=lambda t: (abs(t.start - self._place), t.start))
        else:
            free = self.rng.sample(free, len(free))
        unshown = [topic for topic in free if topic.key not in self.shown_topics]
        shown = [topic for topic in free if topic.key in self.shown_topics]
        if not unshown:
            return None
        fresh = max(1, DISTRACTOR_COUNT - len(shown))
        siblings = unshown[:fresh] + shown[: DISTRACTOR_COUNT - fresh]
        if len(siblings) < DISTRACTOR_COUNT:
            return None
        names = [topic.name for topic in siblings]
        # The outsider is shaped like the three it hides among: compare with the middle one.
        model = sorted(names, key=len)[1]
        outsiders = self._distractors(
            model, family, exclude=[*names, *sorted(self.used_keys)], count=1
        )
        if outsiders is None:
            return None
        template = _OUTSIDER_TEMPLATES[form_of(family)][number]
        return self._mcq(
            OUTSIDER,
            template.format(label=family.label),
            outsiders[0],
            names,
            hints=None if option_key(outsiders[0]) in self._listed_keys else (),
            basis=Basis(
                seed=seed,
                place=family.start,
                source=self._family_excerpt(family),
                topic="course schedule" if family.is_schedule else family.name,
                bloom="ANALYZE",
                subjects=subjects_of(family),
                families=(family.index,),
            ),
        )

    def _belongs(
        self, family: Family, key: ListedTopic, position: int, seed: tuple[Any, ...]
    ) -> KindItem | None:
        reserved = self._reserved()
        if key.key in reserved:
            return None
        shown = [
            topic
            for topic in _neighbours(family.topics, position, len(family.topics))
            if topic.key not in reserved and not self.named(topic.name)
        ][:2]
        if len(shown) < 2:
            return None
        distractors = self._distractors(
            key.name, family, exclude=[t.name for t in shown], foreign=False
        )
        if distractors is None:
            return None
        template = _BELONGS_TEMPLATES[position % len(_BELONGS_TEMPLATES)]
        first, second = sorted((t.name for t in shown), key=lambda name: name.lower())
        return self._mcq(
            BELONGS,
            template.format(
                first=first, first_lower=_lower_first(first), second=_lower_first(second)
            ),
            key.name,
            distractors,
            basis=list_basis(
                self.text,
                family,
                seed,
                place=key.start,
                bloom="ANALYZE",
                subjects=subjects_of(family),
            ),
        )

    def _definition(self, definition: Definition, seed: tuple[Any, ...]) -> KindItem | None:
        term = collapse_whitespace(definition.term)
        meaning = collapse_whitespace(definition.definition)
        if re.search(rf"\b{re.escape(term.lower())}\b", meaning.lower()):
            return None  # the definition names its own term
        others = [
            collapse_whitespace(other.term)
            for other in self.matter.definitions
            if other is not definition
            and other.kind == definition.kind
            and not same_topic(other.term, term)
        ]
        # Terms defined alike are the distractors of the same kind and form (the other
        # objectives of an objective); listed topics only make up for too few of them.
        listed = [] if len(others) >= DISTRACTOR_COUNT else self._listed_names()
        pool = [
            name
            for name in dict.fromkeys([*others, *listed])
            if not same_topic(name, term)
            and content_lemmas(name).isdisjoint(content_lemmas(meaning))
            and option_key(name) not in self._reserved()
        ]
        distractors = self._pick(term, pool)
        if distractors is None:
            distractors = self._pick(term, [*pool, *self._foreign_for(term)])
        if distractors is None:
            return None
        return self._mcq(
            DEFINITION,
            _DEFINITION_TEMPLATES[definition.kind].format(definition=meaning),
            term,
            distractors,
            basis=Basis(
                seed=seed,
                place=definition.start,
                source=collapse_whitespace(definition.sentence),
                topic=term,
                bloom="UNDERSTAND",
                definition=definition.start,
            ),
        )

    def _listed_names(self) -> list[str]:
        return [topic.name for family in self.families for topic in family.topics]

    def _distractors(
        self,
        key: str,
        family: Family,
        *,
        exclude: Sequence[str],
        count: int = DISTRACTOR_COUNT,
        foreign: bool = True,
    ) -> list[str] | None:
        """Topics of the unrelated families that share no content word with `family`'s listing;
        topics of other courses when those run short (and `foreign`)."""
        excluded = {option_key(name) for name in (key, *exclude)} | self._reserved()
        # A neighbouring list (next week's topics) is often the same subject continued:
        # "Attention" is no outsider to large language models. Lists further away come first.
        # A list in the course's prose is an umbrella over its other lists ("probabilistic
        # models" covers n-gram models and naive Bayes): neither gives the other distractors,
        # only other courses' topics are safely wrong there.
        umbrella = ("inline", "description")
        others = [
            other
            for other in self.families
            if other.index not in family.related
            and family.kind not in umbrella
            and other.kind not in umbrella
        ]
        far = [other for other in others if not self._neighbours(other, family)]
        # A week builds on the weeks before it (softmax and backpropagation are at work in
        # large language models): only the topics of later weeks are surely wrong for it,
        # and other courses' topics when those run short.
        if self._is_week(family):
            groups = [[other for other in far if other.start > family.start]]
        else:
            groups = [far, others]
        pool = []
        for group in groups:
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
        if picked is None and foreign:
            elsewhere = [
                name for name in self._foreign_for(key) if option_key(name) not in excluded
            ]
            picked = self._pick(key, [*pool, *elsewhere], count)
        return picked

    def _reserved(self) -> set[str]:
        """The topics of the short lists a short answer of this section or a later one asks
        to name: no MCQ here shows them. (From a long list an MCQ may show some, as long as
        enough stay unshown: see `_answers_another`.)"""
        return {
            topic.key
            for index in self._asked_from_here()
            for topic in self.families_by_index[index].topics
            if len(self.families_by_index[index].topics) < 2 * ASKED_AT_MOST
        }

    def _is_week(self, family: Family) -> bool:
        """A sub-list under a schedule's row."""
        return any(other.is_schedule and family.parent == other.name for other in self.families)

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
        basis: Basis,
        hints: tuple[str, ...] | None = None,
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
        }
        return basis.item(kind, question, key, distractors, hints)


def _cap(label: str) -> str:
    """A label opening a sentence: "the course schedule" → "The course schedule", "“main
    content areas”" → "“Main content areas”"."""
    quote = "“" if label.startswith("“") else ""
    body = label[len(quote) :]
    return quote + body[:1].upper() + body[1:]


def _echoes(topic: str, heading: str) -> bool:
    """Whether a topic repeats a word of the heading it is listed under (or a longer word
    holding it: "Resocialization" under "Socialization")."""
    heading_words = [w for w in re.findall(r"[a-z]+", heading.lower()) if len(w) >= 5]
    return any(
        h in w or w in h
        for w in re.findall(r"[a-z]+", topic.lower())
        if len(w) >= 5
        for h in heading_words
    )


def _lower_first(name: str) -> str:
    """A topic inside a sentence: "Opportunity cost" → "opportunity cost"; acronyms and
    proper names ("TF-IDF", "Nash equilibrium") as they are."""
    first = name.split()[0]
    if first[1:].islower() and first[:1].isupper() and first.lower() not in _PROPER_WORDS:
        return name[:1].lower() + name[1:]
    return name


_PROPER_WORDS = frozenset("nash bayes markov bayesian gaussian turing boolean".split())


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
    likeness += 4.0 if _is_acronym(name) == _is_acronym(key) else 0.0
    likeness += 1.5 if name[:1].isupper() == key[:1].isupper() else 0.0
    return round(likeness, 6)


def _is_acronym(text: str) -> bool:
    letters = [char for char in text if char.isalpha()]
    return len(letters) >= 2 and sum(char.isupper() for char in letters) >= 0.6 * len(letters)
