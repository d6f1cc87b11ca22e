"""Gemini structured output through the google-genai SDK, with failures sorted for the job runner.

One `complete()` is one HTTP request: the job system retries (recording an attempt row each
time), so the SDK's own retries are switched off. Every failure becomes a TransientAIError
(worth another attempt) or a PermanentAIError (retrying cannot help), and no message carries the
API key.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import httpx2
from google import genai
from google.genai import errors as genai_errors
from google.genai import types

from .base import AIRequest, AIResponse, PermanentAIError, TransientAIError


def _http_layer_errors() -> tuple[tuple[type[Exception], ...], tuple[type[Exception], ...]]:
    """(timeout errors, all transport errors) of the HTTP libraries the SDK may send with.

    google-genai 3.6.1 sends with httpx2 (a hard dependency); it uses httpx instead when that is
    installed and GOOGLE_GENAI_HTTP_CLIENT=httpx. The two do not share exception classes.
    """
    timeouts: list[type[Exception]] = [httpx2.TimeoutException]
    transport: list[type[Exception]] = [httpx2.TransportError]
    try:
        import httpx
    except ImportError:
        pass
    else:
        timeouts.append(httpx.TimeoutException)
        transport.append(httpx.TransportError)
    return tuple(timeouts), tuple(transport)


# TransportError covers timeouts, refused/reset connections and protocol errors alike.
TIMEOUT_ERRORS, TRANSPORT_ERRORS = _http_layer_errors()

# 408 and 429 are the client errors that go away by waiting; every other 4xx means the request,
# the key or the model is wrong, and sending it again cannot help.
_RETRYABLE_CLIENT_STATUSES = frozenset({408, 429})

# Finish reasons meaning the model's output was withheld or cut, not completed. Worth another
# attempt: sampling differs between calls and such blocks are often not repeated.
_BLOCKING_FINISH_REASONS = frozenset(
    {
        types.FinishReason.SAFETY,
        types.FinishReason.RECITATION,
        types.FinishReason.BLOCKLIST,
        types.FinishReason.PROHIBITED_CONTENT,
        types.FinishReason.SPII,
    }
)

# The SDK is told "no retries" explicitly, not by leaving retry_options unset, so a future SDK
# default cannot silently multiply our HTTP requests.
_NO_SDK_RETRIES = types.HttpRetryOptions(attempts=1)

# httpx2's default pool caps a client at 100 connections, and a request queued for one spends
# its timeout waiting. Our worker threads already bound concurrency, so there is no second cap;
# idle connections beyond 100 are closed rather than kept.
_CONNECTION_LIMITS = httpx2.Limits(max_connections=None, max_keepalive_connections=100)


class GeminiProvider:
    """Structured JSON answers from one Gemini model; one HTTP request per `complete()`."""

    name = "gemini"

    def __init__(
        self,
        api_key: str,
        model: str,
        base_url: str | None = None,
        timeout_seconds: float = 60.0,
    ) -> None:
        if not api_key.strip():
            raise ValueError("GeminiProvider needs an API key")
        if timeout_seconds <= 0:
            # The SDK reads a zero timeout as "no timeout at all".
            raise ValueError("timeout_seconds must be positive")
        self.model = model
        self.base_url = base_url
        self.timeout_seconds = timeout_seconds
        self._api_key = api_key.strip()  # kept only to scrub it from error messages
        self._client = genai.Client(
            vertexai=False,  # never let GOOGLE_GENAI_USE_VERTEXAI switch backends under us
            api_key=self._api_key,
            http_options=types.HttpOptions(
                base_url=base_url,
                # Structured output (responseSchema) and systemInstruction are documented on
                # v1beta; pin it rather than follow the SDK's default version.
                api_version="v1beta",
                timeout=max(1, round(timeout_seconds * 1000)),  # the SDK takes milliseconds
                retry_options=_NO_SDK_RETRIES,
                client_args={"limits": _CONNECTION_LIMITS},
            ),
        )

    def __repr__(self) -> str:
        return (
            f"GeminiProvider(model={self.model!r}, base_url={self.base_url!r}, "
            f"timeout_seconds={self.timeout_seconds!r})"
        )

    def complete(self, request: AIRequest) -> AIResponse:
        config = _build_config(request)
        response = self._send(request.contents, config)
        return self._parse_response(response)

    def _send(
        self, contents: str, config: types.GenerateContentConfig
    ) -> types.GenerateContentResponse:
        """The one HTTP request, with every way it can fail turned into an AIError."""
        try:
            return self._client.models.generate_content(
                model=self.model, contents=contents, config=config
            )
        except genai_errors.APIError as exc:
            # Not chained: the SDK error's text echoes the response body unscrubbed, and ours
            # carries the same facts (status, message, body as raw_text) with the key removed.
            raise self._classify_api_error(exc) from None
        except TIMEOUT_ERRORS as exc:
            raise TransientAIError(
                f"provider timeout after {self.timeout_seconds:g} s ({type(exc).__name__})"
            ) from exc
        except TRANSPORT_ERRORS as exc:
            raise TransientAIError(
                self._scrub(f"provider connection failed: {type(exc).__name__}: {exc}")
            ) from exc
        except (genai_errors.UnknownApiResponseError, json.JSONDecodeError) as exc:
            # HTTP 200 whose body is not JSON: a proxy or gateway answered, not Gemini. The SDK
            # parses the body itself, so this JSONDecodeError cannot come from our code.
            body = exc.doc if isinstance(exc, json.JSONDecodeError) else str(exc)
            raise TransientAIError(
                "provider answered HTTP 200 with a body that is not JSON",
                raw_text=self._scrub(body),
                status_code=200,
            ) from exc

    def _classify_api_error(
        self, exc: genai_errors.APIError
    ) -> TransientAIError | PermanentAIError:
        status = exc.code
        message = self._scrub(f"Gemini HTTP {status} {exc.status or ''}: {exc.message or ''}")
        raw_text = self._scrub(json.dumps(exc.details, default=str))
        is_client_error = isinstance(exc, genai_errors.ClientError)
        if is_client_error and status not in _RETRYABLE_CLIENT_STATUSES:
            return PermanentAIError(message, raw_text=raw_text, status_code=status)
        # 408, 429, 5xx, and any odd status outside 4xx/5xx (e.g. an unexpected redirect page).
        return TransientAIError(message, raw_text=raw_text, status_code=status)

    def _parse_response(self, response: types.GenerateContentResponse) -> AIResponse:
        if not response.candidates:
            feedback = response.prompt_feedback
            raise TransientAIError(
                "Gemini returned no candidates "
                f"(prompt blocked: {_reason(feedback.block_reason if feedback else None)})",
                raw_text=_dump(response),
            )
        finish_reason = response.candidates[0].finish_reason
        raw_text = response.text or ""
        if finish_reason in _BLOCKING_FINISH_REASONS:
            raise TransientAIError(
                f"Gemini withheld the answer (finish reason {_reason(finish_reason)})",
                raw_text=raw_text or _dump(response),
            )
        if not raw_text.strip():
            raise TransientAIError(
                f"Gemini returned an empty answer (finish reason {_reason(finish_reason)})",
                raw_text=_dump(response),
            )
        usage = response.usage_metadata
        return AIResponse(
            data=_parse_json_object(raw_text, finish_reason),
            raw_text=raw_text,
            provider=self.name,
            model=self.model,
            input_tokens=usage.prompt_token_count if usage else None,
            output_tokens=usage.candidates_token_count if usage else None,
            extra={
                "finish_reason": _reason(finish_reason),
                "model_version": response.model_version,
                # Thinking models bill these as output tokens on top of candidates_token_count.
                "thoughts_tokens": usage.thoughts_token_count if usage else None,
            },
        )

    def _scrub(self, text: str) -> str:
        return text.replace(self._api_key, "[redacted]")


def _build_config(request: AIRequest) -> types.GenerateContentConfig:
    try:
        return types.GenerateContentConfig(
            system_instruction=request.system_instruction,
            response_mime_type="application/json",
            # The SDK edits the schema it is given (it adds propertyOrdering): hand it a copy,
            # so the shared schema constants stay as written.
            response_schema=copy.deepcopy(request.response_schema),
            temperature=request.temperature,
            # We send no tools, but say so: the SDK's automatic function calling is the other
            # way one generate_content() could become several HTTP requests.
            automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True),
        )
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        # A schema or setting the SDK rejects is a bug in our request; it will not heal.
        raise PermanentAIError(f"invalid Gemini request config: {exc}") from exc


def _parse_json_object(raw_text: str, finish_reason: types.FinishReason | None) -> dict[str, Any]:
    try:
        data = json.loads(raw_text)
    except json.JSONDecodeError as exc:
        # MAX_TOKENS truncation shows up here too; the finish reason tells the two apart.
        raise TransientAIError(
            f"Gemini answer is not valid JSON ({exc.msg} at char {exc.pos}; "
            f"finish reason {_reason(finish_reason)})",
            raw_text=raw_text,
        ) from exc
    if not isinstance(data, dict):
        raise TransientAIError(
            f"Gemini answer is JSON {type(data).__name__}, not an object", raw_text=raw_text
        )
    return data


def _reason(value: object) -> str:
    """An SDK enum (finish or block reason) as its API name; "unknown" when absent."""
    if value is None:
        return "unknown"
    return str(getattr(value, "value", value))


def _dump(response: types.GenerateContentResponse) -> str:
    """The whole response as JSON, for the audit trail when there is no answer text to keep."""
    # sdk_http_response is transport detail (HTTP headers), not something Gemini said.
    return response.model_dump_json(exclude_none=True, exclude={"sdk_http_response"})
