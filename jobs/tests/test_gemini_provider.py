"""GeminiProvider with the real google-genai client against the local fake Gemini server.

Every test counts the requests the fake received: the job runner owns retries, so one
`complete()` must be exactly one HTTP request whatever happens. Nothing here leaves 127.0.0.1.
"""

from __future__ import annotations

import socket
import threading
import time
import traceback
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from harness.fake_gemini import FakeGemini, Reply, json_reply, text_reply
from jobs.ai.base import AIError, AIRequest, PermanentAIError, TransientAIError
from jobs.ai.factory import clear_provider_cache, get_provider
from jobs.ai.gemini import GeminiProvider
from jobs.ai.offline import OfflineProvider

API_KEY = "test-key-not-real-123"
MODEL = "gemini-2.5-flash"
SCHEMA = {
    "type": "OBJECT",
    "properties": {"questions": {"type": "ARRAY", "items": {"type": "STRING"}}},
    "required": ["questions"],
}
SYLLABUS_CONTENTS = "<syllabus>\nUnit 1: Thermodynamics\n</syllabus>"


def make_request(**overrides: object) -> AIRequest:
    fields: dict[str, object] = {
        "purpose": "generation",
        "prompt_version": "test-v1",
        "system_instruction": "Write questions about the syllabus between the tags.",
        "contents": SYLLABUS_CONTENTS,
        "response_schema": SCHEMA,
        "offline_answer": lambda: {"questions": ["offline"]},
        "temperature": 0.2,
    }
    fields.update(overrides)
    return AIRequest(**fields)  # type: ignore[arg-type]


@pytest.fixture
def fake() -> Iterator[FakeGemini]:
    with FakeGemini() as server:
        yield server


@pytest.fixture
def provider(fake: FakeGemini) -> GeminiProvider:
    return GeminiProvider(api_key=API_KEY, model=MODEL, base_url=fake.url, timeout_seconds=5)


def complete_expecting(provider: GeminiProvider, error: type[AIError]) -> AIError:
    with pytest.raises(error) as caught:
        provider.complete(make_request())
    return caught.value


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- success -------------------------------------------------------------------------------


def test_valid_json_answer_returns_data_and_token_usage(fake, provider):
    fake.respond_json({"questions": ["What is entropy?"]})

    response = provider.complete(make_request())

    assert response.data == {"questions": ["What is entropy?"]}
    assert response.raw_text == '{"questions": ["What is entropy?"]}'
    assert (response.provider, response.model) == ("gemini", MODEL)
    assert response.input_tokens == 120
    assert response.output_tokens == len(response.raw_text) // 4
    assert response.extra["finish_reason"] == "STOP"
    assert len(fake.calls) == 1


def test_request_carries_instruction_schema_contents_and_key_header(fake, provider):
    fake.respond_json({"questions": []})

    provider.complete(make_request())

    (call,) = fake.calls
    assert call.path == f"/v1beta/models/{MODEL}:generateContent"
    assert call.headers["x-goog-api-key"] == API_KEY
    body = call.body
    assert body["contents"] == [{"role": "user", "parts": [{"text": SYLLABUS_CONTENTS}]}]
    assert body["systemInstruction"]["parts"] == [
        {"text": "Write questions about the syllabus between the tags."}
    ]
    config = body["generationConfig"]
    assert config["responseMimeType"] == "application/json"
    assert config["responseSchema"] == SCHEMA
    assert config["temperature"] == 0.2


def test_one_shared_provider_serves_concurrent_threads(fake, provider):
    # A long enough answer delay that all threads are in flight together even on a busy host.
    delay = 1.5
    fake.default = lambda _body: json_reply({"questions": ["q"]}, delay=delay)
    threads = 20

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        responses = list(pool.map(lambda _: provider.complete(make_request()), range(threads)))
    elapsed = time.monotonic() - started

    assert all(r.data == {"questions": ["q"]} for r in responses)
    assert len(fake.calls) == threads
    assert fake.max_in_flight == threads  # truly concurrent, not serialized by the client
    assert elapsed < delay * threads / 2


# --- HTTP errors ---------------------------------------------------------------------------


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_retryable_statuses_are_transient(fake, provider, status):
    fake.respond_error(status, "try later")

    error = complete_expecting(provider, TransientAIError)

    assert error.status_code == status
    assert "try later" in str(error)
    assert f'"code": {status}' in error.raw_text
    assert len(fake.calls) == 1  # the SDK did not retry on its own


@pytest.mark.parametrize("status", [400, 401, 403, 404])
def test_client_errors_are_permanent(fake, provider, status):
    fake.respond_error(status, "you sent something wrong")

    error = complete_expecting(provider, PermanentAIError)

    assert error.status_code == status
    assert len(fake.calls) == 1


def test_api_key_never_appears_in_errors_even_when_the_server_echoes_it(fake, provider):
    fake.respond_error(400, f"API key not valid: {API_KEY}")

    error = complete_expecting(provider, PermanentAIError)

    whole_traceback = "".join(traceback.format_exception(error))
    for text in (str(error), error.raw_text, whole_traceback, repr(provider)):
        assert API_KEY not in text
    assert "[redacted]" in str(error)


def test_non_json_http_body_is_transient(fake, provider):
    fake.respond(Reply(200, "<html>gateway says hi</html>"))

    error = complete_expecting(provider, TransientAIError)

    assert error.raw_text == "<html>gateway says hi</html>"
    assert len(fake.calls) == 1


