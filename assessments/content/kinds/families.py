"""The syllabus's topic lists, prepared for questions that test how topics belong together.

A `Family` is one topic group of the subject matter (a schedule, a "Course Topics" list, a
week's sub-list) holding only the topics a question can rely on:

- a topic listed in two unrelated families ("Problem solving" under both the C and the
  Haskell half of a course) belongs to neither more than the other, so it is dropped;
- a topic that repeats its family's name ("Regular expressions" under "regular expressions")
  or a numbered sequel ("Regression II") says nothing a question could test.

Families are *related* when one hangs under the other (a week's sub-list under the schedule
that names the week): a topic of one is then also a topic of the other, never a distractor.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..item_rules import option_key
from ..subject import SubjectMatter, TopicGroup, same_topic
from ..subject.vocabulary import STOPWORDS, lemmas
from ..text import collapse_whitespace

MIN_EXCERPT_LENGTH = 20
MAX_EXCERPT_LENGTH = 400
_PARENTHETICAL = re.compile(r"\s*\([^()]*\)")
_SEQUEL = re.compile(r"\s+(?:I{1,3}|IV|V|\d)$")
_WORD_LIKE = re.compile(r"[A-Za-z]")


def content_lemmas(text: str) -> frozenset[str]:
    return frozenset(word for word in lemmas(text) if word not in STOPWORDS and len(word) > 2)


@dataclass(frozen=True)
class ListedTopic:
    name: str  # as an option shows it: "Softmax function", its parenthesis dropped
    key: str  # `option_key(name)`, how the item rules compare options
    family: int
    start: int  # the row or item that lists it: text[start:end]
    end: int
    words: frozenset[str]  # content lemmas


@dataclass(frozen=True)
class Family:
    index: int
    name: str  # as the syllabus writes it: "naive Bayes", "Course schedule"
    kind: str  # "schedule", "list" (bullets), "inline" (named in a sentence) or "description"
    parent: str | None  # the heading a sub-list hangs under
    topics: tuple[ListedTopic, ...]
    start: int  # the span of the whole listing
    end: int
    words: frozenset[str]  # content lemmas of the listing and of the name
    related: frozenset[int]  # itself and the families above or below it

    @property
    def is_schedule(self) -> bool:
        return self.kind == "schedule"

    @property
    def label(self) -> str:
        """How a stem names it: the course schedule or description, or the heading in quotes."""
        if self.kind in ("schedule", "description"):
            return f"the course {self.kind}"
        return f"“{self.name}”"


def families(matter: SubjectMatter, text: str) -> list[Family]:
    groups = list(matter.topic_groups)
    usable = [_usable_topics(group) for group in groups]
    related = _relations(groups)
    # The families each topic is listed in: one listed in unrelated families is ambiguous.
    listed_in: dict[str, set[int]] = {}
    for index, topics in enumerate(usable):
        for name, _topic in topics:
            listed_in.setdefault(option_key(name), set()).add(index)
    built: list[Family] = []
    for index, group in enumerate(groups):
        kept = []
        for name, topic in usable[index]:
            owners = listed_in[option_key(name)]
            if any(owner not in related[index] for owner in owners):
                continue
            kept.append((name, topic))
        if not group.topics:
            continue
        start = min(topic.start for topic in group.topics)
        end = max(topic.end for topic in group.topics)
        built.append(
            Family(
                index=index,
                name=group.name,
                kind=group.kind,
                parent=group.parent,
                topics=tuple(
                    ListedTopic(
                        name=name,
                        key=option_key(name),
                        family=index,
                        start=topic.start,
                        end=topic.end,
                        words=content_lemmas(name),
                    )
                    for name, topic in kept
                ),
                start=start,
                end=end,
                words=content_lemmas(text[start:end] + " " + group.name),
                related=frozenset(related[index]),
            )
        )
    return built


def _usable_topics(group: TopicGroup) -> list[tuple[str, object]]:
    kept: list[tuple[str, object]] = []
    for topic in group.topics:
        name = collapse_whitespace(_PARENTHETICAL.sub("", topic.name)).strip(" ,;:.")
        if not _WORD_LIKE.search(name) or _SEQUEL.search(name):
            continue
        if same_topic(name, group.name) or any(same_topic(name, other) for other, _ in kept):
            continue
        if _abbreviates(name, group.name) or _restates(name, group.name):
            continue  # "RNNs" under "recurrent networks" names the list again
        kept.append((name, topic))
    return kept


def _relations(groups: Sequence[TopicGroup]) -> list[set[int]]:
    """For each group, itself and the groups it hangs under or that hang under it."""
    related = [{index} for index in range(len(groups))]
    list_names = {group.name: group.kind for group in groups}
    for first, upper in enumerate(groups):
        for second, lower in enumerate(groups):
            if first == second:
                continue
            under = (lower.parent is not None and same_topic(lower.parent, upper.name)) or any(
                same_topic(lower.name, topic.name) for topic in upper.topics
            )
            # A list named in a sentence restates part of the others ("including hypothesis
            # testing and regression"): what it shares with one makes the two one subject.
            # Two labelled sub-lists of one bulleted list ("Routing: …", "Transport: …" under
            # "Computer networks") are parts of one subject; two weeks or modules of a schedule
            # are not.
            under = under or (
                lower.parent is not None
                and lower.parent == upper.parent
                and list_names.get(lower.parent) == "list"
            )
            restated = {"inline", "description"} & {upper.kind, lower.kind}
            if not under and restated:
                under = any(same_topic(a.name, b.name) for a in upper.topics for b in lower.topics)
            if under:
                related[first].add(second)
                related[second].add(first)
    return related


def topic_excerpt(text: str, topic: ListedTopic) -> str:
    """The topic as its row or item writes it, and what follows up to a usable length: a
    schedule row's week and date are no part of it."""
    row = text[topic.start : topic.end]
    found = row.lower().find(topic.name.lower())
    start = topic.start + found if found >= 0 else topic.start
    end = topic.end
    # Longer than an excerpt must be: a bare topic name may also occur elsewhere (in the
    # course description), and the excerpt should point at the list.
    while len(collapse_whitespace(text[start:end])) < 2 * MIN_EXCERPT_LENGTH and end < len(text):
        following = text.find("\n", end + 1)
        end = following if following >= 0 else len(text)
    return excerpt(text, start, end)


