"""Staff review of items, at the service level: edits checked by the generation validator,
content versions, approvals, one publication service, regeneration jobs, titles."""

import pytest
from django.db import IntegrityError, transaction

from assessment_engine.accounts.factories import UserFactory
from assessment_engine.api.errors import ValidationFailed
from assessments.content import GenerationOptions
from assessments.errors import (
    ContentVersionConflict,
    ItemsNotApproved,
    QuestionNotFound,
    RegenerationRefused,
)
from assessments.items import (
    ItemInvalid,
    assessment_item_approve,
    assessment_item_update,
    unapproved_question_ids,
)
from assessments.models import Assessment, AssessmentStatus, AssessmentVersion, ItemApproval
from assessments.publication import assessment_publish, assessment_unpublish
from assessments.regeneration import offline_replacements, regeneration_trigger
from harness.fake_gemini import json_reply, request_text
from jobs.models import AIJob, JobStatus
from jobs.tests.inline import run_until_finished
from syllabus.factories import make_syllabus

from .gemini_script import IS_GENERATION, IS_REGENERATION, agree, v2_answer
from .review import SMALL, approve_all, first_of_type, generated_assessment, questions

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(120)]


@pytest.fixture
def editor(db):
    return UserFactory(is_staff=True)


@pytest.fixture
def draft(settings):
    settings.ASSESSMENT_REQUIRE_REVIEW = True
    return generated_assessment()


def edit(assessment: Assessment, question_id: str, changes: dict, *, version: int, user):
    return assessment_item_update(
        assessment_id=assessment.pk,
        question_id=question_id,
        changes=changes,
        expected_version=version,
        user=user,
    )


def _stored(assessment: Assessment) -> tuple:
    assessment.refresh_from_db()
    return (
        assessment.content,
        assessment.content_version,
        assessment.version,
        AssessmentVersion.objects.filter(assessment=assessment).count(),
        ItemApproval.objects.filter(assessment=assessment).count(),
    )


# --- editing ---------------------------------------------------------------------------------


def test_an_edit_with_a_key_that_is_not_an_option_is_refused_and_changes_nothing(editor):
    assessment = generated_assessment()
    mcq = first_of_type(assessment, "MCQ")
    before = _stored(assessment)

    with pytest.raises(ItemInvalid) as refused:
        edit(assessment, mcq["questionId"], {"correctOptionId": "Z"}, version=1, user=editor)

    assert refused.value.field == "correctOptionId"
    assert refused.value.problem.startswith("'Z' is not one of the option ids")
    assert refused.value.code == "VALIDATION_ERROR"
    assert _stored(assessment) == before


def test_an_item_rule_broken_by_an_edit_is_named_and_nothing_is_saved(editor):
    assessment = generated_assessment()
    mcq = first_of_type(assessment, "MCQ")
    distractor = next(o for o in mcq["options"] if o["id"] != mcq["correctOptionId"])
    options = [
        {**o, "text": "All of the above"} if o["id"] == distractor["id"] else o
        for o in mcq["options"]
    ]
    before = _stored(assessment)

    with pytest.raises(ItemInvalid) as refused:
        edit(assessment, mcq["questionId"], {"options": options}, version=1, user=editor)

    assert refused.value.rule == "ALL_OR_NONE_OF_THE_ABOVE" and refused.value.field == ""
    assert _stored(assessment) == before


def test_a_valid_edit_is_a_new_content_version_approved_by_its_editor(editor):
    assessment = generated_assessment()
    mcq = first_of_type(assessment, "MCQ")
    new_key = next(o["id"] for o in mcq["options"] if o["id"] != mcq["correctOptionId"])
    original = assessment.content

    saved = edit(
        assessment,
        mcq["questionId"],
        {
            "prompt": "  Which term does the course use for this?  ",
            "points": 2,
            "correctOptionId": new_key,
        },
        version=1,
        user=editor,
    )

    assert (saved.content_version, saved.version) == (2, 2)
    edited = next(q for q in questions(saved) if q["questionId"] == mcq["questionId"])
    # cleaned by the validator like generated content: stripped text
    assert edited["prompt"] == "Which term does the course use for this?"
    assert (edited["points"], edited["correctOptionId"]) == (2, new_key)
    versions = {v.number: v for v in AssessmentVersion.objects.filter(assessment=assessment)}
    assert sorted(versions) == [1, 2]
    assert versions[1].content == original and versions[1].changed_by is None
    assert versions[2].content == saved.content
    assert (versions[2].changed_by, versions[2].note) == (editor, f"edited {mcq['questionId']}")
    approval = ItemApproval.objects.get(assessment=assessment)
    assert (approval.question_id, approval.approved_by) == (mcq["questionId"], editor)
    assert mcq["questionId"] not in unapproved_question_ids(saved)


