"""Editing an assessment that has sessions: new sessions get the new content version, running
ones keep the version they started on, and each is graded by its own version."""

import threading

import pytest
from django.db import connection

from assessment_engine.accounts.factories import UserFactory
from assessments.items import assessment_item_update
from assessments.models import AssessmentVersion
from assessments.tests.review import generated_assessment, questions
from harness.client import SessionFlow
from jobs.tests.inline import run_until_finished
from sessions.models import CandidateSession, Evaluation

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(120)]


def _mcq_with_new_key(assessment):
    mcq = next(q for q in questions(assessment) if q["type"] == "MCQ")
    new_key = next(o["id"] for o in mcq["options"] if o["id"] != mcq["correctOptionId"])
    return mcq, new_key


def _view_question(flow, session_id, question_id) -> dict | None:
    view = flow.get(session_id).json()["assessment"]
    return next(
        (q for s in view["sections"] for q in s["questions"] if q["questionId"] == question_id),
        None,
    )


def _finish_from(flow, session_id, first_index: int, answer: dict) -> dict:
    """Submit the sections from `first_index` on (the answer where it belongs), complete, grade;
    the scores by question."""
    session = CandidateSession.objects.get(pk=session_id)
    for index in range(first_index, session.section_count):
        prefix = f"s{index + 1}q"
        answers = {k: v for k, v in answer.items() if k.startswith(prefix)}
        assert flow.submit(session_id, index, answers=answers).status_code == 201
    assert flow.complete(session_id).status_code == 202
    run_until_finished(CandidateSession.objects.get(pk=session_id).evaluation_job)
    evaluation = Evaluation.objects.get(session_id=session_id)
    return {q["questionId"]: q["score"] for q in evaluation.questions}


def test_running_sessions_keep_their_version_and_are_graded_by_it(client_for):
    assessment = generated_assessment()
    mcq, new_key = _mcq_with_new_key(assessment)
    qid, old_key = mcq["questionId"], mcq["correctOptionId"]
    running, waiting, newcomer = (SessionFlow(client_for(UserFactory())) for _ in range(3))
    running_id = running.active_session(assessment)
    waiting_id = waiting.opt_in(assessment.pk).json()["sessionId"]  # opted in, not started

    # when: staff change the stem and the key
    assessment_item_update(
        assessment_id=assessment.pk,
        question_id=qid,
        changes={"prompt": "Which term is meant here (edited)?", "correctOptionId": new_key},
        expected_version=1,
        user=UserFactory(is_staff=True),
    )
    newcomer_id = newcomer.active_session(assessment)
    assert waiting.start(waiting_id).status_code == 200

    # then: the running session stays on version 1, sessions started after are on version 2
    pinned = {
        str(pk): version
        for pk, version in CandidateSession.objects.values_list("pk", "content_version")
    }
    assert [pinned[p] for p in (running_id, waiting_id, newcomer_id)] == [1, 2, 2]
    assert AssessmentVersion.objects.filter(assessment=assessment).count() == 2

    # and each sees its own stem once the question's section is reached
    section_of_mcq = int(qid[1 : qid.index("q")]) - 1
    for flow, session_id in ((running, running_id), (newcomer, newcomer_id)):
        for index in range(section_of_mcq):
            flow.submit(session_id, index, answers={})
    assert _view_question(running, running_id, qid)["prompt"] == mcq["prompt"]
    assert (
        _view_question(newcomer, newcomer_id, qid)["prompt"] == "Which term is meant here (edited)?"
    )

    # and each is graded by its own key
    assert _finish_from(running, running_id, section_of_mcq, {qid: old_key})[qid] == mcq["points"]
    assert _finish_from(newcomer, newcomer_id, section_of_mcq, {qid: old_key})[qid] == 0
    assert _finish_from(waiting, waiting_id, 0, {qid: new_key})[qid] == mcq["points"]


CANDIDATES = 8
EDITS = 3


@pytest.mark.django_db(transaction=True)
def test_sessions_starting_while_staff_edit_each_get_one_whole_version(client_for):
    assessment = generated_assessment()
    # in the first section, the one every started session shows
    mcq = next(q for q in assessment.content["sections"][0]["questions"] if q["type"] == "MCQ")
    flows = [SessionFlow(client_for(UserFactory())) for _ in range(CANDIDATES)]
    editor = UserFactory(is_staff=True)
    session_ids = [flow.opt_in(assessment.pk).json()["sessionId"] for flow in flows]
    barrier = threading.Barrier(CANDIDATES + 1)
    started = [None] * CANDIDATES

    def start(index: int) -> None:
        try:
            barrier.wait()
            started[index] = flows[index].start(session_ids[index]).status_code
        finally:
            connection.close()

    def edit() -> None:
        try:
            barrier.wait()
            for version in range(1, EDITS + 1):
                assessment_item_update(
                    assessment_id=assessment.pk,
                    question_id=mcq["questionId"],
                    changes={"prompt": f"Which term is meant here (edit {version})?"},
                    expected_version=version,
                    user=editor,
                )
        finally:
            connection.close()

    threads = [threading.Thread(target=start, args=(n,)) for n in range(CANDIDATES)]
    threads.append(threading.Thread(target=edit))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert started == [200] * CANDIDATES
    versions = dict(
        AssessmentVersion.objects.filter(assessment=assessment).values_list("number", "content")
    )
    assert sorted(versions) == list(range(1, EDITS + 2))
    for flow, session_id in zip(flows, session_ids, strict=True):
        pinned = CandidateSession.objects.get(pk=session_id).content_version
        shown = flow.get(session_id).json()["assessment"]["sections"][0]["questions"]
        authored = versions[pinned]["sections"][0]["questions"]
        by_id = {q["questionId"]: q["prompt"] for q in authored}
        assert {q["questionId"]: q["prompt"] for q in shown} == by_id
