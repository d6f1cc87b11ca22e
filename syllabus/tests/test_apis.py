"""Syllabus upload, list and detail through the REST API (real PostgreSQL, real PDFs)."""

import io
import time

import pytest

from harness import pdfs
from syllabus import services
from syllabus.models import Syllabus

from .conftest import pdf_file, stored_files

UPLOAD = "/api/v1/admin/syllabus/upload"
LIST = "/api/v1/admin/syllabus"

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(120)]


def resident_memory_bytes() -> int:
    status = open("/proc/self/status").read()  # noqa: SIM115
    kilobytes = next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS"))
    return int(kilobytes) * 1024


def upload(client, *files, subject="Algorithms", field="files[]"):
    return client.post(UPLOAD, {"subject": subject, field: list(files)}, format="multipart")


def assert_nothing_stored(media_root):
    assert Syllabus.objects.count() == 0
    assert stored_files(media_root) == []


def test_upload_multi_page_pdf(staff_client, staff, media_root, three_page_pdf):
    response = upload(staff_client, pdf_file(three_page_pdf, "algo.pdf"))

    assert response.status_code == 201
    [item] = response.json()["syllabi"]
    syllabus = Syllabus.objects.get()
    assert item == {
        "syllabusId": str(syllabus.id),
        "subject": "Algorithms",
        "filename": "algo.pdf",
        "pageCount": 3,
        "textLength": len(syllabus.text),
        "contentHash": f"sha256:{syllabus.content_hash}",
        "created": True,
        "createdAt": item["createdAt"],
    }
    assert pdfs.page_heading(1) in syllabus.text and pdfs.page_heading(3) in syllabus.text
    assert syllabus.uploaded_by == staff
    assert syllabus.file_size == len(three_page_pdf)
    [stored] = stored_files(media_root)
    assert stored.read_bytes() == three_page_pdf


def test_two_files_in_one_request_with_the_plain_files_field(staff_client):
    response = upload(
        staff_client,
        pdf_file(pdfs.text_pdf(1), "a.pdf"),
        pdf_file(pdfs.text_pdf(2), "b.pdf"),
        field="files",
    )

    assert response.status_code == 201
    assert [item["filename"] for item in response.json()["syllabi"]] == ["a.pdf", "b.pdf"]
    assert [item["pageCount"] for item in response.json()["syllabi"]] == [1, 2]
    assert Syllabus.objects.count() == 2


def test_reupload_of_the_same_content_is_200_created_false(staff_client, media_root):
    first = upload(staff_client, pdf_file(pdfs.text_pdf(2), "first.pdf")).json()["syllabi"][0]

    again = upload(staff_client, pdf_file(pdfs.text_pdf(2), "renamed.pdf"))

    assert again.status_code == 200
    [item] = again.json()["syllabi"]
    assert item["created"] is False
    assert item["syllabusId"] == first["syllabusId"]
    assert item["filename"] == "first.pdf"
    assert Syllabus.objects.count() == 1
    assert len(stored_files(media_root)) == 1  # the duplicate's file was not kept


def test_same_text_under_another_subject_creates_a_new_row(staff_client):
    upload(staff_client, pdf_file(pdfs.text_pdf(2)), subject="Algorithms")

    response = upload(staff_client, pdf_file(pdfs.text_pdf(2)), subject="Data Structures")

    assert response.status_code == 201
    assert Syllabus.objects.count() == 2


def test_same_content_twice_in_one_request(staff_client):
    response = upload(
        staff_client, pdf_file(pdfs.text_pdf(2), "x.pdf"), pdf_file(pdfs.text_pdf(2), "y.pdf")
    )

    assert response.status_code == 201
    created = [item["created"] for item in response.json()["syllabi"]]
    assert created == [True, False]
    assert Syllabus.objects.count() == 1


