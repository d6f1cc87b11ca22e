"""`split_blocks`: extracted syllabus text as headings, paragraphs, bullet lists, schedule rows
and page furniture, each a verbatim span of the text that knows the headings above it.

PDF text has no structure left but its lines. A line is a heading when it is short and ends no
clause, a bullet when a marker starts it, a schedule row when it starts with "Week 3", "Lecture
4", a date or a table's row number followed by a date. A bullet list item ending with ":" or a
schedule row is a lead-in: the deeper bullets under it are its sub-list.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum


class BlockKind(StrEnum):
    HEADING = "heading"
    PARAGRAPH = "paragraph"
    BULLETS = "bullets"
    SCHEDULE_ROW = "schedule_row"
    PAGE_FURNITURE = "page_furniture"  # running header or footer, page number


@dataclass(frozen=True)
class Span:
    start: int  # text[start:end] is `text` verbatim
    end: int
    text: str


@dataclass(frozen=True)
class Block:
    index: int
    kind: BlockKind
    start: int
    end: int
    text: str  # text[start:end] of the syllabus, verbatim
    lines: tuple[Span, ...]
    # Outermost first: the section heading, then the lead-in (a bullet ending with ":" or a
    # schedule row) this block hangs under. A heading's own path excludes itself.
    headings: tuple[str, ...] = ()
    items: tuple[Span, ...] = ()  # a bullet list's items, markers excluded

    @property
    def heading(self) -> str | None:
        """The nearest heading above the block."""
        return self.headings[-1] if self.headings else None


MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
DATE = rf"(?:\d{{1,2}}[/.]\d{{1,2}}(?:[/.]\d{{2,4}})?|{MONTH}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\*?)"
BULLET = re.compile(r"^(?P<marker>[•◦▪▫●○■□►▶➢➤✓✔*·‣⁃–—-]|\(?\d{1,2}[.)]|\(?[a-zA-Z]\))\s+")
# "Week 3: …", "Lecture 4 (12/03) …", "Jan 30 — …", and table rows "3 February 13 Basic …" or
# "Jan 18 Chemical Basis of life Chap 2.1" (a month's name, its day, then a capital).
SCHEDULE_ROW = re.compile(
    r"^(?:(?:week|wk|lecture|lec|class|session|day|unit|module|topic|part)\.?\s*\d{1,2}\b"
    rf"|\d{{1,2}}\s+{DATE}\s+\S|{DATE}\s*[:–—-]\s*\S"
    r"|(?-i:(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*)\.?\s+\d{1,2}"
    r"(?:st|nd|rd|th)?\s+(?-i:[A-Z]))",
    re.I,
)
PAGE_NUMBER = re.compile(r"^(?:\d{1,4}|page \d+(?: of \d+)?|-\s*\d+\s*-|\d+\s*/\s*\d+)$", re.I)
# "Course Description: This module…", "Instructor: Dr. Roe": a title-cased label, then its value.
LABEL = re.compile(
    r"^(?P<label>[A-Z][\w/&'’-]*(?:\s+(?:[A-Z][\w/&'’-]*|and|of|the|for|in|on|&)){0,5}):\s+(?=\S)"
)
_ENDS_CLAUSE = re.compile(r"[.!?;,][\"'”’)\]]*$")
_DIGITS = re.compile(r"\d+")
MAX_HEADING_LENGTH = 60
MAX_FURNITURE_LENGTH = 100
LEAD_IN_WORDS = 6


def split_blocks(text: str) -> list[Block]:
    """The blocks of `text` in document order."""
    return _Splitter(text).run()


def lines_of(text: str) -> list[Span]:
    lines, offset = [], 0
    for raw in text.split("\n"):
        stripped = raw.strip()
        start = offset + (len(raw) - len(raw.lstrip()))
        lines.append(Span(start, start + len(stripped), stripped))
        offset += len(raw) + 1
    return lines


def furniture_lines(lines: Sequence[Span]) -> set[int]:
    """Indexes of page numbers and running headers/footers: a short line repeated (digits
    aside) three times or more, or twice with each copy next to a page break."""
    by_shape: dict[str, list[int]] = {}
    for position, line in enumerate(lines):
        if line.text and len(line.text) <= MAX_FURNITURE_LENGTH and not BULLET.match(line.text):
            by_shape.setdefault(_DIGITS.sub("#", line.text.lower()), []).append(position)
    found = {position for position, line in enumerate(lines) if PAGE_NUMBER.match(line.text)}
    for positions in by_shape.values():
        at_breaks = all(_next_to_page_break(lines, position, found) for position in positions)
        if len(positions) >= 3 or (len(positions) == 2 and at_breaks):
            found.update(positions)
    return found


def _next_to_page_break(lines: Sequence[Span], position: int, page_numbers: set[int]) -> bool:
    for step in (-1, 1):
        neighbour = position + step
        while 0 <= neighbour < len(lines) and not lines[neighbour].text:
            neighbour += step
        if not 0 <= neighbour < len(lines) or neighbour in page_numbers:
            return True
    return False


def _typical_line_width(lines: Sequence[Span]) -> int:
    widths = sorted(len(line.text) for line in lines if line.text)
    return widths[int(len(widths) * 0.9)] if widths else 80


class _Splitter:
    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = lines_of(text)
        self.furniture = furniture_lines(self.lines)
        self.wrap_width = _typical_line_width(self.lines)
        self.blocks: list[Block] = []
        self.section: str | None = None  # the last plain heading
        self.lead: tuple[str, str] | None = None  # (marker of the lead-in, its text)
        # The block being built: its kind, lines, and items (start, end) for a list.
        self.kind: BlockKind | None = None
        self.current: list[Span] = []
        self.item_bounds: list[list[int]] = []
        self.marker: str | None = None

    def run(self) -> list[Block]:
        for position, line in enumerate(self.lines):
            if position in self.furniture:
                if not self._continues_across_break(position):
                    self._flush()
                self._emit(BlockKind.PAGE_FURNITURE, [line])
                continue
            if not line.text:
                if not self._continues_across_break(position):
                    self._flush()
                continue
            self._take(position, line)
        self._flush()
        return self.blocks

    def _take(self, position: int, line: Span) -> None:
        bullet = BULLET.match(line.text)
        body = line.text[bullet.end() :] if bullet else line.text
        following = self._next_text(position)
        if bullet is None and self.current and self._continues(line, following):
            self.current.append(line)
            if self.item_bounds:
                self.item_bounds[-1][1] = line.end
            return
        marker = _marker_shape(bullet.group("marker")) if bullet else None
        if (
            bullet
            and self.kind is BlockKind.BULLETS
            and marker == self.marker
            and not body.endswith(":")
            and not SCHEDULE_ROW.match(body)
        ):
            self.current.append(line)  # the next item of the same list
            self.item_bounds.append([line.start + bullet.end(), line.end])
            return
        self._flush()
        if self.lead and (marker is None or marker == self.lead[0]):
            self.lead = None  # a sibling of the lead-in, or plain text: the sub-list is over
        if SCHEDULE_ROW.match(body):
            self._emit(BlockKind.SCHEDULE_ROW, [line])
            self.lead = (marker or "", body)
            return
        if bullet is None and self._is_heading(line.text, following):
            self._emit(BlockKind.HEADING, [line])
            if line.text.endswith(":") and len(line.text.split()) >= LEAD_IN_WORDS:
                # "By the end of the course, students should be able to:" leads into a list
                # without replacing the section heading above it.
                self.lead = ("", line.text.rstrip(":").strip())
            else:
                self.section, self.lead = line.text.rstrip(":").strip(), None
            return
        if bullet and body.endswith(":") and len(body) <= MAX_HEADING_LENGTH:
            self._emit(BlockKind.HEADING, [line])
            self.lead = (marker or "", body.rstrip(":").strip())
            return
        label = None if bullet else LABEL.match(line.text)
        if label:
            # "Course Objectives: By the end…", "Office Hours: 9:00…": the label heads the
            # paragraph and what follows it, like a heading would.
            self.section, self.lead = label.group("label"), None
        self.kind = BlockKind.BULLETS if bullet else BlockKind.PARAGRAPH
        self.current = [line]
        self.marker = marker
        if bullet:
            self.item_bounds = [[line.start + bullet.end(), line.end]]

    def _continues(self, line: Span, following: Span | None) -> bool:
        """Is `line` the wrapped continuation of the block being built?"""
        previous = self.current[-1]
        if line.text[0].islower():
            return True
        if LABEL.match(line.text):
            return False  # a new "Label: value" item, however long the line before it
        if self._is_heading(line.text, following) and not previous.text.endswith(","):
            return False
        if SCHEDULE_ROW.match(line.text):
            return False
        # A line that reached the right margin was wrapped by the layout, not by the author.
        return len(previous.text) >= 0.6 * self.wrap_width and not previous.text.endswith(":")

    def _continues_across_break(self, position: int) -> bool:
        """A paragraph cut by a page break: no full stop before, lower case after."""
        if not self.current:
            return False
        following = next(
            (
                line
                for index, line in enumerate(self.lines[position + 1 :], position + 1)
                if line.text and index not in self.furniture
            ),
            None,
        )
        return (
            following is not None
            and not re.search(r"[.!?:][\"'”’)\]]*$", self.current[-1].text)
            and following.text[0].islower()
        )

    def _is_heading(self, line: str, following: Span | None) -> bool:
        if LABEL.match(line):
            return False
        if line.endswith(":"):
            return len(line) <= MAX_HEADING_LENGTH
        short = len(line) < min(MAX_HEADING_LENGTH, 0.6 * self.wrap_width)
        if not short or _ENDS_CLAUSE.search(line):
            return False
        return following is None or not following.text[0].islower()

    def _next_text(self, position: int) -> Span | None:
        following = self.lines[position + 1] if position + 1 < len(self.lines) else None
        return following if following and following.text else None

    def _flush(self) -> None:
        if self.kind is None:
            return
        items = tuple(Span(s, e, self.text[s:e]) for s, e in self.item_bounds)
        self._emit(self.kind, self.current, items)
        self.kind, self.current, self.item_bounds, self.marker = None, [], [], None

    def _emit(self, kind: BlockKind, lines: Sequence[Span], items: tuple[Span, ...] = ()) -> None:
        start, end = lines[0].start, lines[-1].end
        headings = tuple(
            heading for heading in (self.section, self.lead and self.lead[1]) if heading
        )
        self.blocks.append(
            Block(
                index=len(self.blocks),
                kind=kind,
                start=start,
                end=end,
                text=self.text[start:end],
                lines=tuple(lines),
                headings=() if kind is BlockKind.PAGE_FURNITURE else headings,
                items=items,
            )
        )


def _marker_shape(marker: str) -> str:
    """ "1." and "12." are one kind of marker, "a)" and "b)" another."""
    return re.sub(r"[a-zA-Z]", "a", _DIGITS.sub("#", marker))


def block_counts(blocks: Sequence[Block]) -> Counter[BlockKind]:
    return Counter(block.kind for block in blocks)
