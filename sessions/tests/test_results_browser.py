"""A real browser (headless Chromium): staff open an assessment's results from its admin page,
filter them, download the CSV of scores, and read the item statistics with their chart."""

import csv
import io

import pytest

from assessment_engine.accounts.factories import UserFactory
from syllabus.tests import test_admin_browser

from .results_data import example_assessment, example_sessions, graded_session

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(180)]

browser = test_admin_browser.browser  # Debian's chromium + chromedriver, skipped when absent

# The download, read by the page itself with the admin's session cookie (a headless browser's
# download lands in a directory the test would have to watch).
FETCH_TEXT = """
const done = arguments[arguments.length - 1];
fetch(arguments[0]).then(
  r => r.text().then(text => done([r.status, r.headers.get('content-type'), text])));
"""


@pytest.mark.django_db(transaction=True)
def test_staff_read_results_download_csv_and_see_statistics(browser, live_server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    # given: the hand-computed example of test_statistics, and one answer awaiting a person
    assessment = example_assessment(title="Hashing")
    example_sessions(assessment)
    graded_session(assessment, "eve", {"s1q1": 1}, {"s1q1": "B"}, flagged={"s1q2"})
    admin = UserFactory(is_staff=True, is_superuser=True)
    test_admin_browser.log_in_to_admin(browser, live_server, admin)

    # when: they open the results from the assessment's page
    browser.get(f"{live_server.url}/admin/assessments/assessment/{assessment.pk}/change/")
    browser.find_element(By.ID, "results-link").click()

    # then: one row per session, candidates by name
    rows = browser.find_elements(By.CSS_SELECTOR, "#results tbody tr")
    assert [row.find_element(By.TAG_NAME, "td").text for row in rows] == [
        "ann",
        "bob",
        "cid",
        "dee",
        "eve",
    ]
    assert "6 / 7" in rows[0].text and "85.71%" in rows[0].text

    # when: they keep the sessions awaiting a person
    Select(browser.find_element(By.NAME, "review_state")).select_by_value("NEEDS_REVIEW")
    browser.find_element(By.CSS_SELECTOR, "#results-filters input[type=submit]").click()

    # then: only eve's is left, and the CSV of scores is that filtered export
    rows = browser.find_elements(By.CSS_SELECTOR, "#results tbody tr")
    assert [row.find_element(By.TAG_NAME, "td").text for row in rows] == ["eve"]
    href = browser.find_element(By.ID, "scores-csv").get_attribute("href")
    status, content_type, text = browser.execute_async_script(FETCH_TEXT, href)
    assert (status, content_type) == (200, "text/csv; charset=utf-8")
    header, *lines = list(csv.reader(io.StringIO(text)))
    assert header[:2] == ["username", "userId"] and header[-3:] == ["s1q1", "s1q2", "s1q3"]
    assert [line[0] for line in lines] == ["eve"]
    assert lines[0][-4:] == ["NEEDS_REVIEW", "1", "0", "0"]

    # when: they open the item statistics
    browser.find_element(By.ID, "statistics-link").click()

    # then: the test's figures, each question's, the flagged distractor and the chart
    figures = browser.find_element(By.ID, "test-figures").text
    assert "Attempts 5" in figures
    s1q3 = browser.find_element(By.CSS_SELECTOR, "#question-statistics tr[data-question=s1q3]")
    assert "D: 0" in s1q3.text and "C ✓: 2" in s1q3.text
    assert "No candidate chose option D." in browser.find_element(By.ID, "flags").text
    bars = browser.find_elements(By.CSS_SELECTOR, "#score-distribution rect")
    heights = [float(bar.get_attribute("height")) for bar in bars]
    assert len(bars) == 10 and heights[1] == max(heights) > 0  # 10-20 %: dee and eve
    assert bars[1].rect["height"] > 0  # drawn, not only in the markup
