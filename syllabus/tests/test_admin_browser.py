"""A real browser (headless Chromium) logs in to the admin and uploads two PDFs."""

import shutil

import pytest

from assessment_engine.accounts.factories import DEFAULT_PASSWORD, UserFactory
from harness import pdfs
from syllabus.models import Syllabus

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(180)]

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")


@pytest.fixture
def browser():
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip(
            "Debian's chromium and chromium-driver are not installed (.ci/run installs them)"
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1280,1000",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.implicitly_wait(10)
    yield driver
    driver.quit()


def log_in_to_admin(browser, live_server, user) -> None:
    """Log `user` (made by UserFactory, so with its default password) in to the admin."""
    from selenium.webdriver.common.by import By

    browser.get(f"{live_server.url}/admin/login/")
    browser.find_element(By.NAME, "username").send_keys(user.username)
    browser.find_element(By.NAME, "password").send_keys(DEFAULT_PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    assert browser.find_element(By.ID, "user-tools")


@pytest.mark.django_db(transaction=True)
def test_staff_uploads_two_pdfs_in_the_admin(browser, live_server, tmp_path, settings):
    from selenium.webdriver.common.by import By

    settings.MEDIA_ROOT = tmp_path / "media"
    admin = UserFactory(is_staff=True, is_superuser=True)
    one, four = tmp_path / "intro.pdf", tmp_path / "advanced.pdf"
    one.write_bytes(pdfs.text_pdf(1))
    four.write_bytes(pdfs.text_pdf(4))

    # given: a logged-in staff member
    log_in_to_admin(browser, live_server, admin)

    # when: they upload two PDFs from the syllabus list's "Upload syllabi" page
    browser.get(f"{live_server.url}/admin/syllabus/syllabus/")
    browser.find_element(By.CSS_SELECTOR, "a[href$='/syllabus/syllabus/upload/']").click()
    browser.find_element(By.NAME, "subject").send_keys("Algorithms")
    browser.find_element(By.NAME, "files").send_keys(f"{one}\n{four}")
    browser.find_element(By.NAME, "_upload").click()

    # then: both rows appear with their page counts
    rows = browser.find_elements(By.CSS_SELECTOR, "#upload-results tbody tr")
    outcomes = {
        row.find_elements(By.TAG_NAME, "td")[0].text: row.find_element(
            By.CSS_SELECTOR, "td.pages"
        ).text
        for row in rows
    }
    assert outcomes == {"intro.pdf": "1", "advanced.pdf": "4"}

    browser.get(f"{live_server.url}/admin/syllabus/syllabus/")
    listing = browser.find_element(By.ID, "result_list").text
    assert "intro.pdf" in listing and "advanced.pdf" in listing
    assert Syllabus.objects.count() == 2
