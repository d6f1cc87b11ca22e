"""Item-writing rules: what makes a well-formed question a bad one, for every provider.

`validate_content` checks the shape first; these rules then read the cleaned questionnaire as
an item writer would. A broken rule is a `ContentInvalid` whose message names the rule
(`[KEY_IN_STEM]`, `[ARTICLE_CUE]`, ...) and the item, so a failed attempt says what to fix and
the quality report can count which rules fire.

Rules that need to know the syllabus's own lists (a distractor that is also true) take them as
`sibling_groups`: sets of normalized topic names that belong together (one bullet list or one
schedule).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from .text import normalize_for_matching

MIN_MCQ_OPTIONS = 3
# A key this many times longer than the longest distractor (and by this many characters) is a
# cue: the careful, qualified answer stands out.
KEY_LENGTH_RATIO, KEY_LENGTH_MARGIN = 2.0, 15
# Keys shorter than this are too generic to count as "given away" when they appear elsewhere.
MIN_GIVEAWAY_KEY_LENGTH = 4
_ABOVE = re.compile(r"\b(?:all|none|both|neither) of (?:the )?(?:above|these|those)\b", re.I)
_BLANK = re.compile(r"_{3,}")
_ARTICLE_BEFORE_BLANK = re.compile(r"\b(an?)\s*_{3,}", re.I)
_ARTICLE_AT_END = re.compile(r"\b(an?)\s*[:?]?\s*$", re.I)
_VOWEL_SOUND = re.compile(
    r"^(?:[aeio]|u(?!ni|se|su|ti|ra|re)|hour|honest|honou?r|[fhlmnrsx]\b)", re.I
)
_WORD = re.compile(r"[a-z0-9]+(?:['-][a-z0-9]+)*")
_LEADING_ARTICLE = re.compile(r"^(?:a|an|the) ")


@dataclass(frozen=True)
class Item:
    """One question with where it sits, as the rules see it."""

    path: str
    section_title: str
    question: dict[str, Any]

    @property
    def is_mcq(self) -> bool:
        return self.question["type"] == "MCQ"

    @property
    def key_text(self) -> str:
        options = {option["id"]: option["text"] for option in self.question["options"]}
        return options[self.question["correctOptionId"]]

    @property
    def distractor_texts(self) -> list[str]:
        key = self.question["correctOptionId"]
        return [o["text"] for o in self.question["options"] if o["id"] != key]


class RuleBroken(Exception):
    def __init__(self, rule: str, path: str, problem: str) -> None:
        super().__init__(f"{path}: [{rule}] {problem}")
        self.rule, self.path = rule, path


def check_item_rules(
    sections: Sequence[dict[str, Any]],
    *,
    sibling_groups: Iterable[frozenset[str]] = (),
    is_logistics: Callable[[str], bool] | None = None,
) -> None:
    """Raise `RuleBroken` for the first rule the questionnaire breaks."""
    items = list(_items(sections))
    groups = list(sibling_groups)
    for item in items:
        if is_logistics is not None:
            _check_not_logistics(item, is_logistics)
        _check_item(item, groups)
    _check_keys_unique(items)
    _check_keys_not_given_away(items, sections)


def item_problem(
    question: dict[str, Any], *, sibling_groups: Iterable[frozenset[str]] = ()
) -> RuleBroken | None:
    """The first rule one question breaks on its own, for a generator to skip a candidate
    before the whole questionnaire is checked."""
    try:
        _check_item(Item("", "", question), list(sibling_groups))
    except RuleBroken as broken:
        return broken
    return None


def _check_item(item: Item, groups: Sequence[frozenset[str]]) -> None:
    if item.is_mcq:
        _check_option_count(item)
        _check_no_above_options(item)
        _check_key_not_in_own_stem(item)
        _check_article_cue(item)
        _check_key_length(item)
        _check_distractors_not_siblings(item, groups)
    else:
        _check_rubric_points(item)


def _items(sections: Sequence[dict[str, Any]]) -> Iterator[Item]:
    for s_index, section in enumerate(sections):
        for q_index, question in enumerate(section["questions"]):
            yield Item(f"sections[{s_index}].questions[{q_index}]", section["title"], question)


# --- per item --------------------------------------------------------------------------------


def _check_not_logistics(item: Item, is_logistics: Callable[[str], bool]) -> None:
    texts = [item.question["prompt"]]
    if item.is_mcq:
        texts.append(item.key_text)
    for text in texts:
        if is_logistics(text):
            raise RuleBroken(
                "LOGISTICS", item.path, f"about course logistics, not subject matter: {text!r}"
            )


def _check_option_count(item: Item) -> None:
    count = len(item.question["options"])
    if count < MIN_MCQ_OPTIONS:
        raise RuleBroken(
            "TOO_FEW_OPTIONS", item.path, f"{count} options; at least {MIN_MCQ_OPTIONS} needed"
        )


def _check_no_above_options(item: Item) -> None:
    for option in item.question["options"]:
        if _ABOVE.search(option["text"]):
            raise RuleBroken(
                "ALL_OR_NONE_OF_THE_ABOVE",
                item.path,
                f"option {option['id']} is {option['text']!r}: it tests test-taking, not the topic",
            )


def _check_key_not_in_own_stem(item: Item) -> None:
    if _mentions(item.question["prompt"], item.key_text):
        raise RuleBroken("KEY_IN_STEM", item.path, f"the stem contains the key {item.key_text!r}")


def _check_article_cue(item: Item) -> None:
    """ "… is an _____" with only the key starting with a vowel sound points at the key."""
    prompt = item.question["prompt"]
    match = _ARTICLE_BEFORE_BLANK.search(prompt) or (
        None if _BLANK.search(prompt) else _ARTICLE_AT_END.search(prompt)
    )
    if match is None:
        return
    wants_vowel = match.group(1).lower() == "an"
    fits = [bool(_VOWEL_SOUND.match(text.strip())) == wants_vowel for text in _option_texts(item)]
    key_fits = bool(_VOWEL_SOUND.match(item.key_text.strip())) == wants_vowel
    if key_fits and not all(fits):
        raise RuleBroken(
            "ARTICLE_CUE",
            item.path,
            f"the article {match.group(1)!r} before the answer fits the key but not every "
            "distractor",
        )


def _check_key_length(item: Item) -> None:
    key = len(item.key_text)
    longest = max(len(text) for text in item.distractor_texts)
    if key >= KEY_LENGTH_RATIO * longest and key - longest >= KEY_LENGTH_MARGIN:
        raise RuleBroken(
            "KEY_MUCH_LONGER",
            item.path,
            f"the key has {key} characters, the longest distractor {longest}",
        )


def _check_distractors_not_siblings(item: Item, groups: Sequence[frozenset[str]]) -> None:
    """A distractor listed with the key (same bullet list, same schedule) is also covered by
    the course: "which of these is covered" would have two right answers."""
    key = _normalized(item.key_text)
    for group in groups:
        if key not in group:
            continue
        for text in item.distractor_texts:
            if _normalized(text) in group:
                raise RuleBroken(
                    "DISTRACTOR_ALSO_TRUE",
                    item.path,
                    f"distractor {text!r} is listed with the key in the syllabus",
                )


def _check_rubric_points(item: Item) -> None:
    criteria = item.question.get("rubricCriteria")
    if not criteria:
        return
    total = sum(criterion["points"] for criterion in criteria)
    if abs(total - item.question["points"]) > 1e-6:
        raise RuleBroken(
            "RUBRIC_POINTS",
            item.path,
            f"rubric criteria sum to {total:g} points, the question is worth "
            f"{item.question['points']:g}",
        )


# --- across items ----------------------------------------------------------------------------


def _check_keys_unique(items: Sequence[Item]) -> None:
    seen: dict[str, str] = {}
    for item in items:
        if not item.is_mcq:
            continue
        key = _normalized(item.key_text)
        if key in seen:
            raise RuleBroken(
                "DUPLICATE_KEY", item.path, f"same key as {seen[key]} ({item.key_text!r})"
            )
        seen[key] = item.path


def _check_keys_not_given_away(items: Sequence[Item], sections: Sequence[dict[str, Any]]) -> None:
    """A key named in a section title or in another item's stem answers its own question."""
    for item in items:
        if not item.is_mcq or len(item.key_text.strip()) < MIN_GIVEAWAY_KEY_LENGTH:
            continue
        for index, section in enumerate(sections):
            if _mentions(section["title"], item.key_text):
                raise RuleBroken(
                    "KEY_GIVEN_AWAY",
                    item.path,
                    f"the key {item.key_text!r} is named in the title of sections[{index}]",
                )
        for other in items:
            if other is not item and _mentions(other.question["prompt"], item.key_text):
                raise RuleBroken(
                    "KEY_GIVEN_AWAY",
                    item.path,
                    f"the key {item.key_text!r} is named in the stem of {other.path}",
                )


# --- helpers ---------------------------------------------------------------------------------


def _option_texts(item: Item) -> list[str]:
    return [option["text"] for option in item.question["options"]]


def option_key(text: str) -> str:
    """How rules compare option texts and topic names: words only, case folded."""
    return _normalized(text)


def _normalized(text: str) -> str:
    return " ".join(_WORD.findall(normalize_for_matching(text)))


def _mentions(text: str, phrase: str) -> bool:
    """`phrase` appears in `text` as whole words (case, punctuation, spacing and a leading
    article ignored: "A return address" is named by "the return address")."""
    needle = _LEADING_ARTICLE.sub("", _normalized(phrase))
    return bool(needle) and f" {needle} " in f" {_normalized(text)} "


def mentions(text: str, phrase: str) -> bool:
    """Whether `text` names `phrase` the way the giveaway rules see it (see `_mentions`), for a
    generator to avoid writing what the validator would refuse."""
    return _mentions(text, phrase)