def test_an_edit_that_changes_nothing_makes_no_version_but_approves(editor):
    assessment = generated_assessment()
    mcq = first_of_type(assessment, "MCQ")

    saved = edit(assessment, mcq["questionId"], {"points": mcq["points"]}, version=1, user=editor)

    assert (saved.content_version, saved.version) == (1, 1)
    assert AssessmentVersion.objects.filter(assessment=assessment).count() == 1
    assert mcq["questionId"] not in unapproved_question_ids(saved)


def test_rubric_criteria_edits_rewrite_the_rubric_and_must_sum_to_the_points(editor):
    assessment = generated_assessment()
    short = first_of_type(assessment, "SHORT_ANSWER")
    criteria = [
        {"criterion": "Names the idea", "points": 1},
        {"criterion": "Explains it", "points": 1},
    ]

    with pytest.raises(ItemInvalid) as refused:
        assessment_item_update(
            assessment_id=assessment.pk,
            question_id=short["questionId"],
            changes={"rubricCriteria": criteria},  # 2 points for a question worth more
            expected_version=1,
            user=editor,
        )
    assert refused.value.rule == "RUBRIC_POINTS"

    saved = edit(
        assessment,
        short["questionId"],
        {
            "rubricCriteria": criteria,
            "points": 2,
            "referenceAnswer": "The idea, explained.",
        },
        version=1,
        user=editor,
    )
    edited = next(q for q in questions(saved) if q["questionId"] == short["questionId"])
    assert (
        edited["rubricCriteria"] == criteria and edited["referenceAnswer"] == "The idea, explained."
    )
    assert edited["rubric"] == "- (1 pt) Names the idea\n- (1 pt) Explains it"


def test_an_edit_of_an_older_version_is_a_conflict_not_an_overwrite(editor):
    assessment = generated_assessment()
    mcq = first_of_type(assessment, "MCQ")
    edit(assessment, mcq["questionId"], {"points": 2}, version=1, user=editor)
    before = _stored(assessment)

    with pytest.raises(ContentVersionConflict) as conflict:
        edit(
            assessment, mcq["questionId"], {"points": 3}, version=1, user=UserFactory(is_staff=True)
        )

    assert conflict.value.status_code == 409 and conflict.value.code == "CONTENT_VERSION_CONFLICT"
    assert conflict.value.details == {"expected": 1, "current": 2}
    assert _stored(assessment) == before


@pytest.mark.parametrize(
    ("question_type", "changes", "field"),
    [
        ("MCQ", {"questionId": "x"}, "questionId"),
        ("MCQ", {"referenceAnswer": "x"}, "referenceAnswer"),
        ("SHORT_ANSWER", {"options": []}, "options"),
        ("SHORT_ANSWER", {"sourceExcerpt": "x"}, "sourceExcerpt"),
    ],
)
def test_fields_outside_a_types_editable_set_are_refused(editor, question_type, changes, field):
    assessment = generated_assessment()
    question = first_of_type(assessment, question_type)
    before = _stored(assessment)

    with pytest.raises(ValidationFailed) as refused:
        edit(assessment, question["questionId"], changes, version=1, user=editor)

    assert list(refused.value.details) == [field]
    assert _stored(assessment) == before


def test_an_unknown_question_is_not_found(editor):
    assessment = generated_assessment()
    with pytest.raises(QuestionNotFound):
        edit(assessment, "s9q9", {"points": 1}, version=1, user=editor)


