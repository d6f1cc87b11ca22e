"""Throttling protects capacity but never takes the candidate API down with Redis."""

import pytest
from django.core.cache import cache
from django.test import override_settings

from assessments.factories import make_assessment

pytestmark = pytest.mark.django_db


def test_throttling_fails_open_when_redis_is_down(candidate_client, rates, settings):
    rates(candidate="1/min")
    assessment = make_assessment()
    unreachable = {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0"}
    with override_settings(CACHES={"default": unreachable}):
        responses = [
            candidate_client.post(
                "/api/v1/sessions/opt-in", {"assessmentId": str(assessment.pk)}, format="json"
            )
            for _ in range(3)
        ]
    cache.close()

    assert [r.status_code for r in responses] == [201, 200, 200]