def test_real_sample_syllabi(staff_client):
    samples = pdfs.sample_syllabi()
    if not samples:
        pytest.skip("../shared/data/syllabi is absent")
    files = [pdf_file(path.read_bytes(), path.name) for path in samples]

    response = upload(staff_client, *files, subject="Samples")

    assert response.status_code == 201
    pages = {item["filename"]: item["pageCount"] for item in response.json()["syllabi"]}
    assert pages == {
        "computational-linguistics-lin7076.pdf": 2,
        "probability-statistics-csc217.pdf": 5,
        "programming-paradigms-cs231.pdf": 4,
    }
    assert all(item["textLength"] > 1000 for item in response.json()["syllabi"])


@pytest.mark.parametrize(
    ("content", "status", "code", "reason"),
    [
        (pdfs.not_a_pdf(), 415, "UNSUPPORTED_MEDIA_TYPE", None),
        (b"just some text named .pdf", 415, "UNSUPPORTED_MEDIA_TYPE", None),
        (pdfs.encrypted_pdf(), 422, "UNPROCESSABLE_PDF", "encrypted"),
        (pdfs.truncated_pdf(), 422, "UNPROCESSABLE_PDF", "corrupt"),
        (pdfs.image_only_pdf(), 422, "UNPROCESSABLE_PDF", "no_text"),
    ],
    ids=["png", "text", "encrypted", "truncated", "image-only"],
)
def test_bad_files_are_rejected_and_nothing_is_stored(
    staff_client, media_root, content, status, code, reason
):
    response = upload(staff_client, pdf_file(content, "bad.pdf"))

    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == code
    assert error["details"]["filename"] == "bad.pdf"
    if reason:
        assert error["details"]["reason"] == reason
    assert_nothing_stored(media_root)


def test_image_only_pdf_says_ocr_is_not_supported(staff_client):
    response = upload(staff_client, pdf_file(pdfs.image_only_pdf(), "scan.pdf"))
    assert "OCR is not supported" in response.json()["error"]["message"]


def test_over_the_page_cap(staff_client, settings, media_root):
    settings.SYLLABUS_MAX_PAGES = 3

    response = upload(staff_client, pdf_file(pdfs.text_pdf(4), "long.pdf"))

    assert response.status_code == 422
    assert response.json()["error"]["details"]["reason"] == "too_many_pages"
    assert "4 pages; the limit is 3" in response.json()["error"]["message"]
    assert_nothing_stored(media_root)


def test_over_the_size_limit_is_413(staff_client, settings, media_root):
    content = pdfs.text_pdf(40)
    settings.SYLLABUS_MAX_UPLOAD_BYTES = len(content) // 2

    response = upload(staff_client, pdf_file(content, "big.pdf"))

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"
    assert response.json()["error"]["details"]["filename"] == "big.pdf"
    assert_nothing_stored(media_root)


def test_a_body_larger_than_any_acceptable_upload_is_refused_unread(staff_client, settings):
    settings.SYLLABUS_MAX_UPLOAD_BYTES = 1000
    settings.SYLLABUS_MAX_FILES = 2

    class Unreadable(io.RawIOBase):
        def read(self, *args):
            raise AssertionError("the body must not be read")

    response = staff_client.generic(
        "POST",
        UPLOAD,
        content_type="multipart/form-data; boundary=xyz",
        CONTENT_LENGTH=str(10 * 1024 * 1024),
        **{"wsgi.input": Unreadable()},
    )

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"


def test_decompression_bomb_is_422_within_the_time_limit(staff_client, settings, media_root):
    settings.SYLLABUS_PARSE_MEMORY_BYTES = 512 << 20
    settings.SYLLABUS_PARSE_TIMEOUT_SECONDS = 20
    bomb = pdf_file(pdfs.bomb_pdf(4 << 30), "bomb.pdf")  # inflates to 4 GiB
    rss_before = resident_memory_bytes()
    started = time.monotonic()

    response = upload(staff_client, bomb)

    assert time.monotonic() - started < settings.SYLLABUS_PARSE_TIMEOUT_SECONDS + 5
    assert resident_memory_bytes() - rss_before < 64 << 20  # parsed elsewhere, not here
    assert response.status_code == 422
    assert response.json()["error"]["details"]["reason"] in {"crashed", "timeout"}
    assert_nothing_stored(media_root)


