"""Topic lists and definitions recovered from the subject blocks.

A bullet list under a subject heading, the rows of a schedule and the sub-list under a schedule
row are topic lists: "Week 3: Hypothesis testing; confidence intervals" gives two topics of the
schedule. Items that are sentences (objectives, "Students will…") are not topics; neither are
the course's own events ("Midterm", "Introduction") nor everyday words ("minutes").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from .blocks import BlockKind, Span
from .classify import Classified, Role, logistics_signal, schedule_topic, sentence_spans
from .vocabulary import NON_TOPICS, STOPWORDS, content_words, is_specialised, lemmas

MAX_TOPIC_WORDS = 6
# Items of objective lists are sentences ("Use lists to solve problems."), not topics.
_OBJECTIVES = re.compile(r"objective|outcome|goal|able to|proficient|should|will", re.I)
_LAB_REFERENCE = re.compile(r"\s*\((?:lab|tutorial|hw|ps|project)\b[^()]*\)", re.I)
_PARENTHESES = re.compile(r"\([^()]*\)")
_LEADING_ARTICLE = re.compile(r"^(?:the|a|an|and|or)\s+", re.I)
_TABLE_HEADER = frozenset(
    "# no. week date day topic topics lecture session reading readings lab labs & notes".split()
)
_MODULE_ROW = re.compile(r"^(?:module|unit|part)\s*\d{1,2}\b", re.I)
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
    # "sentence": "X is a Y that…"; "gloss": a labelled item that says what its label involves
    # ("Pair-Wise Exploration: Identify possible relationships between variables…").
    kind: str = "sentence"


def topics(classified: Sequence[Classified]) -> list[TopicGroup]:
    """The topic lists of the SUBJECT blocks, in document order."""
    groups: dict[tuple[str, str | None], list[Topic]] = {}
    kinds: dict[tuple[str, str | None], str] = {}
    module: str | None = None  # "Module 01 - Bioinformatics": the rows after it are its own
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
            if _MODULE_ROW.match(block.text.strip()):
                module = _display(topic) if _is_topic(topic) else None
                continue
            offset = block.start + block.text.rfind(topic)
            found = _topics_of(topic, offset, name, block.start, block.end, block.text)
            groups.setdefault(key, []).extend(found)
            if module is not None and found:
                kinds.setdefault((module, name), "list")
                groups.setdefault((module, name), []).extend(found)
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
                # "Control flow: conditional statements and iteration statements." is also a
                # list of its own, under its label.
                label, _, rest = item.text.strip().rstrip(".").partition(": ")
                members = _topics_of(rest, item.start, label, item.start, item.end, item.text)
                if rest and len(members) >= 2 and _is_topic(label):
                    kinds.setdefault((_display(label), name), "list")
                    groups.setdefault((_display(label), name), []).extend(members)
        if block.kind in (BlockKind.PARAGRAPH, BlockKind.BULLETS):
            for start, end, sentence in sentence_spans(block):
                if logistics_signal(sentence, under_subject_heading=True):
                    continue
                for name, kind, members in inline_lists(sentence, start, end):
                    kinds.setdefault((name, None), kind)
                    groups.setdefault((name, None), []).extend(members)
    return [
        TopicGroup(name=name, parent=parent, kind=kinds[(name, parent)], topics=tuple(found))
        for (name, parent), found in groups.items()
        if found
    ]


# What introduces a list inside a sentence: "…, including a, b and c", "topics include: a, b",
# "for example, a, b", "such as a, b", "(a, b, c)", "the concepts of a, b".
_INLINE_TRIGGER = re.compile(
    r",?\s+(?:including(?:\s+but\s+not\s+limited\s+to)?|such\s+as|for example,?|e\.g\.,?|namely|"
    r"(?:includes?|covers?):?|(?<=concepts\s)of)\s+|\s+\((?=[^()]*,[^()]*\))",
    re.I,
)
_LIST_END = re.compile(r"\)|\s+as well as\s|[.;:](?:\s|$)|$")
# The words of a head that names the list's subject, the rest cut: "it then introduces
# computational methods for text processing" → "computational methods for text processing".
_HEAD_CUT = re.compile(
    r"^.*\b(?:the|introduces?|covers?|examines?|explores?|about|to|on|with|at|learn)\s+", re.I
)
_GENERIC_HEAD = frozenset(
    "topics topic covered include includes course module class this these areas subjects".split()
)
_ADJECTIVE = re.compile(r"^[a-z]+(?:al|ic|ive|ous)$", re.I)
MIN_INLINE_ITEMS = 3


def inline_lists(sentence: str, start: int, end: int) -> list[tuple[str, str, list[Topic]]]:
    """The lists a prose sentence names its subject matter with, as (name, kind, topics): kind
    "description" when the sentence names no subject for the list ("Topics covered include…"),
    "inline" otherwise. A list of adjectives ("biochemical, structural, and genetic aspects") is
    not a list of topics."""
    found = []
    for trigger in _INLINE_TRIGGER.finditer(sentence):
        body_start = trigger.end()
        stop = _LIST_END.search(sentence, body_start)
        body = sentence[body_start : stop.start() if stop else len(sentence)]
        items = _inline_items(body)
        if len(items) < MIN_INLINE_ITEMS or any(_ADJECTIVE.match(item) for item in items):
            continue
        if not all(_is_topic(item) for item in items):
            continue
        before = re.split(r"[,;(]|\.\s", " ".join(sentence[: trigger.start()].split()))[-1]
        head = _HEAD_CUT.sub("", before).strip()
        words = [word.lower() for word in content_words(head)]
        while words and words[-1] in _GENERIC_HEAD:
            head = head.rsplit(None, 1)[0] if " " in head else ""
            words.pop()
        if not words or set(words) <= _GENERIC_HEAD or len(words) > MAX_TOPIC_WORDS + 2:
            name, kind = "course description", "description"
        else:
            name, kind = head, "inline"
        members: list[Topic] = []
        for item in items:
            if not any(same_topic(item, other.name) for other in members):
                members.append(Topic(_display(item), name, sentence, start, end))
        found.append((name, kind, members))
    return found


def _inline_items(body: str) -> list[str]:
    pieces = [piece.strip() for piece in _split_outside_parentheses(body)]
    if len(pieces) >= 2 and not re.match(r"(?:and|or)\s", pieces[-1]):
        # "a, b, c and d": without an Oxford comma the last piece holds two items.
        last, sep, tail = pieces[-1].rpartition(" and ")
        if sep and len(tail.split()) <= MAX_TOPIC_WORDS - 2:
            pieces[-1:] = [last, tail]
    items = [_LEADING_ARTICLE.sub("", piece).strip(" .") for piece in pieces]
    items = [_LEADING_ARTICLE.sub("", item).strip(" .") for item in items]
    return [item for item in items if item and len(item.split()) <= MAX_TOPIC_WORDS]


def _group_name(heading: str) -> str:
    """ "Week 6 (28/10/2025): vector semantics" → "vector semantics"; "4      Culture" (a
    numbered unit) → "Culture"."""
    topic = schedule_topic(heading) or heading
    return " ".join(_UNIT_NUMBER.sub("", topic).split()) or topic


_UNIT_NUMBER = re.compile(r"^\d{1,2}\s+(?=[A-Z])")


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
        if entry.block.kind is BlockKind.BULLETS:
            found += _glosses(entry.block.items, keep)
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


# "Single Variable Explorations: Examine a single variable, …": a label, then what it involves
# told with the verbs of learning outcomes.
_GLOSS = re.compile(
    r"^(?P<term>[A-Z][A-Za-z’'/ -]{2,50}?):\s+(?P<gloss>(?P<verb>[A-Z][a-z]+)\b.{15,})$", re.S
)
GLOSS_VERBS = frozenset(
    """
    analyse analyze apply assess choose classify compare compute construct create decide define
    derive describe design determine develop distinguish estimate evaluate examine explain
    explore identify implement interpret measure model predict recognise recognize relate
    represent solve summarise summarize test understand use visualise visualize
    """.split()
)


def _glosses(items: Sequence[Span], keep: Callable[[int, int], bool]) -> list[Definition]:
    found = []
    for item in items:
        text = item.text.strip()
        match = _GLOSS.match(text)
        if not match or match.group("verb").lower() not in GLOSS_VERBS:
            continue
        start = item.start + (len(item.text) - len(item.text.lstrip()))
        if not keep(start, start + len(text)) and not keep(item.start, item.end):
            continue
        gloss = " ".join(match.group("gloss").split()).rstrip(".")
        found.append(
            Definition(match.group("term").strip(), gloss, text, start, start + len(text), "gloss")
        )
    return found
