"""Subject matter first: what a syllabus teaches, told apart from how the course is run.

Pure Python, no Django:

    matter = subject_matter(text)
    matter.sentences          # verbatim subject sentences (never office hours, grading, Slack…)
    matter.topic_groups       # "Course schedule": "N-gram language models", "Naive Bayes", …
    matter.definitions        # "Binder is a …" would be one, were Binder not a platform
    matter.allows(start, end) # may text[start:end] be the basis of a question?

`split_blocks` (blocks.py) finds headings, paragraphs, bullet lists, schedule rows and page
furniture; `classify_blocks` (classify.py) calls each SUBJECT or LOGISTICS with a reason;
`topics` and `definitions` (topics.py) recover topic lists and term definitions.
"""

from __future__ import annotations

import bisect
from collections import Counter
from dataclasses import dataclass

from .blocks import Block, BlockKind, Span, split_blocks
from .classify import (
    Classified,
    Role,
    classify_block,
    classify_blocks,
    logistics_signal,
    sentence_spans,
)
from .topics import Definition, Topic, TopicGroup, definitions, same_topic, topics


@dataclass(frozen=True)
class SubjectSentence:
    start: int
    end: int
    text: str  # text[start:end], verbatim
    block: int  # index of its block


@dataclass(frozen=True)
class SubjectMatter:
    blocks: tuple[Classified, ...]
    sentences: tuple[SubjectSentence, ...]
    topic_groups: tuple[TopicGroup, ...]
    definitions: tuple[Definition, ...]
    logistics_blocks: int
    subject_blocks: int
    # Every judged unit (sentence, heading, row) as (start, end, kept), sorted by start.
    units: tuple[tuple[int, int, bool], ...]

    @property
    def topics(self) -> tuple[Topic, ...]:
        return tuple(topic for group in self.topic_groups for topic in group.topics)

    def logistics_reasons(self) -> Counter[str]:
        return Counter(entry.reason for entry in self.blocks if entry.role is Role.LOGISTICS)

    def allows(self, start: int, end: int) -> bool:
        """Is text[start:end] subject matter: does it overlap judged units, all of them kept?
        (The caller may split sentences a little differently; any overlap with logistics
        vetoes.)"""
        position = bisect.bisect_right(self.units, (end, -1, False))
        overlapping = [
            kept
            for unit_start, unit_end, kept in self.units[max(0, position - 64) : position]
            if unit_start < end and start < unit_end
        ]
        return bool(overlapping) and all(overlapping)


def subject_matter(text: str) -> SubjectMatter:
    classified = classify_blocks(split_blocks(text))
    units: list[tuple[int, int, bool]] = []
    sentences: list[SubjectSentence] = []
    for entry in classified:
        block = entry.block
        if block.kind is BlockKind.PAGE_FURNITURE:
            continue
        subject = entry.role is Role.SUBJECT
        under_subject = subject and entry.reason.startswith("under the heading")
        for start, end, sentence in sentence_spans(block):
            kept = subject and (
                block.kind in (BlockKind.HEADING, BlockKind.SCHEDULE_ROW)
                or logistics_signal(sentence, under_subject) is None
            )
            units.append((start, end, kept))
            if kept and block.kind in (BlockKind.PARAGRAPH, BlockKind.BULLETS):
                sentences.append(SubjectSentence(start, end, sentence, block.index))
    units.sort()
    kept_spans = {(start, end) for start, end, kept in units if kept}
    found_definitions = definitions(classified, keep=lambda s, e: (s, e) in kept_spans)
    roles = Counter(entry.role for entry in classified)
    return SubjectMatter(
        blocks=tuple(classified),
        sentences=tuple(sentences),
        topic_groups=tuple(topics(classified)),
        definitions=tuple(found_definitions),
        logistics_blocks=roles[Role.LOGISTICS],
        subject_blocks=roles[Role.SUBJECT],
        units=tuple(units),
    )


__all__ = [
    "Block",
    "BlockKind",
    "Classified",
    "Definition",
    "Role",
    "Span",
    "SubjectMatter",
    "SubjectSentence",
    "Topic",
    "TopicGroup",
    "classify_block",
    "classify_blocks",
    "same_topic",
    "split_blocks",
    "subject_matter",
    "topics",
]
