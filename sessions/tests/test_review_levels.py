"""What candidates see of their evaluation at each review level, and a walk of every
candidate endpoint in every state and level looking for anything of the answer key."""

from datetime import timedelta

import pytest
from django.utils import timezone

from assessment_engine.accounts.factories import UserFactory
from assessments.candidate_view import ANSWER_KEY_FIELDS
from assessments.factories import make_assessment
from assessments.models import Assessment, ReviewLevel
from harness.client import SessionFlow
from jobs.tests.inline import run_until_finished
from sessions.models import CandidateSession, Evaluation
from sessions.review import WITHHELD_FEEDBACK

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quick_retries")]

# s1: right MCQ, the reference answer itself; s2: wrong MCQ (A), nothing else; s3: nothing.
ANSWERS = [
    {"s1q1": "B", "s1q2": "secret reference answer 1", "s1q3": "A"},
    {"s2q1": "A"},
    {},
]


def graded_session(flow, assessment) -> str:
    session_id = flow.active_session(assessment)
    for index, answers in enumerate(ANSWERS):
        assert flow.submit(session_id, index, answers=answers).status_code == 201
    assert flow.complete(session_id).status_code == 202
    run_until_finished(CandidateSession.objects.get(pk=session_id).evaluation_job)
    return session_id


def grades_seen(flow, session_id) -> dict[str, dict]:
    evaluation = flow.get(session_id).json()["evaluation"]
    assert evaluation["reviewState"] == "AI_GRADED"
    return {q["questionId"]: q for q in evaluation["questions"]}


def test_scores_shows_scores_only(flow):
    session_id = graded_session(flow, make_assessment(extra_mcqs=1))

    grades = grades_seen(flow, session_id)

    assert grades["s1q1"] == {"questionId": "s1q1", "score": 1, "maxScore": 1}
    assert all(set(grade) == {"questionId", "score", "maxScore"} for grade in grades.values())


def test_feedback_adds_feedback_that_never_gives_the_key_away(flow):
    assessment = make_assessment(extra_mcqs=1, review_policy=ReviewLevel.FEEDBACK)
    session_id = graded_session(flow, assessment)

    grades = grades_seen(flow, session_id)

    assert grades["s1q1"]["feedback"] == "Correct."
    assert grades["s2q1"]["feedback"] == "Incorrect."
    assert grades["s1q3"]["feedback"] == "Incorrect."  # not "the answer is C (KEY-s1q3)"
    assert grades["s3q1"]["feedback"] == "No answer was given."
    assert grades["s1q2"]["feedback"].startswith("Covers")  # how much, never which terms
    assert not any({"correctOptionId", "referenceAnswer"} & set(g) for g in grades.values())


def test_feedback_that_quotes_the_reference_answer_is_withheld(flow):
    assessment = make_assessment(extra_mcqs=1, review_policy=ReviewLevel.FEEDBACK)
    session_id = graded_session(flow, assessment)
    evaluation = Evaluation.objects.get()
    for question in evaluation.questions:  # as a careless AI grader might have written it
        if question["questionId"] == "s1q2":
            question["feedback"] = "Good. The model answer: Secret reference answer 1!"
        if question["questionId"] == "s2q1":  # grades stored before review levels existed
            question["feedback"] = "Incorrect: the answer is B (right)."
    evaluation.save()

    grades = grades_seen(flow, session_id)

    assert grades["s1q2"]["feedback"] == WITHHELD_FEEDBACK
    assert grades["s2q1"]["feedback"] == "Incorrect."


def test_full_adds_the_key_and_the_reference_answer(flow):
    assessment = make_assessment(extra_mcqs=1, review_policy=ReviewLevel.FULL)
    session_id = graded_session(flow, assessment)

    grades = grades_seen(flow, session_id)

    assert grades["s2q1"]["correctOptionId"] == "B"
    assert grades["s1q3"]["correctOptionId"] == "C"
    assert grades["s1q2"]["referenceAnswer"] == "secret reference answer 1"
    assert "referenceAnswer" not in grades["s1q1"] and "correctOptionId" not in grades["s1q2"]