def test_one_bad_file_among_good_ones_rejects_the_whole_request(staff_client, media_root):
    response = upload(
        staff_client,
        pdf_file(pdfs.text_pdf(1), "good-1.pdf"),
        pdf_file(pdfs.encrypted_pdf(), "locked.pdf"),
        pdf_file(pdfs.text_pdf(2), "good-2.pdf"),
        pdf_file(pdfs.not_a_pdf(), "image.pdf"),
    )

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["details"]["filename"] == "locked.pdf"
    assert [(f["filename"], f["code"]) for f in error["details"]["files"]] == [
        ("locked.pdf", "UNPROCESSABLE_PDF"),
        ("image.pdf", "UNSUPPORTED_MEDIA_TYPE"),
    ]
    assert_nothing_stored(media_root)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"files[]": []}, "subject"),
        ({"subject": "   "}, "subject"),
        ({"subject": "Algorithms"}, "files"),
        ({"subject": "x" * 201}, "subject"),
    ],
)
def test_missing_or_invalid_fields(staff_client, media_root, data, field):
    if field == "subject" and "files[]" not in data:
        data = {**data, "files[]": [pdf_file(pdfs.text_pdf(1))]}

    response = staff_client.post(UPLOAD, data, format="multipart")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"
    assert field in response.json()["error"]["details"]
    assert_nothing_stored(media_root)


def test_too_many_files(staff_client, settings, media_root):
    settings.SYLLABUS_MAX_FILES = 2
    files = [pdf_file(pdfs.text_pdf(1), f"{n}.pdf") for n in range(3)]

    response = upload(staff_client, *files)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"
    assert_nothing_stored(media_root)


def test_json_body_is_415(staff_client):
    response = staff_client.post(UPLOAD, {"subject": "x"}, format="json")
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "UNSUPPORTED_MEDIA_TYPE"


@pytest.mark.parametrize("path", [UPLOAD, LIST])
def test_anonymous_is_401_and_candidate_is_403(api_client, candidate_client, path, media_root):
    method = "post" if path == UPLOAD else "get"
    kwargs = (
        {"data": {"subject": "x", "files[]": [pdf_file(pdfs.text_pdf(1))]}, "format": "multipart"}
        if method == "post"
        else {}
    )

    assert getattr(api_client, method)(path, **kwargs).status_code == 401
    response = getattr(candidate_client, method)(path, **kwargs)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "PERMISSION_DENIED"
    assert_nothing_stored(media_root)


def test_list_is_paginated_and_filters_by_subject(staff_client):
    for pages in (1, 2, 3):
        upload(staff_client, pdf_file(pdfs.text_pdf(pages), f"{pages}.pdf"), subject="Algorithms")
    upload(staff_client, pdf_file(pdfs.text_pdf(4), "other.pdf"), subject="Databases")

    everything = staff_client.get(LIST, {"pageSize": 2}).json()
    algorithms = staff_client.get(LIST + "/", {"subject": "algorithms"}).json()

    assert everything["count"] == 4 and len(everything["results"]) == 2
    assert everything["next"] and everything["previous"] is None
    assert "text" not in everything["results"][0]
    assert algorithms["count"] == 3
    assert {item["subject"] for item in algorithms["results"]} == {"Algorithms"}


def test_detail_includes_the_text(staff_client):
    item = upload(staff_client, pdf_file(pdfs.text_pdf(2))).json()["syllabi"][0]

    response = staff_client.get(f"{LIST}/{item['syllabusId']}")

    assert response.status_code == 200
    assert response.json()["text"] == Syllabus.objects.get().text
    assert response.json()["syllabusId"] == item["syllabusId"]


