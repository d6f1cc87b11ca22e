"""Canonical form of extracted text: the content hash of a syllabus is computed on it, so the
same document must always normalize to the same string, whichever engine read it."""

from __future__ import annotations

import re
import unicodedata

# Every line-break convention becomes "\n" (PDFium emits "\r\n").
_LINE_BREAK = re.compile(r"\r\n?|[\v\f\x85\u2028\u2029]")

# PDFium removes a hyphen that ends a line and joins the two lines itself, leaving U+0002
# (FPDFText_GetBoundedText) or U+FFFE (FPDFText_GetText) where the hyphen was. Putting the hyphen
# and the line break back lets the one rule below decide, so "Pre-\nRequisites" stays hyphenated
# while "infor-\nmation" is joined, whatever engine produced the text.
_PDFIUM_HYPHEN_MARKER = re.compile("[\x02\ufffe]")

# C0/C1 controls except tab and newline, lone surrogates (undecodable UTF-16 from broken fonts),
# the non-character U+FFFF, and invisible zero-width characters that split words.
_INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\uffff\u200b\u2060\ufeff]")

# Any run of whitespace other than newline: tabs, NBSP, thin and ideographic spaces.
_HORIZONTAL_SPACE = re.compile(r"[^\S\n]+")

# A hyphen (ASCII, U+2010 or soft) that ends a line between two letters.
_LINE_END_HYPHEN = re.compile(r"(?<=[^\W\d_])([-\u2010\u00ad])\n(?=([^\W\d_]))")

_EXCESS_BLANK_LINES = re.compile(r"\n{3,}")


def _join_hyphenated(match: re.Match[str]) -> str:
    hyphen, next_letter = match.group(1), match.group(2)
    # A soft hyphen is by definition a hyphenation point. A visible hyphen followed by a
    # lower-case letter almost always is one too ("infor-\nmation"); before a capital it is part
    # of the word ("Pre-\nRequisites") and stays. Compounds such as "well-\nknown" are joined:
    # telling them apart needs a dictionary, and a stable, predictable rule matters more here.
    if hyphen == "\u00ad" or next_letter.islower():
        return ""
    return match.group(0)


def normalize_text(raw: str) -> str:
    """Return `raw` in canonical form.

    Line breaks are unified to "\\n"; control and invisible characters dropped; words hyphenated
    across a line break re-joined; runs of spaces and tabs collapsed to one space; every line
    stripped at both ends; three or more newlines collapsed to a paragraph break; the whole
    stripped and put in Unicode NFC. Idempotent and deterministic.
    """
    text = _LINE_BREAK.sub("\n", raw)
    text = _PDFIUM_HYPHEN_MARKER.sub("-\n", text)
    text = _INVISIBLE.sub("", text)
    text = _HORIZONTAL_SPACE.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    text = _LINE_END_HYPHEN.sub(_join_hyphenated, text)
    text = text.replace("\u00ad", "")  # soft hyphens left mid-line are invisible
    text = _EXCESS_BLANK_LINES.sub("\n\n", text)
    # NFC last, so the result is composed whatever the steps above removed or joined (a join
    # can bring a combining mark next to a new base letter).
    return unicodedata.normalize("NFC", text.strip())


def count_visible_characters(text: str) -> int:
    return len("".join(text.split()))  # str.split() knows every Unicode space, at C speed
