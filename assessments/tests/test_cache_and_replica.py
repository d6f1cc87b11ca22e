"""The candidate view's cache, and reads that go to the replica."""

import pytest
from django.core.cache import cache
from django.db import connections
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from assessments.models import Assessment, AssessmentStatus
from sessions.tests.factories import make_assessment

pytestmark = pytest.mark.django_db


def test_the_candidate_view_is_cached_by_id_and_version(
    candidate_client, django_assert_num_queries
):
    assessment = make_assessment()
    url = f"/api/v1/assessments/{assessment.pk}"
    with django_assert_num_queries(3):  # token, version, content
        first = candidate_client.get(url).json()
    with django_assert_num_queries(2):  # token, version: the view comes from Redis
        assert candidate_client.get(url).json() == first
    assert cache.get(f"assessment:{assessment.pk}:v1:candidate-view") == first


def test_publishing_again_invalidates_by_bumping_the_version(candidate_client, staff):
    assessment = make_assessment()
    url = f"/api/v1/assessments/{assessment.pk}"
    candidate_client.get(url)
    content = {**assessment.content, "title": "Renamed"}
    Assessment.objects.filter(pk=assessment.pk).update(content=content, version=2)

    assert candidate_client.get(url).json()["title"] == "Renamed"


def test_unpublished_assessments_are_not_served_from_the_cache(candidate_client):
    assessment = make_assessment()
    url = f"/api/v1/assessments/{assessment.pk}"
    candidate_client.get(url)
    Assessment.objects.filter(pk=assessment.pk).update(
        status=AssessmentStatus.DRAFT, published_at=None, version=2
    )

    assert candidate_client.get(url).status_code == 404


def test_the_cache_fails_open(candidate_client, settings):
    assessment = make_assessment()
    unreachable = {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0"}
    with override_settings(CACHES={"default": unreachable}):
        response = candidate_client.get(f"/api/v1/assessments/{assessment.pk}")
    cache.close()

    assert response.status_code == 200 and response.json()["title"] == "Quiz"


def sql_per_alias(request) -> tuple[str, str]:
    """The SQL one request ran on the replica and on the primary."""
    with (
        CaptureQueriesContext(connections["replica"]) as replica_queries,
        CaptureQueriesContext(connections["default"]) as primary_queries,
    ):
        assert request().status_code == 200
    return (
        " ".join(q["sql"] for q in replica_queries.captured_queries),
        " ".join(q["sql"] for q in primary_queries.captured_queries),
    )


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_status_polling_and_listings_read_from_the_replica(staff_client, settings):
    from jobs.models import AIJob, JobType
    from jobs.services import job_create_or_get

    settings.READ_REPLICA_ALIAS = "replica"
    make_assessment()
    job = job_create_or_get(job_type=JobType.GENERATION, dedupe_key="k", payload={}).job

    for url, table in [
        (f"/api/v1/jobs/{job.pk}", "jobs_aijob"),
        ("/api/v1/assessments", "assessments_assessment"),
    ]:
        replica_sql, primary_sql = sql_per_alias(lambda url=url: staff_client.get(url))
        assert table in replica_sql and table not in primary_sql
    assert AIJob.objects.count() == 1


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_admin_list_pages_read_from_the_replica_and_actions_write_to_the_primary(staff, settings):
    from django.test import Client

    settings.READ_REPLICA_ALIAS = "replica"
    staff.is_superuser = True
    staff.save()
    client = Client()
    client.force_login(staff)
    assessment = make_assessment()

    with CaptureQueriesContext(connections["replica"]) as replica_queries:
        assert client.get("/admin/assessments/assessment/").status_code == 200
    replica_sql = " ".join(q["sql"] for q in replica_queries.captured_queries)
    client.post(
        "/admin/assessments/assessment/",
        {"action": "unpublish", "_selected_action": [str(assessment.pk)]},
    )

    assert "assessments_assessment" in replica_sql
    assert Assessment.objects.get().status == AssessmentStatus.DRAFT


def test_the_session_views_memo_of_an_assessment_is_keyed_by_its_version():
    from assessments.candidate_view import candidate_view

    assessment = make_assessment()
    first = candidate_view(assessment)
    assert candidate_view(Assessment.objects.get(pk=assessment.pk)) is first  # built once

    assessment.content["title"] = "Corrected title"
    assessment.version += 1
    assessment.save(update_fields=["content", "version"])

    changed = candidate_view(Assessment.objects.get(pk=assessment.pk))
    assert changed["title"] == "Corrected title" and first["title"] != "Corrected title"
