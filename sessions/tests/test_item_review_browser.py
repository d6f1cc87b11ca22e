"""A real browser (headless Chromium): staff review a generated draft in the admin. An edit
with a key that is not an option shows the validator's error next to the field and saves
nothing; a valid edit saves; a section is regenerated (the job run by the project's inline
runner, as a worker would); every question is approved one by one; the assessment is published
and previewed as a candidate sees it."""

import pytest

from assessment_engine.accounts.factories import DEFAULT_PASSWORD, UserFactory
from assessments.models import Assessment, AssessmentStatus, AssessmentVersion
from assessments.tests.review import generated_assessment, questions
from jobs.models import AIJob, JobStatus
from jobs.tests.inline import run_until_finished
from syllabus.tests import test_admin_browser

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.timeout(240),
]

browser = test_admin_browser.browser  # Debian's chromium + chromedriver, skipped when absent


def click_and_wait(browser, element) -> None:
    """Click something that loads a page, and wait until the old page is gone (otherwise the
    next lookup may still find the old page's elements)."""
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    element.click()
    WebDriverWait(browser, 20).until(expected_conditions.staleness_of(element))


@pytest.mark.django_db(transaction=True)
def test_staff_edit_regenerate_approve_and_publish_a_draft(browser, live_server, settings):
    from selenium.webdriver.common.by import By

    settings.ASSESSMENT_REQUIRE_REVIEW = True
    draft = generated_assessment()
    page = f"{live_server.url}/admin/assessments/assessment/{draft.pk}/change/"
    mcq = next(q for q in draft.content["sections"][0]["questions"] if q["type"] == "MCQ")
    other_key = next(o["id"] for o in mcq["options"] if o["id"] != mcq["correctOptionId"])

    # given: a logged-in staff member on the draft's page
    admin = UserFactory(is_staff=True, is_superuser=True)
    browser.get(f"{live_server.url}/admin/login/")
    browser.find_element(By.NAME, "username").send_keys(admin.username)
    browser.find_element(By.NAME, "password").send_keys(DEFAULT_PASSWORD)
    click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "input[type=submit]"))
    browser.get(page)
    assert browser.find_element(By.ID, "publication-status").text == "DRAFT"
    assert browser.find_element(By.ID, "unapproved-count").text == str(len(questions(draft)))

    # when: they edit an MCQ and give a key that is not one of its options
    click_and_wait(
        browser, browser.find_element(By.CSS_SELECTOR, f"#item-{mcq['questionId']} a.edit-item")
    )
    key = browser.find_element(By.NAME, "correct_option_id")
    key.clear()
    key.send_keys("Z")
    click_and_wait(browser, browser.find_element(By.NAME, "_save_item"))

    # then: the validator's error is next to the key field, and nothing was saved
    key = browser.find_element(By.NAME, "correct_option_id")
    error = browser.find_element(By.ID, "id_correct_option_id_error")  # the field's own error list
    assert "'Z' is not one of the option ids" in error.text
    assert "id_correct_option_id_error" in key.get_attribute("aria-describedby")
    assert browser.find_elements(By.CSS_SELECTOR, ".errorlist") == [error]
    assert Assessment.objects.get(pk=draft.pk).content_version == 1
    assert AssessmentVersion.objects.filter(assessment=draft).count() == 1

    # when: they give a valid key and a new stem instead
    key = browser.find_element(By.NAME, "correct_option_id")
    key.clear()
    key.send_keys(other_key)
    stem = browser.find_element(By.NAME, "prompt")
    stem.clear()
    stem.send_keys("Which term does the course use for this idea?")
    click_and_wait(browser, browser.find_element(By.NAME, "_save_item"))

    # then: saved as content version 2, approved by its editor
    assert (
        f"Saved {mcq['questionId']}" in browser.find_element(By.CSS_SELECTOR, ".messagelist").text
    )
    edited = Assessment.objects.get(pk=draft.pk)
    assert edited.content_version == 2
    saved = next(q for q in questions(edited) if q["questionId"] == mcq["questionId"])
    assert (saved["correctOptionId"], saved["prompt"]) == (
        other_key,
        "Which term does the course use for this idea?",
    )
    item = browser.find_element(By.ID, f"item-{mcq['questionId']}")
    assert "approved" in item.get_attribute("class").split()

    # when: they regenerate section s2 and the job runs
    before_s2 = edited.content["sections"][1]["questions"]
    click_and_wait(
        browser, browser.find_element(By.CSS_SELECTOR, "button.regenerate-section[value='s2']")
    )
    assert "Regenerating s2" in browser.find_element(By.CSS_SELECTOR, ".messagelist").text
    job = run_until_finished(AIJob.objects.get(dedupe_key__startswith="regeneration:"))
    assert job.status == JobStatus.COMPLETED and job.result["applied"] is True
    browser.get(page)

    # then: s2 has new questions (same ids), listed as the regeneration's version, unapproved
    assert "saved as content version 3" in browser.find_element(By.ID, "regenerations").text
    regenerated = Assessment.objects.get(pk=draft.pk).content["sections"][1]["questions"]
    assert [q["questionId"] for q in regenerated] == [q["questionId"] for q in before_s2]
    assert {q["prompt"] for q in regenerated}.isdisjoint(q["prompt"] for q in before_s2)
    shown_stems = [
        element.text
        for element in browser.find_elements(By.CSS_SELECTOR, "#section-s2 .review-item .stem")
    ]
    assert shown_stems == [q["prompt"] for q in regenerated]

    # when: they try to publish before approving everything
    click_and_wait(browser, browser.find_element(By.ID, "publish-button"))
    assert "not approved" in browser.find_element(By.CSS_SELECTOR, ".messagelist").text
    assert Assessment.objects.get(pk=draft.pk).status == AssessmentStatus.DRAFT

    # when: they approve the questions one by one
    approvals = 0
    while buttons := browser.find_elements(By.CSS_SELECTOR, "button.approve-item"):
        click_and_wait(browser, buttons[0])
        approvals += 1
    assert approvals == len(questions(draft)) - 1  # the edited one was approved by its edit
    assert browser.find_element(By.ID, "unapproved-count").text == "0"

    # and publish
    click_and_wait(browser, browser.find_element(By.ID, "publish-button"))

    # then: it is published, and the preview shows it as a candidate sees it
    assert browser.find_element(By.ID, "publication-status").text == "PUBLISHED"
    assert Assessment.objects.get(pk=draft.pk).status == AssessmentStatus.PUBLISHED
    click_and_wait(browser, browser.find_element(By.ID, "preview-link"))
    shown = browser.find_elements(By.CSS_SELECTOR, ".preview-question")
    assert len(shown) == len(questions(draft))
    assert (
        "Which term does the course use for this idea?"
        in browser.find_element(By.ID, "candidate-preview").text
    )
    assert browser.find_element(By.ID, "preview-level").text == "SCORES"
    assert "✓" not in browser.find_element(By.ID, "candidate-preview").text
