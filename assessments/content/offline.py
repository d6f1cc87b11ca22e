"""A deterministic questionnaire written from the syllabus text alone, for when no AI is set up.

The pipeline, each step a small function below:

1. `split_sentences`: the text becomes blocks (paragraphs, bullet items; headings and page
   numbers dropped) and blocks become sentences, each remembered as a span of the original text
   so its excerpt is verbatim. Sentences unfit for a question (too short or long, mostly digits,
   links, dates and schedule rows) are set aside.
2. `extract_key_terms`: keyword phrases are the runs of content words between stopwords and
   punctuation (the RAKE idea), which suits syllabi well: their topic lists are comma-separated
   terms. Terms are ranked by how often they and their words recur in the document.
3. `_plan_sections`: the most informative distinct sentences are chosen, put back in document
   order and cut into contiguous chunks, one per section, so a section covers one stretch of
   the course.
4. `_QuestionnaireBuilder`: each chosen sentence becomes a fill-in-the-blank MCQ (the blank is a key
   term, the distractors other key terms of the same shape) or a short-answer question on its key
   term, graded against the verbatim passage around it.

Everything random goes through one `random.Random` seeded from the text and the options, and no
output depends on the iteration order of a set (which varies with PYTHONHASHSEED), so the same
input gives the same questionnaire in every process.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from .item_rules import item_problem, mentions, option_key
from .kinds import SENTENCE, KindItem, KindWriter, Recipe
from .kinds.shorts import definition_clauses
from .options import GenerationOptions
from .rubric import render_rubric
from .subject import SubjectMatter, subject_matter
from .subject.blocks import Span, lines_of
from .subject.vocabulary import content_words, zipf
from .text import are_near_duplicates, collapse_whitespace, normalize_prompt, similar_at_least

MIN_SENTENCE_LENGTH = 40
MAX_SENTENCE_LENGTH = 400
MAX_PASSAGE_LENGTH = 600
MAX_TERM_WORDS = 4
DISTRACTOR_COUNT = 3
OPTION_IDS = ("A", "B", "C", "D")
BLANK = "_____"
# Sentences chosen for the questionnaire must differ more than the validator's prompt rule asks,
# so that the prompts built from them (which add the same template words) stay distinct.
SENTENCE_SIMILARITY_LIMIT = 0.85

MCQ_POINTS = {"easy": 1, "medium": 1, "hard": 2}
SHORT_ANSWER_POINTS = {"easy": 3, "medium": 5, "hard": 8}
# How many of the most similar terms the three distractors are drawn from: the harder the
# question, the closer the distractors are to the answer in shape.
DISTRACTOR_POOL_SIZE = {"easy": 10, "medium": 6, "hard": 3}
SHORT_ANSWER_SHARE = 0.4
MAX_RUBRIC_CRITERIA = 4
# Bounds on the work for a very long syllabus: past these, more candidates do not make better
# questions, only slower ones.
MAX_RESERVE_TRIED = 200
MAX_DISTRACTOR_TERMS = 300


class InsufficientSyllabusText(Exception):
    """The text cannot yield the requested number of distinct questions. Permanent: the same
    text will never yield more, and repeating questions is not an option."""

    def __init__(self, message: str, *, questions_possible: int, questions_requested: int):
        super().__init__(message)
        self.questions_possible = questions_possible
        self.questions_requested = questions_requested


def generate_offline(
    *, syllabus_text: str, subject: str, options: GenerationOptions
) -> dict[str, Any]:
    """Return questionnaire content (the camelCase contract) written from `syllabus_text`.

    Raises `InsufficientSyllabusText` when the text is too thin for the requested counts, and
    `ValueError` when `subject` is blank.
    """
    subject = collapse_whitespace(subject)
    if not subject:
        raise ValueError("subject must not be empty")
    matter = subject_matter(syllabus_text)
    sentences = _without_listed_topics(split_sentences(syllabus_text, matter), matter)
    # Terms come from the course content only: a tutor's name, "Slack" or "Gradescope" is
    # neither an answer nor a distractor.
    terms = extract_key_terms([sentence for sentence in sentences if sentence.subject])
    seed = _seed(syllabus_text, options)
    rng = random.Random(seed)  # noqa: S311 - variety, not secrecy
    kinds = KindWriter(
        text=syllabus_text,
        matter=matter,
        difficulty=options.difficulty,
        mcq_points=MCQ_POINTS[options.difficulty],
        short_points=SHORT_ANSWER_POINTS[options.difficulty],
        rng=random.Random(seed + 1),  # noqa: S311 - its own stream, so kinds never shift blanks
    )
    plan = _plan_sections(sentences, terms, options, kinds.capacity())
    builder = _QuestionnaireBuilder(
        sentences,
        terms,
        options,
        rng,
        plan.reserve,
        sibling_groups(matter),
        kinds,
        Recipe(options.difficulty),
        len(syllabus_text),
    )
    sections = builder.build_sections(plan.chunks)
    builder.title_sections(sections)  # once every answer is known: no title names one
    return {
        "title": f"{subject[:280]} — core concepts",
        "subject": subject[:300],
        "sections": sections,
    }


def _without_listed_topics(sentences: list[Sentence], matter: SubjectMatter) -> list[Sentence]:
    """Topic-list items ("the sigmoid function, the softmax function, gradient descent") are
    asked about as lists (see `kinds`); as sentences they make blanks with several right
    answers and explanations of a fragment. So are lab activities, anything between the
    first and last item of a bulleted list, and the glosses a short answer may ask about."""
    listed = [(topic.start, topic.end) for topic in matter.topics]
    listed += [
        (min(t.start for t in group.topics), max(t.end for t in group.topics))
        for group in matter.topic_groups
        if group.kind == "list"
    ]
    listed += [
        (gloss.start, gloss.end)
        for gloss in matter.definitions
        if gloss.kind == "gloss" and len(definition_clauses(gloss.definition)) >= 2
    ]
    return [
        replace(sentence, usable=False)
        if sentence.usable
        and (
            _ACTIVITY.search(sentence.text)
            or any(start < sentence.end and sentence.start < end for start, end in listed)
        )
        else sentence
        for sentence in sentences
    ]


# "Linear regression with Python and R (Lab 4)": what a session does, not what it teaches.
_ACTIVITY = re.compile(r"\((?:lab|tutorial|hw|ps|project|problem set)\b[^()]*\)", re.I)


def _seed(syllabus_text: str, options: GenerationOptions) -> int:
    material = syllabus_text + "\x00" + json.dumps(options.canonical(), sort_keys=True)
    return int.from_bytes(hashlib.sha256(material.encode("utf-8")).digest()[:8], "big")


# --------------------------------------------------------------------------------------------
# 1. Sentences
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sentence:
    index: int  # position in document order
    block: int  # the paragraph or bullet item it belongs to
    start: int  # span in the original text: text[start:end] is this sentence verbatim
    end: int
    text: str  # the span with whitespace collapsed: still a verbatim excerpt after normalization
    is_heading: bool
    subject: bool  # part of the course's subject matter, not its logistics (see `subject`)
    usable: bool  # subject matter fit to be the basis of a question (`_is_question_material`)


_BULLET = re.compile(r"^(?:[•◦▪▫●○■□►▶➢➤✓✔*·‣⁃–—-]|\(?\d{1,2}[.)]|\(?[a-zA-Z]\))\s+")
_PAGE_ARTIFACT = re.compile(r"^(?:\d{1,4}|page \d+(?: of \d+)?|-\s*\d+\s*-|\d+\s*/\s*\d+)$", re.I)
_CLOSERS = "\"'”’)\\]"
_ENDS_SENTENCE = re.compile(rf"[.!?][{_CLOSERS}]*$")
_ENDS_CLAUSE = re.compile(rf"[.!?;,][{_CLOSERS}]*$")
_SENTENCE_END = re.compile(rf"[.!?][{_CLOSERS}]*(?=\s)")
# "Course Description: This module..." — a title-cased label before the actual sentence.
_LEADING_LABEL = re.compile(
    r"^[A-Z][\w/&'’-]*(?:\s+(?:[A-Z][\w/&'’-]*|and|of|the|for|in|on|&)){0,5}:\s+(?=\S)"
)
_ABBREVIATIONS = frozenset(
    "e.g i.e etc vs cf al dr mr mrs ms prof ed eds vol no pp ch sec fig jr sr st approx "
    "incl min max dept univ est a.m p.m".split()
)


def sibling_groups(matter: SubjectMatter) -> list[frozenset[str]]:
    """The syllabus's topic lists as the item rules compare options: a key's siblings are also
    covered by the course, so never its distractors (DISTRACTOR_ALSO_TRUE)."""
    return [
        frozenset(option_key(topic.name) for topic in group.topics) for group in matter.topic_groups
    ]


def split_sentences(text: str, matter: SubjectMatter | None = None) -> list[Sentence]:
    """Every sentence of `text` in document order, usable for questions or not."""
    sentences: list[Sentence] = []
    matter = matter or subject_matter(text)
    for block_number, block in enumerate(_blocks(text)):
        for start, end in _sentence_spans(text, block):
            sentence_text = collapse_whitespace(text[start:end])
            subject = matter.allows(start, end)
            sentences.append(
                Sentence(
                    index=len(sentences),
                    block=block_number,
                    start=start,
                    end=end,
                    text=sentence_text,
                    is_heading=block.is_heading,
                    subject=subject,
                    usable=subject
                    and not block.is_heading
                    and _is_question_material(sentence_text),
                )
            )
    return sentences


@dataclass(frozen=True)
class _Block:
    start: int
    end: int
    is_heading: bool  # headings name topics (useful for key terms) but are not sentences


def _blocks(text: str) -> Iterator[_Block]:
    """Paragraphs, bullet items and headings, with hard line wraps joined back together.

    PDF text breaks lines where the page did; a line continues the previous one unless a bullet,
    a heading, a blank line or a page number says otherwise.
    """
    lines = lines_of(text)
    wrap_width = _typical_line_width(lines)
    block: _Block | None = None
    previous: Span | None = None
    for position, line in enumerate(lines):
        following = lines[position + 1] if position + 1 < len(lines) else None
        if not line.text or _PAGE_ARTIFACT.match(line.text):
            if block and not _continues_across_break(previous, lines[position + 1 :]):
                yield block
                block, previous = None, None
            continue
        # A "Label: value" line ("Instructor: …", "Course Description: …") starts a new item,
        # however long the line before it.
        bullet = _BULLET.match(line.text)
        starts_item = bool(bullet or _LEADING_LABEL.match(line.text))
        if (
            block
            and previous
            and not starts_item
            and _continues(previous, line, following, wrap_width)
        ):
            block = _Block(block.start, line.end, is_heading=False)
            previous = line
            continue
        if block:
            yield block
            block = None
        if not bullet and _is_heading(line, following, wrap_width):
            yield _Block(line.start, line.end, is_heading=True)
            previous = None
            continue
        block = _Block(line.start + (bullet.end() if bullet else 0), line.end, is_heading=False)
        previous = line
    if block:
        yield block


def _typical_line_width(lines: Sequence[Span]) -> int:
    widths = sorted(len(line.text) for line in lines if line.text)
    return widths[int(len(widths) * 0.9)] if widths else 80


def _is_heading(line: Span, following: Span | None, wrap_width: int) -> bool:
    """A short line that ends no clause and is not continued in lower case: a heading, a label,
    a table row."""
    short = len(line.text) < min(60, 0.6 * wrap_width)
    if not short or _ENDS_CLAUSE.search(line.text):
        return False
    return following is None or not following.text or not following.text[0].islower()


def _continues(previous: Span, line: Span, following: Span | None, wrap_width: int) -> bool:
    if line.text[0].islower():
        return True
    if _is_heading(line, following, wrap_width) and _ENDS_SENTENCE.search(previous.text):
        return False
    # A line that reached the right margin was wrapped by the layout, not ended by the author.
    return len(previous.text) >= 0.6 * wrap_width and not previous.text.endswith(":")


def _continues_across_break(previous: Span | None, rest: Sequence[Span]) -> bool:
    """A sentence cut by a page break: no terminal punctuation before, lower case after."""
    following = next((line for line in rest if line.text), None)
    if previous is None or following is None or _PAGE_ARTIFACT.match(following.text):
        return False
    return not _ENDS_SENTENCE.search(previous.text) and following.text[0].islower()


def _sentence_spans(text: str, block: _Block) -> Iterator[tuple[int, int]]:
    content = text[block.start : block.end]
    label = None if block.is_heading else _LEADING_LABEL.match(content)
    cursor = label.end() if label else 0
    for match in _SENTENCE_END.finditer(content):
        if match.end() <= cursor or _is_abbreviation(content, match.start()):
            continue
        rest = content[match.end() :].lstrip()
        if rest and not (rest[0].isupper() or rest[0].isdigit() or rest[0] in "\"'“‘(•–-"):
            continue
        yield block.start + cursor, block.start + match.end()
        cursor = len(content) - len(rest)
    if cursor < len(content):
        yield block.start + cursor, block.end


_TRAILING_WORD = re.compile(r"[\w.]*$")


def _is_abbreviation(content: str, period_position: int) -> bool:
    if content[period_position] != ".":
        return False
    before = content[max(0, period_position - 20) : period_position]  # no abbreviation is longer
    word = _TRAILING_WORD.search(before).group()  # type: ignore[union-attr] # always matches
    # An initial ("Sheldon M. Ross": one capital after a space) or a dotted abbreviation
    # ("e.g.", "a.m.") does not end a sentence; "I/O." does.
    is_initial = len(word) == 1 and word.isupper() and before[:-1].endswith((" ", "\n"))
    return is_initial or word.lower() in _ABBREVIATIONS


_LINK = re.compile(r"https?://|www\.|\S+@\S+\.\w+", re.I)
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_SCHEDULE = re.compile(
    r"\b\d{1,2}[/.]\d{1,2}(?:[/.]\d{2,4})?\b"  # 23/09/2025, 4.10
    rf"|\b{_MONTH}\.?\s+\d{{1,4}}\b|\b\d{{1,2}}\s+{_MONTH}\b"  # May 2, January 2025, 2 May
    r"|\b\d{1,2}:\d{2}\b|\b\d{1,2}\s*(?:am|pm|a\.m\.|p\.m\.)"  # 6:30, 9 am
    r"|\b(?:mon|tues|wednes|thurs|fri|satur|sun)days?\b",  # logistics, not content
    re.I,
)
_BIBLIOGRAPHY = re.compile(r"\b(?:edition|ed\.|eds\.|copyright|isbn|publisher|press|vol\.)", re.I)


# A numbered unit's title: its number, then only capitalised words and short function words.
_NUMBERED_TITLE = re.compile(r"^\d{1,2}\s+(?:(?:[A-Z][\w'’&-]*|and|of|the|to|in|on|for|&)\s*)+$")


def _is_question_material(sentence: str) -> bool:
    if not MIN_SENTENCE_LENGTH <= len(sentence) <= MAX_SENTENCE_LENGTH:
        return False
    if len(sentence.split()) < 5 or sentence.endswith(":"):
        return False  # fragments, and lead-ins to a list
    if _NUMBERED_TITLE.match(sentence):
        return False  # "1 Introduction to Sociological Theory and Perspectives": a heading
    visible = [char for char in sentence if not char.isspace()]
    letters = sum(char.isalpha() for char in visible)
    digits = sum(char.isdigit() for char in visible)
    if letters < 0.65 * len(visible) or digits > 0.1 * len(visible):
        return False  # tables, scores, codes
    return not (
        _LINK.search(sentence) or _SCHEDULE.search(sentence) or _BIBLIOGRAPHY.search(sentence)
    )


# --------------------------------------------------------------------------------------------
# 2. Key terms
# --------------------------------------------------------------------------------------------

# Verbs common in course descriptions. Without a part-of-speech tagger, "a buffer overflow writes
# past the end" would otherwise yield the term "buffer overflow writes". Words as often nouns
# ("control", "return", "limit", "set", "test") are left out.
_COMMON_VERBS = """
    accept add affect allow apply assign become begin bind build carry check choose combine come
    compare compute confine consist contain continue create decide declare decompose define
    depend describe detect determine develop differ discover do enable encourage ensure establish
    examine expect explain explore express fail find focus follow get give go grant handle happen
    help identify illustrate implement improve include increase inspect interact introduce
    involve isolate keep know learn leave let make mean need negotiate obtain occur open operate
    pass perform permit prepare present prevent produce protect provide publish put receive
    recognize reduce refer reflect relate rely remain remove replace represent require resist
    restrict reuse reveal run say see seem select send serve show solve stay suggest take teach
    tell tend think treat try understand use verify want write
