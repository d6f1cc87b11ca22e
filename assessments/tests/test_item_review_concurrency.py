"""Races on the review invariants, with real threads and their own connections: one edit wins
per content version, one publish changes the status, one approval row per item. (Sessions
starting while staff edit: sessions/tests/test_content_versions.py.)"""

import threading
from collections import Counter

import pytest
from django.db import connection

from assessment_engine.accounts.factories import UserFactory
from assessments.errors import ContentVersionConflict
from assessments.items import (
    assessment_item_approve,
    assessment_item_update,
)
from assessments.models import Assessment, AssessmentStatus, AssessmentVersion, ItemApproval
from assessments.publication import assessment_publish

from .review import first_of_type, generated_assessment, questions

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]

THREADS = 8


def race(*calls) -> list:
    """Run each call in its own thread, released together; the result or exception of each."""
    barrier = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def run(index: int) -> None:
        try:
            barrier.wait()
            outcomes[index] = calls[index]()
        except Exception as exc:  # noqa: BLE001 - the outcome under test
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def kinds(outcomes) -> Counter:
    return Counter(type(outcome).__name__ for outcome in outcomes)


def test_concurrent_edits_of_one_version_save_exactly_one():
    assessment = generated_assessment()
    mcq = first_of_type(assessment, "MCQ")
    editors = [UserFactory(is_staff=True) for _ in range(THREADS)]

    def edit(points: int, editor):
        return lambda: assessment_item_update(
            assessment_id=assessment.pk,
            question_id=mcq["questionId"],
            changes={"points": points},
            expected_version=1,
            user=editor,
        )

    # Every editor writes a value that differs from the stored one: each is a real change.
    outcomes = race(*(edit(mcq["points"] + n + 1, editor) for n, editor in enumerate(editors)))

    assert kinds(outcomes) == {"Assessment": 1, "ContentVersionConflict": THREADS - 1}
    [winner] = [o for o in outcomes if isinstance(o, Assessment)]
    assessment.refresh_from_db()
    assert (assessment.content_version, assessment.version) == (2, 2)
    assert AssessmentVersion.objects.filter(assessment=assessment).count() == 2
    saved = next(q for q in questions(assessment) if q["questionId"] == mcq["questionId"])
    assert (
        saved["points"]
        == next(q for q in questions(winner) if q["questionId"] == mcq["questionId"])["points"]
    )
    assert ItemApproval.objects.filter(assessment=assessment).count() == 1


def test_concurrent_publishes_change_the_status_once(settings):
    settings.ASSESSMENT_REQUIRE_REVIEW = False
    assessment = generated_assessment()
    Assessment.objects.filter(pk=assessment.pk).update(
        status=AssessmentStatus.DRAFT, published_at=None
    )

    outcomes = race(*(lambda: assessment_publish(assessment_id=assessment.pk),) * THREADS)

    assert Counter(o.changed for o in outcomes) == {True: 1, False: THREADS - 1}
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.PUBLISHED and assessment.version == 2


def test_approvals_raced_per_item_make_one_row_each():
    assessment = generated_assessment()
    ids = [q["questionId"] for q in questions(assessment)]
    approvers = [UserFactory(is_staff=True) for _ in range(THREADS)]

    def approve(question_id, approver):
        return lambda: assessment_item_approve(
            assessment_id=assessment.pk,
            question_id=question_id,
            expected_version=1,
            user=approver,
        )

    outcomes = race(*(approve(ids[n % len(ids)], approver) for n, approver in enumerate(approvers)))

    assert kinds(outcomes) == {"ItemApproval": THREADS}
    assert ItemApproval.objects.filter(assessment=assessment).count() == min(THREADS, len(ids))
    assert not any(isinstance(o, ContentVersionConflict) for o in outcomes)
