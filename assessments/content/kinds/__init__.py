"""Question kinds that test how a course's topics fit together (see `items` and `shorts`), for
the offline generator: what is covered where, which topic is the odd one out, which term a
definition defines; short answers naming a list's concepts, describing a defined term, or
telling two sibling lists apart, each with a reference answer written from the syllabus."""

from .common import KindItem
from .items import BELONGS, COVERED, DEFINITION, MCQ_KINDS, OUTSIDER, KindWriter
from .recipe import SENTENCE, Recipe
from .shorts import DESCRIBE_SHORT, RELATE_SHORT, SHORT_KINDS, TOPIC_SHORT

__all__ = [
    "BELONGS",
    "COVERED",
    "DEFINITION",
    "DESCRIBE_SHORT",
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
