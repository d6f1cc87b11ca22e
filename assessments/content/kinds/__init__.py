"""Question kinds that test how a course's topics fit together (see `items`), for the offline
generator: what is covered where, which topic is the odd one out, which term a definition
defines, and short answers about a topic with its siblings or about two related topics."""

from .items import (
    COVERED,
    DEFINITION,
    MCQ_KINDS,
    OUTSIDER,
    RELATE_SHORT,
    SHORT_KINDS,
    TOPIC_SHORT,
    KindItem,
    KindWriter,
)
from .recipe import SENTENCE, Recipe

__all__ = [
    "COVERED",
    "DEFINITION",
    "MCQ_KINDS",
    "OUTSIDER",
    "RELATE_SHORT",
    "SENTENCE",
    "SHORT_KINDS",
    "TOPIC_SHORT",
    "KindItem",
    "KindWriter",
    "Recipe",
]
