"""Sessions with known grades for the results and statistics tests, stored directly.

The grading itself is tested elsewhere; here the exact scores matter, so each session is
written as the evaluation handler leaves it: COMPLETED, one submission per section, one
Evaluation whose grades are the given scores.
"""

from datetime import timedelta

from django.utils import timezone

from assessment_engine.accounts.factories import UserFactory
from assessments.factories import make_assessment
from sessions.grading.plan import totals
from sessions.models import CandidateSession, Evaluation, SectionSubmission, SessionStatus

# The hand-computed example of test_statistics: one section, s1q1 (MCQ A/B, key B, 1 point),
# s1q2 (short answer, 5 points), s1q3 (MCQ A-D, key C, 1 point).
EXAMPLE_SCORES = {  # username: (s1q1, s1q2, s1q3)
    "ann": (1, 4, 1),
    "bob": (1, 2, 0),
    "cid": (0, 3, 1),
    "dee": (0, 1, 0),
}
EXAMPLE_CHOICES = {"ann": ("B", "C"), "bob": ("B", "A"), "cid": ("A", "C"), "dee": ("A", "B")}


def example_assessment(**kwargs):
    return make_assessment(sections=1, extra_mcqs=1, **kwargs)


def points_of(assessment) -> dict[str, float]:
    return {
        question["questionId"]: float(question["points"])
        for section in assessment.content["sections"]
        for question in section["questions"]
    }


def open_session(assessment, user, *, status=SessionStatus.OPTED_IN, attempt=1):
    now = timezone.now()
    started = {} if status == SessionStatus.OPTED_IN else {"started_at": now}
    if status == SessionStatus.ACTIVE:
        started["last_activity_at"] = now
    if status == SessionStatus.EXPIRED:
        started["expired_at"] = now
    return CandidateSession.objects.create(
        user=user,
        assessment=assessment,
        status=status,
        section_count=assessment.section_count,
        opted_in_at=now - timedelta(hours=1),
        attempt=attempt,
        **started,
    )


def completed_session(assessment, user, answers: dict[str, str], *, attempt=1):
    """COMPLETED with every section submitted (answers go to the section of their id)."""
    now = timezone.now()
    session = CandidateSession.objects.create(
        user=user,
        assessment=assessment,
        status=SessionStatus.COMPLETED,
        section_count=assessment.section_count,
        current_section_index=assessment.section_count,
        opted_in_at=now - timedelta(hours=1),
        started_at=now - timedelta(minutes=50),
        last_activity_at=now,
        completed_at=now,
        attempt=attempt,
    )
    for index, section in enumerate(assessment.content["sections"]):
        ids = {question["questionId"] for question in section["questions"]}
        SectionSubmission.objects.create(
            session=session,
            section_index=index,
            section_id=section["sectionId"],
            answers={qid: answer for qid, answer in answers.items() if qid in ids},
            submitted_at=now,
        )
    return session


def grade(session, scores: dict[str, float], *, flagged=(), overridden=()) -> Evaluation:
    """The evaluation of `session`: `scores` per question id, the others 0."""
    points = points_of(session.assessment)
    questions = [
        {
            "questionId": qid,
            "score": float(scores.get(qid, 0)),
            "maxScore": maximum,
            "feedback": "…",
            **({"needsReview": True, "reason": "unsure"} if qid in flagged else {}),
            **({"overridden": True} if qid in overridden else {}),
        }
        for qid, maximum in points.items()
    ]
    score, maximum, percentage = totals(questions)
    return Evaluation.objects.create(
        session=session,
        graded_questions=questions,
        questions=questions,
        total_score=score,
        max_score=maximum,
        percentage=percentage,
        provider="test",
        model="hand-made",
        prompt_version="test",
        graded_at=timezone.now(),
    )


def graded_session(assessment, username: str, scores, answers, **grading):
    user = UserFactory(username=username)
    session = completed_session(assessment, user, answers)
    grade(session, scores, **grading)
    return session


def example_sessions(assessment) -> dict[str, CandidateSession]:
    """The four graded sessions of the hand-computed example."""
    sessions = {}
    for username, (q1, q2, q3) in EXAMPLE_SCORES.items():
        first, third = EXAMPLE_CHOICES[username]
        answers = {"s1q1": first, "s1q2": f"{username}'s answer", "s1q3": third}
        sessions[username] = graded_session(
            assessment, username, {"s1q1": q1, "s1q2": q2, "s1q3": q3}, answers
        )
    return sessions