@pytest.mark.parametrize("syllabus_id", ["00000000-0000-0000-0000-000000000000", "not-a-uuid"])
def test_unknown_syllabus_is_404(staff_client, syllabus_id):
    response = staff_client.get(f"{LIST}/{syllabus_id}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NOT_FOUND"
    if syllabus_id != "not-a-uuid":  # a malformed id matches no route at all
        assert response.json()["error"]["message"] == "No such syllabus."


def test_a_list_filter_with_a_nul_byte_is_a_400_not_a_500(staff_client):
    response = staff_client.get("/api/v1/admin/syllabus", {"subject": "a\x00b"})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"
    assert "subject" in response.json()["error"]["details"]


@pytest.mark.parametrize("name", ["日本語.pdf", "Σύλλαβος.pdf", "★★★"])
def test_a_filename_of_any_script_is_stored_under_a_safe_name(staff_client, media_root, name):
    response = upload(staff_client, pdf_file(pdfs.text_pdf(1), name))

    assert response.status_code == 201, response.content
    assert response.json()["syllabi"][0]["filename"] == name
    [stored] = stored_files(media_root)
    assert stored.name.isascii() and stored.suffix == ".pdf"


def test_a_bad_second_file_leaves_media_and_database_unchanged(staff_client, media_root):
    # "★★★" has no storage-safe form; a NUL cannot be stored in PostgreSQL
    for bad_name in ["★★★", "a\x00b.pdf"]:
        response = upload(
            staff_client,
            pdf_file(pdfs.text_pdf(1), "good.pdf"),
            pdf_file(pdfs.text_pdf(2), bad_name),
        )
        assert response.status_code in (201, 400), response.content
        if response.status_code == 400:
            assert response.json()["error"]["code"] == "VALIDATION_ERROR"
            assert_nothing_stored(media_root)
        else:
            Syllabus.objects.all().delete()
            for path in stored_files(media_root):
                path.unlink()


def test_a_failure_while_storing_the_second_file_removes_the_first(
    staff_client, media_root, monkeypatch
):
    save_file = services._save_file
    calls = []

    def fail_on_the_second(upload):
        calls.append(upload.filename)
        if len(calls) == 2:
            raise OSError("disk full")
        return save_file(upload)

    monkeypatch.setattr(services, "_save_file", fail_on_the_second)

    response = upload(
        staff_client, pdf_file(pdfs.text_pdf(1), "one.pdf"), pdf_file(pdfs.text_pdf(2), "two.pdf")
    )

    assert response.status_code == 500
    assert set(response.json()["error"]) == {"code", "message", "details"}
    assert_nothing_stored(media_root)


def _multipart(boundary: str, subject: str, pdf: bytes) -> bytes:
    return (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="subject"\r\n\r\n{subject}\r\n'
            f"--{boundary}\r\nContent-Disposition: form-data; "
            f'name="files[]"; filename="course.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
        ).encode()
        + pdf
        + f"\r\n--{boundary}--\r\n".encode()
    )


def post_upload(client, body: bytes, boundary: str, key: str):
    return client.generic(
        "POST",
        UPLOAD,
        body,
        content_type=f"multipart/form-data; boundary={boundary}",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def test_an_idempotency_key_is_bound_to_the_uploads_content_not_its_size(staff_client):
    pdf = pdfs.text_pdf(2)
    middle = len(pdf) // 2
    same_size = pdf[:middle] + bytes([pdf[middle] ^ 0x01]) + pdf[middle + 1 :]

    first = post_upload(staff_client, _multipart("aaaa1111", "Algo", pdf), "aaaa1111", "k-1")
    other = post_upload(staff_client, _multipart("aaaa1111", "Algo", same_size), "aaaa1111", "k-1")

    assert first.status_code == 201
    assert other.status_code == 422 and other.json()["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert Syllabus.objects.count() == 1


def test_a_retried_upload_with_a_new_boundary_is_replayed(staff_client):
    pdf = pdfs.text_pdf(2)

    first = post_upload(staff_client, _multipart("first-bnd", "Algo", pdf), "first-bnd", "k-2")
    retry = post_upload(staff_client, _multipart("other-bnd-2", "Algo", pdf), "other-bnd-2", "k-2")

    assert first.status_code == retry.status_code == 201
    assert retry["Idempotent-Replayed"] == "true" and retry.json() == first.json()
    assert Syllabus.objects.count() == 1
