"""Concurrent uploads of the same content: the unique constraint decides, exactly one row."""

import threading

import pytest
from django.db import connection

from harness import pdfs
from syllabus.models import Syllabus

from .conftest import pdf_file, stored_files

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(180)]

UPLOADERS = 20


def test_20_concurrent_uploads_of_the_same_content_make_one_row(client_for, staff, media_root):
    content = pdfs.text_pdf(2)
    clients = [client_for(staff) for _ in range(UPLOADERS)]
    barrier = threading.Barrier(UPLOADERS)
    responses = [None] * UPLOADERS

    def upload(index: int) -> None:
        try:
            barrier.wait()
            responses[index] = clients[index].post(
                "/api/v1/admin/syllabus/upload",
                {"subject": "Race", "files[]": [pdf_file(content, f"copy-{index}.pdf")]},
                format="multipart",
            )
        finally:
            connection.close()  # each thread had its own connection

    threads = [threading.Thread(target=upload, args=(n,)) for n in range(UPLOADERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] * (UPLOADERS - 1) + [201]
    items = [response.json()["syllabi"][0] for response in responses]
    assert sum(item["created"] for item in items) == 1
    assert len({item["syllabusId"] for item in items}) == 1
    assert Syllabus.objects.count() == 1
    assert len(stored_files(media_root)) == 1  # losers removed the files they wrote
