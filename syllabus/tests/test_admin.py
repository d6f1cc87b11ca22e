"""The admin's syllabus pages, through Django's test client (the browser test is separate)."""

import pytest
from django.test import Client

from harness import pdfs
from syllabus.models import Syllabus

from .conftest import pdf_file, stored_files

pytestmark = pytest.mark.django_db

UPLOAD_PAGE = "/admin/syllabus/syllabus/upload/"


@pytest.fixture
def admin_client_logged_in(superuser_client):
    return superuser_client


def test_upload_page_stores_several_pdfs_and_lists_them(admin_client_logged_in):
    response = admin_client_logged_in.post(
        UPLOAD_PAGE,
        {
            "subject": "Algorithms",
            "files": [
                pdf_file(pdfs.text_pdf(1), "one.pdf"),
                pdf_file(pdfs.text_pdf(3), "three.pdf"),
            ],
        },
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "2 syllabus(es) created, 0 existed." in page
    assert "one.pdf" in page and "three.pdf" in page
    assert sorted(Syllabus.objects.values_list("page_count", flat=True)) == [1, 3]

    listing = admin_client_logged_in.get("/admin/syllabus/syllabus/?q=three").content.decode()
    assert "three.pdf" in listing and "one.pdf" not in listing


def test_upload_page_reports_rejected_files_and_stores_nothing(admin_client_logged_in, media_root):
    response = admin_client_logged_in.post(
        UPLOAD_PAGE,
        {
            "subject": "Algorithms",
            "files": [
                pdf_file(pdfs.text_pdf(1), "fine.pdf"),
                pdf_file(pdfs.encrypted_pdf(), "locked.pdf"),
            ],
        },
    )

    page = response.content.decode()
    assert "Nothing was stored" in page
    assert "locked.pdf" in page and "encrypted" in page
    assert Syllabus.objects.count() == 0 and stored_files(media_root) == []


def test_upload_page_refuses_an_oversize_file(admin_client_logged_in, settings, media_root):
    settings.SYLLABUS_MAX_UPLOAD_BYTES = 2000
    response = admin_client_logged_in.post(
        UPLOAD_PAGE, {"subject": "Algorithms", "files": [pdf_file(pdfs.text_pdf(5), "big.pdf")]}
    )

    assert "larger than the 2000 byte limit" in response.content.decode()
    assert Syllabus.objects.count() == 0 and stored_files(media_root) == []


def test_upload_page_refuses_too_many_files_with_the_apis_message(
    admin_client_logged_in, settings, media_root
):
    from syllabus.errors import TooManyFiles

    settings.SYLLABUS_MAX_FILES = 2
    files = [pdf_file(pdfs.text_pdf(1), f"{n}.pdf") for n in range(3)]
    response = admin_client_logged_in.post(UPLOAD_PAGE, {"subject": "Algorithms", "files": files})

    assert TooManyFiles.default_message in response.content.decode()
    assert Syllabus.objects.count() == 0 and stored_files(media_root) == []


def test_upload_page_checks_csrf(staff):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)

    response = client.post(UPLOAD_PAGE, {"subject": "x", "files": [pdf_file(pdfs.text_pdf(1))]})

    assert response.status_code == 403
    assert Syllabus.objects.count() == 0


def test_upload_page_needs_staff(candidate):
    client = Client()
    client.force_login(candidate)

    response = client.get(UPLOAD_PAGE)

    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_detail_page_shows_a_text_preview(admin_client_logged_in):
    admin_client_logged_in.post(
        UPLOAD_PAGE, {"subject": "Algorithms", "files": [pdf_file(pdfs.text_pdf(2))]}
    )
    syllabus = Syllabus.objects.get()

    page = admin_client_logged_in.get(f"/admin/syllabus/syllabus/{syllabus.pk}/change/")

    assert page.status_code == 200
    assert pdfs.page_heading(2) in page.content.decode()
