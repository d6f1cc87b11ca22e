import pytest

from .factories import make_assessment


@pytest.fixture
def assessment(db):
    return make_assessment()


class SessionFlow:
    """The contract's session calls, for one authenticated client."""

    def __init__(self, client):
        self.client = client

    def opt_in(self, assessment_id, **extra):
        return self.client.post(
            "/api/v1/sessions/opt-in", {"assessmentId": str(assessment_id), **extra}, format="json"
        )

    def start(self, session_id, **extra):
        return self.client.post(
            "/api/v1/sessions/start", {"sessionId": str(session_id), **extra}, format="json"
        )

    def submit(self, session_id, index, section_id=None, answers=None, **headers):
        body = {
            "sectionId": section_id or f"s{index + 1}",
            "sectionIndex": index,
            "answers": answers if answers is not None else {},
        }
        return self.client.post(
            f"/api/v1/sessions/{session_id}/submit-section", body, format="json", **headers
        )

    def heartbeat(self, session_id):
        return self.client.post(f"/api/v1/sessions/{session_id}/heartbeat")

    def complete(self, session_id):
        return self.client.post(f"/api/v1/sessions/{session_id}/complete")

    def get(self, session_id, **params):
        return self.client.get(f"/api/v1/sessions/{session_id}", params)

    def active_session(self, assessment) -> str:
        session_id = self.opt_in(assessment.pk).json()["sessionId"]
        assert self.start(session_id).status_code == 200
        return session_id


@pytest.fixture
def flow(candidate_client):
    return SessionFlow(candidate_client)
