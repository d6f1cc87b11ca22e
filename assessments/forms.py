"""Admin forms: editing one question, and the options of a generation.

The question form only collects values: the rules are the generation validator's, applied by
`items.assessment_item_update`, and its complaint is put back next to the field it names.
"""

from __future__ import annotations

import re
import string
from typing import Any

from django import forms

from .content.options import (
    DIFFICULTIES,
    QUESTIONS_PER_SECTION_RANGE,
    SECTION_COUNT_RANGE,
    GenerationOptions,
)
from .content.validation import MAX_OPTIONS, MAX_RUBRIC_CRITERIA
from .items import ItemInvalid

# An item-writing rule is about the item as a whole; these are the fields that fix it.
FIELD_OF_RULE = {
    "LOGISTICS": "prompt",
    "KEY_IN_STEM": "prompt",
    "ARTICLE_CUE": "prompt",
    "KEY_GIVEN_AWAY": "correct_option_id",
    "DUPLICATE_KEY": "correct_option_id",
    "KEY_MUCH_LONGER": "correct_option_id",
    "DISTRACTOR_ALSO_TRUE": "correct_option_id",
    "ALL_OR_NONE_OF_THE_ABOVE": "correct_option_id",
    "TOO_FEW_OPTIONS": "correct_option_id",
    "RUBRIC_POINTS": "points",
}
_INDEXED = re.compile(r"^(options|rubricCriteria)\[(\d+)\](?:\.(\w+))?$")


class QuestionEditForm(forms.Form):
    """One question's editable fields; `changes()` is what `assessment_item_update` takes."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput)
    prompt = forms.CharField(label="Stem", widget=forms.Textarea(attrs={"rows": 3, "cols": 80}))
    points = forms.FloatField(min_value=0)

    def __init__(self, *args, question: dict[str, Any], content_version: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.question = question
        self.fields["expected_version"].initial = content_version
        self.fields["prompt"].initial = question["prompt"]
        self.fields["points"].initial = question["points"]
        if question["type"] == "MCQ":
            self._add_mcq_fields(question)
        else:
            self._add_short_answer_fields(question)

    @property
    def is_mcq(self) -> bool:
        return self.question["type"] == "MCQ"

    def option_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith("option_")]

    def criterion_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [
            (self[f"criterion_{index}"], self[f"criterion_{index}_points"])
            for index in range(MAX_RUBRIC_CRITERIA)
            if f"criterion_{index}" in self.fields
        ]

    def changes(self) -> dict[str, Any]:
        data = self.cleaned_data
        changes: dict[str, Any] = {"prompt": data["prompt"], "points": _number(data["points"])}
        if self.is_mcq:
            changes["options"] = [
                {"id": option_id, "text": text} for option_id, text in self._submitted_options()
            ]
            changes["correctOptionId"] = data["correct_option_id"].strip()
            return changes
        changes["referenceAnswer"] = data["reference_answer"]
        if "rubric" in self.fields:
            changes["rubric"] = data["rubric"]
        else:
            changes["rubricCriteria"] = [
                {
                    "criterion": data[f"criterion_{i}"],
                    "points": _number(data[f"criterion_{i}_points"]),
                }
                for i in range(MAX_RUBRIC_CRITERIA)
                if data.get(f"criterion_{i}")
            ]
        return changes

    def add_validator_error(self, error: ItemInvalid) -> None:
        """The validator's complaint, next to the field it is about when there is one."""
        self.add_error(self._field_for(error), error.problem)

    def _field_for(self, error: ItemInvalid) -> str | None:
        if error.field is None:  # elsewhere in the questionnaire: say where
            return None
        if error.field == "":
            return FIELD_OF_RULE.get(error.rule) if error.rule else None
        direct = {
            "prompt": "prompt",
            "points": "points",
            "correctOptionId": "correct_option_id",
            "options": "correct_option_id",
            "referenceAnswer": "reference_answer",
            "rubric": "rubric",
            "rubricCriteria": "criterion_0",
        }
        if error.field in direct:
            name = direct[error.field]
            return name if name in self.fields else None
        match = _INDEXED.match(error.field)
        if match is None:
            return None
        kind, index, key = match.group(1), int(match.group(2)), match.group(3)
        if kind == "options":
            submitted = [option_id for option_id, _ in self._submitted_options()]
            return f"option_{submitted[index]}" if index < len(submitted) else None
        return f"criterion_{index}_points" if key == "points" else f"criterion_{index}"

    def _submitted_options(self) -> list[tuple[str, str]]:
        """(id, text) of every option field left filled in, in order: a blank one is removed."""
        return [
            (name.removeprefix("option_"), self.cleaned_data[name].strip())
            for name in self.fields
            if name.startswith("option_") and self.cleaned_data.get(name, "").strip()
        ]

    def _add_mcq_fields(self, question: dict[str, Any]) -> None:
        ids = [option["id"] for option in question["options"]]
        # Room for more options, up to the contract's maximum, with the next free letters.
        spare = [letter for letter in string.ascii_uppercase if letter not in ids]
        texts = {option["id"]: option["text"] for option in question["options"]}
        for option_id in ids + spare[: max(0, MAX_OPTIONS - len(ids))]:
            self.fields[f"option_{option_id}"] = forms.CharField(
                label=f"Option {option_id}",
                required=False,
                initial=texts.get(option_id, ""),
                widget=forms.TextInput(attrs={"size": 80}),
                help_text="" if option_id in texts else "Optional: fill in to add an option.",
            )
        self.fields["correct_option_id"] = forms.CharField(
            label="Key (correct option id)",
            max_length=64,
            initial=question["correctOptionId"],
            widget=forms.TextInput(attrs={"size": 4}),
        )

    def _add_short_answer_fields(self, question: dict[str, Any]) -> None:
        self.fields["reference_answer"] = forms.CharField(
            label="Reference answer",
            initial=question["referenceAnswer"],
            widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        )
        criteria = question.get("rubricCriteria")
        if criteria is None:
            self.fields["rubric"] = forms.CharField(
                initial=question["rubric"], widget=forms.Textarea(attrs={"rows": 3, "cols": 80})
            )
            return
        for index in range(MAX_RUBRIC_CRITERIA):
            given = criteria[index] if index < len(criteria) else None
            self.fields[f"criterion_{index}"] = forms.CharField(
                label=f"Rubric criterion {index + 1}",
                required=False,
                initial=given["criterion"] if given else "",
                widget=forms.TextInput(attrs={"size": 80}),
            )
            self.fields[f"criterion_{index}_points"] = forms.FloatField(
                label="points", required=False, initial=given["points"] if given else None
            )


class GenerationOptionsForm(forms.Form):
    """The admin's "Generate assessment" options: the bounds and defaults of `GenerationOptions`."""

    section_count = forms.IntegerField(
        min_value=SECTION_COUNT_RANGE[0],
        max_value=SECTION_COUNT_RANGE[1],
        initial=GenerationOptions().section_count,
    )
    questions_per_section = forms.IntegerField(
        min_value=QUESTIONS_PER_SECTION_RANGE[0],
        max_value=QUESTIONS_PER_SECTION_RANGE[1],
        initial=GenerationOptions().questions_per_section,
    )
    difficulty = forms.ChoiceField(
        choices=[(level, level) for level in DIFFICULTIES], initial=GenerationOptions().difficulty
    )

    def options(self) -> GenerationOptions:
        return GenerationOptions(**self.cleaned_data)


def _number(value: float | None) -> int | float | None:
    """1.0 → 1: points are stored as the generator writes them."""
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value
