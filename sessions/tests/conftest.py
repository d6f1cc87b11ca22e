import pytest

from assessments.factories import make_assessment
from harness.client import CandidateFlow


@pytest.fixture
def assessment(db):
    return make_assessment()


class SessionFlow(CandidateFlow):
    """The contract's session calls, sent through Django's test client (`self.client`)."""

    def _send(self, method, path, body=None, *, kind, headers=None, params=None):
        meta = {f"HTTP_{n.upper().replace('-', '_')}": v for n, v in (headers or {}).items()}
        if method == "GET":
            return self.client.get(path, params, **meta)
        return self.client.post(path, body, format=None if body is None else "json", **meta)


@pytest.fixture
def flow(candidate_client):
    return SessionFlow(candidate_client)
