"""What a valid answer to a section looks like (shape only; grading is elsewhere)."""

from typing import Any

from assessment_engine.api.errors import ValidationFailed

MAX_FREE_TEXT_CHARACTERS = 10_000


def clean_answers(section: dict[str, Any], answers: dict[str, Any]) -> dict[str, str]:
    """Answers keyed by question id of `section`: MCQ → an option id, free text ≤ 10,000 chars.

    Every question is optional. All problems are reported at once, per question id.
    """
    questions = {question["questionId"]: question for question in section["questions"]}
    problems: dict[str, list[str]] = {}
    for question_id, answer in answers.items():
        problem = _problem(questions.get(question_id), answer)
        if problem:
            problems[question_id] = [problem]
    if problems:
        raise ValidationFailed("Some answers are invalid.", details={"answers": problems})
    return dict(answers)


def _problem(question: dict[str, Any] | None, answer: Any) -> str | None:
    if question is None:
        return "Not a question of this section."
    if not isinstance(answer, str):
        return "An answer must be a string."
    if question["type"] == "MCQ":
        option_ids = [option["id"] for option in question["options"]]
        if answer not in option_ids:
            return f"Not one of the options: {', '.join(option_ids)}."
    elif len(answer) > MAX_FREE_TEXT_CHARACTERS:
        return f"At most {MAX_FREE_TEXT_CHARACTERS} characters ({len(answer)} sent)."
    return None
