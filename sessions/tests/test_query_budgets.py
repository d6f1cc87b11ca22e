"""Exact query counts for the hot endpoints (a regression here is a per-request cost).

Inside a test the service's transaction is a savepoint, so SAVEPOINT and RELEASE count as two
queries here that are BEGIN/COMMIT (uncounted) in production.
"""

import pytest

pytestmark = pytest.mark.django_db

TRANSACTION = 2  # SAVEPOINT + RELEASE
# token; lock session+assessment; insert submission; update session
SUBMIT_QUERIES = 1 + TRANSACTION + 3
# token; lock user; lock session+assessment; expire stale others; look for another active; update
# (the update runs in a savepoint of its own, to map the unique index to a 409)
START_QUERIES = 1 + TRANSACTION + 5 + TRANSACTION
# token; session + assessment + evaluation job in one select
DETAIL_QUERIES = 2


def test_submit_section_query_budget(flow, assessment, django_assert_num_queries):
    session_id = flow.active_session(assessment)
    with django_assert_num_queries(SUBMIT_QUERIES):
        assert flow.submit(session_id, 0, answers={"s1q1": "B"}).status_code == 201


def test_start_query_budget(flow, assessment, django_assert_num_queries):
    session_id = flow.opt_in(assessment.pk).json()["sessionId"]
    with django_assert_num_queries(START_QUERIES):
        assert flow.start(session_id).status_code == 200


def test_detail_query_budget(flow, assessment, django_assert_num_queries):
    session_id = flow.active_session(assessment)
    with django_assert_num_queries(DETAIL_QUERIES):
        assert flow.get(session_id).status_code == 200