"""


def _third_person(verb: str) -> str:
    if verb.endswith(("s", "sh", "ch", "x", "z", "o")):
        return verb + "es"
    if verb.endswith("y") and verb[-2:-1] not in "aeiou":
        return verb[:-1] + "ies"
    return verb + "s"


# Function words, the verbs and adjectives syllabi use to talk about their content, and the
# vocabulary of running a course: none of them makes a term, and they split phrases into terms.
_STOPWORDS = frozenset(
    """
    a about above across after again against all almost along also although always am among an
    and another any anyone anything are around as at be became because been before being below
    between both but by can cannot could did doing done down during each either else enough etc
    even ever every few for from further getting given going had has have having he her here
    hers him his how however i if in into is it its itself just least less like made making many
    may me might more most much must my near needed neither never next no nor not now of off
    often on once one only onto or other others otherwise our ours out over own per perhaps
    please rather same several shall she should since so some something such than that the their
    theirs them themselves then there these they this those though through throughout thus to
    together too toward towards under until up upon us used using very via was we well were what
    whatever when where whether which while who whom whose why will with within without would
    yet you your yours e.g i.e ie eg ii iii iv vi tbd tba n/a said following behind beyond
    inside outside besides despite except

    able included including introduced introduction consider considers considered cover covers
    covered covering discuss discussed discussion discussions learned understanding understood
    applied applying useful examining provided required expected described presented study
    studies taught work works working taken relevant related regarding various different common
    general basic simple small large new first second third last final main key core important
    particular specific certain possible available appropriate properly clearly briefly entirely
    occasionally frequently primarily mostly especially usually typically generally periodically
    implementing creating created designing demonstrate developing developed building analyze
    analyse evaluate solving writing compile execute terminate running test communicate
    communicating construct interpret replicating monitoring visualizing evaluating mimic
    ability abilities skills knowledge concepts concept ideas idea applications application
    issues methods tools approach approaches practice practical creation evaluation scale things
    way ways kind kinds level levels areas area aspects aspect variety majority everyone monday
    tuesday
    wednesday thursday friday saturday sunday mondays tuesdays wednesdays thursdays fridays
    january february march april june july august september october november december spring
    summer autumn fall winter

    course courses class classes classtime student students syllabus lecture lectures lab labs
    week weeks weekly semester term terms module modules unit units topic topics session
    sessions instructor instructors professor professors teacher office hours email phone room
    credit credits grade grades grading exam exams quiz quizzes quizes midterm homework
    assignment assignments project projects deadline deadlines due attendance participation
    university college department campus handbook catalog textbook textbooks reading readings
    material materials resources ressources schedule tentative percentage points score
    objectives objective outcomes description overview prerequisites prerequisite information
    requirements requirement statement details example examples part parts chapter chapters
    edition draft copyright page pages title chap
    """.split()
) | frozenset(form for verb in _COMMON_VERBS.split() for form in (verb, _third_person(verb)))
# Sentences about running the course rather than its subject make poor questions.
_ADMINISTRATIVE_WORDS = frozenset(
    """
    grade grades grading graded exam exams quiz quizzes quizes midterm homework assignment
    assignments attendance attend absence absences excuse excuses policy policies plagiarism
    cheating collusion misconduct fabrication dishonesty integrity ethics conduct disability
    disabilities accommodation accommodations deadline late penalty penalties office instructor
    professor professors submitted submit due percentage university handbook wellness textbook
    participation catalog webpage website register registration enrolled invite join
    announcements responsibility responsible excused illness medical readings semester email
    administrative
    """.split()
)
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-+'’][A-Za-z0-9]+)*\+*")
# Multi-word noun phrases are more specific than single words, which are often generic.
_TERM_LENGTH_WEIGHT = {1: 1.0, 2: 2.0, 3: 2.2, 4: 1.8}


@dataclass
class Term:
    key: str  # lower-case singular words: "Data Structures" and "data structure" are one term
    display: str  # how the syllabus writes it in running text (see `_preferred_form`)
    forms: dict[str, str]  # each variant written in the text, lower-cased -> its preferred form
    words: tuple[str, ...]  # lower-case singular words
    sentence_count: int
    score: float
    administrative: bool  # only ever mentioned in sentences about running the course
    name_like: bool  # capitalized words found nowhere else: a person, a place, a book title

    @cached_property
    def is_acronym(self) -> bool:
        letters = [char for char in self.display if char.isalpha()]
        return len(letters) >= 2 and sum(char.isupper() for char in letters) >= 0.6 * len(letters)

    @property
    def is_capitalized(self) -> bool:
        return self.display[:1].isupper()

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        """Matches any written variant of the term as whole words, case-insensitively."""
        variants = sorted(self.forms, key=lambda form: (-len(form), form))
        alternatives = [r"\s+".join(re.escape(word) for word in v.split()) for v in variants]
        return re.compile(r"(?<![\w'’-])(?:" + "|".join(alternatives) + r")(?![\w'’-])", re.I)


@dataclass
class KeyTerms:
    by_key: dict[str, Term]
    ranked: list[Term]  # most informative first
    keys_by_sentence: dict[int, list[str]]  # sentence index -> its term keys, best first

    def of(self, sentence: Sentence) -> list[Term]:
        return [self.by_key[key] for key in self.keys_by_sentence.get(sentence.index, [])]


@dataclass(frozen=True)
class _Candidate:
    surface: str  # whitespace collapsed
    sentence_initial: bool
    in_heading: bool
    administrative: bool


def extract_key_terms(sentences: Sequence[Sentence]) -> KeyTerms:
    """Key terms of the document, scored by how much they and their words recur."""
    word_counts: Counter[str] = Counter()
    candidates_by_sentence: dict[int, list[_Candidate]] = {}
    for sentence in sentences:
        if _LINK.search(sentence.text):
            continue  # addresses and links are not course content
        word_counts.update(word for word in _key_words(sentence.text) if word not in _STOPWORDS)
        administrative = _is_administrative(sentence)
        candidates_by_sentence[sentence.index] = [
            _Candidate(surface, sentence_initial, sentence.is_heading, administrative)
            for surface, sentence_initial in _term_candidates(sentence.text)
        ]

    forms_by_key: dict[str, list[_Candidate]] = {}
    sentence_counts: Counter[str] = Counter()
    for candidates in candidates_by_sentence.values():
        sentence_counts.update({_term_key(candidate.surface) for candidate in candidates})
        for candidate in candidates:
            forms_by_key.setdefault(_term_key(candidate.surface), []).append(candidate)

    by_key = {
        key: _make_term(key, forms, sentence_counts[key], word_counts)
        for key, forms in forms_by_key.items()
    }
    _discount_fragments(by_key)
    ranked = sorted(by_key.values(), key=lambda term: (-term.score, term.key))
    keys_by_sentence = {
        index: sorted(
            dict.fromkeys(_term_key(candidate.surface) for candidate in candidates),
            key=lambda key: (-by_key[key].score, key),
        )
        for index, candidates in candidates_by_sentence.items()
    }
    return KeyTerms(by_key=by_key, ranked=ranked, keys_by_sentence=keys_by_sentence)


def _discount_fragments(by_key: dict[str, Term]) -> None:
    """A single word that is also part of longer terms ("learning" of "deep learning",
    "regression" of "linear regression") is more a fragment of them than a term of its own."""
    words_in_phrases = Counter(word for key in by_key if " " in key for word in set(key.split()))
    for key, term in by_key.items():
        if " " not in key and words_in_phrases[key]:
            term.score = round(term.score * 0.5, 6)


def _is_administrative(sentence: Sentence) -> bool:
    return not _ADMINISTRATIVE_WORDS.isdisjoint(w.lower() for w in _WORD.findall(sentence.text))


def _term_candidates(sentence: str) -> Iterator[tuple[str, bool]]:
    """(surface, at sentence start) for each run of content words not interrupted by a
    stopword or punctuation: the RAKE keyword-extraction idea."""
    for run in _content_word_runs(sentence):
        for phrase in _split_at_verbs(run, sentence):
            if len(phrase) > MAX_TERM_WORDS:
                continue  # a clause, not a term
            surface = collapse_whitespace(sentence[phrase[0].start() : phrase[-1].end()])
            if _is_term_like(surface, [word.group() for word in phrase]):
                yield surface, phrase[0].start() == 0


def _content_word_runs(sentence: str) -> Iterator[list[re.Match[str]]]:
    run: list[re.Match[str]] = []
    for match in _WORD.finditer(sentence):
        if match.group().lower() in _STOPWORDS:
            if run:
                yield run
            run = []
        elif run and sentence[run[-1].end() : match.start()].strip():
            yield run  # punctuation between the words
            run = [match]
        else:
            run.append(match)
    if run:
        yield run


# Words after which a preceding "-s" word is a verb: "a buffer overflow writes past the end".
_AFTER_VERB = frozenset("the a an its their his her our your past".split())


def _split_at_verbs(run: list[re.Match[str]], sentence: str) -> list[list[re.Match[str]]]:
    """Without a part-of-speech tagger, cut a run where its shape says verb: an "-ed" word at
    its end ("issues raised"), or an "-s" word between content words ("STRIDE framework
    classifies threats") or before a determiner ("overflow writes past the end"). Leading
    ones stay: "supervised learning", "systems programming"."""
    following = re.match(r"\s*([A-Za-z]+)", sentence[run[-1].end() :])
    next_word = following.group(1).lower() if following else ""
    phrases: list[list[re.Match[str]]] = [[]]
    for position, word in enumerate(run):
        lowered = word.group().lower()
        is_last = position == len(run) - 1
        verb_shaped = position > 0 and word.group().islower() and _looks_like_third_person(lowered)
        if verb_shaped and (not is_last or next_word in _AFTER_VERB):
            phrases.append([])
            continue
        phrases[-1].append(word)
    phrases = [_trim_participles(phrase) for phrase in phrases]
    return [phrase for phrase in phrases if phrase]


def _looks_like_third_person(word: str) -> bool:
    return word.endswith("s") and not word.endswith(("ss", "us", "is", "ics"))


def _trim_participles(phrase: list[re.Match[str]]) -> list[re.Match[str]]:
    """Drop trailing "-ed" words: in "issues raised" or "concepts covered" they are verbs, while
    leading ones ("supervised learning") are part of the term."""
    end = len(phrase)
    while end and phrase[end - 1].group().lower().endswith("ed"):
        end -= 1
    return phrase[:end]


def _is_term_like(surface: str, words: list[str]) -> bool:
    if any(_is_doubled(word) for word in words):
        return False
    if len(words) == 1:
        word = words[0]
        uppers = sum(char.isupper() for char in word)
        is_acronym = uppers >= 2 and uppers >= 0.5 * sum(char.isalpha() for char in word)
        # Short lower-case words are mostly too generic to quiz on; acronyms are not.
        return is_acronym or sum(char.isalpha() for char in word) >= 5
    return sum(char.isalpha() for char in surface) >= 5


def _is_doubled(word: str) -> bool:
    """ "llaauunncchh": bold text a PDF renders by printing every glyph twice."""
    return len(word) >= 6 and len(word) % 2 == 0 and word[0::2] == word[1::2]


def _term_key(surface: str) -> str:
    return " ".join(_key_words(surface))


def _key_words(text: str) -> list[str]:
    """Lower-case singular words, hyphenated compounds split: "Higher-order functions" and
    "higher order function" are one term."""
    return [
        _singular(part)
        for word in _WORD.findall(text.lower())
        for part in word.replace("’", "'").split("-")
        if part
    ]


def _singular(word: str) -> str:
    """Crude but consistent: enough to tell "list" and "lists" are the same option."""
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _make_term(
    key: str, forms: list[_Candidate], sentence_count: int, word_counts: Counter[str]
) -> Term:
    words = tuple(key.split())
    # Words that recur across the document mark its topics; a name mentioned once does not.
    recurrence = sum(1 + math.log(max(word_counts[word], 1)) for word in words) / len(words)
    administrative = all(form.administrative for form in forms)
    score = (
        (1 + math.log(sentence_count))
        * recurrence
        * _TERM_LENGTH_WEIGHT.get(len(words), 1.0)
        * (0.3 if administrative else 1.0)
    )
    variants: dict[str, list[_Candidate]] = {}
    for form in forms:
        variants.setdefault(form.surface.lower(), []).append(form)
    preferred = {variant: _preferred_form(same) for variant, same in variants.items()}
    display = _preferred_form(forms)
    return Term(
        key=key,
        display=display,
        forms=preferred,
        words=words,
        sentence_count=sentence_count,
        score=round(score, 6),  # rounded so float noise cannot reorder ties across platforms
        administrative=administrative,
        name_like=all(word[:1].isupper() for word in display.split())
        and all(word_counts[word] <= 1 for word in words),
    )


def _preferred_form(forms: list[_Candidate]) -> str:
    """How the term is written in running text, so an option's capitals give nothing away:
    headings and table rows are title-cased, and a sentence start capitalizes any word."""
    for accept in (
        lambda form: not (form.in_heading or form.sentence_initial),
        lambda form: not form.sentence_initial,
    ):
        written = [form.surface for form in forms if accept(form)]
        if written:
            return Counter(written).most_common(1)[0][0]
    surface = forms[0].surface
    # Only its position capitalized it ("Lazy evaluation."): lower it. "Central Limit Theorem"
    # or "LSTMs" have other capitals and stay as they are.
    if surface[1:] == surface[1:].lower():
        return surface[0].lower() + surface[1:]
    return surface


# --------------------------------------------------------------------------------------------
# 3. Sections
# --------------------------------------------------------------------------------------------


def _sentence_score(sentence: Sentence, terms: KeyTerms) -> float:
    scores = [term.score for term in terms.of(sentence)]
    if not scores:
        return 0.0
    administrative = 0.15 if _is_administrative(sentence) else 1.0
    # The best term makes the question; the others make the sentence a richer context for it.
    return round((scores[0] + 0.3 * sum(scores[1:4])) * administrative, 6)


@dataclass
class _SectionPlan:
    chunks: list[list[Sentence]]  # per section, in document order, each >= questions_per_section
    reserve: list[Sentence]  # the other candidate sentences, best first: the last resort


def _plan_sections(
    sentences: Sequence[Sentence],
    terms: KeyTerms,
    options: GenerationOptions,
    kind_capacity: int = 0,
) -> _SectionPlan:
    """The sentences each section draws on: the most informative distinct ones, cut into
    contiguous chunks so each section covers one stretch of the course. Items written from the
    topic lists (`kind_capacity` of them at most) make up for sentences the text lacks."""
    requested = options.total_questions
    if len(terms.ranked) < DISTRACTOR_COUNT + 1 and kind_capacity < requested:
        raise _insufficient(0, options)
    candidates = sorted(
        (sentence for sentence in sentences if sentence.usable and terms.of(sentence)),
        key=lambda sentence: (-_sentence_score(sentence, terms), sentence.index),
    )
    # A few spare sentences per section let it replace one that cannot make a distinct
    # question; more would fill sections with the least informative sentences.
    # Candidates are subject matter only (see `split_sentences`): when they run short the
    # questionnaire is refused, never padded with office hours, grading or tools.
    wanted = requested + max(options.section_count, math.ceil(requested / 2))
    pool = _distinct_sentences(candidates, wanted)
    if len(pool) + kind_capacity < requested:
        raise _insufficient(len(pool), options)
    in_pool = {sentence.index for sentence in pool}
    reserve = [sentence for sentence in candidates if sentence.index not in in_pool]
    pool.sort(key=lambda sentence: sentence.index)
    return _SectionPlan(_contiguous_chunks(pool, options.section_count), reserve)


def _distinct_sentences(candidates: Sequence[Sentence], limit: int) -> list[Sentence]:
    chosen: list[Sentence] = []
    chosen_normalized: list[str] = []
    for sentence in candidates:
        normalized = normalize_prompt(sentence.text)
        if any(
            normalized == other or similar_at_least(normalized, other, SENTENCE_SIMILARITY_LIMIT)
            for other in chosen_normalized
        ):
            continue  # the same bullet repeated under two headings, or a near-copy of it
        chosen.append(sentence)
        chosen_normalized.append(normalized)
        if len(chosen) == limit:
            break
    return chosen


def _contiguous_chunks(items: list[Sentence], count: int) -> list[list[Sentence]]:
    size, extra = divmod(len(items), count)
    chunks, start = [], 0
    for number in range(count):
        end = start + size + (1 if number < extra else 0)
        chunks.append(items[start:end])
        start = end
    return chunks


def _insufficient(possible: int, options: GenerationOptions) -> InsufficientSyllabusText:
    requested = options.total_questions
    return InsufficientSyllabusText(
        f"The syllabus has too little subject matter for this questionnaire: only {possible} "
        f"distinct question(s) could be written from its course content, {requested} were "
        f"requested ({options.section_count} section(s) × {options.questions_per_section} "
        "question(s)). Logistics (office hours, grading, policies, tools) is never used. Ask "
        "for fewer questions or upload a syllabus that describes the course content.",
        questions_possible=possible,
        questions_requested=requested,
    )


# --------------------------------------------------------------------------------------------
# 4. Questions
# --------------------------------------------------------------------------------------------

_MCQ_TEMPLATES = (
    "Fill in the blank with the term the syllabus uses: “{statement}”",
    "Which term completes this statement from the syllabus? “{statement}”",
)
_SHORT_ANSWER_TEMPLATES = (
    "In the context of this course, explain what the syllabus says about {term}.",
    "Explain the term “{term}” and how it connects to {topic} in this course.",
    "Describe the concept of {term} as this course presents it, and say why it matters.",
    "What does this course cover under “{term}”? Answer in your own words.",
)
_SHORT_ANSWER_SUFFIX = {
    "easy": " Two or three sentences are enough.",
    "medium": "",
    "hard": " Support your answer with a concrete example.",
}


def short_answer_count(questions_per_section: int) -> int:
    """Roughly 60 % MCQ, and at least one short answer in any section of two or more."""
    if questions_per_section == 1:
        return 0
    return max(1, int(questions_per_section * SHORT_ANSWER_SHARE))


@dataclass
class _SectionDraft:
    number: int
    planned: list[Sentence]  # the sentences its questions are planned on, one per position
    spares: list[Sentence]  # the chunk's other sentences
    place: int  # where in the syllabus it sits
    types: list[str]  # the question type of each position
    questions: dict[int, dict[str, Any]] = field(default_factory=dict)  # by position
    used: list[Sentence] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)


@dataclass
class _QuestionnaireBuilder:
    sentences: Sequence[Sentence]
    terms: KeyTerms
    options: GenerationOptions
    rng: random.Random
    reserve: list[Sentence]  # sentences outside every section's chunk, for when a chunk runs dry
    sibling_groups: list[frozenset[str]]  # the syllabus's topic lists (see `sibling_groups`)
    kinds: KindWriter  # items from the topic lists and definitions
    recipe: Recipe  # which kinds each slot tries, by difficulty
    text_length: int
    prompts: list[str] = field(default_factory=list)  # as written, for the giveaway rule
    normalized_prompts: list[str] = field(default_factory=list)  # for the near-duplicate rule
    statements: list[str] = field(default_factory=list)  # normalized blanked MCQ statements
    focus_keys: set[str] = field(default_factory=set)  # terms a question is already about
    answers: list[Term | _Answer] = field(default_factory=list)  # never in a title or prompt
    distractors: list[str] = field(default_factory=list)  # of the kind items: not in a title
    cues: list[str] = field(default_factory=list)  # of the kind items: not in an MCQ's stem
    mcq_prompts: list[str] = field(default_factory=list)  # of the kind items
    # (list, key, distractors) of each kind MCQ, for `_contradicts_an_earlier_item`.
    _options_by_list: list[tuple[Any, str, set[str]]] = field(default_factory=list, init=False)
    title_keys: set[str] = field(default_factory=set)
    titles: set[str] = field(default_factory=set)
    written: Counter[str] = field(default_factory=Counter)  # questions written, by type
    unfilled: int = 0  # positions no honest question could fill
    _paragraphs: dict[int, list[Sentence]] = field(init=False)
    _section_sentences: list[list[Sentence]] = field(default_factory=list, init=False)
    _section_topics: list[list[str]] = field(default_factory=list, init=False)
    _distractor_terms: list[Term] | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.kinds.named = lambda text: (
            any(mentions(prompt, text) for prompt in self.prompts)
            or any(answer.pattern.search(text) for answer in self.answers)
        )
        self._paragraphs = {}
        for sentence in self.sentences:
            self._paragraphs.setdefault(sentence.block, []).append(sentence)

    def build_sections(self, chunks: list[list[Sentence]]) -> list[dict[str, Any]]:
        """Every section's short answers first, then the MCQs: a short answer claims a whole
        list or definition, which no MCQ may then show (one would answer the other), while an
        MCQ has many more places to come from."""
        drafts = [self._draft(number, chunk) for number, chunk in enumerate(chunks, 1)]
        for question_type in ("SHORT_ANSWER", "MCQ"):
            for draft in drafts:
                self._fill(draft, question_type)
        if self.unfilled:
            raise _insufficient(sum(self.written.values()), self.options)
        sections = []
        for draft in drafts:
            self._section_sentences.append(draft.used)
            self._section_topics.append(draft.topics)
            questions = [draft.questions[position] for position in range(len(draft.types))]
            sections.append({"sectionId": f"s{draft.number}", "title": "", "questions": questions})
        return sections

    def _draft(self, number: int, chunk: list[Sentence]) -> _SectionDraft:
        per_section = self.options.questions_per_section
        best_first = sorted(chunk, key=lambda s: (-_sentence_score(s, self.terms), s.index))
        planned = sorted(best_first[:per_section], key=lambda sentence: sentence.index)
        return _SectionDraft(
            number=number,
            planned=planned,
            spares=best_first[per_section:],
            place=self._place(number, chunk),
            types=self._question_types(number, planned),
        )

    def _fill(self, draft: _SectionDraft, question_type: str) -> None:
        for position, planned_type in enumerate(draft.types):
            if planned_type != question_type:
                continue
            question_id = f"s{draft.number}q{position + 1}"
            sentence = draft.planned[position] if position < len(draft.planned) else None
            question = None
            self.kinds.section = draft.number
            for step in self.recipe.steps(question_type, self.written[question_type]):
                if step != SENTENCE:
                    item = self._kind_item(step, draft.place)
                    if item is not None:
                        question = {"questionId": question_id, **item.question}
                        draft.topics.extend(item.subjects)
                        if sentence is not None:
                            draft.spares.append(sentence)  # it may still suit a later question
                        break
                    continue
                built = self._first_buildable(question_id, question_type, sentence, draft.spares)
                if built is not None:
                    question = built[0]
                    draft.used.append(built[1])
                    break
            if question is None:
                self.unfilled += 1  # counted on, so the refusal says how many could be written
                continue
            draft.questions[position] = question
            self.written[question_type] += 1

    def _place(self, number: int, chunk: list[Sentence]) -> int:
        """Where in the syllabus the section sits, so its topic-list items come from there."""
        if chunk:
            return chunk[len(chunk) // 2].start
        return (2 * number - 1) * self.text_length // (2 * self.options.section_count)

    def _kind_item(self, kind: str, place: int) -> KindItem | None:
        for item in self.kinds.candidates(kind, place):
            if self._accept_kind_item(item):
                self.kinds.accept(item)
                return item
        return None

    def _accept_kind_item(self, item: KindItem) -> bool:
        """Whether the item keeps every rule across the questionnaire so far; if so it is
        recorded (its prompt, and an MCQ's key and distractors)."""
        prompt = item.question["prompt"]
        # An MCQ stem naming another MCQ's distractor says where that topic belongs, which
        # helps rule it out there; a short answer's list or term is no such cue.
        if item.key is not None and any(mentions(prompt, cue) for cue in self.cues):
            return False
        answer = None
        if item.key is not None:
            answer = _Answer.of(item.key)
            if any(earlier.key == answer.key for earlier in self.answers):
                return False  # one key per assessment (DUPLICATE_KEY)
            if self._contradicts_an_earlier_item(item):
                return False
            if any(mentions(p, text) for p in self.mcq_prompts for text in item.cues):
                return False
            if item_problem(item.question, sibling_groups=self.sibling_groups) is not None:
                return False
        if not self._accept_prompt(prompt, strict=True, answer=answer):
            return False
        if answer is not None:
            self.answers.append(answer)
            self.mcq_prompts.append(prompt)
            self.distractors.extend(item.distractors)
            self.cues.extend(item.cues)
            self._options_by_list.append(
                (item.seed[1], option_key(item.key), {option_key(d) for d in item.distractors})
            )
        return True

    def _contradicts_an_earlier_item(self, item: KindItem) -> bool:
        """Two items about one list answer each other when one's key is the other's distractor
        ("which is on the schedule?" offering Branch Prediction as wrong, then "which is not
        on it?" keyed Branch Prediction). Across different lists a topic may be right in one
        and wrong in the other without telling anything."""
        key = option_key(item.key)
        distractors = {option_key(d) for d in item.distractors}
        return any(
            same_list == item.seed[1] and (key in wrong or right in distractors)
            for same_list, right, wrong in self._options_by_list
        )

    def title_sections(self, sections: list[dict[str, Any]]) -> None:
        titled = zip(sections, self._section_sentences, self._section_topics, strict=True)
        for number, (section, used, topics) in enumerate(titled, 1):
            section["title"] = self._section_title(number, used, topics)

    def _names_an_answer(self, text: str) -> bool:
        return any(answer.pattern.search(text) for answer in self.answers) or any(
            mentions(text, distractor) for distractor in self.distractors
        )

    def _question_types(self, number: int, planned: list[Sentence]) -> list[str]:
        """Short answers go to the sentences with the most to explain (the longest passages);
        one-question sections alternate types so the questionnaire still has both."""
        if self.options.questions_per_section == 1:
            return ["MCQ" if number % 2 else "SHORT_ANSWER"]
        if len(planned) < self.options.questions_per_section:
            count = self.options.questions_per_section
            shorts = short_answer_count(count)
            return ["MCQ"] * (count - shorts) + ["SHORT_ANSWER"] * shorts
        richest = sorted(planned, key=lambda s: (-_length(self._passage(s)), s.index))
        explained = set(richest[: short_answer_count(len(planned))])
        return ["SHORT_ANSWER" if sentence in explained else "MCQ" for sentence in planned]

    def _first_buildable(
        self,
        question_id: str,
        question_type: str,
        planned: Sentence | None,
        spares: list[Sentence],
    ) -> tuple[dict[str, Any], Sentence] | None:
        """A question from the planned sentence, else from a spare one of the section, else from
        the reserve (a sentence used up there is removed).

        The first pass holds questions to a higher standard (a strong term no other question is
        about, nothing given away by another question); only if no sentence meets it does the
        second pass settle for what the validator requires.
        """
        section_sentences = [planned, *spares] if planned is not None else list(spares)
        reserve = self.reserve[:MAX_RESERVE_TRIED]
        for sentences, strict in (
            (section_sentences, True),
            (section_sentences, False),
            (reserve, True),
            (reserve, False),
        ):
            for sentence in sentences:
                for term in self._focus_terms(sentence, strict=strict):
                    question = self._question(question_id, question_type, sentence, term, strict)
                    if question is None:
                        continue
                    if sentence is not planned:
                        (spares if sentence in spares else self.reserve).remove(sentence)
                        if planned is not None:
                            spares.append(planned)  # it may still suit a later question
                    self.focus_keys.add(term.key)
                    return question, sentence
        return None

    def _focus_terms(self, sentence: Sentence, *, strict: bool) -> list[Term]:
        terms = self.terms.of(sentence)
        if not strict:
            return terms
        best = terms[0].score if terms else 0.0
        return [t for t in terms if t.key not in self.focus_keys and t.score >= 0.5 * best]

    def _question(
        self, question_id: str, question_type: str, sentence: Sentence, term: Term, strict: bool
    ) -> dict[str, Any] | None:
        if question_type == "MCQ":
            return self._mcq(question_id, sentence, term, strict)
        return self._short_answer(question_id, sentence, term, strict)

    def _accept_prompt(self, prompt: str, *, strict: bool, answer: Term | None = None) -> bool:
        """Record `prompt` if it is distinct from every earlier one and, in strict mode, neither
        contains an earlier MCQ's answer nor (being an MCQ) has its answer in an earlier one."""
        # Never relaxed: a prompt naming another MCQ's answer gives it away (KEY_GIVEN_AWAY).
        if any(earlier.pattern.search(prompt) for earlier in self.answers) or (
            answer is not None and any(answer.pattern.search(p) for p in self.prompts)
        ):
            return False
        normalized = normalize_prompt(prompt)
        if any(are_near_duplicates(normalized, other) for other in self.normalized_prompts):
            return False
        self.prompts.append(prompt)
        self.normalized_prompts.append(normalized)
        return True

    def _first_accepted_prompt(
        self,
        templates: Sequence[str],
        rotation: int,
        *,
        strict: bool,
        answer: Term | None = None,
        **fields: str | None,
    ) -> str | None:
        """The first template, starting at `rotation` so consecutive questions read differently,
        whose prompt is accepted (see `_accept_prompt`)."""
        for offset in range(len(templates)):
            prompt = templates[(rotation + offset) % len(templates)].format(**fields)
            if self._accept_prompt(prompt, strict=strict, answer=answer):
                return prompt
        return None

    # MCQ ------------------------------------------------------------------------------------

    def _mcq(
        self, question_id: str, sentence: Sentence, answer: Term, strict: bool
    ) -> dict[str, Any] | None:
        if any(earlier.key == answer.key for earlier in self.answers):
            return None  # one key per assessment (DUPLICATE_KEY)
        if not _blankable(sentence.text, answer.display):
            return None
        if self.kinds.quotes_an_asked_definition(sentence.start, sentence.end):
            return None
        blanked = _blank_out(sentence.text, answer)
        if blanked is None:
            return None
        statement, answer_text = blanked
        normalized_statement = normalize_prompt(statement)
        if strict and any(
            similar_at_least(normalized_statement, other, SENTENCE_SIMILARITY_LIMIT)
            for other in self.statements
        ):
            return None  # "Creation of _____ (Lab 2)" and "Creation of _____ (Lab 3)"
        distractors = self._distractors(answer, answer_text, sentence)
        if distractors is None:
            return None
        texts = [answer_text, *(term.display for term in distractors)]
        if _breaks_an_item_rule(statement, texts, self.sibling_groups):
            return None
        prompt = self._first_accepted_prompt(
            _MCQ_TEMPLATES, self.written["MCQ"], strict=strict, answer=answer, statement=statement
        )
        if prompt is None:
            return None
        self.statements.append(normalized_statement)
        self.answers.append(answer)
        self.rng.shuffle(texts)
        return {
            "questionId": question_id,
            "type": "MCQ",
            "prompt": prompt,
            "points": MCQ_POINTS[self.options.difficulty],
            "options": [
                {"id": option_id, "text": text}
                for option_id, text in zip(OPTION_IDS, texts, strict=True)
            ],
            "correctOptionId": OPTION_IDS[texts.index(answer_text)],
            "sourceExcerpt": sentence.text,
            "topic": answer.display,  # never shown to a candidate
            "bloomLevel": "REMEMBER",  # a term recalled in its own sentence
        }

    def _distractors(self, answer: Term, answer_text: str, sentence: Sentence) -> list[Term] | None:
        """Three other key terms shaped like the answer, none of them in the sentence."""
        in_sentence = {term.key for term in self.terms.of(sentence)}
        eligible = [
            term
            for term in self._distractor_candidates()
            if _can_distract(term, answer) and term.key not in in_sentence
        ]
        eligible.sort(key=lambda term: (-_shape_likeness(term, answer), -term.score, term.key))
        pool: list[Term] = []
        texts = {collapse_whitespace(answer_text).lower()}
        for term in eligible:
            if term.display.lower() not in texts:
                pool.append(term)
                texts.add(term.display.lower())
            if len(pool) == DISTRACTOR_POOL_SIZE[self.options.difficulty]:
                break
        if len(pool) < DISTRACTOR_COUNT:
            return None
        return self.rng.sample(pool, DISTRACTOR_COUNT)

    def _distractor_candidates(self) -> list[Term]:
        """The better-scored half of the course-content terms, at most `MAX_DISTRACTOR_TERMS`
        (names, places and the vocabulary of course administration make options nobody would
        pick)."""
        if self._distractor_terms is None:
            content = [t for t in self.terms.ranked if not (t.administrative or t.name_like)]
            best = content[: max(DISTRACTOR_COUNT * 4, len(content) // 2)][:MAX_DISTRACTOR_TERMS]
            self._distractor_terms = best if len(best) > DISTRACTOR_COUNT else self.terms.ranked
        return self._distractor_terms

    # Short answer ---------------------------------------------------------------------------

    def _short_answer(
        self, question_id: str, sentence: Sentence, term: Term, strict: bool
    ) -> dict[str, Any] | None:
        if not _explains_the_subject(sentence.text):
            return None  # its passage would be no model answer
        topic = self._neighbouring_topic(sentence, term)
        templates = [t for t in _SHORT_ANSWER_TEMPLATES if topic is not None or "{topic}" not in t]
        prompt = self._first_accepted_prompt(
            [template + _SHORT_ANSWER_SUFFIX[self.options.difficulty] for template in templates],
            self.written["SHORT_ANSWER"],
            strict=strict,
            term=term.display,
            topic=topic and topic.display,
        )
        if prompt is None:
            return None
        passage = self._passage(sentence)
        reference_answer = " ".join(s.text for s in passage)  # verbatim, as the syllabus says it
        points = SHORT_ANSWER_POINTS[self.options.difficulty]
        criteria = _rubric_criteria(term, passage, self.terms, points)
        return {
            "questionId": question_id,
            "type": "SHORT_ANSWER",
            "prompt": prompt,
            "points": points,
            "referenceAnswer": reference_answer,
            "rubric": render_rubric(criteria),
            "rubricCriteria": criteria,
            "sourceExcerpt": sentence.text,
            "topic": term.display,
            "bloomLevel": "UNDERSTAND",
        }

    def _passage(self, sentence: Sentence) -> list[Sentence]:
        """The sentence with the neighbours from its paragraph that continue its subject (they
        share a key term with it), up to one on each side."""
        paragraph = self._paragraphs[sentence.block]
        own_terms = {term.key for term in self.terms.of(sentence)}
        first = last = paragraph.index(sentence)
        for neighbour in (first + 1, first - 1):
            if not 0 <= neighbour < len(paragraph):
                continue
            if not paragraph[neighbour].usable or not _explains_the_subject(
                paragraph[neighbour].text
            ):
                continue  # "We will be covering Chapters 1, 2, 3…" joins no model answer
            if own_terms.isdisjoint(term.key for term in self.terms.of(paragraph[neighbour])):
                continue
            low, high = min(first, neighbour), max(last, neighbour)
            if sum(len(s.text) + 1 for s in paragraph[low : high + 1]) <= MAX_PASSAGE_LENGTH:
                first, last = low, high
        return paragraph[first : last + 1]

    def _neighbouring_topic(self, sentence: Sentence, term: Term) -> Term | None:
        """Another key term of the same sentence, to anchor the question in its context."""
        return next((t for t in self.terms.of(sentence) if _can_distract(t, term)), None)

    # Titles ---------------------------------------------------------------------------------

    def _section_title(self, number: int, sentences: list[Sentence], topics: list[str]) -> str:
        """ "Topics: …" from what the section's topic-list items are about, then its best terms,
        that name no MCQ's answer or distractor (a title must not give an answer away) and that
        no earlier title used."""
        terms = dict.fromkeys(term.key for s in sentences for term in self.terms.of(s))
        ranked = sorted(terms, key=lambda key: (-self.terms.by_key[key].score, key))
        candidates = {_term_key(topic): topic for topic in topics}
        for key in ranked:
            candidates.setdefault(key, self.terms.by_key[key].display)
        taken = {answer.key for answer in self.answers} | self.title_keys
        picked = [
            key
            for key, display in candidates.items()
            if key and key not in taken and not self._names_an_answer(display)
        ][:2]
        title = (
            "Topics: " + ", ".join(_title_case(candidates[key]) for key in picked)
            if picked
            else f"Part {number}"
        )
        if title in self.titles:
            title = f"{title} (part {number})"
        self.title_keys.update(picked)
        self.titles.add(title)
        return title


@dataclass(frozen=True)
class _Answer:
    """A topic-list item's key, seen the way the builder sees a term's: `key` to compare with
    other answers, `pattern` to find it in a prompt or title."""

    key: str
    display: str
    pattern: re.Pattern[str]

    @classmethod
    def of(cls, text: str) -> _Answer:
        words = option_key(text).split()
        body = r"[^a-z0-9]+".join(re.escape(word) for word in words)
        return cls(_term_key(text), text, re.compile(rf"(?<![a-z0-9]){body}(?![a-z0-9])", re.I))


# Sentences about the course itself ("The course will be presented in Python", "It considers
# the range of career routes", "There will also be discussions on..."): blanking them asks
# how the syllabus is worded, not what the subject is.
_ABOUT_THE_COURSE = re.compile(
    r"\b(?:the|this|our)\s+(?:\w+\s+)?(?:course|module|class|unit|semester)\b|\bstudents?\b"
    r"|\bthere will\b|\bwill (?:include|cover|be given)\b"
    r"|^(?:it|you|we) (?:considers?|will|includes?)\b",
    re.IGNORECASE,
)


# Learning objectives ("to develop the ability to think critically…", "Develop a logic-based
# approach…") say what students will do, not what the subject is: no model answer.
_OBJECTIVE = re.compile(
    r"^(?:to|be able to|develop|demonstrate|distinguish|understand|provide)\b", re.IGNORECASE
)


def _explains_the_subject(sentence: str) -> bool:
    return not (_ABOUT_THE_COURSE.search(sentence) or _OBJECTIVE.match(sentence))


# A blank's key must hold a word this rare (wordfreq's Zipf scale: "measurement" 4.05,
# "visualization" 3.3, "perplexity" 2.2): a common word leaves several right answers.
BLANK_KEY_MAX_ZIPF = 4.0


def _blankable(sentence: str, key: str) -> bool:
    """A blank tests the subject only when its key is a term of the subject (not "languages",
    "relationships", "design": the rest of a sentence rarely rules out every other option for
    a common word) and its sentence is about the subject rather than the course. A question
    the course asks ("Are some of our basic traits there from birth?") states no fact: any
    option makes an equally good question, so it is never blanked."""
    words = content_words(key)
    return (
        bool(words)
        and not _ASKS.search(sentence)
        and min(zipf(word) for word in words) < BLANK_KEY_MAX_ZIPF
        and not _ABOUT_THE_COURSE.search(sentence)
        and not completes_a_set_phrase(sentence, key)
    )


_ASKS = re.compile(rf"\?[{_CLOSERS}]*\s*$")

# Pairs said together so often that one half gives the other away: "the relationship between
# _____ and outputs", "How do nature and _____ interact".
_SET_PAIRS = frozenset(
    frozenset(pair.split("/"))
    for pair in (
        "input/output supply/demand cost/benefit strength/weakness advantage/disadvantage "
        "theory/practice cause/effect nature/nurture problem/solution question/answer "
        "hardware/software qualitative/quantitative mind/body buyer/seller import/export "
        "asset/liability debit/credit reading/writing listening/speaking teaching/learning "
        "sensation/perception structure/function form/function genotype/phenotype "
        "prokaryote/eukaryote mitosis/meiosis predator/prey client/server encoder/decoder"
    ).split()
)
_PAIRED = re.compile(r"([A-Za-z-]+)\s+(?:and|or|&|vs\.?|versus)\s+([A-Za-z-]+)")


def completes_a_set_phrase(sentence: str, key: str) -> bool:
    """Whether the key is one half of a set pair whose other half stands next to it in the
    sentence: the blank is then answered by the phrase, not by knowing the subject."""
    key_words = key.lower().split()
    if not key_words:
        return False
    halves = {_pair_word(key_words[0]), _pair_word(key_words[-1])}
    for match in _PAIRED.finditer(sentence):
        first, second = (_pair_word(word) for word in match.groups())
        if frozenset((first, second)) in _SET_PAIRS and halves & {first, second}:
            return True
    return False


def _pair_word(word: str) -> str:
    word = word.lower()
    for ending, replacement in (("ies", "y"), ("sses", "ss"), ("s", "")):
        if word.endswith(ending) and len(word) > len(ending) + 2 and not word.endswith("ss"):
            return word[: -len(ending)] + replacement
    return word


def _breaks_an_item_rule(statement: str, texts: list[str], groups: list[frozenset[str]]) -> bool:
    """Whether the MCQ (key first in `texts`) breaks an item-writing rule on its own (an
    article that cues the key, a key far longer than the rest...): the validator would refuse
    it, so another term or sentence is tried instead."""
    question = {
        "type": "MCQ",
        "prompt": statement,
        "options": [{"id": str(i), "text": text} for i, text in enumerate(texts)],
        "correctOptionId": "0",
    }
    return item_problem(question, sibling_groups=groups) is not None


def _can_distract(term: Term, answer: Term) -> bool:
    """Wrong but not partly right: neither term is made of the other's words."""
    return not (set(term.words) <= set(answer.words) or set(answer.words) <= set(term.words))


def _shape_likeness(term: Term, answer: Term) -> float:
    """How alike two terms look, so that no option stands out by its form alone."""
    likeness = -2.0 * abs(len(term.words) - len(answer.words))
    likeness -= abs(len(term.display) - len(answer.display)) / 8
    likeness += 2.0 if term.is_acronym == answer.is_acronym else 0.0
    likeness += 1.5 if term.is_capitalized == answer.is_capitalized else 0.0
    likeness += 1.0 if set(term.words) & set(answer.words) else 0.0
    return round(likeness, 6)


def _blank_out(sentence: str, term: Term) -> tuple[str, str] | None:
    """(`sentence` with the term blanked, the answer as written there), or None when the term
    is absent or written twice in it (blanking one would leave the other as a giveaway, and
    two blanks cue each other)."""
    matches = [match.group().lower() for match in term.pattern.finditer(sentence)]
    written = {collapse_whitespace(variant) for variant in matches}
    if len(written) != 1 or len(matches) > 1:
        return None  # two blanks for one answer: each is a cue to the other
    return term.pattern.sub(BLANK, sentence), term.forms[written.pop()]


def _length(passage: list[Sentence]) -> int:
    return sum(len(sentence.text) for sentence in passage)


def _rubric_criteria(
    term: Term, passage: list[Sentence], terms: KeyTerms, points: int
) -> list[dict[str, Any]]:
    """2-4 gradable criteria whose points sum to the question's: what the term is, then how it
    relates to the passage's other key ideas (at most three of them)."""
    most = min(MAX_RUBRIC_CRITERIA, points)  # every criterion is worth at least a point
    related = _rubric_points(term, passage, terms, limit=most - 1)
    texts = [f"Explains what {term.display} is or does, consistent with the course material."]
    texts += [f"Relates {term.display} to {point}." for point in related]
    if len(texts) < 2:
        texts.append(f"Illustrates {term.display} with an accurate example or consequence.")
    shares = _split_points(points, len(texts))
    return [{"criterion": text, "points": share} for text, share in zip(texts, shares, strict=True)]


def _split_points(points: int, parts: int) -> list[int]:
    """Whole points, as even as they go, the larger shares first (5 over 3 → 2, 2, 1)."""
    base, extra = divmod(points, parts)
    return [base + (1 if index < extra else 0) for index in range(parts)]


def _rubric_points(
    term: Term, passage: list[Sentence], terms: KeyTerms, limit: int = 5
) -> list[str]:
    """What a good answer mentions: the passage's other key terms, best first; its longer
    content words only when it has fewer than two."""
    points: list[str] = []
    seen_words: set[str] = set(term.words)
    passage_terms = {other.key: other for sentence in passage for other in terms.of(sentence)}
    for other in sorted(passage_terms.values(), key=lambda t: (-t.score, t.key)):
        if len(points) == limit:
            return points
        if seen_words.intersection(other.words) or other.administrative:
            continue  # part of the question itself, or overlapping a point already listed
        points.append(other.display)
        seen_words.update(other.words)
    if len(points) >= 2:
        return points
    for word in _WORD.findall(" ".join(sentence.text for sentence in passage)):
        lowered = word.lower()
        if len(points) == limit:
            break
        if len(lowered) >= 6 and lowered not in _STOPWORDS and _singular(lowered) not in seen_words:
            points.append(word)
            seen_words.add(_singular(lowered))
    return points


def _title_case(term: str) -> str:
    # Only lower-case words are capitalized: "TF-IDF", "word2Vec" and "Naive Bayes" keep theirs.
    return " ".join(word[0].upper() + word[1:] if word.islower() else word for word in term.split())
