import pytest

from assessments.factories import make_assessment
from harness.client import SessionFlow


@pytest.fixture
def assessment(db):
    return make_assessment()


@pytest.fixture
def flow(candidate_client):
    return SessionFlow(candidate_client)
