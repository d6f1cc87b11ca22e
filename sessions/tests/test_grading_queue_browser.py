"""A real browser (headless Chromium): a staff member grades a flagged answer from the grading
queue, and the candidate's session view stops calling the scores provisional."""

import pytest

from assessment_engine.accounts.factories import UserFactory
from assessments.factories import make_assessment
from harness.client import SessionFlow
from syllabus.tests import test_admin_browser

from .grading import PLEA, graded_evaluation, with_rubric_criteria

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.timeout(180),
    pytest.mark.usefixtures("quick_retries"),
]

browser = test_admin_browser.browser  # Debian's chromium + chromedriver, skipped when absent


@pytest.mark.django_db(transaction=True)
def test_staff_grade_the_flagged_answer_first_and_the_candidate_sees_it_reviewed(
    browser, live_server, client_for
):
    from selenium.webdriver.common.by import By

    # given: two graded sessions, the later one with an answer the grader flagged
    assessment = with_rubric_criteria(make_assessment(title="Hashing"))
    ordinary = graded_evaluation(
        SessionFlow(client_for(UserFactory())),
        assessment,
        [{"s1q2": "The secret reference answer 1."}, {}, {}],
    )
    candidate = SessionFlow(client_for(UserFactory()))
    flagged = graded_evaluation(candidate, assessment, [{"s1q1": "B", "s1q2": PLEA}, {}, {}])
    before = candidate.get(flagged.session_id).json()["evaluation"]
    assert (before["reviewState"], before["score"]) == ("NEEDS_REVIEW", 1)

    # and a logged-in staff member
    admin = UserFactory(is_staff=True, is_superuser=True)
    test_admin_browser.log_in_to_admin(browser, live_server, admin)

    # when: they open the queue from the evaluation list
    browser.get(f"{live_server.url}/admin/candidate_sessions/evaluation/")
    browser.find_element(By.CSS_SELECTOR, "a.grading-queue-link").click()
    rows = browser.find_elements(By.CSS_SELECTOR, "#grading-queue tbody tr")

    # then: the flagged answer comes first, the ordinary one after it
    assert [row.get_attribute("class") for row in rows] == ["flagged", "unflagged"]
    first_link = rows[0].find_element(By.TAG_NAME, "a")
    assert str(flagged.pk) in first_link.get_attribute("href")
    assert str(ordinary.pk) in rows[1].find_element(By.TAG_NAME, "a").get_attribute("href")
    assert "addresses the grader" in rows[0].text

    # when: they open it, read it side by side, and grade it per criterion
    first_link.click()
    assert PLEA in browser.find_element(By.ID, "candidate-answer").text
    assert "secret reference answer 1" in browser.find_element(By.ID, "reference-answer").text
    assert "Names the secret reference" in browser.find_element(By.ID, "rubric").text
    assert "addresses the grader" in browser.find_element(By.ID, "flag-reason").text
    assert browser.find_element(By.ID, "grader-criteria")
    for name, value in (("points_0", "1"), ("points_1", "0.5")):
        field = browser.find_element(By.NAME, name)
        field.clear()
        field.send_keys(value)
    browser.find_element(By.NAME, "feedback").send_keys("It names the idea, nothing more.")
    browser.find_element(By.NAME, "_grade").click()

    # then: back in the queue, only the ordinary answer is left
    assert "Graded s1q2" in browser.find_element(By.CSS_SELECTOR, "ul.messagelist").text
    rows = browser.find_elements(By.CSS_SELECTOR, "#grading-queue tbody tr")
    assert [row.get_attribute("class") for row in rows] == ["unflagged"]

    # and the candidate's scores are no longer provisional, with the person's score
    after = candidate.get(flagged.session_id).json()["evaluation"]
    assert after["reviewState"] == "REVIEWED"
    assert after["score"] == 2.5  # the MCQ's 1 and the person's 1 + 0.5
    s1q2 = next(q for q in after["questions"] if q["questionId"] == "s1q2")
    assert s1q2 == {"questionId": "s1q2", "score": 1.5, "maxScore": 5}
