"""The golden set: the offline generator's items for the three sample syllabi, judged by
reading them as an instructor would (`golden/sample_syllabi_verdicts.json`: good / weak /
broken, each with its reason), plus items an earlier generator wrote that were judged broken.

What it guards:
- no item judged broken is ever written again (same stem, same answer);
- everything written passes the validator, whose item rules are the broken kinds made
  executable (logistics, several right answers, cues, keys given away...);
- when the output is exactly what was judged, at least 70% of it was judged good. A change
  to the generator that changes its output fails `test_every_item_written_has_been_judged`:
  read the new items, judge them in the fixture, and say the counts in the change.

Skipped without the PDFs (they are read from ../shared/data/syllabi/, never copied here).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from assessments.content import GenerationOptions, generate_offline, validate_content
from syllabus.extraction.api import extract_pdf
from syllabus.extraction.limits import ExtractionLimits

from .samples import SAMPLE_SYLLABI_DIR
from .test_offline_kinds import answer_of

VERDICTS = json.loads(
    (Path(__file__).parent / "golden" / "sample_syllabi_verdicts.json").read_text()
)
OPTIONS = GenerationOptions.from_dict(VERDICTS["options"])
MIN_GOOD_SHARE = 0.7


@pytest.fixture(scope="module")
def written() -> dict[str, tuple[str, dict[str, Any]]]:
    if not SAMPLE_SYLLABI_DIR.is_dir():
        pytest.skip(f"sample syllabi not present at {SAMPLE_SYLLABI_DIR}")
    result = {}
    for name in VERDICTS["syllabi"]:
        text = extract_pdf(SAMPLE_SYLLABI_DIR / f"{name}.pdf", ExtractionLimits()).text
        result[name] = (text, generate_offline(syllabus_text=text, subject=name, options=OPTIONS))
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

    validate_content(content, syllabus_text=text, options=OPTIONS)


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
