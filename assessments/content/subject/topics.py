"""Topic lists and definitions recovered from the subject blocks.

A bullet list under a subject heading, the rows of a schedule and the sub-list under a schedule
row are topic lists: "Week 3: Hypothesis testing; confidence intervals" gives two topics of the
schedule. Items that are sentences (objectives, "Students will…") are not topics; neither are
the course's own events ("Midterm", "Introduction") nor everyday words ("minutes").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from .blocks import BlockKind
from .classify import Classified, Role, logistics_signal, schedule_topic, sentence_spans
from .vocabulary import NON_TOPICS, STOPWORDS, content_words, is_specialised, lemmas

MAX_TOPIC_WORDS = 6
# Items of objective lists are sentences ("Use lists to solve problems."), not topics.
_OBJECTIVES = re.compile(r"objective|outcome|goal|able to|proficient|should|will", re.I)
_LAB_REFERENCE = re.compile(r"\s*\((?:lab|tutorial|hw|ps|project)\b[^()]*\)", re.I)
_PARENTHESES = re.compile(r"\([^()]*\)")
_LEADING_ARTICLE = re.compile(r"^(?:the|a|an|and|or)\s+", re.I)
_TABLE_HEADER = frozenset(
    "# no. week date day topic topics lecture session reading readings".split()
)
SAME_TOPIC_SCORE = 85  # rapidfuzz token-set ratio on lemmas: "Regression II" ~ "regression"


@dataclass(frozen=True)
class Topic:
    name: str  # "Confidence intervals"
    group: str  # the list or schedule it came from
    excerpt: str  # the row or item it came from, verbatim: text[start:end]
    start: int
    end: int


@dataclass(frozen=True)
class TopicGroup:
    name: str  # the heading, lead-in or schedule row topic the list hangs under
    parent: str | None  # the section heading above a sub-list, None for a top-level list
    kind: str  # "schedule" or "list"
    topics: tuple[Topic, ...]


@dataclass(frozen=True)
class Definition:
    term: str
    definition: str
    sentence: str  # verbatim: text[start:end]
    start: int
    end: int


def topics(classified: Sequence[Classified]) -> list[TopicGroup]:
    """The topic lists of the SUBJECT blocks, in document order."""
    groups: dict[tuple[str, str | None], list[Topic]] = {}
    kinds: dict[tuple[str, str | None], str] = {}
    for entry in classified:
        block = entry.block
        if entry.role is not Role.SUBJECT:
            continue
        if block.kind is BlockKind.SCHEDULE_ROW:
            name = block.headings[0] if block.headings else "Schedule"
            if set(name.lower().split()) <= _TABLE_HEADER:
                name = "Schedule"  # "Week Date Topic" names the columns, not the list
            key = (name, None)
            kinds.setdefault(key, "schedule")
            topic = schedule_topic(block.text)
            offset = block.start + block.text.rfind(topic)
            groups.setdefault(key, []).extend(
                _topics_of(topic, offset, name, block.start, block.end, block.text)
            )
        elif block.kind is BlockKind.BULLETS and block.headings:
            if any(_OBJECTIVES.search(heading) for heading in block.headings):
                continue
            name = _group_name(block.headings[-1])
            parent = block.headings[0] if len(block.headings) > 1 else None
            key = (name, parent)
            kinds.setdefault(key, "list")
            for item in block.items:
                if logistics_signal(item.text, under_subject_heading=True):
                    continue
                groups.setdefault(key, []).extend(
                    _topics_of(item.text, item.start, name, item.start, item.end, item.text)
                )
    return [
        TopicGroup(name=name, parent=parent, kind=kinds[(name, parent)], topics=tuple(found))
        for (name, parent), found in groups.items()
        if found
    ]


def _group_name(heading: str) -> str:
    """ "Week 6 (28/10/2025): vector semantics" → "vector semantics"."""
    topic = schedule_topic(heading)
    return topic or heading


def _topics_of(
    text: str, offset: int, group: str, start: int, end: int, excerpt: str
) -> list[Topic]:
    found: list[Topic] = []
    if _LAB_REFERENCE.search(text):
        return found  # "Linear regression with Python and R (Lab 4)": an activity
    for part in split_topic_list(text):
        if _is_topic(part) and not any(same_topic(part, other.name) for other in found):
            found.append(Topic(_display(part), group, excerpt, start, end))
    return found


def split_topic_list(item: str) -> list[str]:
    """ "Hypothesis testing; confidence intervals" → both; "Label: a, b" → label, a, b; commas
    split only a list of short phrases, never a sentence."""
    item = item.strip().rstrip(".")
    label, _, rest = item.partition(": ")
    parts = [label, *split_topic_list(rest)] if rest else []
    if parts:
        return parts
    pieces = [piece.strip() for piece in item.split(";")]
    result: list[str] = []
    for piece in pieces:
        commas = [p.strip() for p in _split_outside_parentheses(piece)]
        short = all(len(_PARENTHESES.sub("", p).split()) <= MAX_TOPIC_WORDS - 2 for p in commas)
        result.extend(commas if len(commas) > 1 and short else [piece])
    return [_LEADING_ARTICLE.sub("", p).strip(" .") for p in result if p.strip(" .")]


def _split_outside_parentheses(text: str) -> list[str]:
    parts, depth, current = [], 0, []
    for char in text:
        depth += char == "("
        depth -= char == ")"
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def _is_topic(part: str) -> bool:
    words = content_words(part)
    if not words or len(part.split()) > MAX_TOPIC_WORDS:
        return False
    # "General introduction", "Review": the course's events in everyday words.
    return is_specialised(" ".join(word for word in words if word.lower() not in NON_TOPICS))


def _display(part: str) -> str:
    part = " ".join(part.split())
    return part[0].upper() + part[1:] if part[:1].islower() else part


def same_topic(first: str, second: str) -> bool:
    """Fuzzy, on lemmas: "Linear regression" and "linear and ridge regression" are one topic
    for the purpose of a distractor, "Regression" and "Regression II" too."""
    a = " ".join(w for w in lemmas(first) if w not in STOPWORDS)
    b = " ".join(w for w in lemmas(second) if w not in STOPWORDS)
    if not a or not b:
        return False
    return fuzz.token_set_ratio(a, b) >= SAME_TOPIC_SCORE


_DEFINITION = re.compile(
    r"^(?:(?:an?|the)\s+)?(?P<term>[A-Za-z][\w’'/-]*(?:\s+[\w’'/-]+){0,4}?)\s+"
    r"(?:(?:is|are)\s+(?:an?|the)\s+|refers?\s+to\s+|(?:is|are)\s+defined\s+as\s+|means\s+)"
    r"(?P<definition>.{10,})$",
    re.I | re.S,
)
_NOT_TERMS = frozenset(
    "this that it there they we you he she students student course class module which what "
    "who here these those one each".split()
)


def definitions(classified: Sequence[Classified], *, keep) -> list[Definition]:
    """ "X is a Y that …", "X refers to …" sentences of the subject blocks, where `keep(start,
    end)` says the sentence itself is subject matter."""
    found: list[Definition] = []
    for entry in classified:
        if entry.role is not Role.SUBJECT or entry.block.kind not in (
            BlockKind.PARAGRAPH,
            BlockKind.BULLETS,
        ):
            continue
        for start, end, sentence in sentence_spans(entry.block):
            match = _DEFINITION.match(sentence.strip())
            if not match or not keep(start, end):
                continue
            term = match.group("term").strip()
            if term.split()[0].lower() in _NOT_TERMS:
                continue
            definition = " ".join(match.group("definition").split()).rstrip(".")
            found.append(Definition(term, definition, sentence, start, end))
    return found
