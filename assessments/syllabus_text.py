"""The syllabus text an assessment is written from: what generation reads, and what an edited
or regenerated item is checked against (its `sourceExcerpt` must be found in it)."""

from syllabus.models import Syllabus

from .models import Assessment

SYLLABUS_SEPARATOR = "\n\n"


def combined_text(syllabi: list[Syllabus]) -> str:
    return SYLLABUS_SEPARATOR.join(syllabus.text for syllabus in syllabi)


def assessment_syllabus_text(assessment: Assessment) -> str:
    # Oldest first, the order generation combined them in.
    return combined_text(list(assessment.syllabi.order_by("created_at", "id")))
