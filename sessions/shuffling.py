"""The order a session shows its questions and options in: fixed at start by a stored seed.

The permutation is drawn section by section from one generator seeded with the session's
`shuffle_seed`, so it is the same on every read, reproducible from the seed, and revealing a
later section never reorders an earlier one. Only the order changes: question and option ids
stay, and grading is by id.
"""

import random
from typing import Any


def arranged_sections(
    sections: list[dict[str, Any]], *, seed: int | None, questions: bool, options: bool
) -> list[dict[str, Any]]:
    """`sections` (candidate view, read-only) in the session's order; a new list, the input
    is shared by every session and never changed."""
    if seed is None:
        return list(sections)
    rng = random.Random(seed)  # noqa: S311 (an order, not a secret: the seed is stored)
    arranged = []
    for section in sections:
        section_questions = list(section["questions"])
        if questions:
            rng.shuffle(section_questions)
        if options:
            section_questions = [_with_options_shuffled(q, rng) for q in section_questions]
        arranged.append({**section, "questions": section_questions})
    return arranged


def _with_options_shuffled(question: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    if "options" not in question:
        return question
    shuffled = list(question["options"])
    rng.shuffle(shuffled)
    return {**question, "options": shuffled}