def test_review_after_close_applies_once_the_window_has_closed(flow):
    assessment = make_assessment(extra_mcqs=1, closes_at=timezone.now() + timedelta(hours=1))
    session_id = graded_session(flow, assessment)
    assert "correctOptionId" not in grades_seen(flow, session_id)["s2q1"]

    Assessment.objects.filter(pk=assessment.pk).update(closes_at=timezone.now())

    assert grades_seen(flow, session_id)["s2q1"]["correctOptionId"] == "B"


def test_staff_always_see_everything(client_for):
    staff_flow = SessionFlow(client_for(UserFactory(is_staff=True)))
    session_id = graded_session(staff_flow, make_assessment(extra_mcqs=1))

    assert grades_seen(staff_flow, session_id)["s2q1"]["correctOptionId"] == "B"


# --- the walk --------------------------------------------------------------------------------

FORBIDDEN_TEXT = ("secret rubric", "secret excerpt", "KEY-s1q3", "secret reference answer")


def keys_of(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {key for item in value.values() for key in keys_of(item)}
    if isinstance(value, list):
        return {key for item in value for key in keys_of(item)}
    return set()


def feedback_of(value) -> list[str]:
    if isinstance(value, dict):
        own = [value["feedback"]] if isinstance(value.get("feedback"), str) else []
        return own + [text for item in value.values() for text in feedback_of(item)]
    if isinstance(value, list):
        return [text for item in value for text in feedback_of(item)]
    return []


def assert_no_key(response) -> None:
    body = response.json()
    assert not keys_of(body) & ANSWER_KEY_FIELDS, response.request["PATH_INFO"]
    for feedback in feedback_of(body):
        assert not any(text.lower() in feedback.lower() for text in FORBIDDEN_TEXT), feedback
        assert "right" not in feedback  # the text of the factory's correct option B


@pytest.mark.parametrize("level", [ReviewLevel.SCORES, ReviewLevel.FEEDBACK])
def test_no_candidate_response_contains_the_key_in_any_state(client_for, settings, level):
    assessment = make_assessment(
        extra_mcqs=1, review_policy=level, review_after_close=level, time_limit_seconds=600
    )
    responses = []

    def walk(flow, session_id) -> None:
        responses.extend(
            [
                flow.get(session_id),
                flow.client.get("/api/v1/sessions"),
                flow.client.get("/api/v1/assessments"),
                flow.client.get(f"/api/v1/assessments/{assessment.pk}"),
            ]
        )

    # Completed and graded, through every state on the way.
    flow = SessionFlow(client_for(UserFactory()))
    opted = flow.opt_in(assessment.pk)
    responses.append(opted)
    session_id = opted.json()["sessionId"]
    walk(flow, session_id)
    responses += [flow.start(session_id), flow.heartbeat(session_id)]
    walk(flow, session_id)
    for index, answers in enumerate(ANSWERS):
        responses.append(flow.submit(session_id, index, answers=answers))
        walk(flow, session_id)
    responses.append(flow.complete(session_id))
    walk(flow, session_id)  # graded: pending
    run_until_finished(CandidateSession.objects.get(pk=session_id).evaluation_job)
    responses.append(flow.complete(session_id))
    walk(flow, session_id)  # graded: done

    # Auto-completed by the clock, and graded.
    flow = SessionFlow(client_for(UserFactory()))
    session_id = flow.active_session(assessment)
    responses.append(flow.submit(session_id, 0, answers=ANSWERS[0]))
    CandidateSession.objects.filter(pk=session_id).update(
        deadline=timezone.now() - timedelta(seconds=settings.SESSION_DEADLINE_GRACE_SECONDS + 1)
    )
    responses.append(flow.submit(session_id, 1, answers=ANSWERS[1]))
    walk(flow, session_id)
    run_until_finished(CandidateSession.objects.get(pk=session_id).evaluation_job)
    walk(flow, session_id)

    # Expired.
    flow = SessionFlow(client_for(UserFactory()))
    session_id = flow.active_session(assessment)
    CandidateSession.objects.filter(pk=session_id).update(
        last_activity_at=timezone.now()
        - timedelta(seconds=settings.SESSION_INACTIVITY_TIMEOUT_SECONDS + 1)
    )
    responses.append(flow.heartbeat(session_id))
    walk(flow, session_id)

    graded = [r for r in responses if "evaluation" in r.json() and r.json()["evaluation"]]
    assert any(r.json()["evaluation"]["questions"] for r in graded)  # the walk saw grades
    assert len(responses) > 40
    for response in responses:
        assert_no_key(response)
