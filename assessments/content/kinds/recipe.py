"""What each difficulty asks, slot by slot: the question kinds a slot tries, in order.

- easy: recognise a listed topic (COVERED), name and describe topics of a list;
- medium: a mix of blank completion, COVERED, OUTSIDER and definitions, and short answers on a
  topic with its siblings or relating two topics;
- hard: relate topics (OUTSIDER across lists, definitions; short answers relating two topics).

`SENTENCE` is the sentence-based question (a blank for an MCQ, an explanation for a short
answer). Every slot ends with all the other kinds, so a syllabus thin in one kind of material
still gets its questionnaire, just less varied.
"""

from __future__ import annotations

from dataclasses import dataclass

from .items import COVERED, DEFINITION, MCQ_KINDS, OUTSIDER, RELATE_SHORT, SHORT_KINDS, TOPIC_SHORT

SENTENCE = "SENTENCE"

_MCQ_ROTATION = {
    "easy": ((COVERED,),),
    "medium": ((SENTENCE,), (COVERED, DEFINITION), (OUTSIDER, DEFINITION)),
    "hard": ((OUTSIDER, DEFINITION), (DEFINITION, OUTSIDER)),
}
_SHORT_ROTATION = {
    "easy": ((TOPIC_SHORT,),),
    "medium": ((TOPIC_SHORT,), (RELATE_SHORT, TOPIC_SHORT)),
    "hard": ((RELATE_SHORT,),),
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
