"""The golden set: the offline generator's items judged by reading them as an instructor would
(good / weak / broken, each with its reason).

- `golden/sample_syllabi_verdicts.json`: the three sample syllabi, at the default 3 x 4
  medium (3 x 3 for the thinnest, which makes only 10 honest items at 3 x 4), plus items an
  earlier generator wrote that were judged broken. Skipped without the PDFs (read from
  ../shared/data/syllabi/ or $SAMPLE_SYLLABI_DIR, never copied here).
- `golden/unseen_syllabi.json`: real syllabi of other fields the generator was never tuned
  on (short excerpts, each with its source address), and either the items judged or the
  size at which the syllabus is refused for want of subject matter.

What it guards:
- no item judged broken is ever written again (same stem, same answer);
- everything written passes the validator, whose item rules are the broken kinds made
  executable (logistics, several right answers, cues, keys given away...);
- at least 80% of the items were judged good, on the sample syllabi and on the unseen
  ones. A change to the generator
  that changes its output fails `test_every_item_written_has_been_judged`: read the new
  items, judge them in the fixture, and say the counts in the change;
- a syllabus too thin for the request is refused with the count it could write, never padded.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from assessments.content import (
    GenerationOptions,
    InsufficientSyllabusText,
    generate_offline,
    validate_content,
)
from syllabus.extraction.api import extract_pdf
from syllabus.extraction.limits import ExtractionLimits

from .samples import SAMPLE_SYLLABI_DIR
from .test_offline_kinds import answer_of

GOLDEN = Path(__file__).parent / "golden"
VERDICTS = json.loads((GOLDEN / "sample_syllabi_verdicts.json").read_text())
UNSEEN = json.loads((GOLDEN / "unseen_syllabi.json").read_text())
MIN_GOOD_SHARE = 0.8


def options_for(name: str) -> GenerationOptions:
    return GenerationOptions.from_dict(VERDICTS["optionsBySyllabus"].get(name, VERDICTS["options"]))


@pytest.fixture(scope="module")
def written() -> dict[str, tuple[str, dict[str, Any]]]:
    if not SAMPLE_SYLLABI_DIR.is_dir():
        pytest.skip(f"sample syllabi not present at {SAMPLE_SYLLABI_DIR}")
    result = {}
    for name in VERDICTS["syllabi"]:
        text = extract_pdf(SAMPLE_SYLLABI_DIR / f"{name}.pdf", ExtractionLimits()).text
        content = generate_offline(syllabus_text=text, subject=name, options=options_for(name))
        result[name] = (text, content)
    return result


def items(content: dict[str, Any]) -> list[tuple[str, str]]:
    return [(q["prompt"], answer_of(q)) for s in content["sections"] for q in s["questions"]]


def judged(name: str, verdict: str | None = None) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (item["prompt"], item["answer"]): item
        for item in VERDICTS["syllabi"][name]
        if verdict is None or item["verdict"] == verdict
    }


@pytest.mark.parametrize("name", list(VERDICTS["syllabi"]))
def test_no_item_judged_broken_is_written_again(written, name: str) -> None:
    broken = judged(name, "broken")

    again = [broken[item]["reason"] for item in items(written[name][1]) if item in broken]

    assert not again


@pytest.mark.parametrize("name", list(VERDICTS["syllabi"]))
def test_everything_written_passes_the_item_rules(written, name: str) -> None:
    text, content = written[name]

    validate_content(content, syllabus_text=text, options=options_for(name))


@pytest.mark.parametrize("name", list(VERDICTS["syllabi"]))
def test_every_item_written_has_been_judged(written, name: str) -> None:
    unjudged = [item for item in items(written[name][1]) if item not in judged(name)]

    assert not unjudged, "read these items and judge them in golden/sample_syllabi_verdicts.json"


def test_most_items_were_judged_good(written) -> None:
    verdicts = [
        judged(name)[item]["verdict"]
        for name, (_, content) in written.items()
        for item in items(content)
        if item in judged(name)
    ]

    assert verdicts.count("broken") == 0
    assert verdicts.count("good") >= MIN_GOOD_SHARE * len(verdicts)


def test_the_default_size_is_written_for_all_but_the_thinnest_sample() -> None:
    assert VERDICTS["options"] == GenerationOptions().canonical()
    assert set(VERDICTS["optionsBySyllabus"]) == {"probability-statistics-csc217"}


# --- Syllabi the generator was never tuned on -------------------------------------------------

WRITTEN_UNSEEN = [name for name, entry in UNSEEN.items() if "items" in entry]
REFUSED_UNSEEN = [name for name, entry in UNSEEN.items() if "refused" in entry]


def generate_unseen(name: str) -> tuple[str, dict[str, Any], GenerationOptions]:
    entry = UNSEEN[name]
    options = GenerationOptions.from_dict(entry["options"])
    content = generate_offline(syllabus_text=entry["text"], subject=name, options=options)
    return entry["text"], content, options


def test_unseen_syllabi_come_from_several_fields_with_their_sources() -> None:
    assert len({entry["field"] for entry in UNSEEN.values()}) >= 4
    assert all(entry["source"].startswith(("http://", "https://")) for entry in UNSEEN.values())


@pytest.mark.parametrize("name", WRITTEN_UNSEEN)
def test_unseen_syllabi_items_are_the_judged_ones_and_valid(name: str) -> None:
    text, content, options = generate_unseen(name)
    judged_items = {(item["prompt"], item["answer"]): item for item in UNSEEN[name]["items"]}

    validate_content(content, syllabus_text=text, options=options)
    assert sorted(items(content)) == sorted(judged_items)
    assert not [item for item in judged_items.values() if item["verdict"] == "broken"]


def test_unseen_syllabi_are_mostly_good() -> None:
    verdicts = [item["verdict"] for name in WRITTEN_UNSEEN for item in UNSEEN[name]["items"]]

    assert verdicts.count("broken") == 0
    assert verdicts.count("good") >= MIN_GOOD_SHARE * len(verdicts)


@pytest.mark.parametrize("name", REFUSED_UNSEEN)
def test_thin_unseen_syllabi_are_refused_with_the_count_they_could_write(name: str) -> None:
    refused = UNSEEN[name]["refused"]
    options = GenerationOptions.from_dict(refused["options"])

    with pytest.raises(InsufficientSyllabusText) as raised:
        generate_offline(syllabus_text=UNSEEN[name]["text"], subject=name, options=options)

    assert raised.value.questions_possible == refused["questionsPossible"]
    assert raised.value.questions_requested == options.total_questions
    assert f"only {refused['questionsPossible']} distinct question(s)" in str(raised.value)
