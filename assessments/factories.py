"""A hand-made assessment with known answers, stored directly (no generation needed)."""

from django.utils import timezone

from assessments.models import Assessment, AssessmentStatus


def extra_mcq(number: int, index: int) -> dict:
    """A four-option MCQ whose correct option's text is unmistakable (KEY-s1q3)."""
    question_id = f"s{number}q{index}"
    return {
        "questionId": question_id,
        "type": "MCQ",
        "prompt": f"Question {question_id}",
        "points": 1,
        "options": [
            {"id": option, "text": f"KEY-{question_id}" if option == "C" else f"other {option}"}
            for option in "ABCD"
        ],
        "correctOptionId": "C",
        "sourceExcerpt": f"secret excerpt {question_id}",
    }


def section(number: int, extra_mcqs: int = 0) -> dict:
    return {
        "sectionId": f"s{number}",
        "title": f"Section {number}",
        "questions": [
            {
                "questionId": f"s{number}q1",
                "type": "MCQ",
                "prompt": f"Pick B ({number})",
                "points": 1,
                "options": [{"id": "A", "text": "wrong"}, {"id": "B", "text": "right"}],
                "correctOptionId": "B",
                "sourceExcerpt": f"secret excerpt {number} for q1",
            },
            {
                "questionId": f"s{number}q2",
                "type": "SHORT_ANSWER",
                "prompt": f"Explain {number}",
                "points": 5,
                "referenceAnswer": f"secret reference answer {number}",
                "rubric": f"secret rubric {number}",
                "sourceExcerpt": f"secret excerpt {number}",
            },
            *(extra_mcq(number, index) for index in range(3, 3 + extra_mcqs)),
        ],
    }


def make_assessment(
    *,
    sections: int = 3,
    status=AssessmentStatus.PUBLISHED,
    title="Quiz",
    extra_mcqs: int = 0,
    **policy,
):
    """`policy`: delivery policy fields (max_attempts=2, time_limit_seconds=600, ...)."""
    content = {
        "title": title,
        "subject": "Testing",
        "sections": [section(n, extra_mcqs) for n in range(1, sections + 1)],
    }
    return Assessment.objects.create(
        title=title,
        subject="Testing",
        content=content,
        options={},
        dedupe_key=f"generation:test-{Assessment.objects.count()}-{title}",
        syllabus_hash="0" * 64,
        status=status,
        published_at=timezone.now() if status == AssessmentStatus.PUBLISHED else None,
        provider="test",
        model="hand-made",
        prompt_version="test",
        section_count=sections,
        question_count=(2 + extra_mcqs) * sections,
        **policy,
    )


def answers_for(number: int) -> dict:
    return {f"s{number}q1": "B", f"s{number}q2": f"my answer {number}"}