# --- answers that are not a JSON object ----------------------------------------------------


def test_malformed_json_is_transient_and_keeps_the_raw_text(fake, provider):
    fake.respond_text('{"questions": ["unterminated')

    error = complete_expecting(provider, TransientAIError)

    assert "not valid JSON" in str(error)
    assert error.raw_text == '{"questions": ["unterminated'
    assert len(fake.calls) == 1


def test_json_array_instead_of_object_is_transient(fake, provider):
    fake.respond_json([{"question": "q"}])

    error = complete_expecting(provider, TransientAIError)

    assert "not an object" in str(error)
    assert error.raw_text == '[{"question": "q"}]'
    assert len(fake.calls) == 1


def test_empty_answer_is_transient(fake, provider):
    fake.respond_text("   ")

    error = complete_expecting(provider, TransientAIError)

    assert "empty answer" in str(error)
    assert len(fake.calls) == 1


def test_prompt_blocked_without_candidates_is_transient(fake, provider):
    fake.respond_blocked()

    error = complete_expecting(provider, TransientAIError)

    assert "SAFETY" in str(error)
    assert "promptFeedback" in error.raw_text or "prompt_feedback" in error.raw_text
    assert len(fake.calls) == 1


def test_answer_withheld_for_safety_is_transient(fake, provider):
    fake.respond(text_reply('{"questions": ["half', finish_reason="SAFETY"))

    error = complete_expecting(provider, TransientAIError)

    assert "SAFETY" in str(error)
    assert error.raw_text == '{"questions": ["half'
    assert len(fake.calls) == 1


# --- transport failures --------------------------------------------------------------------


def test_answer_slower_than_the_timeout_is_transient(fake):
    provider = GeminiProvider(api_key=API_KEY, model=MODEL, base_url=fake.url, timeout_seconds=0.5)
    fake.respond_delay(2)

    started = time.monotonic()
    error = complete_expecting(provider, TransientAIError)
    elapsed = time.monotonic() - started

    assert "timeout after 0.5 s" in str(error)
    assert 0.4 < elapsed < 1.5
    assert len(fake.calls) == 1


def test_connection_refused_is_transient():
    base_url = f"http://127.0.0.1:{closed_port()}"
    provider = GeminiProvider(api_key=API_KEY, model=MODEL, base_url=base_url, timeout_seconds=2)

    error = complete_expecting(provider, TransientAIError)

    assert "connection failed" in str(error)
    assert API_KEY not in str(error)


# --- construction --------------------------------------------------------------------------


def test_config_the_sdk_rejects_is_permanent_and_sends_nothing(fake, provider):
    with pytest.raises(PermanentAIError, match="invalid Gemini request config"):
        provider.complete(make_request(temperature="warm"))

    assert fake.calls == []


def test_repr_hides_the_api_key(provider):
    assert API_KEY not in repr(provider)
    assert MODEL in repr(provider)


@pytest.mark.parametrize("api_key", ["", "   "])
def test_provider_needs_a_key(api_key):
    with pytest.raises(ValueError, match="API key"):
        GeminiProvider(api_key=api_key, model=MODEL)


# --- factory -------------------------------------------------------------------------------


@pytest.fixture
def gemini_settings(settings, fake: FakeGemini):
    settings.AI_PROVIDER = "gemini"
    settings.GEMINI_API_KEY = API_KEY
    settings.GEMINI_MODEL = MODEL
    settings.GEMINI_API_BASE_URL = fake.url
    settings.AI_REQUEST_TIMEOUT_SECONDS = 7
    return settings


@pytest.fixture(autouse=True)
def _fresh_provider_cache() -> Iterator[None]:
    clear_provider_cache()
    yield
    clear_provider_cache()


@pytest.mark.parametrize("api_key", [None, "", "  "])
def test_factory_is_offline_without_a_key(settings, api_key):
    settings.GEMINI_API_KEY = api_key

    assert isinstance(get_provider(), OfflineProvider)


def test_factory_builds_gemini_from_settings(gemini_settings, fake):
    fake.respond_json({"questions": ["q"]})

    provider = get_provider()

    assert isinstance(provider, GeminiProvider)
    assert (provider.model, provider.base_url, provider.timeout_seconds) == (MODEL, fake.url, 7.0)
    assert provider.complete(make_request()).data == {"questions": ["q"]}
    assert len(fake.calls) == 1


def test_factory_timeout_defaults_to_60_seconds(gemini_settings):
    del gemini_settings.AI_REQUEST_TIMEOUT_SECONDS

    assert get_provider().timeout_seconds == 60.0


def test_factory_shares_one_provider_per_configuration(gemini_settings):
    first = get_provider()
    from_other_thread: list[object] = []
    worker = threading.Thread(target=lambda: from_other_thread.append(get_provider()))
    worker.start()
    worker.join()

    assert from_other_thread == [first]

    gemini_settings.GEMINI_MODEL = "gemini-2.5-pro"
    assert get_provider() is not first


def test_the_request_schema_is_not_modified_by_the_sdk(fake, provider):
    import copy
    import dataclasses

    item = {"type": "object", "properties": {"b": {"type": "string"}, "a": {"type": "string"}}}
    schema = {"type": "object", "properties": {"items": {"type": "array", "items": item}}}
    request = dataclasses.replace(make_request(), response_schema=schema)
    before = copy.deepcopy(request.response_schema)
    fake.respond_json({"questions": []})

    provider.complete(request)

    assert request.response_schema == before
