"""What each difficulty asks, slot by slot: the question kinds a slot tries, in order.

- easy: recognise a listed topic (COVERED), name the concepts of a list;
- medium: a mix of blank completion, COVERED, BELONGS, OUTSIDER and definitions, and short
  answers describing a defined term or naming the concepts of a list;
- hard: relate topics (OUTSIDER across lists, BELONGS, definitions; short answers telling two
  sibling lists apart or describing a defined term).

`SENTENCE` is the sentence-based question (a blank for an MCQ, an explanation for a short
answer). Every slot ends with all the other kinds, so a syllabus thin in one kind of material
still gets its questionnaire, just less varied.
"""

from __future__ import annotations

from dataclasses import dataclass

from .items import BELONGS, COVERED, DEFINITION, MCQ_KINDS, OUTSIDER
from .shorts import DESCRIBE_SHORT, RELATE_SHORT, SHORT_KINDS, TOPIC_SHORT

SENTENCE = "SENTENCE"

_MCQ_ROTATION = {
    "easy": ((COVERED,),),
    "medium": ((SENTENCE,), (DEFINITION, BELONGS, COVERED), (OUTSIDER, DEFINITION)),
    "hard": ((OUTSIDER, BELONGS, DEFINITION), (DEFINITION, OUTSIDER, BELONGS)),
}
_SHORT_ROTATION = {
    "easy": ((TOPIC_SHORT,),),
    "medium": ((DESCRIBE_SHORT, TOPIC_SHORT),),
    # A contrast claims two lists no MCQ may then show: one in three short answers, the
    # others describe a definition or name one list.
    "hard": (
        (RELATE_SHORT, DESCRIBE_SHORT),
        (DESCRIBE_SHORT, TOPIC_SHORT),
        (DESCRIBE_SHORT, TOPIC_SHORT),
    ),
}


@dataclass(frozen=True)
class Recipe:
    difficulty: str

    def steps(self, question_type: str, written: int) -> list[str]:
        """The kinds to try for the `written`-th question of its type, best first."""
        if question_type == "MCQ":
            rotation, family = _MCQ_ROTATION[self.difficulty], MCQ_KINDS
        else:
            rotation, family = _SHORT_ROTATION[self.difficulty], SHORT_KINDS
        preferred = list(rotation[written % len(rotation)])
        # The sentence-based question is the last resort: a blank or an "explain what the
        # syllabus says" tests wording more than the subject.
        rest = [kind for kind in (*family, SENTENCE) if kind not in preferred]
        return preferred + rest
