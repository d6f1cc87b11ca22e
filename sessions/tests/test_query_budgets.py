"""Exact query counts for the hot endpoints (a regression here is a per-request cost).

Inside a test the service's transaction is a savepoint, so SAVEPOINT and RELEASE count as two
queries here that are BEGIN/COMMIT (uncounted) in production.

An assessment's content comes from a per-process memo (`assessments.content_cache`): one query
the first time a process needs it, none after. The budgets are for the warm memo, as in a
running server; the last test prices the cold read.
"""

import pytest

from assessments.content_cache import content_of
from assessments.factories import make_assessment

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def warm_content_memo(assessment):
    content_of(assessment.pk, assessment.content_version)


TRANSACTION = 2  # SAVEPOINT + RELEASE
# token; lock session (with its assessment's version and policy, deadline checked in Python);
# insert submission; update session
SUBMIT_QUERIES = 1 + TRANSACTION + 3
# token; lock user; lock session (with its assessment's policy); lock another ACTIVE session
# of the user, if any (the clock may end it); update (in a savepoint of its own, to map the
# unique index to a 409)
START_QUERIES = 1 + TRANSACTION + 3 + 1 + TRANSACTION
# token; session + assessment version and policy + evaluation job in one select
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


def test_a_process_reads_an_assessments_content_once(flow, django_assert_num_queries):
    cold = make_assessment()
    session_id = flow.opt_in(cold.pk).json()["sessionId"]
    with django_assert_num_queries(START_QUERIES + 1):  # + the content, into the memo
        assert flow.start(session_id).status_code == 200
    with django_assert_num_queries(DETAIL_QUERIES):
        assert flow.get(session_id).status_code == 200
