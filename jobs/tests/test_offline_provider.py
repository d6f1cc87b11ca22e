"""OfflineProvider: the request's own deterministic answer, packaged like a real provider's."""

from __future__ import annotations

import socket

import pytest

from jobs.ai.base import AIRequest
from jobs.ai.offline import OfflineProvider

ANSWER = {"questions": [{"prompt": "Define entropy.", "marks": 2}], "version": 1}


def make_request() -> AIRequest:
    return AIRequest(
        purpose="generation",
        prompt_version="test-v1",
        system_instruction="Write questions.",
        contents="<syllabus>Thermodynamics</syllabus>",
        response_schema={"type": "OBJECT"},
        offline_answer=lambda: dict(ANSWER),
    )


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the offline provider opened a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_returns_the_requests_offline_answer(no_network):
    response = OfflineProvider().complete(make_request())

    assert response.data == ANSWER
    assert (response.provider, response.model) == ("offline", "offline-v1")
    assert response.input_tokens is None
    assert response.output_tokens is None


def test_raw_text_is_the_answer_as_sorted_json(no_network):
    response = OfflineProvider(model="offline-test").complete(make_request())

    assert response.raw_text == (
        '{"questions": [{"marks": 2, "prompt": "Define entropy."}], "version": 1}'
    )
    assert response.model == "offline-test"


def test_is_deterministic(no_network):
    provider = OfflineProvider()

    first, second = provider.complete(make_request()), provider.complete(make_request())

    assert first == second
