"""The candidate view's cache, and reads that go to the replica."""

import pytest
from django.core.cache import cache
from django.db import connections
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from assessments.factories import make_assessment
from assessments.models import Assessment, AssessmentStatus

pytestmark = pytest.mark.django_db


def test_the_candidate_view_is_cached_by_id_and_version(staff_client, django_assert_num_queries):
    assessment = make_assessment()
    url = f"/api/v1/assessments/{assessment.pk}"
    with django_assert_num_queries(3):  # token, assessment (no content), content
        first = staff_client.get(url).json()
    with django_assert_num_queries(2):  # token, assessment: the view is cached
        assert staff_client.get(url).json() == first
    cached = cache.get(f"assessment:{assessment.pk}:v1:candidate-view")
    assert cached == {key: value for key, value in first.items() if key != "policy"}


def test_a_process_that_has_not_seen_a_version_takes_the_view_from_redis(
    django_assert_num_queries,
):
    from assessments import content_cache

    assessment = make_assessment()
    built = content_cache.candidate_view_of(assessment.pk, assessment.content_version)
    content_cache._candidate_views.clear()  # as in another process: an empty memo
    content_cache._content.clear()

    with django_assert_num_queries(0):
        shared = content_cache.candidate_view_of(assessment.pk, assessment.content_version)

    assert shared == built and shared is not built
    assert "correctOptionId" not in str(shared)
    assert not content_cache._content  # the answer keys were never needed


def test_publishing_again_invalidates_by_bumping_the_version(staff_client):
    assessment = make_assessment()
    url = f"/api/v1/assessments/{assessment.pk}"
    staff_client.get(url)
    content = {**assessment.content, "title": "Renamed"}
    Assessment.objects.filter(pk=assessment.pk).update(content=content, version=2)

    assert staff_client.get(url).json()["title"] == "Renamed"


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


def test_the_content_memo_is_keyed_by_version_and_any_content_change_bumps_it():
    from assessments.content_cache import candidate_view_of, content_of

    assessment = make_assessment()
    first = candidate_view_of(assessment.pk, assessment.content_version)
    assert candidate_view_of(assessment.pk, assessment.content_version) is first  # built once

    edited = {**assessment.content, "title": "Corrected title"}
    Assessment.objects.filter(pk=assessment.pk).update(content=edited)  # no version given
    assessment.refresh_from_db()

    assert (assessment.version, assessment.content_version) == (2, 2)  # the triggers bumped both
    assert candidate_view_of(assessment.pk, 2)["title"] == "Corrected title"
    assert content_of(assessment.pk, 2) == edited
    assert first["title"] != "Corrected title"


def test_saving_unchanged_content_keeps_the_version():
    assessment = make_assessment()
    assessment.title = "Renamed"
    assessment.save()  # writes every column, the content unchanged

    assessment.refresh_from_db()
    assert assessment.version == 1
