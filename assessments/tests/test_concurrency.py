"""Thirty staff members trigger the same generation at once: exactly one job."""

import threading

import pytest
from django.db import connection

from jobs.models import AIJob
from syllabus.factories import make_syllabus

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]

TRIGGERS = 30


def test_30_concurrent_triggers_make_one_job(client_for, staff):
    syllabus = make_syllabus()
    clients = [client_for(staff) for _ in range(TRIGGERS)]
    barrier = threading.Barrier(TRIGGERS)
    responses = [None] * TRIGGERS

    def trigger(index: int) -> None:
        try:
            barrier.wait()
            responses[index] = clients[index].post(
                "/api/v1/assessments/generate", {"syllabusId": str(syllabus.pk)}, format="json"
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=trigger, args=(n,)) for n in range(TRIGGERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert AIJob.objects.count() == 1
    job = AIJob.objects.get()
    assert sorted(r.status_code for r in responses) == [200] * (TRIGGERS - 1) + [202]
    assert {r.json()["jobId"] for r in responses} == {str(job.pk)}
    assert sum(not r.json()["deduplicated"] for r in responses) == 1
