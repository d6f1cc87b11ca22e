"""A hand-made assessment with known answers, stored directly (no generation needed)."""

from django.utils import timezone

from assessments.models import Assessment, AssessmentStatus


def section(number: int) -> dict:
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
        ],
    }


def make_assessment(*, sections: int = 3, status=AssessmentStatus.PUBLISHED, title="Quiz"):
    content = {
        "title": title,
        "subject": "Testing",
        "sections": [section(n) for n in range(1, sections + 1)],
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
        question_count=2 * sections,
    )


def answers_for(number: int) -> dict:
    return {f"s{number}q1": "B", f"s{number}q2": f"my answer {number}"}