def test_stored_versions_cannot_be_changed_even_by_sql():
    assessment = generated_assessment()
    with pytest.raises(IntegrityError, match="immutable"), transaction.atomic():
        AssessmentVersion.objects.filter(assessment=assessment).update(content={})


def test_a_content_change_by_any_write_path_records_a_version():
    assessment = generated_assessment()
    changed = {**assessment.content, "title": "Renamed in psql"}

    Assessment.objects.filter(pk=assessment.pk).update(content=changed)

    assessment.refresh_from_db()
    assert assessment.content_version == 2
    assert AssessmentVersion.objects.get(assessment=assessment, number=2).content == changed


# --- approval and publication ----------------------------------------------------------------


def test_publish_is_refused_while_questions_are_unapproved(draft, editor):
    ids = [q["questionId"] for q in questions(draft)]

    with pytest.raises(ItemsNotApproved) as refused:
        assessment_publish(assessment_id=draft.pk)

    assert (refused.value.status_code, refused.value.code) == (409, "ITEMS_NOT_APPROVED")
    assert refused.value.details == {"questionIds": ids}
    draft.refresh_from_db()
    assert (draft.status, draft.published_at, draft.version) == (AssessmentStatus.DRAFT, None, 1)

    for question_id in ids[:-1]:
        assessment_item_approve(
            assessment_id=draft.pk, question_id=question_id, expected_version=1, user=editor
        )
    with pytest.raises(ItemsNotApproved) as refused:
        assessment_publish(assessment_id=draft.pk)
    assert refused.value.details == {"questionIds": ids[-1:]}

    assessment_item_approve(
        assessment_id=draft.pk, question_id=ids[-1], expected_version=1, user=editor
    )
    change = assessment_publish(assessment_id=draft.pk)
    assert change.changed and change.assessment.status == AssessmentStatus.PUBLISHED
    assert change.assessment.published_at is not None and change.assessment.version == 2
    assert ItemApproval.objects.filter(assessment=draft).count() == len(ids)


def test_publish_and_unpublish_are_idempotent(draft, settings):
    settings.ASSESSMENT_REQUIRE_REVIEW = False  # approvals are optional without review
    assert assessment_publish(assessment_id=draft.pk).changed is True
    again = assessment_publish(assessment_id=draft.pk)
    assert again.changed is False and again.assessment.version == 2
    assert assessment_unpublish(assessment_id=draft.pk).changed is True
    assert assessment_unpublish(assessment_id=draft.pk).changed is False
    draft.refresh_from_db()
    assert (draft.status, draft.published_at, draft.version) == (AssessmentStatus.DRAFT, None, 3)


def test_approval_is_of_the_version_the_reviewer_saw(draft, editor):
    question_id = questions(draft)[0]["questionId"]
    edit(draft, questions(draft)[1]["questionId"], {"points": 2}, version=1, user=editor)

    with pytest.raises(ContentVersionConflict):
        assessment_item_approve(
            assessment_id=draft.pk, question_id=question_id, expected_version=1, user=editor
        )
    assert not ItemApproval.objects.filter(question_id=question_id).exists()


def test_a_changed_item_is_no_longer_approved(draft, editor):
    first, second = (q["questionId"] for q in questions(draft)[:2])
    assessment_item_approve(
        assessment_id=draft.pk, question_id=first, expected_version=1, user=editor
    )
    draft.refresh_from_db()
    assert first not in unapproved_question_ids(draft)

    changed = {**draft.content}
    changed["sections"][0]["questions"][0] = {**changed["sections"][0]["questions"][0], "points": 3}
    Assessment.objects.filter(pk=draft.pk).update(content=changed)  # e.g. a regeneration

    draft.refresh_from_db()
    assert first in unapproved_question_ids(draft) and second in unapproved_question_ids(draft)


