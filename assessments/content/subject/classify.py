"""SUBJECT or LOGISTICS for each block, with the reason, and the same test for one sentence.

The heading a block sits under decides first ("Grading", "Office Hours" → logistics; "Course
Topics", "Learning Outcomes", "Schedule" → subject); a block under no telling heading is judged
by its sentences. Even under a subject heading a sentence about quizzes or a Slack channel is
logistics, and a block made only of such sentences is too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from .blocks import BULLET, DATE, LABEL, Block, BlockKind
from .vocabulary import (
    CONTACT,
    COURSE_IDENTITY,
    LOGISTICS_HEADING,
    NON_TOPICS,
    STRONG_LOGISTICS,
    STRONG_PHRASES,
    STRONG_SUBJECT_HEADING,
    WEAK_LOGISTICS,
    WEAK_SUBJECT_HEADING,
    content_words,
    is_specialised,
    lemma,
    lemmas,
)


class Role(StrEnum):
    SUBJECT = "subject"
    LOGISTICS = "logistics"


@dataclass(frozen=True)
class Classified:
    block: Block
    role: Role
    reason: str


def classify_blocks(blocks: Sequence[Block]) -> list[Classified]:
    return [classify_block(block) for block in blocks]


def classify_block(block: Block) -> Classified:
    role, reason = _judge(block)
    return Classified(block, role, reason)


def _judge(block: Block) -> tuple[Role, str]:
    if block.kind is BlockKind.PAGE_FURNITURE:
        return Role.LOGISTICS, "running header, footer or page number"
    if block.kind is BlockKind.HEADING:
        return _judge_heading(block)
    context = heading_context(block.headings)
    if context and context[0] is Role.LOGISTICS:
        return Role.LOGISTICS, f"under the heading “{context[1]}”"
    if block.kind is BlockKind.SCHEDULE_ROW:
        topic = schedule_topic(block.text)
        signal = logistics_signal(topic, under_subject_heading=False)
        if signal or not topic or _is_course_event(topic):
            return Role.LOGISTICS, f"an exam, break or event in the schedule ({signal or topic!r})"
        return Role.SUBJECT, "schedule row (its topic, without the date)"
    under_subject = context is not None
    units = [text for _, _, text in sentence_spans(block)]
    flagged = [
        signal for text in units if (signal := logistics_signal(text, under_subject)) is not None
    ]
    if under_subject:
        if len(flagged) == len(units):
            return Role.LOGISTICS, f"every sentence is logistics ({flagged[0]})"
        return Role.SUBJECT, f"under the heading “{context[1]}”"
    if len(flagged) * 2 >= len(units):
        return Role.LOGISTICS, f"mostly logistics sentences ({flagged[0]})"
    return Role.SUBJECT, "sentences about the subject, under no telling heading"


def _judge_heading(block: Block) -> tuple[Role, str]:
    own = heading_role(block.text)
    if own is not None:
        return own, f"a {own.value} heading"
    if COURSE_IDENTITY.search(block.text):
        return Role.LOGISTICS, "course code or term"
    if signal := logistics_signal(block.text, under_subject_heading=False):
        return Role.LOGISTICS, f"logistics heading ({signal})"
    context = heading_context(block.headings)
    if context and context[0] is Role.SUBJECT:
        return Role.SUBJECT, f"a lead-in under “{context[1]}”"
    return Role.LOGISTICS, "a title or label outside the course content"


def heading_role(heading: str) -> Role | None:
    """What a heading says about the blocks under it, if anything."""
    label = LABEL.match(heading + " x")  # "Office Hours: 9:00…" is judged by its label
    text = label.group("label") if label else heading
    words = {lemma(word) for word in re.findall(r"[A-Za-z][\w-]*", text)}
    if len(words) > 8:
        return None  # a sentence, not a heading
    if words & STRONG_SUBJECT_HEADING:
        return Role.SUBJECT
    if words & LOGISTICS_HEADING or STRONG_PHRASES.search(text):
        return Role.LOGISTICS
    if words & WEAK_SUBJECT_HEADING:
        return Role.SUBJECT
    return None


def heading_context(headings: Sequence[str]) -> tuple[Role, str] | None:
    """The role the innermost telling heading gives, with that heading."""
    for heading in reversed(headings):
        role = heading_role(heading)
        if role is not None:
            return role, heading
    return None


def logistics_signal(text: str, under_subject_heading: bool) -> str | None:
    """Why `text` is about running the course, or None."""
    label = LABEL.match(text)
    if label and heading_role(label.group("label")) is Role.SUBJECT:
        text = text[label.end() :]  # "Catalog Course Description: This course…"
    if match := CONTACT.search(text):
        return f"contact, time or weight: {match.group().strip()}"
    if match := STRONG_PHRASES.search(text):
        return match.group().lower()
    words = lemmas(text)
    strong = next((word for word in words if word in STRONG_LOGISTICS), None)
    if strong:
        return strong
    raw = {word.lower() for word in re.findall(r"[A-Za-z][\w-]*", text)}
    if raw & STRONG_LOGISTICS:
        return sorted(raw & STRONG_LOGISTICS)[0]
    if not under_subject_heading:
        weak = sorted({word for word in words if word in WEAK_LOGISTICS})
        if len(weak) >= 2:
            return ", ".join(weak)
    return None


def _is_course_event(topic: str) -> bool:
    words = [word.lower() for word in content_words(topic)]
    return not is_specialised(" ".join(word for word in words if word not in NON_TOPICS))


_WEEKDAY = r"(?:mon|tues|wednes|thurs|fri|satur|sun)day\b"
_ROW_PREFIX = re.compile(
    r"^(?:(?:week|wk|lecture|lec|class|session|day|unit|module|topic|part)\.?\s*\d{1,2}\b"
    rf"|\d{{1,2}}\s+{DATE})?\s*(?:{_WEEKDAY}\s*)?(?:\((?:[^()]*\d[^()]*)\))?\s*(?:{DATE})?"
    r"\s*[:–—-]?\s*",
    re.I,
)
# What a row says after its topic: the reading ("Chap 2.1", "Chapter 14 – 14.3"), a lab, a
# deadline ("Due at 11:59 pm: A01").
_ROW_SUFFIX = re.compile(r"\s+(?:chap(?:ter)?s?\.?\s*\d|ch\.\s*\d|due\b|reading:).*$", re.I | re.S)


def schedule_topic(row: str) -> str:
    """ "• Week 2 (30/09/2025): n-gram language models" → "n-gram language models"."""
    line = row.strip()
    bullet = BULLET.match(line)
    if bullet:
        line = line[bullet.end() :]
    topic = _ROW_SUFFIX.sub("", _ROW_PREFIX.sub("", line, count=1)).strip(" .")
    return re.sub(r"^(?:tbd|tba)\s*[:–—-]\s*", "", topic, flags=re.I).strip()


_SENTENCE_END = re.compile(r"(?<!\be\.g)(?<!\bi\.e)(?<![A-Z])[.!?](?=\s+[A-Z(“\"'])")


def sentence_spans(block: Block) -> list[tuple[int, int, str]]:
    """(start, end, text) in syllabus offsets: a paragraph's sentences, a list's items (split
    into sentences), a heading or schedule row whole."""
    if block.kind is BlockKind.BULLETS:
        pieces = [(item.start, item.text) for item in block.items]
    elif block.kind is BlockKind.PARAGRAPH:
        pieces = [(block.start, block.text)]
    else:
        return [(block.start, block.end, block.text)]
    spans = []
    for start, text in pieces:
        cursor = 0
        for match in _SENTENCE_END.finditer(text):
            spans.append((start + cursor, start + match.end(), text[cursor : match.end()]))
            cursor = match.end() + (len(text[match.end() :]) - len(text[match.end() :].lstrip()))
        if cursor < len(text):
            spans.append((start + cursor, start + len(text), text[cursor:]))
    return spans
