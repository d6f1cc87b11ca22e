"""Text comparison helpers shared by the validator and the offline generator.

Both sides must agree exactly on what "the excerpt is in the syllabus" and "these two prompts are
near-duplicates" mean: the generator uses these functions to avoid writing anything the validator
would then refuse.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

NEAR_DUPLICATE_RATIO = 0.9

# Typographic punctuation an AI (or a PDF font) may use where the other side has ASCII.
_TYPOGRAPHIC_FOLD = str.maketrans(
    {
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2043\ufe58\ufe63\uff0d", "-"),
        **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u2035", "'"),
        **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u2036\u00ab\u00bb", '"'),
        "\u00ad": None,  # soft hyphen: invisible, only marks where a word may break
    }
)
_WHITESPACE_RUN = re.compile(r"\s+")
_HYPHENS_AND_SPACES = re.compile(r"[-\s]+")


def collapse_whitespace(text: str) -> str:
    """Every run of whitespace (line breaks included) becomes one space; ends stripped."""
    return _WHITESPACE_RUN.sub(" ", text).strip()


def normalize_for_matching(text: str) -> str:
    """Canonical form for "is this excerpt in the syllabus": NFKC, typographic quotes and dashes
    folded to ASCII, lower case, whitespace runs collapsed."""
    text = unicodedata.normalize("NFKC", text).translate(_TYPOGRAPHIC_FOLD)
    return collapse_whitespace(text.lower())


def squash(normalized: str) -> str:
    """`normalized` without hyphens or spaces, so "infor- mation", "infor-mation" and
    "information" (a word hyphenated across a PDF line break, kept or re-joined) all compare
    equal."""
    return _HYPHENS_AND_SPACES.sub("", normalized)


@dataclass(frozen=True)
class SearchableText:
    """A document prepared once for many excerpt look-ups."""

    normalized: str
    squashed: str

    @classmethod
    def of(cls, text: str) -> SearchableText:
        normalized = normalize_for_matching(text)
        return cls(normalized=normalized, squashed=squash(normalized))

    def contains(self, excerpt: str) -> bool:
        needle = normalize_for_matching(excerpt)
        if not needle:
            return False
        return needle in self.normalized or squash(needle) in self.squashed


def normalize_prompt(text: str) -> str:
    """Canonical form for near-duplicate detection: lower case, punctuation and symbols (the
    blank's underscores included) removed, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = "".join(" " if unicodedata.category(char)[0] in "PS" else char for char in text)
    return collapse_whitespace(text)


def are_near_duplicates(first: str, second: str) -> bool:
    """Whether two prompts, already passed through `normalize_prompt`, say the same thing:
    identical, or a `difflib.SequenceMatcher` ratio of at least 0.9."""
    return first == second or similar_at_least(first, second, NEAR_DUPLICATE_RATIO)


def similar_at_least(first: str, second: str, threshold: float) -> bool:
    """Whether the SequenceMatcher ratio of the two strings reaches `threshold`, in either
    argument order.

    The bounds of `real_quick_ratio` and `quick_ratio` are cheap, order-independent upper bounds
    of `ratio`, so most unrelated pairs are dismissed without the quadratic comparison. `ratio`
    itself depends on argument order (ties between equally long matches are broken by position);
    taking both orders makes the relation symmetric, so the generator, which compares a new
    prompt with earlier ones, and the validator, which compares in document order, agree.
    """
    total = len(first) + len(second)
    if not total or 2 * min(len(first), len(second)) / total < threshold:
        return False  # what `real_quick_ratio` computes, without building a matcher
    if 2 * _common_characters(first, second) / total < threshold:
        return False  # `quick_ratio`, on cached character counts
    return max(similarity(first, second), similarity(second, first)) >= threshold


@lru_cache(maxsize=4096)
def _character_counts(text: str) -> Counter[str]:
    return Counter(text)


def _common_characters(first: str, second: str) -> int:
    return sum((_character_counts(first) & _character_counts(second)).values())


def similarity(first: str, second: str) -> float:
    # autojunk would treat every common letter of a long string as junk and so underrate it.
    return SequenceMatcher(None, first, second, autojunk=False).ratio()
