"""What an answer is expected to say, as lemmas, and how much of it an answer says.

Expected content comes from the reference answer and from the rubric's criteria, without the
rubric's own template words ("Explains what … is or does, consistent with the course material",
"Relates … to …", "correct", "incomplete") and without the question's own words: restating the
question earns nothing. Words are compared as lemmas (simplemma), so "sorts", "sorted" and
"sorting" are one word, and rarer words weigh more than everyday ones (wordfreq), so the
technical terms matter more than the glue around them.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass

from assessments.content.subject.vocabulary import WORD, lemma, zipf

from .plan import Criterion, ShortAnswer
from .signals import plain

# Words that carry no subject matter in an answer, a reference or a rubric.
_STOPWORDS = frozenset(
    """
    about above after again against all also an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further
    had has have having he her here hers him his how if in into is it its itself just me more
    most my no nor not now of off on once only or other our out over own same she should so
    some such than that the their them then there these they this those through to too under
    until up very was we were what when where which while who whom why will with would you your
    one two three way thing something make made get
    """.split()
)
# The vocabulary rubrics and prompts are written in, which is never what an answer is about.
_BOILERPLATE = frozenset(
    lemma(word)
    for word in """
    explain explains explained explanation describe describes description relate relates
    related relation illustrate illustrates illustration mention mentions mentioning identify
    identifies define defines definition discuss discusses give gives given show shows compare
    compares contrast outline outlines note notes correct correctly incorrect incorrectly
    complete completely incomplete accurate accurately accuracy clear clearly unclear vague
    precise partial partially full fully least consistent course material materials syllabus
    lecture answer answers reference rubric criterion criteria point points mark marks award
    awarded credit grade unrelated relevant irrelevant example examples consequence
    consequences concept concepts term terms idea ideas student students candidate response
    good well sentence sentences enough whether
    """.split()
)
_RELATES = re.compile(r"^\s*relates?\s+(?P<subject>.+?)\s+to\s+(?P<object>.+?)\s*\.?\s*$", re.I)
_RUBRIC_LINE = re.compile(r"^\s*[-*•]?\s*\((?P<points>\d+(?:\.\d+)?)\s*pts?\)\s*(?P<text>.+)$")
_MIN_PREFIX = 5  # "computes" and "computation" share "comput": one word for this grader


@dataclass(frozen=True)
class ExpectedPart:
    """One criterion as the offline grader checks it: the lemmas it expects and its points.
    `lemmas` is empty for a criterion about explaining the idea as a whole; such a criterion is
    checked against the reference answer's content."""

    criterion: str
    points: float
    lemmas: tuple[str, ...]


def content_lemmas(text: str, *, excluded: Iterable[str] = ()) -> tuple[str, ...]:
    """Content lemmas in first-seen order, without duplicates, stopwords or `excluded`."""
    skip = set(excluded)
    seen: dict[str, None] = {}
    for word in WORD.findall(plain(text)):
        word_lemma = lemma(word)
        if len(word_lemma) < 2 or word_lemma in _STOPWORDS or word in _STOPWORDS:
            continue
        if word_lemma in _BOILERPLATE or word_lemma in skip:
            continue
        seen.setdefault(word_lemma)
    return tuple(seen)


def question_lemmas(prompt: str) -> frozenset[str]:
    return frozenset(lemma(word) for word in WORD.findall(plain(prompt)))


def expected_parts(question: ShortAnswer) -> list[ExpectedPart]:
    """The question's criteria (from `rubricCriteria`, or from the rubric's "- (2 pts) …" lines)
    with what each expects; a free-text rubric is one criterion for all the points."""
    asked = question_lemmas(question.prompt)
    criteria = question.criteria or _criteria_from_rubric(question.rubric)
    if not criteria:
        return [ExpectedPart(question.rubric, question.points, ())]
    return [ExpectedPart(c.text, c.points, _criterion_lemmas(c.text, asked)) for c in criteria]


def reference_lemmas(question: ShortAnswer) -> tuple[str, ...]:
    """The reference answer's content, plus a free-text rubric's own content words (a rubric
    like "Mentions buckets and collisions" adds what the reference may only imply)."""
    asked = question_lemmas(question.prompt)
    text = question.reference_answer
    if not (question.criteria or _criteria_from_rubric(question.rubric)):
        text = f"{text} {question.rubric}"
    return content_lemmas(text, excluded=asked)


def coverage(expected: tuple[str, ...], said: frozenset[str]) -> float:
    """The weighted share of `expected` that `said` contains (0 when nothing is expected)."""
    total = sum(_weight(word) for word in expected)
    if not total:
        return 0.0
    return sum(_weight(word) for word in expected if _said(word, said)) / total


def said_lemmas(answer: str) -> frozenset[str]:
    return frozenset(content_lemmas(answer))


def _criterion_lemmas(text: str, asked: frozenset[str]) -> tuple[str, ...]:
    # "Relates X to Y": X is the question's subject, Y is what the answer must bring in.
    relates = _RELATES.match(text)
    return content_lemmas(relates["object"] if relates else text, excluded=asked)


def _criteria_from_rubric(rubric: str) -> tuple[Criterion, ...]:
    lines = [_RUBRIC_LINE.match(line) for line in rubric.splitlines() if line.strip()]
    if not lines or not all(lines):
        return ()
    return tuple(Criterion(match["text"].strip(), float(match["points"])) for match in lines)


def _said(word: str, said: frozenset[str]) -> bool:
    if word in said:
        return True
    bare = word[3:].lstrip("-") if word.startswith("non") else word
    if bare != word and bare in said:
        return True
    return any(_same_stem(word, other) for other in said)


def _same_stem(a: str, b: str) -> bool:
    shorter = min(len(a), len(b))
    if shorter < _MIN_PREFIX:
        return False
    common = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        common += 1
    return common >= max(_MIN_PREFIX, round(0.7 * shorter))


def _weight(word: str) -> float:
    """1 for everyday words, up to 3 for rare ones (Zipf frequency below 2.5)."""
    return 1.0 + min(2.0, max(0.0, 5.5 - zipf(word)) / 1.5)