def excerpt(text: str, start: int, end: int) -> str:
    """text[start:end] with whitespace collapsed (still verbatim for the validator), widened a
    line at a time to the front until it is long enough to be an excerpt."""
    while len(collapse_whitespace(text[start:end])) < MIN_EXCERPT_LENGTH and start > 0:
        previous = text.rfind("\n", 0, max(0, start - 1))
        start = previous + 1 if previous >= 0 else 0
    return collapse_whitespace(text[start:end])[:MAX_EXCERPT_LENGTH].strip()


def _abbreviates(name: str, heading: str) -> bool:
    """ "RNNs" for "recurrent networks", "LLMs" for "large language models": an acronym whose
    first and last letters are the heading's first and last words' initials."""
    letters = name.rstrip("s")
    words = [word for word in heading.split() if word[:1].isalpha()]
    if not (2 <= len(letters) <= 6 and letters.isupper() and letters.isalpha() and words):
        return False
    return letters[0] == words[0][0].upper() and letters[-1] == words[-1][0].upper()


# Words that make a list's item a mere restatement of its heading: "Concept of game theory"
# under "Game Theory and Strategic Behavior".
_RESTATING = frozenset(
    "concept concepts introduction intro basics basic definition overview".split()
)


def _restates(name: str, heading: str) -> bool:
    words = content_lemmas(name) - _RESTATING
    return bool(words) and words <= content_lemmas(heading)
