"""A generated assessment to review (offline provider, through the real job runner), and the
questions of it the review tests edit."""

from assessments.content import GenerationOptions
from assessments.generation import generation_trigger
from assessments.items import assessment_item_approve
from assessments.models import Assessment
from jobs.tests.inline import run_until_finished
from syllabus.factories import make_syllabus

SMALL = GenerationOptions(section_count=2, questions_per_section=3)


def generated_assessment(*, syllabus=None, options: GenerationOptions = SMALL) -> Assessment:
    syllabus = syllabus or make_syllabus()
    job = run_until_finished(generation_trigger(syllabus_id=syllabus.pk, options=options).job)
    return Assessment.objects.get(pk=job.result["assessmentId"])


def questions(assessment: Assessment) -> list[dict]:
    return [q for section in assessment.content["sections"] for q in section["questions"]]


def first_of_type(assessment: Assessment, question_type: str) -> dict:
    return next(q for q in questions(assessment) if q["type"] == question_type)


def approve_all(assessment: Assessment, user=None) -> None:
    for question in questions(assessment):
        assessment_item_approve(
            assessment_id=assessment.pk,
            question_id=question["questionId"],
            expected_version=assessment.content_version,
            user=user,
        )