def test_the_database_keeps_one_approval_per_item(draft, editor):
    question_id = questions(draft)[0]["questionId"]
    assessment_item_approve(
        assessment_id=draft.pk, question_id=question_id, expected_version=1, user=editor
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        ItemApproval.objects.create(
            assessment=draft,
            question_id=question_id,
            item_hash="0" * 64,
            approved_by=editor,
            approved_at=draft.created_at,
        )


# --- regeneration ----------------------------------------------------------------------------


def test_regenerating_a_section_replaces_its_questions_and_keeps_the_rest(editor):
    assessment = generated_assessment()
    before = assessment.content

    trigger = regeneration_trigger(assessment_id=assessment.pk, section_id="s2", user=editor)
    again = regeneration_trigger(assessment_id=assessment.pk, section_id="s2", user=editor)
    assert trigger.queued and again.deduplicated and again.job.pk == trigger.job.pk
    assert trigger.job.dedupe_key.startswith("regeneration:")
    job = run_until_finished(trigger.job)

    assert job.status == JobStatus.COMPLETED, job.error_message
    assert job.result == {
        "assessmentId": str(assessment.pk),
        "questionIds": ["s2q1", "s2q2", "s2q3"],
        "applied": True,
        "contentVersion": 2,
    }
    assessment.refresh_from_db()
    after = assessment.content
    assert after["sections"][0] == before["sections"][0]
    old_s2, new_s2 = before["sections"][1], after["sections"][1]
    assert [q["questionId"] for q in new_s2["questions"]] == ["s2q1", "s2q2", "s2q3"]
    assert [q["type"] for q in new_s2["questions"]] == [q["type"] for q in old_s2["questions"]]
    old_prompts = {q["prompt"] for q in questions_of(before)}
    assert not old_prompts & {q["prompt"] for q in new_s2["questions"]}
    version = AssessmentVersion.objects.get(assessment=assessment, number=2)
    assert (version.changed_by, version.note) == (editor, "regenerated s2")
    # asked again on the new content: a new job
    later = regeneration_trigger(assessment_id=assessment.pk, section_id="s2", user=editor)
    assert later.queued and later.job.pk != job.pk


def test_regenerating_one_question_keeps_every_other_question():
    assessment = generated_assessment()
    target = questions(assessment)[1]

    job = run_until_finished(
        regeneration_trigger(assessment_id=assessment.pk, question_id=target["questionId"]).job
    )

    assert job.status == JobStatus.COMPLETED and job.result["applied"] is True
    before, after = (
        questions_of(assessment.content),
        questions(Assessment.objects.get(pk=assessment.pk)),
    )
    changed = [b["questionId"] for b, a in zip(before, after, strict=True) if a != b]
    assert changed == [target["questionId"]]


def test_a_regeneration_finishing_after_an_edit_is_not_applied(editor):
    assessment = generated_assessment()
    trigger = regeneration_trigger(assessment_id=assessment.pk, section_id="s1")
    mcq = next(q for q in assessment.content["sections"][1]["questions"] if q["type"] == "MCQ")
    edit(assessment, mcq["questionId"], {"points": 2}, version=1, user=editor)

    job = run_until_finished(trigger.job)

    assert job.status == JobStatus.COMPLETED
    assert job.result["applied"] is False and "changed while regenerating" in job.result["reason"]
    assessment.refresh_from_db()
    assert assessment.content_version == 2
    assert AssessmentVersion.objects.filter(assessment=assessment).count() == 2


def test_regeneration_of_a_published_assessment_under_review_is_refused(draft, editor):
    approve_all(draft, editor)
    assessment_publish(assessment_id=draft.pk)

    with pytest.raises(RegenerationRefused) as refused:
        regeneration_trigger(assessment_id=draft.pk, section_id="s1")

    assert refused.value.code == "REGENERATION_REFUSED"
    assert not AIJob.objects.filter(dedupe_key__startswith="regeneration:").exists()


def test_a_regeneration_finishing_after_a_publish_under_review_is_not_applied(draft, editor):
    trigger = regeneration_trigger(assessment_id=draft.pk, section_id="s1")
    approve_all(draft, editor)
    assessment_publish(assessment_id=draft.pk)

    job = run_until_finished(trigger.job)

    assert job.status == JobStatus.COMPLETED and job.result["applied"] is False
    assert "published while regenerating" in job.result["reason"]
    draft.refresh_from_db()
    assert draft.content_version == 1 and unapproved_question_ids(draft) == []


def test_regenerated_items_need_approval_again(draft, editor):
    approve_all(draft, editor)
    run_until_finished(regeneration_trigger(assessment_id=draft.pk, question_id="s1q1").job)

    draft.refresh_from_db()
    assert unapproved_question_ids(draft) == ["s1q1"]
    with pytest.raises(ItemsNotApproved):
        assessment_publish(assessment_id=draft.pk)


def test_regeneration_of_an_unknown_section_is_not_found():
    assessment = generated_assessment()
    with pytest.raises(QuestionNotFound):
        regeneration_trigger(assessment_id=assessment.pk, section_id="s9")
    assert not AIJob.objects.filter(dedupe_key__startswith="regeneration:").exists()


# --- generation options and titles -----------------------------------------------------------


def test_two_generations_of_one_subject_get_distinguishable_titles():
    syllabus = make_syllabus()
    other_syllabus = make_syllabus(pages=2)  # the same subject, its text laid out differently
    assert other_syllabus.pk != syllabus.pk

    small = generated_assessment(syllabus=syllabus)
    hard = generated_assessment(
        syllabus=syllabus,
        options=GenerationOptions(section_count=2, questions_per_section=3, difficulty="hard"),
    )
    same_options = generated_assessment(syllabus=other_syllabus)

    assert small.title.endswith("(medium, 2 x 3)")
    assert hard.title.endswith("(hard, 2 x 3)")
    assert same_options.title == f"{small.title} #2"
    assert small.subject == hard.subject == same_options.subject


def questions_of(content: dict) -> list[dict]:
    return [q for section in content["sections"] for q in section["questions"]]


# --- regeneration with Gemini (the real client against the fake server) ---------------------


@pytest.fixture
def gemini_assessment(gemini):
    """An assessment Gemini wrote (v2 items with topics), through the real client."""
    syllabus = make_syllabus()
    answer = v2_answer(syllabus, SMALL)
    gemini.route(IS_GENERATION, json_reply(answer))
    agree(gemini, answer)
    return generated_assessment(syllabus=syllabus), syllabus


def test_gemini_rewrites_exactly_the_asked_question_with_its_own_prompt(gemini, gemini_assessment):
    assessment, syllabus = gemini_assessment
    replacements = offline_replacements(
        assessment.content, ["s1q1"], syllabus_text=syllabus.text, options=SMALL
    )
    gemini.route(IS_REGENERATION, json_reply(replacements))

    job = run_until_finished(
        regeneration_trigger(assessment_id=assessment.pk, question_id="s1q1").job
    )

    assert job.status == JobStatus.COMPLETED and job.result["applied"] is True
    [call] = gemini.calls_where(IS_REGENERATION)
    sent = request_text(call.body)
    assert "a member of staff asked for new items" in sent
    assert "- s1q1: staff asked for a different item in its place" in sent
    assert "<questionnaire-" in sent and "<syllabus-" in sent
    [attempt] = job.attempts.all()
    assert (attempt.provider, attempt.prompt_version) == ("gemini", "item-regeneration-v1")
    new = Assessment.objects.get(pk=assessment.pk)
    assert questions(new)[0]["prompt"] == replacements["replacements"][0]["prompt"]
    assert questions(new)[1:] == questions(assessment)[1:]


def test_an_invalid_gemini_replacement_fails_the_attempts_and_changes_nothing(
    gemini, gemini_assessment, quick_retries
):
    assessment, _ = gemini_assessment
    wrong_slot = {**questions(assessment)[1], "questionId": "s1q2"}  # not the one asked for
    gemini.route(IS_REGENERATION, json_reply({"replacements": [wrong_slot]}))

    job = run_until_finished(
        regeneration_trigger(assessment_id=assessment.pk, question_id="s1q1").job
    )

    assert job.status == JobStatus.FAILED
    assert "'s1q2' was not asked for" in job.error_message
    assert job.attempts.count() == 3  # retried like any invalid answer
    assessment.refresh_from_db()
    assert assessment.content_version == 1
